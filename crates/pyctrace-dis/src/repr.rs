//! Python `repr()` of marshalled constants, as the interpreter of a given
//! release line prints them (2.x `str`/`unicode`/`long`, 3.x `str`/`bytes`,
//! shortest float repr, code objects, containers in file order).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use pyctrace_marshal::oracle::long_to_bigint;
use pyctrace_marshal::{CodeField, FieldValue, Node, Obj, PyVersion, StrType};

use crate::compact::put_i64 as push_i64;
use crate::printable;

/// Containers nested deeper than this are shown as `...` (the reader bounds
/// nesting already; this only keeps output finite on crafted ref graphs).
const MAX_DEPTH: usize = 64;

/// A repr longer than this (in bytes) is cut with `...`: crafted ref graphs
/// can describe objects whose repr is exponentially long.
const MAX_REPR_LEN: usize = 1 << 20;

/// What an object is, as far as text goes.
pub(crate) enum Text {
    /// A text string (3.x `str`, 2.x `unicode`), as code points.
    Unicode(Vec<u32>),
    /// A byte string (3.x `bytes`, 2.x `str`).
    Bytes(Vec<u8>),
}

/// Decodes marshal string payloads: one-byte kinds are Latin-1, the others
/// UTF-8 with lone surrogates allowed (CPython's `surrogatepass`); invalid
/// bytes become U+FFFD.
pub(crate) fn decode_utf8_lenient(data: &[u8]) -> Vec<u32> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        let (len, init) = match b {
            0x00..=0x7F => {
                out.push(b as u32);
                i += 1;
                continue;
            }
            0xC2..=0xDF => (2, (b & 0x1F) as u32),
            0xE0..=0xEF => (3, (b & 0x0F) as u32),
            0xF0..=0xF4 => (4, (b & 0x07) as u32),
            _ => {
                out.push(0xFFFD);
                i += 1;
                continue;
            }
        };
        if i + len > data.len() || !data[i + 1..i + len].iter().all(|c| c & 0xC0 == 0x80) {
            out.push(0xFFFD);
            i += 1;
            continue;
        }
        let mut cp = init;
        for c in &data[i + 1..i + len] {
            cp = (cp << 6) | (c & 0x3F) as u32;
        }
        let min = match len {
            2 => 0x80,
            3 => 0x800,
            _ => 0x10000,
        };
        if cp < min || cp > 0x10FFFF {
            out.push(0xFFFD);
            i += 1;
            continue;
        }
        out.push(cp);
        i += len;
    }
    out
}

/// Code points to a Rust string (lone surrogates become U+FFFD).
pub(crate) fn cps_to_string(cps: &[u32]) -> String {
    cps.iter()
        .map(|&c| char::from_u32(c).unwrap_or('\u{FFFD}'))
        .collect()
}

/// The text of a string node for `version`, `None` for other objects.
pub(crate) fn node_text(node: &Node<'_>, version: PyVersion) -> Option<Text> {
    let Obj::Str { kind, data } = &node.obj else {
        return None;
    };
    Some(if kind.is_bytes(version.is_py2()) {
        Text::Bytes(data.to_vec())
    } else if kind.is_one_byte_kind() {
        Text::Unicode(data.iter().map(|&b| b as u32).collect())
    } else {
        Text::Unicode(decode_utf8_lenient(data))
    })
}

/// The text of a string node when it needs no decoding: ASCII, or valid
/// UTF-8 in a UTF-8 kind or a byte string (lossy decoding of valid UTF-8
/// changes nothing). `None` for other nodes and strings.
#[inline]
pub(crate) fn str_fast<'n>(node: &'n Node<'_>, version: PyVersion) -> Option<&'n str> {
    let Obj::Str { kind, data } = &node.obj else {
        return None;
    };
    if kind.is_one_byte_kind() && !kind.is_bytes(version.is_py2()) {
        // Latin-1: the same text only in ASCII
        return data.is_ascii().then(|| {
            // SAFETY: ASCII is UTF-8.
            unsafe { std::str::from_utf8_unchecked(data) }
        });
    }
    std::str::from_utf8(data).ok()
}

