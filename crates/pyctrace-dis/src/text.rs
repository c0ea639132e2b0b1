//! The text formatter: what each version's `dis.dis(code)` prints.
//!
//! Layouts, by release line (read off each interpreter's `Lib/dis.py`):
//! - 2.x: `print` statements with trailing commas: fields joined by one
//!   space, nothing stripped; `%3d` line numbers, offsets `rjust(4)`.
//! - 3.0-3.3: the same columns with `print(..., end=' ')`: as 2.x, plus a
//!   space at the end of every line; 3.3 shows `hasnargs` arguments as
//!   `(N positional, M keyword pair)`.
//! - 3.4-3.12: `Instruction._disassemble` (3.4/3.5 with that `hasnargs`
//!   text too): line column, `-->` column,
//!   `>>` column, offset, opname `ljust(20)`, arg `rjust(5)`, `(argrepr)`,
//!   joined by spaces and right-stripped; 3.11/3.12 end with `ExceptionTable:`.
//! - 3.13+: `Formatter.print_instruction_line`: line column (`--` for no
//!   line), label column (`L1:`), no offsets, `to L2` jump arguments and an
//!   exception table in labels.

use std::fmt::{self, Write};
use std::sync::OnceLock;

use pyctrace_bytecode::{ArgKind, Mnemonic};

use crate::compact::{opname_of, put_i64, put_u64, Ins};
use pyctrace_marshal::{Node, PyVersion, Pyc};

use crate::model::{walk_root, Builder, CodeListing, Disassembly, Listings, View};

/// What to do with instructions not reachable from the entry and handlers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Unreachable {
    /// Print them like any other (exactly what `dis` prints).
    #[default]
    Show,
    /// Print them with [`UNREACHABLE_MARK`] in the `-->` column.
    Mark,
    /// Leave them out.
    Hide,
}

/// Marker of unreachable instructions with [`Unreachable::Mark`] (it takes
/// the place of `dis`'s three-character "current instruction" column).
pub const UNREACHABLE_MARK: &str = "xx ";

#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    pub unreachable: Unreachable,
    /// 3.13+: add the offset column (`dis --show-offsets`); older versions
    /// always print offsets.
    pub show_offsets: bool,
}

const OPNAME_WIDTH: usize = 20;
const OPARG_WIDTH: usize = 5;

/// Writes the whole disassembly (every code object, nested ones under
/// `Disassembly of <code object ...>:` headers).
pub fn write_text<W: Write>(dis: &Disassembly, opts: &TextOptions, out: &mut W) -> fmt::Result {
    let mut buf = String::new();
    for (i, code) in dis.codes.iter().enumerate() {
        buf.clear();
        if i > 0 {
            header(&code.repr, &mut buf);
        }
        format_code(&code.view(dis.version), opts, &mut buf);
        out.write_str(&buf)?;
    }
    Ok(())
}

/// [`write_text`] into an `io::Write` sink.
pub fn write_text_io<W: std::io::Write>(
    dis: &Disassembly,
    opts: &TextOptions,
    out: &mut W,
) -> std::io::Result<()> {
    let mut buf = String::new();
    for (i, code) in dis.codes.iter().enumerate() {
        buf.clear();
        if i > 0 {
            header(&code.repr, &mut buf);
        }
        format_code(&code.view(dis.version), opts, &mut buf);
        out.write_all(buf.as_bytes())?;
    }
    Ok(())
}

/// The whole text as a `String`.
pub fn to_text(dis: &Disassembly, opts: &TextOptions) -> String {
    let mut s = String::new();
    for (i, code) in dis.codes.iter().enumerate() {
        if i > 0 {
            header(&code.repr, &mut s);
        }
        format_code(&code.view(dis.version), opts, &mut s);
    }
    s
}

/// The text of the code objects under `root` (what [`to_text`] of
/// [`disassemble`](crate::disassemble) gives), appended to `out` as each
/// code object is decoded, without building the model.
pub fn write_text_of(root: &Node<'_>, version: PyVersion, opts: &TextOptions, out: &mut String) {
    let mut stream = Stream {
        opts,
        first: true,
        out,
    };
    walk_root(root, version, &mut stream);
}

/// [`write_text_of`] of a loaded `.pyc`.
pub fn write_pyc_text(pyc: &Pyc<'_>, opts: &TextOptions, out: &mut String) {
    write_text_of(&pyc.root, pyc.version, opts, out)
}

