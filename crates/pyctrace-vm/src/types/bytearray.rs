//! `bytearray` (mutable byte strings), and the methods `bytes` and
//! `bytearray` share (`find`, `replace`, `split`, `join`, `hex`, `upper`...):
//! [`common_method`] takes the bytes and a constructor for results, so each
//! type returns its own kind.

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::lift::BinOp;
use crate::protocol::slice_indices;
use crate::value::Value;

pub type Data = Rc<RefCell<Vec<u8>>>;

/// Methods only a bytearray has.
pub const METHODS: &[&str] = &[
    "append", "extend", "insert", "pop", "remove", "clear", "copy", "reverse",
];

/// Methods of both bytes and bytearray.
pub const COMMON: &[&str] = &[
    "decode",
    "hex",
    "find",
    "rfind",
    "index",
    "rindex",
    "count",
    "replace",
    "split",
    "rsplit",
    "join",
    "startswith",
    "endswith",
    "strip",
    "lstrip",
    "rstrip",
    "upper",
    "lower",
    "swapcase",
    "title",
    "capitalize",
    "isalpha",
    "isdigit",
    "isalnum",
    "isspace",
    "isupper",
    "islower",
    "istitle",
    "isascii",
    "partition",
    "rpartition",
    "center",
    "ljust",
    "rjust",
    "zfill",
    "splitlines",
    "removeprefix",
    "removesuffix",
    "fromhex",
    "translate",
    "expandtabs",
];

pub fn new(b: Vec<u8>) -> Value {
    Value::ByteArray(Rc::new(RefCell::new(b)))
}

fn new_bytes(b: Vec<u8>) -> Value {
    Value::Bytes(Rc::new(b))
}

/// The bytes of a bytes-like value (bytes or bytearray).
pub fn bytes_like(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Bytes(b) => Some(b.to_vec()),
        Value::ByteArray(b) => Some(b.borrow().clone()),
        _ => None,
    }
}

fn need_bytes(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    match bytes_like(v) {
        Some(b) => Ok(b),
        None => {
            let t = vm.type_name(v);
            Err(vm.type_error(format!("a bytes-like object is required, not '{}'", t)))
        }
    }
}

pub fn repr(b: &[u8]) -> String {
    format!("bytearray({})", crate::types::bytes::repr(b))
}

fn byte_value(vm: &mut Vm, v: &Value) -> PyResult<u8> {
    let n = match v {
        Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => vm.to_i64(v).unwrap_or(-1),
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                t
            )));
        }
    };
    if !(0..256).contains(&n) {
        return Err(vm.value_error("byte must be in range(0, 256)"));
    }
    Ok(n as u8)
}

/// The bytes `bytes(x)` / `bytearray(x)` would hold for one argument.
pub fn from_source(vm: &mut Vm, v: &Value, a: &Args) -> PyResult<Vec<u8>> {
    Ok(match v {
        Value::Bytes(_) | Value::ByteArray(_) => bytes_like(v).unwrap_or_default(),
        Value::Str(s) => {
            let enc = a
                .pos
                .get(1)
                .cloned()
                .or_else(|| a.kw_get("encoding").cloned());
            match enc {
                None => return Err(vm.type_error("string argument without an encoding".into())),
                Some(e) => {
                    let e = vm.str(&e)?;
                    encode(vm, &s.s, &e)?
                }
            }
        }
        Value::Int(n) => {
            if *n < 0 {
                return Err(vm.value_error("negative count"));
            }
            vm.charge_memory(*n as usize)?;
            vec![0; *n as usize]
        }
        other => {
            let items = vm.collect(other.clone())?;
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                out.push(byte_value(vm, &it)?);
            }
            out
        }
    })
}

fn encode(vm: &mut Vm, s: &str, encoding: &str) -> PyResult<Vec<u8>> {
    match encoding.to_ascii_lowercase().replace('_', "-").as_str() {
        "utf-8" | "utf8" => Ok(s.as_bytes().to_vec()),
        "ascii" | "latin-1" | "latin1" | "iso-8859-1" => {
            let limit = if encoding.starts_with('a') {
                0x80
            } else {
                0x100
            };
            let mut out = Vec::new();
            for (i, c) in s.chars().enumerate() {
                if (c as u32) < limit {
                    out.push(c as u32 as u8);
                } else {
                    return Err(vm.new_exc(
                        "UnicodeEncodeError",
                        &format!(
                            "'{}' codec can't encode character '\\x{:02x}' in position {}: ordinal not in range({})",
                            if limit == 0x80 { "ascii" } else { "latin-1" },
                            c as u32,
                            i,
                            limit
                        ),
                    ));
                }
            }
            Ok(out)
        }
        other => Err(vm.unsupported(&format!("the {} codec", other))),
    }
}

/// `bytearray(...)`.
pub fn construct(vm: &mut Vm, a: &Args) -> PyResult<Value> {
    let v = a
        .pos
        .first()
        .cloned()
        .or_else(|| a.kw_get("source").cloned());
    match v {
        None => Ok(new(Vec::new())),
        Some(v) => Ok(new(from_source(vm, &v, a)?)),
    }
}