/// `str(x)` of a name-like object as `dis` prints it inside parentheses (the
/// object itself, not its repr); other objects give their repr.
pub(crate) fn plain_text<'t, 'a>(node: &'t Node<'a>, ctx: &ReprCtx<'t, 'a>) -> String {
    if let Some(s) = str_fast(node, ctx.version) {
        return String::from(s);
    }
    match node_text(node, ctx.version) {
        Some(Text::Unicode(cps)) => cps_to_string(&cps),
        Some(Text::Bytes(b)) => String::from_utf8_lossy(&b).into_owned(),
        None => ctx.repr(node),
    }
}

fn is_printable(cp: u32, version: PyVersion) -> bool {
    let table = printable::NON_PRINTABLE;
    let in_ranges = |ranges: &[(u32, u32)]| {
        let i = ranges.partition_point(|&(_, end)| end < cp);
        i < ranges.len() && ranges[i].0 <= cp
    };
    let mut non_printable = in_ranges(table);
    for &(major, minor, diff) in printable::DIFFERENCES {
        if (major, minor) == (version.major, version.minor) {
            if in_ranges(diff) {
                non_printable = !non_printable;
            }
            break;
        }
    }
    // 3.0-3.5 (not generated): use the oldest table we have.
    if version.major == 3 && version.minor < 6 {
        if let Some(&(_, _, diff)) = printable::DIFFERENCES.first() {
            if in_ranges(diff) {
                non_printable = !non_printable;
            }
        }
    }
    !non_printable
}

fn quote_for(has_single: bool, has_double: bool) -> char {
    if has_single && !has_double {
        '"'
    } else {
        '\''
    }
}

/// `repr()` of a 3.x `str`.
pub fn repr_str3(cps: &[u32], version: PyVersion, out: &mut String) {
    let q = quote_for(cps.contains(&0x27), cps.contains(&0x22));
    out.push(q);
    for &c in cps {
        match c {
            _ if c == q as u32 || c == 0x5C => {
                out.push('\\');
                out.push(char::from_u32(c).unwrap_or('?'));
            }
            0x09 => out.push_str("\\t"),
            0x0A => out.push_str("\\n"),
            0x0D => out.push_str("\\r"),
            0..=0x1F | 0x7F => push_hex_escape(out, 'x', c, 2),
            0x20..=0x7E => out.push(c as u8 as char),
            _ => {
                if is_printable(c, version) {
                    out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                } else if c <= 0xFF {
                    push_hex_escape(out, 'x', c, 2);
                } else if c <= 0xFFFF {
                    push_hex_escape(out, 'u', c, 4);
                } else {
                    push_hex_escape(out, 'U', c, 8);
                }
            }
        }
    }
    out.push(q);
}

/// `repr()` of a 2.x `unicode` (without the `u` prefix).
fn repr_unicode2(cps: &[u32], out: &mut String) {
    let q = quote_for(cps.contains(&0x27), cps.contains(&0x22));
    out.push(q);
    let mut i = 0;
    while i < cps.len() {
        let c = cps[i];
        i += 1;
        if c == q as u32 || c == 0x5C {
            out.push('\\');
            out.push(c as u8 as char);
            continue;
        }
        if c >= 0x10000 {
            push_hex_escape(out, 'U', c, 8);
            continue;
        }
        if (0xD800..0xDC00).contains(&c) && i < cps.len() && (0xDC00..0xE000).contains(&cps[i]) {
            let full = 0x10000 + ((c - 0xD800) << 10) + (cps[i] - 0xDC00);
            i += 1;
            push_hex_escape(out, 'U', full, 8);
            continue;
        }
        match c {
            0x100.. => push_hex_escape(out, 'u', c, 4),
            0x09 => out.push_str("\\t"),
            0x0A => out.push_str("\\n"),
            0x0D => out.push_str("\\r"),
            0..=0x1F | 0x7F..=0xFF => push_hex_escape(out, 'x', c, 2),
            _ => out.push(c as u8 as char),
        }
    }
    out.push(q);
}

/// `repr()` of a byte string (3.x `bytes` without the `b`, 2.x `str`).
fn repr_bytes(data: &[u8], out: &mut String) {
    let q = quote_for(data.contains(&b'\''), data.contains(&b'"'));
    out.reserve(data.len() + 2);
    out.push(q);
    let mut rest = data;
    while !rest.is_empty() {
        // a run of characters shown as themselves, then one escaped
        let run = plain_run(rest, q as u8);
        if run > 0 {
            // SAFETY: printable ASCII (`plain_run`), so UTF-8.
            out.push_str(unsafe { std::str::from_utf8_unchecked(&rest[..run]) });
            rest = &rest[run..];
            continue;
        }
        let c = rest[0];
        rest = &rest[1..];
        match c {
            _ if c == q as u8 || c == b'\\' => {
                out.push('\\');
                out.push(c as char);
            }
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ => push_hex_escape(out, 'x', c as u32, 2),
        }
    }
    out.push(q);
}