/// [`write_text_of`] into an `io::Write` sink (written in pieces of about
/// [`IO_CHUNK`] bytes).
pub fn write_pyc_text_io<W: std::io::Write>(
    pyc: &Pyc<'_>,
    opts: &TextOptions,
    out: &mut W,
) -> std::io::Result<()> {
    let mut stream = IoStream {
        buf: String::with_capacity(IO_CHUNK + IO_CHUNK / 4),
        sink: out,
        opts,
        first: true,
        error: None,
    };
    walk_root(&pyc.root, pyc.version, &mut stream);
    if let Some(e) = stream.error {
        return Err(e);
    }
    stream.sink.write_all(stream.buf.as_bytes())
}

/// How much text [`write_pyc_text_io`] gathers before writing it out.
const IO_CHUNK: usize = 64 * 1024;

/// Formats each code object as the walk builds it.
struct Stream<'o> {
    opts: &'o TextOptions,
    first: bool,
    out: &'o mut String,
}

impl Listings for Stream<'_> {
    fn wants_reach(&self) -> bool {
        self.opts.unreachable != Unreachable::Show
    }

    fn listing(&mut self, built: &Builder<'_, '_, '_>, _depth: usize, repr: Option<&str>) {
        stream_listing(built, repr, self.opts, &mut self.first, self.out);
    }
}

/// [`Stream`] into an `io::Write` sink.
struct IoStream<'o, W> {
    buf: String,
    sink: &'o mut W,
    opts: &'o TextOptions,
    first: bool,
    /// The first write error (the rest of the walk writes nothing).
    error: Option<std::io::Error>,
}

impl<W: std::io::Write> Listings for IoStream<'_, W> {
    fn wants_reach(&self) -> bool {
        self.opts.unreachable != Unreachable::Show
    }

    fn listing(&mut self, built: &Builder<'_, '_, '_>, _depth: usize, repr: Option<&str>) {
        if self.error.is_some() {
            return;
        }
        stream_listing(built, repr, self.opts, &mut self.first, &mut self.buf);
        if self.buf.len() >= IO_CHUNK {
            if let Err(e) = self.sink.write_all(self.buf.as_bytes()) {
                self.error = Some(e);
            }
            self.buf.clear();
        }
    }
}

/// One code object of a stream, with its header unless it is the first.
fn stream_listing(
    built: &Builder<'_, '_, '_>,
    repr: Option<&str>,
    opts: &TextOptions,
    first: &mut bool,
    out: &mut String,
) {
    if !*first {
        out.push_str("\nDisassembly of ");
        match repr {
            Some(r) => out.push_str(r),
            None => built.code_repr_into(out),
        }
        out.push_str(":\n");
    }
    *first = false;
    format_code(&built.view(), opts, out);
}

/// `\nDisassembly of <code object ...>:\n`
fn header(repr: &str, out: &mut String) {
    out.push_str("\nDisassembly of ");
    out.push_str(repr);
    out.push_str(":\n");
}

/// One code object, without its header.
pub fn write_code<W: Write>(
    dis: &Disassembly,
    code: &CodeListing,
    opts: &TextOptions,
    out: &mut W,
) -> fmt::Result {
    let mut buf = String::new();
    format_code(&code.view(dis.version), opts, &mut buf);
    out.write_str(&buf)
}