fn index_of(vm: &mut Vm, key: &Value, len: usize) -> PyResult<usize> {
    let i = match key {
        Value::BigInt(_) => {
            return Err(vm.new_exc("IndexError", "cannot fit 'int' into an index-sized integer"))
        }
        Value::Int(_) | Value::Bool(_) => vm.to_i64(key)?,
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!(
                "bytearray indices must be integers or slices, not {}",
                t
            )));
        }
    };
    let j = if i < 0 { i + len as i64 } else { i };
    if j < 0 || j >= len as i64 {
        return Err(vm.new_exc("IndexError", "bytearray index out of range"));
    }
    Ok(j as usize)
}

pub fn getitem(vm: &mut Vm, b: &Data, key: &Value) -> PyResult<Value> {
    if let Value::Slice(s) = key {
        let data = b.borrow().clone();
        let (start, _, step, n) = slice_indices(vm, s, data.len() as i64)?;
        return Ok(new((0..n)
            .map(|k| data[(start + k as i64 * step) as usize])
            .collect()));
    }
    let len = b.borrow().len();
    let i = index_of(vm, key, len)?;
    let v = b.borrow()[i];
    Ok(Value::Int(v as i64))
}

pub fn setitem(vm: &mut Vm, b: &Data, key: &Value, v: Value) -> PyResult<()> {
    if let Value::Slice(s) = key {
        let items = match &v {
            Value::Int(_) => {
                return Err(vm.type_error(
                    "can assign only bytes, buffers, or iterables of ints in range(0, 256)".into(),
                ))
            }
            other => from_source(vm, other, &Args::new(Vec::new()))?,
        };
        let len = b.borrow().len() as i64;
        let (start, stop, step, n) = slice_indices(vm, s, len)?;
        if step == 1 {
            let stop = stop.max(start);
            vm.charge_memory(items.len())?;
            b.borrow_mut().splice(start as usize..stop as usize, items);
            return Ok(());
        }
        if items.len() != n {
            return Err(vm.value_error(&format!(
                "attempt to assign bytes of size {} to extended slice of size {}",
                items.len(),
                n
            )));
        }
        let mut d = b.borrow_mut();
        for (k, it) in items.into_iter().enumerate() {
            d[(start + k as i64 * step) as usize] = it;
        }
        return Ok(());
    }
    let len = b.borrow().len();
    let i = index_of(vm, key, len)?;
    let x = byte_value(vm, &v)?;
    b.borrow_mut()[i] = x;
    Ok(())
}

pub fn delitem(vm: &mut Vm, b: &Data, key: &Value) -> PyResult<()> {
    if let Value::Slice(s) = key {
        let len = b.borrow().len() as i64;
        let (start, _, step, n) = slice_indices(vm, s, len)?;
        let mut idx: Vec<usize> = (0..n).map(|k| (start + k as i64 * step) as usize).collect();
        idx.sort_unstable();
        let mut d = b.borrow_mut();
        for i in idx.into_iter().rev() {
            d.remove(i);
        }
        return Ok(());
    }
    let len = b.borrow().len();
    let i = index_of(vm, key, len)?;
    b.borrow_mut().remove(i);
    Ok(())
}