/// How many bytes at the start of `s` a repr shows as themselves:
/// printable ASCII other than the quote `q` and the backslash.
fn plain_run(s: &[u8], q: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut i = 0;
    // eight at a time while none is special
    while let Some(chunk) = s.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        // bytes over 0x7E: adding 127 - 0x7E = 1 carries into the top bit
        let above_tilde = (x.wrapping_add(ONES) | x) & HIGH;
        let quote = zero_byte(x ^ (ONES * q as u64));
        let backslash = zero_byte(x ^ (ONES * b'\\' as u64));
        if below_space | above_tilde | quote | backslash != 0 {
            break;
        }
        i += 8;
    }
    while i < s.len() && (0x20..=0x7E).contains(&s[i]) && s[i] != q && s[i] != b'\\' {
        i += 1;
    }
    i
}

/// `\xNN`, `\uNNNN`, `\UNNNNNNNN`: `letter` and `digits` lowercase hex digits.
fn push_hex_escape(out: &mut String, letter: char, c: u32, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('\\');
    out.push(letter);
    for k in (0..digits).rev() {
        out.push(HEX[((c >> (4 * k)) & 15) as usize] as char);
    }
}

/// Python's `repr(float)` (`'r'` format): shortest round-trip digits,
/// exponent form when the decimal exponent is < -4 or >= 16.
pub fn float_repr(x: f64) -> String {
    format_float(x, true, false)
}

/// `PyOS_double_to_string(x, 'r', 0, flags)`: `add_dot_0` appends `.0` to
/// integral values, `sign` always writes a sign.
fn format_float(x: f64, add_dot_0: bool, sign: bool) -> String {
    let mut out = String::new();
    if x.is_nan() {
        if sign {
            out.push('+');
        }
        out.push_str("nan");
        return out;
    }
    if x.is_sign_negative() {
        out.push('-');
    } else if sign {
        out.push('+');
    }
    if x.is_infinite() {
        out.push_str("inf");
        return out;
    }
    let a = x.abs();
    let (digits, decpt) = if a == 0.0 {
        ("0".to_string(), 1i32)
    } else {
        shortest_digits(a)
    };
    let nd = digits.len() as i32;
    if decpt <= -4 || decpt > 16 {
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", e.abs()));
    } else if decpt <= 0 {
        out.push_str("0.");
        for _ in 0..-decpt {
            out.push('0');
        }
        out.push_str(&digits);
    } else if decpt >= nd {
        out.push_str(&digits);
        for _ in 0..decpt - nd {
            out.push('0');
        }
        if add_dot_0 {
            out.push_str(".0");
        }
    } else {
        out.push_str(&digits[..decpt as usize]);
        out.push('.');
        out.push_str(&digits[decpt as usize..]);
    }
    out
}

/// Shortest round-trip decimal digits of a positive finite `a` and the
/// position of the decimal point, choosing among equally short candidates
/// the one nearest to `a` (ties to even), as David Gay's `dtoa` mode 0 does.
fn shortest_digits(a: f64) -> (String, i32) {
    let split = |e: &str| -> (String, i32) {
        let (mant, exp) = e.split_once('e').unwrap_or((e, "0"));
        (mant.replace('.', ""), exp.parse::<i32>().unwrap_or(0) + 1)
    };
    let (digits, decpt) = split(&format!("{a:e}"));
    // the correctly rounded string of that length, if it round-trips too
    let n = digits.len();
    let nearest = format!("{:.*e}", n - 1, a);
    if nearest.parse::<f64>() == Ok(a) {
        let (d2, p2) = split(&nearest);
        if d2.len() == n {
            return (d2, p2);
        }
    }
    (digits, decpt)
}

/// Python's `repr(complex(re, im))`.
pub fn complex_repr(re: f64, im: f64) -> String {
    if re == 0.0 && re.is_sign_positive() {
        format!("{}j", format_float(im, false, false))
    } else {
        format!(
            "({}{}j)",
            format_float(re, false, false),
            format_float(im, false, true)
        )
    }
}