/// [`write_code`] appending to a `String`.
fn format_code(code: &View<'_>, opts: &TextOptions, out: &mut String) {
    let v = code.version;
    let layout = if v.is_py2() {
        Layout::Py2
    } else if !v.at_least(3, 4) {
        Layout::Py30
    } else if v.at_least(3, 13) {
        Layout::Py313
    } else {
        Layout::Py3
    };
    let cols = Columns {
        // widths beyond what numbers can need change nothing; the caps keep
        // every line inside the buffer
        lineno: code.lineno_width.min(16),
        offset: if layout == Layout::Py313 && opts.show_offsets {
            // len(str(max(len(co_code) - 2, 9999)))
            dec_len((code.code_len as i64 - 2).max(9999))
        } else {
            code.offset_width.min(24)
        },
        label: code.label_width.min(32),
        show_offsets: opts.show_offsets,
    };
    let names = names();
    let args = code.args;
    out.reserve(code.items.len() * 48);
    for ins in code.items {
        let reachable = ins.has(Ins::REACHABLE);
        if !reachable && opts.unreachable == Unreachable::Hide {
            continue;
        }
        let mark = if !reachable && opts.unreachable == Unreachable::Mark {
            MARK
        } else {
            b"   "
        };
        let name = names.of(ins);
        let parens = with_line(out, |line| {
            if ins.has(Ins::STARTS_LINE) && ins.offset > 0 && code.lineno_width > 0 {
                line.byte(b'\n');
            }
            let parens = match layout {
                Layout::Py2 | Layout::Py30 => line_py2(&cols, ins, name, mark, line),
                Layout::Py3 => line_py3(&cols, ins, name, mark, line),
                Layout::Py313 => line_313(&cols, ins, name, mark, line),
            };
            // 2.x prints the parentheses of some kinds even around nothing
            let text = args.argrepr_text(ins);
            let parens = parens == Parens::Always
                || (parens == Parens::IfAny
                    && match text {
                        Some(t) => !t.is_empty(),
                        None => !args.argrepr_is_empty(ins),
                    });
            if !parens {
                if layout == Layout::Py30 {
                    line.byte(b' ');
                }
                line.byte(b'\n');
                return false;
            }
            line.fixed(b" (");
            match text {
                Some(t) if t.len() <= SHORT_ARG => {
                    line.short_text(t);
                    if layout == Layout::Py30 {
                        line.byte(b')');
                        line.byte(b' ');
                        line.byte(b'\n');
                    } else {
                        line.fixed(b")\n");
                    }
                    false
                }
                _ => true,
            }
        });
        if parens {
            args.argrepr_into(ins, out);
            out.push_str(if layout == Layout::Py30 {
                ") \n"
            } else {
                ")\n"
            });
        }
    }
    write_exception_table(code, out);
    // Outside parity mode, say what the listing had to work around.
    if opts.unreachable != Unreachable::Show {
        for note in code.notes {
            out.push_str("    ; ");
            out.push_str(note);
            out.push('\n');
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Py2,
    /// 3.0-3.3: the 2.x columns printed with `print(..., end=' ')`, so
    /// every line ends in a space.
    Py30,
    Py3,
    Py313,
}

/// Whether `(argrepr)` ends the line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parens {
    Never,
    /// When there is an argrepr.
    IfAny,
    Always,
}

/// Column widths of a code object's lines.
struct Columns {
    lineno: usize,
    offset: usize,
    label: usize,
    show_offsets: bool,
}

/// [`UNREACHABLE_MARK`] as bytes (three, like the column it replaces).
const MARK: &[u8; 3] = match UNREACHABLE_MARK.as_bytes() {
    [a, b, c] => &[*a, *b, *c],
    _ => panic!("the mark takes three columns"),
};

/// Bytes of one line's columns (before the argrepr) at most, with room
/// for the fixed-size writes: a newline, line number (16), label (32),
/// offset (24 + 3), mark (3), name (48 written), argument (21 + `L`),
/// separators, and 32 spaces written at a time; then a short argrepr
/// ([`SHORT_ARG`]) with its parentheses and the newline.
const LINE_CAP: usize = 224 + SHORT_ARG + 4;

/// Argument texts up to this long are copied with the line's columns.
const SHORT_ARG: usize = 64;

/// Spaces, for the fixed-size writes of spaces.
const SPACES: [u8; 32] = [b' '; 32];

/// Builds one line's columns with `f` straight into `out`'s spare
/// capacity, then appends them.
#[inline]
fn with_line<R>(out: &mut String, f: impl FnOnce(&mut Line) -> R) -> R {
    out.reserve(LINE_CAP);
    // SAFETY: only whole `str`s and ASCII are appended (see `Line`), so
    // `out` stays UTF-8.
    let v = unsafe { out.as_mut_vec() };
    let start = v.len();
    let mut line = Line {
        // SAFETY: `start` is the length, within the allocation.
        buf: unsafe { v.as_mut_ptr().add(start) },
        len: 0,
    };
    let result = f(&mut line);
    let len = line.len;
    assert!(len <= LINE_CAP);
    // SAFETY: `Line` initialized every byte before `len` (each method
    // writes at least the bytes it moves `len` over), inside the capacity
    // reserved above.
    unsafe { v.set_len(start + len) };
    result
}

/// The columns of one line, written without bounds checks into the
/// [`LINE_CAP`] bytes [`with_line`] reserved: the widths are capped so that
/// no line can need more (each write checks this in debug builds). Every
/// method writes (ASCII, or a whole `str`) at least the bytes it moves
/// `len` over; some write a fixed size beyond, which later writes
/// overwrite or the end of the line drops.
struct Line {
    buf: *mut u8,
    len: usize,
}

impl Line {
    /// Copies `src` to `len + at` (not moving `len`).
    #[inline(always)]
    fn put(&mut self, at: usize, src: &[u8]) {
        debug_assert!(self.len + at + src.len() <= LINE_CAP);
        // SAFETY: inside the reserved LINE_CAP bytes (see `Line`).
        unsafe {
            std::ptr::copy_nonoverlapping(src.as_ptr(), self.buf.add(self.len + at), src.len())
        };
    }

    /// Writes `b` at absolute position `i` of the line.
    #[inline(always)]
    fn put_at(&mut self, i: usize, b: u8) {
        debug_assert!(i < LINE_CAP);
        // SAFETY: inside the reserved LINE_CAP bytes (see `Line`).
        unsafe { self.buf.add(i).write(b) };
    }

    #[inline(always)]
    fn byte(&mut self, b: u8) {
        debug_assert!(b.is_ascii());
        self.put_at(self.len, b);
        self.len += 1;
    }

    /// Appends a short constant.
    #[inline(always)]
    fn fixed<const N: usize>(&mut self, b: &[u8; N]) {
        debug_assert!(b.is_ascii());
        self.put(0, b);
        self.len += N;
    }

    /// Appends a short text (at most [`SHORT_ARG`] bytes), in a few
    /// overlapping fixed-size copies rather than a call to `memcpy`.
    #[inline(always)]
    fn short_text(&mut self, s: &str) {
        let b = s.as_bytes();
        let n = b.len();
        debug_assert!(n <= SHORT_ARG);
        if n >= 16 {
            let head: &[u8; 16] = b[..16].try_into().unwrap_or(&[b' '; 16]);
            let tail: &[u8; 16] = b[n - 16..].try_into().unwrap_or(&[b' '; 16]);
            if n > 32 {
                let mid1: &[u8; 16] = b[16..32].try_into().unwrap_or(&[b' '; 16]);
                let mid2: &[u8; 16] = b[n - 32..n - 16].try_into().unwrap_or(&[b' '; 16]);
                self.put(16, mid1);
                self.put(n - 32, mid2);
            }
            self.put(0, head);
            self.put(n - 16, tail);
        } else if n >= 8 {
            let head: &[u8; 8] = b[..8].try_into().unwrap_or(&[b' '; 8]);
            let tail: &[u8; 8] = b[n - 8..].try_into().unwrap_or(&[b' '; 8]);
            self.put(0, head);
            self.put(n - 8, tail);
        } else if n >= 4 {
            let head: &[u8; 4] = b[..4].try_into().unwrap_or(&[b' '; 4]);
            let tail: &[u8; 4] = b[n - 4..].try_into().unwrap_or(&[b' '; 4]);
            self.put(0, head);
            self.put(n - 4, tail);
        } else {
            for (i, &c) in b.iter().enumerate() {
                self.put_at(self.len + i, c);
            }
        }
        self.len += n;
    }

    #[inline(always)]
    fn spaces(&mut self, mut n: usize) {
        loop {
            self.put(0, &SPACES);
            if n <= SPACES.len() {
                self.len += n;
                return;
            }
            self.len += SPACES.len();
            n -= SPACES.len();
        }
    }

    /// `text.rjust(width)` for ASCII text.
    #[inline(always)]
    fn ascii_rjust(&mut self, s: &str, width: usize) {
        if s.len() < width {
            self.spaces(width - s.len());
        }
        for &b in s.as_bytes() {
            self.byte(b);
        }
    }

    /// `(str(n) + suffix).rjust(width)`, `suffix` empty or one character.
    #[inline(always)]
    fn num_rjust(&mut self, n: i64, suffix: Option<u8>, width: usize) {
        let mut m = n.unsigned_abs();
        let digits = digit_count(m);
        let len = digits + (n < 0) as usize + suffix.is_some() as usize;
        if len < width {
            self.spaces(width - len);
        }
        if n < 0 {
            self.byte(b'-');
        }
        let end = self.len + digits;
        let mut i = end;
        while m >= 100 {
            let pair = &DIGIT_PAIRS[(m % 100) as usize];
            m /= 100;
            i -= 2;
            self.put_at(i, pair[0]);
            self.put_at(i + 1, pair[1]);
        }
        if m >= 10 {
            let pair = &DIGIT_PAIRS[m as usize];
            self.put_at(i - 2, pair[0]);
            self.put_at(i - 1, pair[1]);
        } else {
            self.put_at(i - 1, b'0' + m as u8);
        }
        self.len = end;
        if let Some(c) = suffix {
            self.byte(c);
        }
    }

    /// An opcode name, left-justified to `width` (0: as is).
    #[inline(always)]
    fn name_ljust(&mut self, name: &Name, width: usize) {
        // the name and spaces, in one fixed-size write
        self.put(0, &name.padded);
        let advance = (name.len as usize).max(width);
        debug_assert!(advance <= NAME_BYTES);
        self.len += advance.min(NAME_BYTES);
    }
}

/// "00" to "99".
static DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut pairs = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        pairs[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    pairs
};

/// Decimal digits of `n`.
#[inline(always)]
fn digit_count(n: u64) -> usize {
    if n < 10 {
        1
    } else if n < 100 {
        2
    } else if n < 1000 {
        3
    } else if n < 10000 {
        4
    } else {
        let mut len = 5;
        let mut m = n / 100000;
        while m > 0 {
            m /= 10;
            len += 1;
        }
        len
    }
}

/// Characters of `n` in decimal, with its sign.
fn dec_len(n: i64) -> usize {
    digit_count(n.unsigned_abs()) + (n < 0) as usize
}

/// Room for an opcode name (the longest has 44 characters).
const NAME_BYTES: usize = 48;

/// An opcode name followed by spaces.
struct Name {
    padded: [u8; NAME_BYTES],
    len: u8,
}

impl Name {
    fn new(name: &str) -> Self {
        // every name fits and is ASCII; anything else would show as `?`
        let name = if name.len() <= NAME_BYTES && name.is_ascii() {
            name
        } else {
            "?"
        };
        let mut padded = [b' '; NAME_BYTES];
        padded[..name.len()].copy_from_slice(name.as_bytes());
        Name {
            padded,
            len: name.len() as u8,
        }
    }
}

/// Every opcode name (by mnemonic), and `<N>` for every byte.
struct Names {
    mnemonics: Vec<Name>,
    undefined: Vec<Name>,
}

impl Names {
    /// The name `dis` shows for `ins` (its `opname`).
    #[inline]
    fn of(&self, ins: &Ins) -> &Name {
        match ins.mnemonic {
            Some(m) => &self.mnemonics[m as usize],
            None => &self.undefined[ins.opcode as usize],
        }
    }
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let size = Mnemonic::ALL
            .iter()
            .map(|&m| m as usize + 1)
            .max()
            .unwrap_or(0);
        let mut mnemonics: Vec<Name> = (0..size).map(|_| Name::new("?")).collect();
        for &m in Mnemonic::ALL {
            mnemonics[m as usize] = Name::new(opname_of(0, Some(m)));
        }
        let undefined = (0..=255u8).map(|b| Name::new(opname_of(b, None))).collect();
        Names {
            mnemonics,
            undefined,
        }
    })
}