/// `a + b` / `a * n` where `a` or `b` is a bytearray. `None`: not handled.
pub fn binary(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> PyResult<Option<Value>> {
    match (op, a, b) {
        (BinOp::Add, Value::ByteArray(x), _) => {
            let Some(y) = bytes_like(b) else {
                let t = vm.type_name(b);
                return Err(vm.type_error(format!("can't concat {} to bytearray", t)));
            };
            let mut v = x.borrow().clone();
            vm.charge_memory(v.len() + y.len())?;
            v.extend(y);
            Ok(Some(new(v)))
        }
        (BinOp::Add, Value::Bytes(x), Value::ByteArray(y)) => {
            let mut v = x.to_vec();
            v.extend(y.borrow().iter());
            Ok(Some(new_bytes(v)))
        }
        (BinOp::Mod, Value::ByteArray(x), _) => {
            let f = x.borrow().clone();
            Ok(Some(new(percent(vm, &f, b)?)))
        }
        (BinOp::Mul, Value::ByteArray(x), n) | (BinOp::Mul, n, Value::ByteArray(x))
            if crate::types::int::is_int(n) =>
        {
            let n = vm.to_i64(n)?.max(0) as usize;
            let d = x.borrow().clone();
            vm.charge_memory(d.len().saturating_mul(n))?;
            Ok(Some(new(d.repeat(n))))
        }
        _ => Ok(None),
    }
}

/// `a += b`, `a *= n` in place.
pub fn inplace(vm: &mut Vm, op: BinOp, a: &Data, b: &Value) -> PyResult<Option<()>> {
    match op {
        BinOp::Add => {
            let Some(y) = bytes_like(b) else {
                let t = vm.type_name(b);
                return Err(vm.type_error(format!("can't concat {} to bytearray", t)));
            };
            vm.charge_memory(y.len())?;
            a.borrow_mut().extend(y);
            Ok(Some(()))
        }
        BinOp::Mul if crate::types::int::is_int(b) => {
            let n = vm.to_i64(b)?.max(0) as usize;
            let d = a.borrow().clone();
            vm.charge_memory(d.len().saturating_mul(n))?;
            *a.borrow_mut() = d.repeat(n);
            Ok(Some(()))
        }
        _ => Ok(None),
    }
}

pub fn contains(vm: &mut Vm, hay: &[u8], item: &Value) -> PyResult<bool> {
    match item {
        Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => {
            let x = byte_value(vm, item)?;
            Ok(hay.contains(&x))
        }
        other => {
            let sub = need_bytes(vm, other)?;
            Ok(find(hay, &sub, 0, hay.len(), false).is_some())
        }
    }
}

/// Methods of a bytearray (its own and the shared ones).
pub fn call_method(vm: &mut Vm, b: &Data, name: &str, args: Args) -> PyResult<Value> {
    let a = &args.pos;
    let arg0 = a.first().cloned().unwrap_or(Value::None);
    match name {
        "append" => {
            let x = byte_value(vm, &arg0)?;
            vm.charge_memory(1)?;
            b.borrow_mut().push(x);
            Ok(Value::None)
        }
        "extend" => {
            if let Value::Int(_) | Value::Bool(_) | Value::BigInt(_) = arg0 {
                let t = vm.type_name(&arg0);
                return Err(vm.type_error(format!("can't extend bytearray with {}", t)));
            }
            let items = from_source(vm, &arg0, &Args::new(Vec::new()))?;
            vm.charge_memory(items.len())?;
            b.borrow_mut().extend(items);
            Ok(Value::None)
        }
        "insert" => {
            let i = vm.to_i64(&arg0)?;
            let x = byte_value(vm, &a.get(1).cloned().unwrap_or(Value::None))?;
            let len = b.borrow().len() as i64;
            let at = if i < 0 { (i + len).max(0) } else { i.min(len) };
            b.borrow_mut().insert(at as usize, x);
            Ok(Value::None)
        }
        "pop" => {
            let len = b.borrow().len() as i64;
            if len == 0 {
                return Err(vm.new_exc("IndexError", "pop from empty bytearray"));
            }
            let i = match a.first() {
                Some(v) => vm.to_i64(v)?,
                None => -1,
            };
            let j = if i < 0 { i + len } else { i };
            if j < 0 || j >= len {
                return Err(vm.new_exc("IndexError", "pop index out of range"));
            }
            let x = b.borrow_mut().remove(j as usize);
            Ok(Value::Int(x as i64))
        }
        "remove" => {
            let x = byte_value(vm, &arg0)?;
            let pos = b.borrow().iter().position(|c| *c == x);
            match pos {
                Some(p) => {
                    b.borrow_mut().remove(p);
                    Ok(Value::None)
                }
                None => Err(vm.value_error("value not found in bytearray")),
            }
        }
        "clear" => {
            b.borrow_mut().clear();
            Ok(Value::None)
        }
        "copy" => Ok(new(b.borrow().clone())),
        "reverse" => {
            b.borrow_mut().reverse();
            Ok(Value::None)
        }
        _ => {
            let data = b.borrow().clone();
            match common_method(vm, &data, name, args, new)? {
                Some(v) => Ok(v),
                None => Err(vm.attr_error(&Value::ByteArray(b.clone()), name)),
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8], start: usize, end: usize, reverse: bool) -> Option<usize> {
    if start > end || end > hay.len() || needle.len() > end - start {
        return None;
    }
    let window = &hay[start..end];
    if needle.is_empty() {
        return Some(if reverse { end } else { start });
    }
    let positions = 0..=window.len() - needle.len();
    if reverse {
        positions
            .rev()
            .find(|&i| &window[i..i + needle.len()] == needle)
            .map(|i| i + start)
    } else {
        positions
            .into_iter()
            .find(|&i| &window[i..i + needle.len()] == needle)
            .map(|i| i + start)
    }
}

/// `[start:end]` of optional arguments `a[from]`, `a[from + 1]`.
fn bounds(vm: &mut Vm, a: &[Value], from: usize, len: usize) -> PyResult<(usize, usize, bool)> {
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
    Ok((start.min(n) as usize, end.max(0) as usize, start <= n))
}

const WS: &[u8] = b" \t\n\r\x0b\x0c";

type BytePred = fn(&u8) -> bool;

fn split_ws(d: &[u8], max: i64, reverse: bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if !reverse {
        let mut i = 0;
        let mut splits = 0;
        while i < d.len() {
            while i < d.len() && WS.contains(&d[i]) {
                i += 1;
            }
            if i == d.len() {
                break;
            }
            if max >= 0 && splits >= max {
                out.push(d[i..].to_vec());
                return out;
            }
            let s = i;
            while i < d.len() && !WS.contains(&d[i]) {
                i += 1;
            }
            out.push(d[s..i].to_vec());
            splits += 1;
        }
        out
    } else {
        let mut rev: Vec<u8> = d.to_vec();
        rev.reverse();
        let mut parts = split_ws(&rev, max, false);
        for p in parts.iter_mut() {
            p.reverse();
        }
        parts.reverse();
        parts
    }
}

fn split_sep(d: &[u8], sep: &[u8], max: i64, reverse: bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if !reverse {
        let mut start = 0;
        let mut splits = 0;
        while max < 0 || splits < max {
            match find(d, sep, start, d.len(), false) {
                Some(p) => {
                    out.push(d[start..p].to_vec());
                    start = p + sep.len();
                    splits += 1;
                }
                None => break,
            }
        }
        out.push(d[start..].to_vec());
    } else {
        let mut end = d.len();
        let mut splits = 0;
        while max < 0 || splits < max {
            match find(d, sep, 0, end, true) {
                Some(p) => {
                    out.push(d[p + sep.len()..end].to_vec());
                    end = p;
                    splits += 1;
                }
                None => break,
            }
        }
        out.push(d[..end].to_vec());
        out.reverse();
    }
    out
}

fn strip_set(vm: &mut Vm, a: &[Value]) -> PyResult<Vec<u8>> {
    match a.first() {
        None | Some(Value::None) => Ok(WS.to_vec()),
        Some(v) => need_bytes(vm, v),
    }
}

fn hex_with_sep(vm: &mut Vm, d: &[u8], a: &Args) -> PyResult<String> {
    let plain: Vec<String> = d.iter().map(|c| format!("{:02x}", c)).collect();
    let sep = match a.pos.first().cloned().or_else(|| a.kw_get("sep").cloned()) {
        None => return Ok(plain.concat()),
        Some(Value::Str(s)) => s.s.clone(),
        Some(v) => match bytes_like(&v) {
            Some(b) => String::from_utf8_lossy(&b).into_owned(),
            None => return Err(vm.type_error("sep must be str or bytes.".into())),
        },
    };
    if sep.chars().count() != 1 {
        return Err(vm.value_error("sep must be length 1."));
    }
    let per = match a
        .pos
        .get(1)
        .cloned()
        .or_else(|| a.kw_get("bytes_per_sep").cloned())
    {
        Some(v) => vm.to_i64(&v)?,
        None => 1,
    };
    if per == 0 || d.is_empty() {
        return Ok(plain.concat());
    }
    let k = per.unsigned_abs() as usize;
    let mut groups: Vec<String> = Vec::new();
    if per > 0 {
        // groups counted from the right
        let first = d.len() % k;
        if first > 0 {
            groups.push(plain[..first].concat());
        }
        for c in plain[first..].chunks(k) {
            groups.push(c.concat());
        }
    } else {
        for c in plain.chunks(k) {
            groups.push(c.concat());
        }
    }
    Ok(groups.join(&sep))
}

/// `bytes.fromhex` / `bytearray.fromhex`.
pub fn fromhex(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    let Value::Str(s) = v else {
        let t = vm.type_name(v);
        return Err(vm.type_error(format!("fromhex() argument must be str, not {}", t)));
    };
    let chars: Vec<char> = s.s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() && (chars[i] as u32) < 0x80 {
            i += 1;
            continue;
        }
        let hi = chars[i].to_digit(16);
        let lo = chars.get(i + 1).and_then(|c| c.to_digit(16));
        match (hi, lo) {
            (Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 2;
            }
            _ => {
                let pos = if hi.is_some() { i + 1 } else { i };
                return Err(vm.value_error(&format!(
                    "non-hexadecimal number found in fromhex() arg at position {}",
                    pos
                )));
            }
        }
    }
    Ok(out)
}

fn decode(vm: &mut Vm, d: &[u8], a: &Args) -> PyResult<Value> {
    let enc = match a
        .pos
        .first()
        .cloned()
        .or_else(|| a.kw_get("encoding").cloned())
    {
        Some(e) => vm.str(&e)?.to_ascii_lowercase().replace('_', "-"),
        None => "utf-8".into(),
    };
    let errors = match a
        .pos
        .get(1)
        .cloned()
        .or_else(|| a.kw_get("errors").cloned())
    {
        Some(e) => vm.str(&e)?,
        None => "strict".into(),
    };
    match enc.as_str() {
        "utf-8" | "utf8" => match std::str::from_utf8(d) {
            Ok(s) => Ok(Value::str(s)),
            Err(e) if errors == "strict" => {
                let pos = e.valid_up_to();
                let reason = match e.error_len() {
                    None => "unexpected end of data",
                    Some(_) if (0x80..0xc2).contains(&d[pos]) || d[pos] > 0xf4 => {
                        "invalid start byte"
                    }
                    Some(_) => "invalid continuation byte",
                };
                Err(vm.new_exc(
                    "UnicodeDecodeError",
                    &format!(
                        "'utf-8' codec can't decode byte 0x{:02x} in position {}: {}",
                        d[pos], pos, reason
                    ),
                ))
            }
            Err(_) if errors == "replace" => Ok(Value::string(String::from_utf8_lossy(d).into())),
            Err(_) => Err(vm.unsupported(&format!("decode errors={}", errors))),
        },
        "latin-1" | "latin1" | "iso-8859-1" => {
            Ok(Value::string(d.iter().map(|c| *c as char).collect()))
        }
        "ascii" => {
            if let Some(pos) = d.iter().position(|c| *c >= 0x80) {
                if errors == "ignore" {
                    return Ok(Value::string(
                        d.iter()
                            .filter(|c| **c < 0x80)
                            .map(|c| *c as char)
                            .collect(),
                    ));
                }
                if errors == "replace" {
                    return Ok(Value::string(
                        d.iter()
                            .map(|c| if *c < 0x80 { *c as char } else { '\u{fffd}' })
                            .collect(),
                    ));
                }
                return Err(vm.new_exc(
                    "UnicodeDecodeError",
                    &format!(
                        "'ascii' codec can't decode byte 0x{:02x} in position {}: ordinal not in range(128)",
                        d[pos], pos
                    ),
                ));
            }
            Ok(Value::string(d.iter().map(|c| *c as char).collect()))
        }
        other => Err(vm.unsupported(&format!("the {} codec", other))),
    }
}

fn is_cased_title(d: &[u8]) -> bool {
    let mut prev_cased = false;
    let mut any = false;
    for &c in d {
        if c.is_ascii_uppercase() {
            if prev_cased {
                return false;
            }
            prev_cased = true;
            any = true;
        } else if c.is_ascii_lowercase() {
            if !prev_cased {
                return false;
            }
            prev_cased = true;
            any = true;
        } else {
            prev_cased = false;
        }
    }
    any
}

fn pad_arg(vm: &mut Vm, a: &[Value]) -> PyResult<(usize, u8)> {
    let width = vm
        .to_i64(&a.first().cloned().unwrap_or(Value::None))?
        .max(0) as usize;
    let fill = match a.get(1) {
        None => b' ',
        Some(v) => match bytes_like(v) {
            Some(b) if b.len() == 1 => b[0],
            _ => {
                let t = vm.type_name(v);
                return Err(vm.type_error(format!(
                    "argument 2 must be a byte string of length 1, not {}",
                    t
                )));
            }
        },
    };
    Ok((width, fill))
}

/// Methods shared by bytes and bytearray; results that are byte strings
/// are built by `make`. `None`: no such method.
pub fn common_method(
    vm: &mut Vm,
    d: &[u8],
    name: &str,
    args: Args,
    make: fn(Vec<u8>) -> Value,
) -> PyResult<Option<Value>> {
    let a = &args.pos;
    let arg0 = a.first().cloned().unwrap_or(Value::None);
    let map = |f: fn(u8) -> u8| -> Value { make(d.iter().map(|c| f(*c)).collect()) };
    let all = |f: fn(&u8) -> bool| Value::Bool(!d.is_empty() && d.iter().all(f));
    Ok(Some(match name {
        "decode" => decode(vm, d, &args)?,
        "hex" => Value::string(hex_with_sep(vm, d, &args)?),
        "fromhex" => make(fromhex(vm, &arg0)?),
        "find" | "rfind" | "index" | "rindex" => {
            let needle = match &arg0 {
                Value::Int(_) | Value::Bool(_) => vec![byte_value(vm, &arg0)?],
                other => need_bytes(vm, other)?,
            };
            let (start, end, ok) = bounds(vm, a, 1, d.len())?;
            let reverse = name.starts_with('r');
            let r = if ok {
                find(d, &needle, start, end, reverse)
            } else {
                None
            };
            match r {
                Some(p) => Value::Int(p as i64),
                None if name.ends_with("find") => Value::Int(-1),
                None => return Err(vm.value_error("subsection not found")),
            }
        }
        "count" => {
            let needle = match &arg0 {
                Value::Int(_) | Value::Bool(_) => vec![byte_value(vm, &arg0)?],
                other => need_bytes(vm, other)?,
            };
            let (start, end, ok) = bounds(vm, a, 1, d.len())?;
            if !ok || start > end {
                return Ok(Some(Value::Int(0)));
            }
            if needle.is_empty() {
                return Ok(Some(Value::Int((end - start + 1) as i64)));
            }
            let mut n = 0;
            let mut i = start;
            while let Some(p) = find(d, &needle, i, end, false) {
                n += 1;
                i = p + needle.len();
            }
            Value::Int(n)
        }
        "replace" => {
            let old = need_bytes(vm, &arg0)?;
            let new = need_bytes(vm, &a.get(1).cloned().unwrap_or(Value::None))?;
            let max = match a.get(2) {
                Some(v) => vm.to_i64(v)?,
                None => -1,
            };
            if new.len() > old.len() {
                // the result's size before building it
                let hits = if old.is_empty() {
                    d.len() + 1
                } else {
                    let mut n = 0;
                    let mut i = 0;
                    while let Some(p) = find(d, &old, i, d.len(), false) {
                        n += 1;
                        i = p + old.len();
                    }
                    n
                };
                let hits = if max >= 0 {
                    hits.min(max as usize)
                } else {
                    hits
                };
                vm.charge_memory(d.len() + hits.saturating_mul(new.len() - old.len()))?;
            }
            let mut out = Vec::new();
            let mut done = 0i64;
            if old.is_empty() {
                for (k, c) in d.iter().enumerate() {
                    if max < 0 || done < max {
                        out.extend_from_slice(&new);
                        done += 1;
                    }
                    out.push(*c);
                    let _ = k;
                }
                if max < 0 || done < max {
                    out.extend_from_slice(&new);
                }
            } else {
                let mut i = 0;
                while max < 0 || done < max {
                    match find(d, &old, i, d.len(), false) {
                        Some(p) => {
                            out.extend_from_slice(&d[i..p]);
                            out.extend_from_slice(&new);
                            i = p + old.len();
                            done += 1;
                        }
                        None => break,
                    }
                }
                out.extend_from_slice(&d[i..]);
            }
            vm.charge_memory(out.len())?;
            make(out)
        }
        "split" | "rsplit" => {
            let sep = a.first().cloned().or_else(|| args.kw_get("sep").cloned());
            let max = match a
                .get(1)
                .cloned()
                .or_else(|| args.kw_get("maxsplit").cloned())
            {
                Some(v) => vm.to_i64(&v)?,
                None => -1,
            };
            let reverse = name == "rsplit";
            let parts = match sep {
                None | Some(Value::None) => split_ws(d, max, reverse),
                Some(s) => {
                    let s = need_bytes(vm, &s)?;
                    if s.is_empty() {
                        return Err(vm.value_error("empty separator"));
                    }
                    split_sep(d, &s, max, reverse)
                }
            };
            Value::list(parts.into_iter().map(make).collect())
        }
        "join" => {
            let items = vm.collect(arg0)?;
            let mut out = Vec::new();
            for (k, it) in items.iter().enumerate() {
                if k > 0 {
                    out.extend_from_slice(d);
                }
                match bytes_like(it) {
                    Some(b) => out.extend(b),
                    None => {
                        let t = vm.type_name(it);
                        return Err(vm.type_error(format!(
                            "sequence item {}: expected a bytes-like object, {} found",
                            k, t
                        )));
                    }
                }
            }
            vm.charge_memory(out.len())?;
            make(out)
        }
        "startswith" | "endswith" => {
            let (start, end, ok) = bounds(vm, a, 1, d.len())?;
            let cands = match &arg0 {
                Value::Tuple(t) => t.to_vec(),
                other => vec![other.clone()],
            };
            let mut hit = false;
            for c in cands {
                let Some(p) = bytes_like(&c) else {
                    let t = vm.type_name(&c);
                    return Err(vm.type_error(format!(
                        "{} first arg must be bytes or a tuple of bytes, not {}",
                        name, t
                    )));
                };
                if ok && start <= end && p.len() <= end - start {
                    let w = &d[start..end];
                    if (name == "startswith" && w.starts_with(&p))
                        || (name == "endswith" && w.ends_with(&p))
                    {
                        hit = true;
                    }
                }
            }
            Value::Bool(hit)
        }
        "strip" | "lstrip" | "rstrip" => {
            let set = strip_set(vm, a)?;
            let mut s = 0;
            let mut e = d.len();
            if name != "rstrip" {
                while s < e && set.contains(&d[s]) {
                    s += 1;
                }
            }
            if name != "lstrip" {
                while e > s && set.contains(&d[e - 1]) {
                    e -= 1;
                }
            }
            make(d[s..e].to_vec())
        }
        "upper" => map(|c| c.to_ascii_uppercase()),
        "lower" => map(|c| c.to_ascii_lowercase()),
        "swapcase" => map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        }),
        "capitalize" => {
            let mut out: Vec<u8> = d.iter().map(|c| c.to_ascii_lowercase()).collect();
            if let Some(f) = out.first_mut() {
                *f = f.to_ascii_uppercase();
            }
            make(out)
        }
        "title" => {
            let mut out = Vec::with_capacity(d.len());
            let mut prev_cased = false;
            for &c in d {
                let alpha = c.is_ascii_alphabetic();
                out.push(if alpha && !prev_cased {
                    c.to_ascii_uppercase()
                } else if alpha {
                    c.to_ascii_lowercase()
                } else {
                    c
                });
                prev_cased = alpha;
            }
            make(out)
        }
        "isalpha" => all(u8::is_ascii_alphabetic),
        "isdigit" => all(u8::is_ascii_digit),
        "isalnum" => all(u8::is_ascii_alphanumeric),
        "isspace" => all(|c| WS.contains(c)),
        "isascii" => Value::Bool(d.is_ascii()),
        "isupper" | "islower" => {
            let (want, other): (BytePred, BytePred) = if name == "isupper" {
                (u8::is_ascii_uppercase, u8::is_ascii_lowercase)
            } else {
                (u8::is_ascii_lowercase, u8::is_ascii_uppercase)
            };
            Value::Bool(d.iter().any(want) && !d.iter().any(other))
        }
        "istitle" => Value::Bool(is_cased_title(d)),
        "partition" | "rpartition" => {
            let sep = need_bytes(vm, &arg0)?;
            if sep.is_empty() {
                return Err(vm.value_error("empty separator"));
            }
            let reverse = name == "rpartition";
            match find(d, &sep, 0, d.len(), reverse) {
                Some(p) => Value::tuple(vec![
                    make(d[..p].to_vec()),
                    make(sep.clone()),
                    make(d[p + sep.len()..].to_vec()),
                ]),
                None if reverse => {
                    Value::tuple(vec![make(Vec::new()), make(Vec::new()), make(d.to_vec())])
                }
                None => Value::tuple(vec![make(d.to_vec()), make(Vec::new()), make(Vec::new())]),
            }
        }
        "center" | "ljust" | "rjust" => {
            let (width, fill) = pad_arg(vm, a)?;
            if width <= d.len() {
                return Ok(Some(make(d.to_vec())));
            }
            let n = width - d.len();
            let left = match name {
                "ljust" => 0,
                "rjust" => n,
                // CPython's centering puts the odd fill byte on the left
                // when the width is odd
                _ => n / 2 + (n & width & 1),
            };
            vm.charge_memory(width)?;
            let mut out = vec![fill; left];
            out.extend_from_slice(d);
            out.resize(out.len() + n - left, fill);
            make(out)
        }
        "zfill" => {
            let width = vm.to_i64(&arg0)?.max(0) as usize;
            if width <= d.len() {
                return Ok(Some(make(d.to_vec())));
            }
            vm.charge_memory(width)?;
            let n = width - d.len();
            let mut out = Vec::with_capacity(width);
            let (sign, rest) = match d.first() {
                Some(b'+') | Some(b'-') => (&d[..1], &d[1..]),
                _ => (&d[..0], d),
            };
            out.extend_from_slice(sign);
            out.resize(out.len() + n, b'0');
            out.extend_from_slice(rest);
            make(out)
        }
        "splitlines" => {
            let keep = match a
                .first()
                .cloned()
                .or_else(|| args.kw_get("keepends").cloned())
            {
                Some(v) => vm.truthy(&v)?,
                None => false,
            };
            let mut out = Vec::new();
            let mut i = 0;
            let mut start = 0;
            while i < d.len() {
                let eol = match d[i] {
                    b'\n' => 1,
                    b'\r' if d.get(i + 1) == Some(&b'\n') => 2,
                    b'\r' => 1,
                    _ => 0,
                };
                if eol > 0 {
                    let end = if keep { i + eol } else { i };
                    out.push(make(d[start..end].to_vec()));
                    i += eol;
                    start = i;
                } else {
                    i += 1;
                }
            }
            if start < d.len() {
                out.push(make(d[start..].to_vec()));
            }
            Value::list(out)
        }
        "removeprefix" | "removesuffix" if vm.version.at_least(3, 9) => {
            let p = need_bytes(vm, &arg0)?;
            if name == "removeprefix" && d.starts_with(&p) {
                make(d[p.len()..].to_vec())
            } else if name == "removesuffix" && d.ends_with(&p) && !p.is_empty() {
                make(d[..d.len() - p.len()].to_vec())
            } else {
                make(d.to_vec())
            }
        }
        "translate" => {
            let table = match &arg0 {
                Value::None => None,
                v => {
                    let t = need_bytes(vm, v)?;
                    if t.len() != 256 {
                        return Err(vm.value_error("translation table must be 256 characters long"));
                    }
                    Some(t)
                }
            };
            let delete = match a.get(1).cloned().or_else(|| args.kw_get("delete").cloned()) {
                Some(v) => need_bytes(vm, &v)?,
                None => Vec::new(),
            };
            make(
                d.iter()
                    .filter(|c| !delete.contains(c))
                    .map(|c| table.as_ref().map_or(*c, |t| t[*c as usize]))
                    .collect(),
            )
        }
        "expandtabs" => {
            let size = match a
                .first()
                .cloned()
                .or_else(|| args.kw_get("tabsize").cloned())
            {
                Some(v) => vm.to_i64(&v)?,
                None => 8,
            };
            let mut out = Vec::new();
            let mut col: i64 = 0;
            for &c in d {
                match c {
                    b'\t' => {
                        if size > 0 {
                            let n = size - col % size;
                            vm.charge_memory(n as usize)?;
                            out.resize(out.len() + n as usize, b' ');
                            col += n;
                        }
                    }
                    b'\n' | b'\r' => {
                        out.push(c);
                        col = 0;
                    }
                    _ => {
                        out.push(c);
                        col += 1;
                    }
                }
            }
            make(out)
        }
        _ => return Ok(None),
    }))
}