fn parse_float_text(t: &[u8]) -> f64 {
    let s = String::from_utf8_lossy(t);
    let s = s.trim();
    match s.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        "nan" | "+nan" | "-nan" => f64::NAN,
        _ => s.parse().unwrap_or(f64::NAN),
    }
}

/// The objects `r` (3.4+) and `R` (2.x) records name, found like
/// `pyctrace_marshal::refs::RefTable` finds them (a preorder walk, the
/// order CPython fills its ref list in), without allocating per node.
struct Refs<'t, 'a> {
    refs: Vec<&'t Node<'a>>,
    interned: Vec<&'t Node<'a>>,
}

/// The children of a node still to visit.
enum Children<'t, 'a> {
    Items(std::slice::Iter<'t, Node<'a>>),
    Fields(std::slice::Iter<'t, (CodeField, FieldValue<'a>)>),
}

impl<'t, 'a> Children<'t, 'a> {
    fn of(node: &'t Node<'a>) -> Option<Self> {
        match &node.obj {
            Obj::Tuple { items, .. }
            | Obj::List(items)
            | Obj::Set(items)
            | Obj::FrozenSet(items)
            | Obj::Dict(items) => Some(Children::Items(items.iter())),
            Obj::Slice(parts) => Some(Children::Items(parts.iter())),
            Obj::Code(code) => Some(Children::Fields(code.fields.iter())),
            _ => None,
        }
    }

    fn next(&mut self) -> Option<&'t Node<'a>> {
        match self {
            Children::Items(items) => items.next(),
            Children::Fields(fields) => fields.find_map(|(_, v)| match v {
                FieldValue::Obj(node) => Some(node),
                FieldValue::Int(_) => None,
            }),
        }
    }
}

impl<'t, 'a> Refs<'t, 'a> {
    fn build(root: &'t Node<'a>, version: PyVersion) -> Self {
        let mut table = Refs {
            refs: Vec::new(),
            interned: Vec::new(),
        };
        let py2 = version.is_py2();
        let mut visit = |node: &'t Node<'a>| {
            if node.registers_ref() {
                table.refs.push(node);
            }
            if py2
                && matches!(
                    node.obj,
                    Obj::Str {
                        kind: StrType::Interned,
                        ..
                    }
                )
            {
                table.interned.push(node);
            }
        };
        visit(root);
        let mut stack: Vec<Children<'t, 'a>> = Children::of(root).into_iter().collect();
        while let Some(top) = stack.last_mut() {
            match top.next() {
                Some(child) => {
                    visit(child);
                    if let Some(c) = Children::of(child) {
                        stack.push(c);
                    }
                }
                None => {
                    stack.pop();
                }
            }
        }
        table
    }

    /// The node a `r`/`R` record stands for, or the node itself. `None`
    /// for a dangling index.
    #[inline]
    fn resolve(&self, node: &'t Node<'a>) -> Option<&'t Node<'a>> {
        match node.obj {
            Obj::Ref(i) => self.refs.get(i as usize).copied(),
            Obj::StringRef(i) => self.interned.get(i as usize).copied(),
            _ => Some(node),
        }
    }
}

/// Everything a repr needs: the release line and the objects refs name.
pub struct ReprCtx<'t, 'a> {
    pub version: PyVersion,
    refs: Refs<'t, 'a>,
    /// Reprs of containers already rendered, by node address (refs let
    /// crafted files share one big object many times).
    memo: RefCell<HashMap<usize, Arc<str>>>,
    /// Buffer reprs are made in.
    scratch: RefCell<String>,
}

impl<'t, 'a> ReprCtx<'t, 'a> {
    /// The context of the objects under `root` (a whole marshalled file).
    pub fn new(version: PyVersion, root: &'t Node<'a>) -> Self {
        ReprCtx {
            version,
            refs: Refs::build(root, version),
            memo: RefCell::new(HashMap::new()),
            scratch: RefCell::new(String::new()),
        }
    }

    pub fn repr(&self, node: &'t Node<'a>) -> String {
        let mut out = String::new();
        self.repr_into(node, &mut out);
        out
    }

    /// Appends [`ReprCtx::repr`] to `out`.
    pub(crate) fn repr_into(&self, node: &'t Node<'a>, out: &mut String) {
        let node = self.resolve(node).unwrap_or(node);
        if is_container(node) {
            out.push_str(&self.repr_shared(node));
        } else {
            self.write(node, out, 0, out.len());
        }
    }