/// 2.x: `print` items joined by single spaces, trailing padding kept.
fn line_py2(cols: &Columns, ins: &Ins, name: &Name, mark: &[u8; 3], s: &mut Line) -> Parens {
    match (ins.has(Ins::STARTS_LINE), ins.line()) {
        (true, Some(l)) => s.num_rjust(l as i64, None, cols.lineno),
        _ => s.spaces(3),
    }
    s.byte(b' ');
    s.fixed(mark);
    s.fixed(if ins.label != 0 { b" >> " } else { b"    " });
    s.num_rjust(ins.offset as i64, None, 4);
    s.byte(b' ');
    if ins.has(Ins::TRUNCATED) {
        s.name_ljust(name, 0);
        s.fixed(b" <truncated>");
        return Parens::Never;
    }
    s.name_ljust(name, OPNAME_WIDTH);
    if !ins.has(Ins::HAS_ARG) {
        return Parens::Never;
    }
    s.byte(b' ');
    s.num_rjust(
        ins.arg(),
        ins.has(Ins::ARG_LONG).then_some(b'L'),
        OPARG_WIDTH,
    );
    match ins.kind {
        ArgKind::Const
        | ArgKind::Name
        | ArgKind::JumpForward
        | ArgKind::Local
        | ArgKind::Compare
        | ArgKind::Free => Parens::Always,
        _ => Parens::IfAny,
    }
}

