//! `str`: text as Unicode code points (held as UTF-8, with the code point
//! count cached so that ASCII indexing is O(1)).

use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::value::Value;

pub struct PyStr {
    pub s: String,
    /// Number of code points.
    pub len: usize,
    /// CPython's hash of the text, computed on first use (-1: not yet; a
    /// str hash is never -1). Names and dict keys are hashed once.
    hash: std::cell::Cell<i64>,
}

impl PyStr {
    pub fn new(s: String) -> PyStr {
        let len = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
        PyStr {
            s,
            len,
            hash: std::cell::Cell::new(-1),
        }
    }

    /// `hash(self)`, as [`crate::protocol::str_hash`] gives it.
    #[inline]
    pub fn hash(&self) -> i64 {
        let h = self.hash.get();
        if h != -1 {
            return h;
        }
        let h = crate::protocol::str_hash(&self.s);
        self.hash.set(h);
        h
    }

    /// Appends `tail` in place (the caller holds the only reference).
    pub fn push_str(&mut self, tail: &PyStr) {
        self.s.push_str(&tail.s);
        self.len += tail.len;
        self.hash.set(-1);
    }

    pub fn is_ascii(&self) -> bool {
        self.len == self.s.len()
    }

    /// The code point at index `i` (already bounds-checked by the caller).
    pub fn char_at(&self, i: usize) -> char {
        if self.is_ascii() {
            self.s.as_bytes()[i] as char
        } else {
            self.s.chars().nth(i).unwrap_or('\0')
        }
    }

    pub fn chars(&self) -> Vec<char> {
        self.s.chars().collect()
    }
}

/// `repr()` of a str, with CPython's quote choice and escapes.
pub fn repr(s: &str) -> String {
    repr_prefix(s, usize::MAX)
}

/// The start of `repr(s)` for the first `max_chars` code points of `s`
/// (the closing quote only when that is all of `s`): trace values show 80
/// chars of a repr, and a long string must not be escaped whole for that.
pub fn repr_prefix(s: &str, max_chars: usize) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len().min(max_chars) + 2);
    out.push(quote);
    let mut whole = true;
    for (i, c) in s.chars().enumerate() {
        if i == max_chars {
            whole = false;
            break;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (0x80..0xa0).contains(&(c as u32)) || c as u32 == 0xad => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    if whole {
        out.push(quote);
    }
    out
}

pub const METHODS: &[&str] = &[
    "lower",
    "upper",
    "split",
    "rsplit",
    "join",
    "replace",
    "find",
    "rfind",
    "index",
    "rindex",
    "startswith",
    "endswith",
    "strip",
    "lstrip",
    "rstrip",
    "center",
    "ljust",
    "rjust",
    "count",
    "capitalize",
    "title",
    "swapcase",
    "isalpha",
    "isdigit",
    "isalnum",
    "isspace",
    "isupper",
    "islower",
    "isdecimal",
    "isnumeric",
    "splitlines",
    "zfill",
    "format",
    "encode",
    "partition",
    "rpartition",
    "casefold",
    "istitle",
    "isidentifier",
    "isascii",
    "isprintable",
    "expandtabs",
    "removeprefix",
    "removesuffix",
];

fn s_arg(vm: &mut Vm, v: &Value, what: &str) -> PyResult<Rc<PyStr>> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(vm.type_error(format!(
            "{} arg must be str, not {}",
            what,
            vm.type_name(other)
        ))),
    }
}

fn opt_chars(vm: &mut Vm, args: &Args, i: usize) -> PyResult<Option<Vec<char>>> {
    match args.pos.get(i) {
        None | Some(Value::None) => Ok(None),
        Some(v) => Ok(Some(s_arg(vm, v, "strip")?.s.chars().collect())),
    }
}

fn find_sub(hay: &str, needle: &str, reverse: bool) -> Option<usize> {
    let pos = if reverse {
        hay.rfind(needle)
    } else {
        hay.find(needle)
    }?;
    Some(hay[..pos].chars().count())
}