    /// The repr of a container, made once.
    fn repr_shared(&self, node: &'t Node<'a>) -> Arc<str> {
        let key = node as *const Node<'a> as usize;
        if let Some(r) = self.memo.borrow().get(&key) {
            return r.clone();
        }
        // made in a reused buffer, then copied once into the shared string
        let mut out = std::mem::take(&mut *self.scratch.borrow_mut());
        out.clear();
        self.write(node, &mut out, 0, 0);
        let shared: Arc<str> = Arc::from(out.as_str());
        *self.scratch.borrow_mut() = out;
        self.memo.borrow_mut().insert(key, shared.clone());
        shared
    }

    /// Appends the repr of `node`; `base` is where the whole repr began
    /// in `out` (the length limit counts from there).
    fn write(&self, node: &'t Node<'a>, out: &mut String, depth: usize, base: usize) {
        if depth > MAX_DEPTH || out.len() - base > MAX_REPR_LEN {
            out.push_str("...");
            return;
        }
        let py2 = self.version.is_py2();
        match &node.obj {
            Obj::Ref(i) | Obj::StringRef(i) => match self.refs.resolve(node) {
                Some(t) if !std::ptr::eq(t, node) => self.write(t, out, depth + 1, base),
                _ => out.push_str(&format!("<bad ref {i}>")),
            },
            Obj::Null => out.push_str("<NULL>"),
            Obj::None => out.push_str("None"),
            Obj::False => out.push_str("False"),
            Obj::True => out.push_str("True"),
            Obj::StopIteration => out.push_str(if py2 {
                "<type 'exceptions.StopIteration'>"
            } else {
                "<class 'StopIteration'>"
            }),
            Obj::Ellipsis => out.push_str("Ellipsis"),
            Obj::Unknown => out.push_str("<unknown>"),
            Obj::Int(v) => push_i64(out, *v as i64),
            Obj::Int64(v) => push_i64(out, *v),
            Obj::Long { size, digits } => {
                out.push_str(&long_to_bigint(*size, digits).to_string());
                if py2 {
                    out.push('L');
                }
            }
            Obj::FloatText(t) => out.push_str(&float_repr(parse_float_text(t))),
            Obj::FloatBin(bits) => out.push_str(&float_repr(f64::from_bits(*bits))),
            Obj::ComplexText(r, i) => {
                out.push_str(&complex_repr(parse_float_text(r), parse_float_text(i)))
            }
            Obj::ComplexBin(r, i) => {
                out.push_str(&complex_repr(f64::from_bits(*r), f64::from_bits(*i)))
            }
            // bytes, and text in ASCII (whose repr escapes like bytes')
            Obj::Str { kind, data } if kind.is_bytes(py2) || data.is_ascii() => {
                if kind.is_bytes(py2) {
                    if !py2 {
                        out.push('b');
                    }
                } else if py2 {
                    out.push('u');
                }
                repr_bytes(data, out);
            }
            Obj::Str { .. } => match node_text(node, self.version) {
                Some(Text::Bytes(b)) => {
                    if !py2 {
                        out.push('b');
                    }
                    repr_bytes(&b, out);
                }
                Some(Text::Unicode(cps)) => {
                    if py2 {
                        out.push('u');
                        repr_unicode2(&cps, out);
                    } else {
                        repr_str3(&cps, self.version, out);
                    }
                }
                None => {}
            },
            Obj::Tuple { items, .. } => {
                out.push('(');
                self.write_items(items, out, depth, base);
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Obj::List(items) => {
                out.push('[');
                self.write_items(items, out, depth, base);
                out.push(']');
            }
            Obj::Dict(items) => {
                out.push('{');
                let mut first = true;
                for pair in items.chunks(2) {
                    if pair.len() < 2 || matches!(pair[0].obj, Obj::Null) {
                        break;
                    }
                    if out.len() - base > MAX_REPR_LEN {
                        out.push_str("...");
                        break;
                    }
                    if !first {
                        out.push_str(", ");
                    }
                    first = false;
                    self.write(&pair[0], out, depth + 1, base);
                    out.push_str(": ");
                    self.write(&pair[1], out, depth + 1, base);
                }
                out.push('}');
            }
            Obj::Set(items) | Obj::FrozenSet(items) => {
                let frozen = matches!(node.obj, Obj::FrozenSet(_));
                let name = if frozen { "frozenset" } else { "set" };
                if py2 {
                    out.push_str(name);
                    out.push_str("([");
                    self.write_items(items, out, depth, base);
                    out.push_str("])");
                } else if items.is_empty() {
                    out.push_str(name);
                    out.push_str("()");
                } else {
                    if frozen {
                        out.push_str("frozenset(");
                    }
                    out.push('{');
                    self.write_items(items, out, depth, base);
                    out.push('}');
                    if frozen {
                        out.push(')');
                    }
                }
            }
            Obj::Slice(parts) => {
                out.push_str("slice(");
                self.write_items(&parts[..], out, depth, base);
                out.push(')');
            }
            Obj::Code(_) => self.code_repr_into(node, out),
            Obj::Damaged(_) => out.push_str("<damaged>"),
        }
    }

    fn write_items(&self, items: &'t [Node<'a>], out: &mut String, depth: usize, base: usize) {
        for (i, item) in items.iter().enumerate() {
            if out.len() - base > MAX_REPR_LEN {
                out.push_str("...");
                break;
            }
            if i > 0 {
                out.push_str(", ");
            }
            self.write(item, out, depth + 1, base);
        }
    }