/// 3.0-3.12: `Instruction._disassemble`: fields joined by spaces and the
/// whole right-stripped, so the name is only padded when an argument
/// follows.
fn line_py3(cols: &Columns, ins: &Ins, name: &Name, mark: &[u8; 3], s: &mut Line) -> Parens {
    if cols.lineno > 0 {
        match (ins.has(Ins::STARTS_LINE), ins.line()) {
            (true, Some(l)) => s.num_rjust(l as i64, None, cols.lineno),
            _ => s.spaces(cols.lineno),
        }
        s.byte(b' ');
    }
    s.fixed(mark);
    s.fixed(if ins.label != 0 { b" >> " } else { b"    " });
    s.num_rjust(ins.offset as i64, None, cols.offset);
    s.byte(b' ');
    if ins.has(Ins::TRUNCATED) {
        s.name_ljust(name, 0);
        s.fixed(b" <truncated>");
        return Parens::Never;
    }
    if !ins.has(Ins::HAS_ARG) {
        s.name_ljust(name, 0);
        return Parens::Never;
    }
    s.name_ljust(name, OPNAME_WIDTH);
    s.byte(b' ');
    s.num_rjust(
        ins.arg(),
        ins.has(Ins::ARG_LONG).then_some(b'L'),
        OPARG_WIDTH,
    );
    Parens::IfAny
}

