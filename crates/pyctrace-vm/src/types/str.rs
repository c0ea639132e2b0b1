//! `str`: text as Unicode code points (held as UTF-8, with the code point
//! count cached so that ASCII indexing is O(1)).

use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::value::Value;

pub struct PyStr {
    pub s: String,
    /// Number of code points.
    pub len: usize,
}

impl PyStr {
    pub fn new(s: String) -> PyStr {
        let len = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
        PyStr { s, len }
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
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
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
    out.push(quote);
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
            let mut out = Vec::new();
            for line in text.lines() {
                out.push(Value::str(line));
            }
            Value::list(out)
        }
        "join" => {
            let items = vm.collect(a.first().cloned().unwrap_or(Value::None))?;
            let mut out = String::new();
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(text);
                }
                match it {
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
            if a.len() > 1 {
                return Err(vm.unsupported("str.find with start/end"));
            }
            match find_sub(text, &sub.s, name.starts_with('r')) {
                Some(i) => Value::Int(i as i64),
                None if name.ends_with("find") => Value::Int(-1),
                None => return Err(vm.value_error("substring not found")),
            }
        }
        "count" => {
            let sub = s_arg(vm, a.first().unwrap_or(&Value::None), "count")?;
            if sub.s.is_empty() {
                Value::Int(s.len as i64 + 1)
            } else {
                Value::Int(text.matches(sub.s.as_str()).count() as i64)
            }
        }
        "startswith" | "endswith" => {
            let arg = a.first().cloned().unwrap_or(Value::None);
            let pats: Vec<Value> = match &arg {
                Value::Tuple(t) => t.to_vec(),
                other => vec![other.clone()],
            };
            let mut hit = false;
            for p in pats {
                let p = s_arg(vm, &p, name)?;
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