/// `s[start:end]` bounds (in chars) from optional `start`/`end` arguments
/// at `a[from..]`; `None` when start lies past the end (CPython's
/// "not found" for find/count/startswith).
fn sub_bounds(
    vm: &mut Vm,
    a: &[Value],
    from: usize,
    len: usize,
) -> PyResult<Option<(usize, usize)>> {
    let get = |vm: &mut Vm, i: usize| -> PyResult<Option<i64>> {
        match a.get(i) {
            None | Some(Value::None) => Ok(None),
            Some(v) => Ok(Some(vm.to_index(v)?)),
        }
    };
    let n = len as i64;
    let fix = |x: i64| if x < 0 { (x + n).max(0) } else { x };
    let start = get(vm, from)?.map(fix).unwrap_or(0);
    let end = get(vm, from + 1)?.map(fix).unwrap_or(n).min(n);
    if start > n {
        return Ok(None);
    }
    Ok(Some((start as usize, (end.max(start)) as usize)))
}

fn char_slice(text: &str, start: usize, end: usize) -> &str {
    let mut it = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()));
    let b0 = it.by_ref().nth(start).unwrap_or(text.len());
    let b1 = if end > start {
        it.nth(end - start - 1).unwrap_or(text.len())
    } else {
        b0
    };
    &text[b0..b1]
}

fn pad(s: &PyStr, width: usize, fill: char, left: usize) -> String {
    if width <= s.len {
        return s.s.clone();
    }
    let total = width - s.len;
    let mut out = String::new();
    for _ in 0..left.min(total) {
        out.push(fill);
    }
    out.push_str(&s.s);
    for _ in left.min(total)..total {
        out.push(fill);
    }
    out
}

fn split_ws(s: &str, max: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        if max >= 0 && out.len() as i64 >= max {
            out.push(Value::str(rest));
            return out;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        out.push(Value::str(&rest[..end]));
        rest = rest[end..].trim_start();
    }
    out
}