    /// Follows `r`/`R` records to the object they stand for.
    #[inline]
    pub fn resolve(&self, node: &'t Node<'a>) -> Option<&'t Node<'a>> {
        let mut node = node;
        for _ in 0..8 {
            if !matches!(node.obj, Obj::Ref(_) | Obj::StringRef(_)) {
                return Some(node);
            }
            node = self.refs.resolve(node)?;
        }
        None
    }

    /// The text of a string-valued code field (refs resolved), cut to
    /// `max` bytes/code points when given, or `None`.
    fn field_text(&self, node: Option<&'t Node<'a>>, max: Option<usize>) -> Option<String> {
        let node = self.resolve(node?)?;
        if let Some(s) = str_fast(node, self.version) {
            match max {
                None => return Some(String::from(s)),
                Some(m) if s.is_ascii() => return Some(String::from(&s[..m.min(s.len())])),
                Some(_) => {}
            }
        }
        Some(match node_text(node, self.version)? {
            Text::Unicode(mut c) => {
                if let Some(m) = max {
                    c.truncate(m);
                }
                cps_to_string(&c)
            }
            Text::Bytes(mut b) => {
                if let Some(m) = max {
                    b.truncate(m);
                }
                String::from_utf8_lossy(&b).into_owned()
            }
        })
    }

    /// `repr(code)`: `<code object NAME at 0x..., file "FILE", line N>`.
    /// The address is made up from the object's file offset.
    pub fn code_repr(&self, node: &'t Node<'a>) -> String {
        let mut out = String::new();
        self.code_repr_into(node, &mut out);
        out
    }

    /// Appends [`ReprCtx::code_repr`] to `out`.
    pub(crate) fn code_repr_into(&self, node: &'t Node<'a>, out: &mut String) {
        let Obj::Code(code) = &node.obj else {
            self.repr_into(node, out);
            return;
        };
        let py2 = self.version.is_py2();
        let addr = 0x7f00_0000_0000u64 + node.offset as u64;
        // the first of each field, as Code::obj / Code::int find them
        let (mut name, mut file, mut line) = (None, None, None);
        for (field, value) in &code.fields {
            match (field, value) {
                (CodeField::Name, FieldValue::Obj(n)) if name.is_none() => name = Some(n),
                (CodeField::Filename, FieldValue::Obj(n)) if file.is_none() => file = Some(n),
                (CodeField::FirstLineNo, FieldValue::Int(l)) if line.is_none() => line = Some(*l),
                _ => {}
            }
        }
        out.push_str("<code object ");
        // 2.x: "%.100s" / "%.300s"
        if !self.field_text_into(name, py2.then_some(100), out) {
            out.push_str("???");
        }
        out.push_str(" at 0x");
        push_hex(out, addr);
        out.push_str(", file ");
        let quote = out.len();
        out.push('"');
        if self.field_text_into(file, py2.then_some(300), out) {
            out.push('"');
        } else {
            out.truncate(quote);
            out.push_str("???");
        }
        out.push_str(", line ");
        push_i64(out, line.unwrap_or(0) as i64);
        out.push('>');
    }