/// 3.13+: `Formatter.print_instruction_line`.
fn line_313(cols: &Columns, ins: &Ins, name: &Name, mark: &[u8; 3], s: &mut Line) -> Parens {
    if cols.lineno > 0 {
        match (ins.has(Ins::STARTS_LINE), ins.line()) {
            (true, Some(l)) => s.num_rjust(l as i64, None, cols.lineno),
            (true, None) => s.ascii_rjust("  --", cols.lineno),
            (false, _) => s.spaces(cols.lineno),
        }
        s.byte(b' ');
    }
    if ins.label != 0 {
        // f"L{l}:".rjust(label_width)
        let len = dec_len(ins.label as i64) + 2;
        if len < cols.label {
            s.spaces(cols.label - len);
        }
        s.byte(b'L');
        s.num_rjust(ins.label as i64, Some(b':'), 0);
    } else {
        s.spaces(cols.label);
    }
    s.byte(b' ');
    if cols.show_offsets {
        s.num_rjust(ins.offset as i64, None, cols.offset);
        s.fixed(b"   ");
    }
    s.fixed(mark);
    s.byte(b' ');
    if ins.has(Ins::TRUNCATED) {
        s.name_ljust(name, 0);
        s.fixed(b" <truncated>");
        return Parens::Never;
    }
    if !ins.has(Ins::HAS_ARG) {
        s.name_ljust(name, 0);
        return Parens::Never;
    }
    s.name_ljust(name, OPNAME_WIDTH);
    s.byte(b' ');
    let excess = (name.len as usize).saturating_sub(OPNAME_WIDTH);
    s.num_rjust(
        ins.arg(),
        ins.has(Ins::ARG_LONG).then_some(b'L'),
        OPARG_WIDTH.saturating_sub(excess),
    );
    Parens::IfAny
}

fn write_exception_table(code: &View<'_>, out: &mut String) {
    if code.exception_table.is_empty() || !code.version.at_least(3, 11) {
        return;
    }
    out.push_str("ExceptionTable:\n");
    for e in code.exception_table {
        if code.version.at_least(3, 13) {
            let l = |o: u64| code.labels.get(o as i64).unwrap_or(0) as i64;
            out.push_str("  L");
            put_i64(out, l(e.start));
            out.push_str(" to L");
            put_i64(out, l(e.end));
            out.push_str(" -> L");
            put_i64(out, l(e.target));
        } else {
            out.push_str("  ");
            put_u64(out, e.start);
            out.push_str(" to ");
            // e.end - 2, in Python's unbounded integers
            let end = e.end as i128 - 2;
            if end < 0 {
                out.push('-');
            }
            put_u64(out, end.unsigned_abs() as u64);
            out.push_str(" -> ");
            put_u64(out, e.target);
        }
        out.push_str(" [");
        put_u64(out, e.depth);
        out.push(']');
        if e.lasti {
            out.push_str(" lasti");
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_copied_whole() {
        let source: String = (0..SHORT_ARG as u8).map(|i| (b'!' + i) as char).collect();
        for n in 0..=SHORT_ARG {
            for start in [0, (SHORT_ARG - n).min(1), SHORT_ARG - n] {
                let text = &source[start..start + n];
                let mut out = String::from("x");
                with_line(&mut out, |line| {
                    line.byte(b'[');
                    line.short_text(text);
                    line.byte(b']');
                });
                assert_eq!(out, format!("x[{text}]"), "{n} bytes from {start}");
            }
        }
    }
}