/// `bytes % args` / `bytearray % args` (PEP 461): `%s`/`%b` insert
/// bytes-like values, `%r`/`%a` the ASCII repr, `%c` one byte, numeric
/// conversions format as `str % args` does.
pub fn percent(vm: &mut Vm, fmt: &[u8], args: &Value) -> PyResult<Vec<u8>> {
    let items: Vec<Value> = match args {
        Value::Tuple(t) => (**t).clone(),
        other => vec![other.clone()],
    };
    let mapping = matches!(args, Value::Dict(_));
    let mut next = 0usize;
    let mut out = Vec::new();
    let mut i = 0;
    let take = |vm: &mut Vm, next: &mut usize| -> PyResult<Value> {
        let v = items.get(*next).cloned();
        *next += 1;
        v.ok_or_else(|| vm.type_error("not enough arguments for format string".into()))
    };
    while i < fmt.len() {
        if fmt[i] != b'%' {
            out.push(fmt[i]);
            i += 1;
            continue;
        }
        i += 1;
        let mut keyed = None;
        if fmt.get(i) == Some(&b'(') {
            let start = i + 1;
            let Some(len) = fmt[start..].iter().position(|c| *c == b')') else {
                return Err(vm.value_error("incomplete format key"));
            };
            let key = Value::Bytes(Rc::new(fmt[start..start + len].to_vec()));
            keyed = Some(vm.getitem(args, &key)?);
            i = start + len + 1;
        }
        // flags, width, precision (with `*`)
        let mut spec = String::from("%");
        while let Some(&c) = fmt.get(i) {
            if b"-+ #0".contains(&c) {
                spec.push(c as char);
                i += 1;
            } else {
                break;
            }
        }
        let mut width_prec = |vm: &mut Vm, i: &mut usize, spec: &mut String| -> PyResult<()> {
            if fmt.get(*i) == Some(&b'*') {
                let w = take(vm, &mut next)?;
                spec.push_str(&vm.to_i64(&w)?.to_string());
                *i += 1;
            } else {
                while let Some(&c) = fmt.get(*i) {
                    if !c.is_ascii_digit() {
                        break;
                    }
                    spec.push(c as char);
                    *i += 1;
                }
            }
            Ok(())
        };
        width_prec(vm, &mut i, &mut spec)?;
        if fmt.get(i) == Some(&b'.') {
            spec.push('.');
            i += 1;
            width_prec(vm, &mut i, &mut spec)?;
        }
        while matches!(fmt.get(i), Some(b'h' | b'l' | b'L')) {
            i += 1;
        }
        let Some(&conv) = fmt.get(i) else {
            return Err(vm.value_error("incomplete format"));
        };
        i += 1;
        if conv == b'%' {
            out.push(b'%');
            continue;
        }
        let arg = match keyed.take() {
            Some(v) => v,
            None => take(vm, &mut next)?,
        };
        // the padding of a raw insertion, from the parsed flags and width
        let left = spec.contains('-');
        let digits: String = spec
            .trim_start_matches('%')
            .trim_start_matches(['-', '+', ' ', '#', '0'])
            .to_string();
        let (width, prec) = match digits.split_once('.') {
            Some((w, p)) => (w.parse::<usize>().unwrap_or(0), p.parse::<usize>().ok()),
            None => (digits.parse::<usize>().unwrap_or(0), None),
        };
        let raw = match conv {
            b's' | b'b' => match bytes_like(&arg) {
                Some(b) => Some(b),
                None => {
                    let t = vm.type_name(&arg);
                    return Err(vm.type_error(format!(
                        "%b requires a bytes-like object, or an object that implements __bytes__, not '{}'",
                        t
                    )));
                }
            },
            b'r' | b'a' => {
                let r = vm.repr(&arg)?;
                Some(crate::protocol::ascii_escape(&r).into_bytes())
            }
            b'c' => match &arg {
                Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => {
                    let n = vm.to_i64(&arg).unwrap_or(-1);
                    if !(0..256).contains(&n) {
                        return Err(vm.new_exc("OverflowError", "%c arg not in range(256)"));
                    }
                    Some(vec![n as u8])
                }
                other => match bytes_like(other) {
                    Some(b) if b.len() == 1 => Some(b),
                    _ => {
                        return Err(vm.type_error(
                            "%c requires an integer in range(256) or a single byte".into(),
                        ))
                    }
                },
            },
            _ => None,
        };
        match raw {
            Some(mut b) => {
                if let (Some(p), b's' | b'b' | b'r' | b'a') = (prec, conv) {
                    b.truncate(p);
                }
                vm.charge_memory(width.max(b.len()))?;
                let pad = width.saturating_sub(b.len());
                if !left {
                    out.resize(out.len() + pad, b' ');
                }
                out.extend_from_slice(&b);
                if left {
                    out.resize(out.len() + pad, b' ');
                }
            }
            None => {
                spec.push(conv as char);
                let text = crate::format::percent_format(vm, &spec, &Value::tuple(vec![arg]))?;
                out.extend(text.chars().map(|c| c as u32 as u8));
            }
        }
    }
    if !mapping && next < items.len() && !matches!(args, Value::Instance(_)) {
        return Err(vm.type_error("not all arguments converted during bytes formatting".into()));
    }
    Ok(out)
}

/// `bytes.maketrans(frm, to)` (also `bytearray.maketrans`): a 256-byte
/// table mapping each byte of `frm` to the byte of `to` at its position.
pub fn maketrans(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let frm = need_bytes(vm, &a.pos.first().cloned().unwrap_or(Value::None))?;
    let to = need_bytes(vm, &a.pos.get(1).cloned().unwrap_or(Value::None))?;
    if frm.len() != to.len() {
        return Err(vm.value_error("maketrans arguments must have same length"));
    }
    let mut table: Vec<u8> = (0..=255u8).collect();
    for (f, t) in frm.iter().zip(to.iter()) {
        table[*f as usize] = *t;
    }
    Ok(new_bytes(table))
}