pub fn call_method(vm: &mut Vm, s: &Rc<PyStr>, name: &str, args: Args) -> PyResult<Value> {
    let text = s.s.as_str();
    let a = &args.pos;
    let v = match name {
        "lower" => Value::string(text.to_lowercase()),
        "upper" => Value::string(text.to_uppercase()),
        "casefold" => Value::string(text.to_lowercase()),
        "swapcase" => Value::string(
            text.chars()
                .flat_map(|c| {
                    if c.is_uppercase() {
                        c.to_lowercase().collect::<Vec<_>>()
                    } else {
                        c.to_uppercase().collect::<Vec<_>>()
                    }
                })
                .collect(),
        ),
        "capitalize" => {
            let mut cs = text.chars();
            let mut out = String::new();
            if let Some(f) = cs.next() {
                out.extend(f.to_uppercase());
                out.push_str(&cs.as_str().to_lowercase());
            }
            Value::string(out)
        }
        "title" => {
            let mut out = String::new();
            let mut prev_cased = false;
            for c in text.chars() {
                if prev_cased {
                    out.extend(c.to_lowercase());
                } else {
                    out.extend(c.to_uppercase());
                }
                prev_cased = c.is_alphabetic();
            }
            Value::string(out)
        }
        "split" | "rsplit" => {
            let sep = match a.first() {
                None | Some(Value::None) => None,
                Some(v) => Some(s_arg(vm, v, "sep")?),
            };
            let max = match a.get(1).or(args.kw_get("maxsplit")) {
                Some(v) => vm.to_i64(v)?,
                None => -1,
            };
            match sep {
                None => {
                    if name == "rsplit" && max >= 0 {
                        return Err(vm.unsupported("str.rsplit with maxsplit"));
                    }
                    Value::list(split_ws(text, max))
                }
                Some(sep) => {
                    if sep.s.is_empty() {
                        return Err(vm.value_error("empty separator"));
                    }
                    let parts: Vec<Value> = if max < 0 {
                        text.split(sep.s.as_str()).map(Value::str).collect()
                    } else if name == "split" {
                        text.splitn(max as usize + 1, sep.s.as_str())
                            .map(Value::str)
                            .collect()
                    } else {
                        let mut p: Vec<Value> = text
                            .rsplitn(max as usize + 1, sep.s.as_str())
                            .map(Value::str)
                            .collect();
                        p.reverse();
                        p
                    };
                    Value::list(parts)
                }
            }
        }
        "splitlines" => {
            let keep = match args.pos.first().or(args.kw_get("keepends")) {
                Some(v) => vm.truthy(&v.clone())?,
                None => false,
            };
            let mut out = Vec::new();
            let mut line = String::new();
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                let brk = matches!(
                    c,
                    '\n' | '\r'
                        | '\x0b'
                        | '\x0c'
                        | '\x1c'
                        | '\x1d'
                        | '\x1e'
                        | '\u{85}'
                        | '\u{2028}'
                        | '\u{2029}'
                );
                if !brk {
                    line.push(c);
                    continue;
                }
                let mut end = c.to_string();
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                    end.push('\n');
                }
                if keep {
                    line.push_str(&end);
                }
                out.push(Value::string(std::mem::take(&mut line)));
            }
            if !line.is_empty() {
                out.push(Value::string(line));
            }
            Value::list(out)
        }
        "istitle" => {
            let (mut cased, mut prev_cased, mut ok) = (false, false, true);
            for c in text.chars() {
                if c.is_uppercase() {
                    if prev_cased {
                        ok = false;
                    }
                    prev_cased = true;
                    cased = true;
                } else if c.is_lowercase() {
                    if !prev_cased {
                        ok = false;
                    }
                    prev_cased = true;
                    cased = true;
                } else {
                    prev_cased = false;
                }
            }
            Value::Bool(ok && cased)
        }
        "isidentifier" => {
            let mut cs = text.chars();
            Value::Bool(
                cs.next().is_some_and(|c| c == '_' || c.is_alphabetic())
                    && cs.all(|c| c == '_' || c.is_alphanumeric()),
            )
        }
        "isascii" => Value::Bool(text.is_ascii()),
        "isprintable" => Value::Bool(
            text.chars()
                .all(|c| c == ' ' || !(c.is_control() || c.is_whitespace())),
        ),
        "expandtabs" => {
            let size = match a.first().or(args.kw_get("tabsize")) {
                Some(v) => vm.to_i64(&v.clone())?,
                None => 8,
            };
            let mut out = String::new();
            let mut col: i64 = 0;
            for c in text.chars() {
                match c {
                    '\t' => {
                        if size > 0 {
                            let n = size - col % size;
                            for _ in 0..n {
                                out.push(' ');
                            }
                            col += n;
                        }
                    }
                    '\n' | '\r' => {
                        out.push(c);
                        col = 0;
                    }
                    c => {
                        out.push(c);
                        col += 1;
                    }
                }
            }
            Value::string(out)
        }
        "removeprefix" | "removesuffix" => {
            let p = s_arg(vm, a.first().unwrap_or(&Value::None), name)?;
            let r = if name == "removeprefix" {
                text.strip_prefix(p.s.as_str())
            } else {
                text.strip_suffix(p.s.as_str())
            };
            Value::string(r.unwrap_or(text).to_string())
        }
        "join" => {
            let items = vm.collect(a.first().cloned().unwrap_or(Value::None))?;
            let mut out = String::new();
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(text);
                }
                match crate::types::class::base_of(it).as_ref().unwrap_or(it) {
                    Value::Str(p) => out.push_str(&p.s),
                    other => {
                        return Err(vm.type_error(format!(
                            "sequence item {}: expected str instance, {} found",
                            i,
                            vm.type_name(other)
                        )))
                    }
                }
            }
            Value::string(out)
        }
        "replace" => {
            let old = s_arg(vm, a.first().unwrap_or(&Value::None), "replace")?;
            let new = s_arg(vm, a.get(1).unwrap_or(&Value::None), "replace")?;
            let count = match a.get(2) {
                Some(v) => vm.to_i64(v)?,
                None => -1,
            };
            if count < 0 {
                Value::string(text.replace(old.s.as_str(), &new.s))
            } else {
                Value::string(text.replacen(old.s.as_str(), &new.s, count as usize))
            }
        }
        "find" | "rfind" | "index" | "rindex" => {
            let sub = s_arg(vm, a.first().unwrap_or(&Value::None), name)?;
            let found = match sub_bounds(vm, a, 1, s.len)? {
                Some((st, en)) => {
                    let hay = char_slice(text, st, en);
                    find_sub(hay, &sub.s, name.starts_with('r')).map(|i| i + st)
                }
                None => None,
            };
            match found {
                Some(i) => Value::Int(i as i64),
                None if name.ends_with("find") => Value::Int(-1),
                None => return Err(vm.value_error("substring not found")),
            }
        }
        "count" => {
            let sub = s_arg(vm, a.first().unwrap_or(&Value::None), "count")?;
            match sub_bounds(vm, a, 1, s.len)? {
                None => Value::Int(0),
                Some((st, en)) => {
                    let hay = char_slice(text, st, en);
                    if sub.s.is_empty() {
                        Value::Int((en - st) as i64 + 1)
                    } else {
                        Value::Int(hay.matches(sub.s.as_str()).count() as i64)
                    }
                }
            }
        }
        "startswith" | "endswith" => {
            let arg = a.first().cloned().unwrap_or(Value::None);
            let pats: Vec<Value> = match &arg {
                Value::Tuple(t) => t.to_vec(),
                other => vec![other.clone()],
            };
            let mut hit = false;
            let hay = sub_bounds(vm, a, 1, s.len)?.map(|(st, en)| char_slice(text, st, en));
            for p in pats {
                let p = s_arg(vm, &p, name)?;
                let Some(text) = hay else { continue };
                if (name == "startswith" && text.starts_with(p.s.as_str()))
                    || (name == "endswith" && text.ends_with(p.s.as_str()))
                {
                    hit = true;
                }
            }
            Value::Bool(hit)
        }
        "strip" | "lstrip" | "rstrip" => {
            let chars = opt_chars(vm, &args, 0)?;
            let pred = |c: char| match &chars {
                Some(cs) => cs.contains(&c),
                None => c.is_whitespace(),
            };
            let r = match name {
                "strip" => text.trim_matches(pred),
                "lstrip" => text.trim_start_matches(pred),
                _ => text.trim_end_matches(pred),
            };
            Value::str(r)
        }
        "center" | "ljust" | "rjust" => {
            let width = vm.to_i64(a.first().unwrap_or(&Value::None))?.max(0) as usize;
            let fill = match a.get(1) {
                Some(v) => {
                    let f = s_arg(vm, v, name)?;
                    if f.len != 1 {
                        return Err(vm.type_error(
                            "The fill character must be exactly one character long".into(),
                        ));
                    }
                    f.char_at(0)
                }
                None => ' ',
            };
            let total = width.saturating_sub(s.len);
            let left = match name {
                // CPython's centering puts the odd pad on the left when the width is odd
                "center" => total / 2 + (total & width & 1),
                "ljust" => 0,
                _ => total,
            };
            Value::string(pad(s, width, fill, left))
        }
        "zfill" => {
            let width = vm.to_i64(a.first().unwrap_or(&Value::None))?.max(0) as usize;
            if width <= s.len {
                Value::Str(s.clone())
            } else {
                let n = width - s.len;
                let (sign, rest) = match text.chars().next() {
                    Some(c @ ('+' | '-')) => (c.to_string(), &text[1..]),
                    _ => (String::new(), text),
                };
                Value::string(format!("{}{}{}", sign, "0".repeat(n), rest))
            }
        }
        "isalpha" => Value::Bool(!text.is_empty() && text.chars().all(char::is_alphabetic)),
        "isdigit" | "isdecimal" | "isnumeric" => {
            Value::Bool(!text.is_empty() && text.chars().all(|c| c.is_numeric()))
        }
        "isalnum" => Value::Bool(!text.is_empty() && text.chars().all(char::is_alphanumeric)),
        "isspace" => Value::Bool(!text.is_empty() && text.chars().all(char::is_whitespace)),
        "isupper" => Value::Bool(
            text.chars().any(char::is_uppercase) && !text.chars().any(char::is_lowercase),
        ),
        "islower" => Value::Bool(
            text.chars().any(char::is_lowercase) && !text.chars().any(char::is_uppercase),
        ),
        "partition" | "rpartition" => {
            let sep = s_arg(vm, a.first().unwrap_or(&Value::None), name)?;
            let found = if name == "partition" {
                text.find(sep.s.as_str())
            } else {
                text.rfind(sep.s.as_str())
            };
            match found {
                Some(i) => Value::tuple(vec![
                    Value::str(&text[..i]),
                    Value::Str(sep.clone()),
                    Value::str(&text[i + sep.s.len()..]),
                ]),
                None if name == "partition" => {
                    Value::tuple(vec![Value::Str(s.clone()), Value::str(""), Value::str("")])
                }
                None => Value::tuple(vec![Value::str(""), Value::str(""), Value::Str(s.clone())]),
            }
        }
        "format" => Value::string(crate::format::str_format(vm, text, &args)?),
        "encode" => Value::Bytes(Rc::new(text.as_bytes().to_vec())),
        _ => return Err(vm.attr_error(&Value::Str(s.clone()), name)),
    };
    Ok(v)
}