    /// [`ReprCtx::field_text`] appended to `out`; false (nothing written)
    /// when there is no text.
    fn field_text_into(
        &self,
        node: Option<&'t Node<'a>>,
        max: Option<usize>,
        out: &mut String,
    ) -> bool {
        let Some(node) = node.and_then(|n| self.resolve(n)) else {
            return false;
        };
        if let Some(s) = str_fast(node, self.version) {
            match max {
                None => {
                    out.push_str(s);
                    return true;
                }
                Some(m) if s.is_ascii() => {
                    out.push_str(&s[..m.min(s.len())]);
                    return true;
                }
                Some(_) => {}
            }
        }
        match self.field_text(Some(node), max) {
            Some(t) => {
                out.push_str(&t);
                true
            }
            None => false,
        }
    }
}

/// Tuples, lists, dicts and sets (their reprs are kept for reuse).
fn is_container(node: &Node<'_>) -> bool {
    matches!(
        node.obj,
        Obj::Tuple { .. } | Obj::List(_) | Obj::Dict(_) | Obj::Set(_) | Obj::FrozenSet(_)
    )
}

/// Appends `n` in lowercase hexadecimal (no prefix).
fn push_hex(out: &mut String, n: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 16];
    let mut i = digits.len();
    let mut m = n;
    loop {
        i -= 1;
        digits[i] = HEX[(m & 15) as usize];
        m >>= 4;
        if m == 0 {
            break;
        }
    }
    // SAFETY: hexadecimal digits are ASCII.
    out.push_str(unsafe { std::str::from_utf8_unchecked(&digits[i..]) });
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyctrace_marshal::refs::RefTable;
    use std::borrow::Cow;

    /// A random tree of tuples, lists, dicts, sets and (interned) strings,
    /// some flagged for the ref list.
    fn tree(x: &mut u64, depth: u32) -> Node<'static> {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        let r = *x;
        let obj = if depth == 0 || r % 3 == 0 {
            let kind =
                [StrType::Interned, StrType::String, StrType::ShortAscii][(r >> 8) as usize % 3];
            match (r >> 4) % 4 {
                0 => Obj::None,
                1 => Obj::Int((r >> 16) as i32),
                _ => Obj::Str {
                    kind,
                    data: Cow::Owned(vec![b'a'; (r >> 20) as usize % 5]),
                },
            }
        } else {
            let items = (0..(r >> 8) % 5).map(|_| tree(x, depth - 1)).collect();
            match (r >> 4) % 4 {
                0 => Obj::Tuple { small: true, items },
                1 => Obj::List(items),
                2 => Obj::Set(items),
                _ => Obj::Dict(items),
            }
        };
        Node {
            offset: 0,
            flag_ref: r & 16 != 0,
            obj,
        }
    }

    #[test]
    fn refs_as_the_marshal_crate_finds_them() {
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for round in 0..300 {
            let root = tree(&mut x, 5);
            let version = if round % 2 == 0 {
                PyVersion::new(2, 7)
            } else {
                PyVersion::new(3, 11)
            };
            let ours = Refs::build(&root, version);
            let theirs = RefTable::build(&root, version);
            for i in 0..ours.refs.len() as u32 + 2 {
                for record in [Obj::Ref(i), Obj::StringRef(i)] {
                    let node = Node::new(record);
                    let a = ours.resolve(&node).map(|n| n as *const Node);
                    let b = theirs.resolve(&node).map(|n| n as *const Node);
                    assert_eq!(a, b, "round {round}, ref {i}");
                }
            }
        }
    }

    #[test]
    fn plain_runs() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            let data: Vec<u8> = (0..len as u64)
                .map(|i| {
                    let r = x.rotate_left(i as u32 * 7) ^ i.wrapping_mul(0x9e37_79b9);
                    match r % 8 {
                        0 => (r >> 8) as u8,
                        1 => b"'\"\\\x7f\x1f\x20~"[(r >> 8) as usize % 7],
                        _ => b'a' + (r >> 8) as u8 % 26,
                    }
                })
                .collect();
            let q = if round % 2 == 0 { b'\'' } else { b'"' };
            let expected = data
                .iter()
                .position(|&c| !((0x20..=0x7E).contains(&c) && c != q && c != b'\\'))
                .unwrap_or(data.len());
            assert_eq!(plain_run(&data, q), expected, "{data:?}");
        }
    }
}
