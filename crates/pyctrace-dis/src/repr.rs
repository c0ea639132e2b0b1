//! Python `repr()` of marshalled constants, as the interpreter of a given
//! release line prints them (2.x `str`/`unicode`/`long`, 3.x `str`/`bytes`,
//! shortest float repr, code objects, containers in file order).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use pyctrace_marshal::oracle::long_to_bigint;
use pyctrace_marshal::refs::RefTable;
use pyctrace_marshal::{CodeField, Node, Obj, PyVersion};

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

/// `str(x)` of a name-like object as `dis` prints it inside parentheses (the
/// object itself, not its repr); other objects give their repr.
pub(crate) fn plain_text<'t, 'a>(node: &'t Node<'a>, ctx: &ReprCtx<'_, 't, 'a>) -> String {
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
            0..=0x1F | 0x7F => out.push_str(&format!("\\x{c:02x}")),
            0x20..=0x7E => out.push(c as u8 as char),
            _ => {
                if is_printable(c, version) {
                    out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                } else if c <= 0xFF {
                    out.push_str(&format!("\\x{c:02x}"));
                } else if c <= 0xFFFF {
                    out.push_str(&format!("\\u{c:04x}"));
                } else {
                    out.push_str(&format!("\\U{c:08x}"));
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
            out.push_str(&format!("\\U{c:08x}"));
            continue;
        }
        if (0xD800..0xDC00).contains(&c) && i < cps.len() && (0xDC00..0xE000).contains(&cps[i]) {
            let full = 0x10000 + ((c - 0xD800) << 10) + (cps[i] - 0xDC00);
            i += 1;
            out.push_str(&format!("\\U{full:08x}"));
            continue;
        }
        match c {
            0x100.. => out.push_str(&format!("\\u{c:04x}")),
            0x09 => out.push_str("\\t"),
            0x0A => out.push_str("\\n"),
            0x0D => out.push_str("\\r"),
            0..=0x1F | 0x7F..=0xFF => out.push_str(&format!("\\x{c:02x}")),
            _ => out.push(c as u8 as char),
        }
    }
    out.push(q);
}

/// `repr()` of a byte string (3.x `bytes` without the `b`, 2.x `str`).
fn repr_bytes(data: &[u8], out: &mut String) {
    let q = quote_for(data.contains(&b'\''), data.contains(&b'"'));
    out.push(q);
    for &c in data {
        match c {
            _ if c == q as u8 || c == b'\\' => {
                out.push('\\');
                out.push(c as char);
            }
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7E => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(q);
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

/// Everything a repr needs: the release line and the ref table.
pub struct ReprCtx<'r, 't, 'a> {
    pub version: PyVersion,
    pub refs: &'r RefTable<'t, 'a>,
    /// Reprs of containers already rendered, by node address (refs let
    /// crafted files share one big object many times).
    memo: RefCell<HashMap<usize, Rc<str>>>,
}

impl<'r, 't, 'a> ReprCtx<'r, 't, 'a> {
    pub fn new(version: PyVersion, refs: &'r RefTable<'t, 'a>) -> Self {
        ReprCtx {
            version,
            refs,
            memo: RefCell::new(HashMap::new()),
        }
    }

    pub fn repr(&self, node: &'t Node<'a>) -> String {
        let node = self.resolve(node).unwrap_or(node);
        let container = matches!(
            node.obj,
            Obj::Tuple { .. } | Obj::List(_) | Obj::Dict(_) | Obj::Set(_) | Obj::FrozenSet(_)
        );
        let key = node as *const Node<'a> as usize;
        if container {
            if let Some(r) = self.memo.borrow().get(&key) {
                return r.to_string();
            }
        }
        let mut out = String::new();
        self.write(node, &mut out, 0);
        if container {
            self.memo.borrow_mut().insert(key, Rc::from(out.as_str()));
        }
        out
    }

    fn write(&self, node: &'t Node<'a>, out: &mut String, depth: usize) {
        if depth > MAX_DEPTH || out.len() > MAX_REPR_LEN {
            out.push_str("...");
            return;
        }
        let py2 = self.version.is_py2();
        match &node.obj {
            Obj::Ref(i) | Obj::StringRef(i) => match self.refs.resolve(node) {
                Some(t) if !std::ptr::eq(t, node) => self.write(t, out, depth + 1),
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
            Obj::Int(v) => out.push_str(&v.to_string()),
            Obj::Int64(v) => out.push_str(&v.to_string()),
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
                self.write_items(items, out, depth);
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Obj::List(items) => {
                out.push('[');
                self.write_items(items, out, depth);
                out.push(']');
            }
            Obj::Dict(items) => {
                out.push('{');
                let mut first = true;
                for pair in items.chunks(2) {
                    if pair.len() < 2 || matches!(pair[0].obj, Obj::Null) {
                        break;
                    }
                    if out.len() > MAX_REPR_LEN {
                        out.push_str("...");
                        break;
                    }
                    if !first {
                        out.push_str(", ");
                    }
                    first = false;
                    self.write(&pair[0], out, depth + 1);
                    out.push_str(": ");
                    self.write(&pair[1], out, depth + 1);
                }
                out.push('}');
            }
            Obj::Set(items) | Obj::FrozenSet(items) => {
                let frozen = matches!(node.obj, Obj::FrozenSet(_));
                let name = if frozen { "frozenset" } else { "set" };
                if py2 {
                    out.push_str(name);
                    out.push_str("([");
                    self.write_items(items, out, depth);
                    out.push_str("])");
                } else if items.is_empty() {
                    out.push_str(name);
                    out.push_str("()");
                } else {
                    if frozen {
                        out.push_str("frozenset(");
                    }
                    out.push('{');
                    self.write_items(items, out, depth);
                    out.push('}');
                    if frozen {
                        out.push(')');
                    }
                }
            }
            Obj::Slice(parts) => {
                out.push_str("slice(");
                self.write_items(&parts[..], out, depth);
                out.push(')');
            }
            Obj::Code(_) => out.push_str(&self.code_repr(node)),
            Obj::Damaged(_) => out.push_str("<damaged>"),
        }
    }

    fn write_items(&self, items: &'t [Node<'a>], out: &mut String, depth: usize) {
        for (i, item) in items.iter().enumerate() {
            if out.len() > MAX_REPR_LEN {
                out.push_str("...");
                break;
            }
            if i > 0 {
                out.push_str(", ");
            }
            self.write(item, out, depth + 1);
        }
    }

    /// Follows `r`/`R` records to the object they stand for.
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
        let Obj::Code(code) = &node.obj else {
            return self.repr(node);
        };
        let py2 = self.version.is_py2();
        let addr = 0x7f00_0000_0000u64 + node.offset as u64;
        // 2.x: "%.100s" / "%.300s"
        let name = self.field_text(code.obj(CodeField::Name), py2.then_some(100));
        let file = self.field_text(code.obj(CodeField::Filename), py2.then_some(300));
        let name = name.unwrap_or_else(|| "???".to_string());
        let line = code.int(CodeField::FirstLineNo).unwrap_or(0);
        match file {
            Some(f) => format!("<code object {name} at {addr:#x}, file \"{f}\", line {line}>"),
            None => format!("<code object {name} at {addr:#x}, file ???, line {line}>"),
        }
    }
}
