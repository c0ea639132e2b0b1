//! Byte codecs: `base64`, `binascii`, `zlib` (flate2), `marshal`
//! (pyctrace-marshal for loads, constants for dumps) and `struct`.

use std::io::{Read, Write};
use std::rc::Rc;

use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};

use super::{bytes_arg, bytes_val, raise};
use crate::interp::{Args, PyResult, Vm};
use crate::sandbox::{a0, ai, func, module};
use crate::types::class::Instance;
use crate::value::Value;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B85: &[u8; 85] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";

fn arg_bytes(vm: &mut Vm, a: &Args, i: usize, kw: &str, allow_str: bool) -> PyResult<Vec<u8>> {
    let v = ai(a, i, kw).unwrap_or(Value::None);
    bytes_arg(vm, &v, allow_str)
}

fn b64_encode(data: &[u8], newline: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len().div_ceil(3) * 4 + 1);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        out.push(B64[(n >> 18) as usize & 63]);
        out.push(B64[(n >> 12) as usize & 63]);
        out.push(if c.len() > 1 {
            B64[(n >> 6) as usize & 63]
        } else {
            b'='
        });
        out.push(if c.len() > 2 {
            B64[n as usize & 63]
        } else {
            b'='
        });
    }
    if newline {
        out.push(b'\n');
    }
    out
}

/// `binascii.a2b_base64` in its non-strict mode.
fn b64_decode(vm: &mut Vm, data: &[u8], validate: bool) -> PyResult<Vec<u8>> {
    let mut out = Vec::new();
    let (mut left, mut quad, mut pads, mut ndata) = (0u32, 0, 0, 0usize);
    for &c in data {
        if c == b'=' {
            pads += 1;
            if quad >= 2 && quad + pads >= 4 {
                return Ok(out);
            }
            continue;
        }
        let v = match B64.iter().position(|&x| x == c) {
            Some(v) => v as u32,
            None => {
                if validate {
                    let msg = if vm.version.at_least(3, 11) {
                        "Only base64 data is allowed"
                    } else {
                        "Non-base64 digit found"
                    };
                    return Err(raise(vm, "binascii.Error", "ValueError", msg));
                }
                continue;
            }
        };
        pads = 0;
        ndata += 1;
        match quad {
            0 => {
                left = v;
                quad = 1;
            }
            1 => {
                out.push((left << 2 | v >> 4) as u8);
                left = v & 0xf;
                quad = 2;
            }
            2 => {
                out.push((left << 4 | v >> 2) as u8);
                left = v & 3;
                quad = 3;
            }
            _ => {
                out.push((left << 6 | v) as u8);
                quad = 0;
            }
        }
    }
    if quad != 0 {
        let msg = if quad == 1 {
            format!(
                "Invalid base64-encoded string: number of data characters ({}) cannot be 1 more than a multiple of 4",
                ndata
            )
        } else {
            "Incorrect padding".to_string()
        };
        return Err(raise(vm, "binascii.Error", "ValueError", &msg));
    }
    Ok(out)
}

fn translate(data: &mut [u8], from: &[u8], to: &[u8]) {
    for c in data.iter_mut() {
        if let Some(i) = from.iter().position(|x| x == c) {
            *c = to[i];
        }
    }
}

fn altchars(vm: &mut Vm, a: &Args) -> PyResult<Option<Vec<u8>>> {
    match ai(a, 1, "altchars") {
        None | Some(Value::None) => Ok(None),
        Some(v) => {
            let b = bytes_arg(vm, &v, true)?;
            if b.len() != 2 {
                return Err(vm.new_exc("AssertionError", &format!("{:?}", b)));
            }
            Ok(Some(b))
        }
    }
}

fn b32_encode(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..c.len()].copy_from_slice(c);
        let n = buf.iter().fold(0u64, |acc, &b| acc << 8 | b as u64);
        let chars = match c.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            out.push(if i < chars {
                B32[(n >> (35 - 5 * i)) as usize & 31]
            } else {
                b'='
            });
        }
    }
    out
}

fn b32_decode(vm: &mut Vm, data: &[u8], casefold: bool) -> PyResult<Vec<u8>> {
    if data.len() % 8 != 0 {
        return Err(raise(
            vm,
            "binascii.Error",
            "ValueError",
            "Incorrect padding",
        ));
    }
    let mut s = data.to_vec();
    if casefold {
        s.make_ascii_uppercase();
    }
    let stripped = s.iter().rev().skip_while(|&&c| c == b'=').count();
    let padchars = s.len() - stripped;
    let mut out = Vec::new();
    for chunk in s[..stripped].chunks(8) {
        let mut acc = 0u64;
        for i in 0..8 {
            let v = match chunk.get(i) {
                Some(c) => match B32.iter().position(|x| x == c) {
                    Some(v) => v as u64,
                    None => {
                        return Err(raise(
                            vm,
                            "binascii.Error",
                            "ValueError",
                            "Non-base32 digit found",
                        ))
                    }
                },
                None => 0,
            };
            acc = acc << 5 | v;
        }
        for i in 0..5 {
            out.push((acc >> (32 - 8 * i)) as u8);
        }
    }
    let drop = match padchars {
        0 => 0,
        1 => 1,
        3 => 2,
        4 => 3,
        6 => 4,
        _ => {
            return Err(raise(
                vm,
                "binascii.Error",
                "ValueError",
                "Incorrect padding",
            ))
        }
    };
    out.truncate(out.len() - drop);
    Ok(out)
}

fn hex_encode(data: &[u8], upper: bool) -> Vec<u8> {
    let digits: &[u8] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = Vec::with_capacity(data.len() * 2);
    for &b in data {
        out.push(digits[(b >> 4) as usize]);
        out.push(digits[(b & 15) as usize]);
    }
    out
}

fn hex_digit(c: u8, lower_ok: bool) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' if lower_ok => Some(c - b'a' + 10),
        _ => None,
    }
}

fn b85_encode(data: &[u8], pad: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for c in data.chunks(4) {
        let mut buf = [0u8; 4];
        buf[..c.len()].copy_from_slice(c);
        let mut n = u32::from_be_bytes(buf);
        let mut five = [0u8; 5];
        for i in (0..5).rev() {
            five[i] = B85[(n % 85) as usize];
            n /= 85;
        }
        let keep = if c.len() < 4 && !pad { c.len() + 1 } else { 5 };
        out.extend_from_slice(&five[..keep]);
    }
    out
}

fn b85_decode(vm: &mut Vm, data: &[u8]) -> PyResult<Vec<u8>> {
    let padding = (5 - data.len() % 5) % 5;
    let mut s = data.to_vec();
    s.extend(std::iter::repeat_n(b'~', padding));
    let mut out = Vec::new();
    for (ci, chunk) in s.chunks(5).enumerate() {
        let mut acc: u64 = 0;
        for (j, c) in chunk.iter().enumerate() {
            let Some(v) = B85.iter().position(|x| x == c) else {
                let msg = format!("bad base85 character at position {}", ci * 5 + j);
                return Err(vm.value_error(&msg));
            };
            acc = acc * 85 + v as u64;
        }
        if acc > u32::MAX as u64 {
            let msg = format!("base85 overflow in hunk starting at byte {}", ci * 5);
            return Err(vm.value_error(&msg));
        }
        out.extend_from_slice(&(acc as u32).to_be_bytes());
    }
    out.truncate(out.len() - padding);
    Ok(out)
}

pub fn make_base64(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "base64");
    let err = super::exc_class(vm, "binascii.Error", "ValueError");
    m.set("Error", crate::value::Value::Class(err));
    fn enc(vm: &mut Vm, a: Args) -> PyResult<Value> {
        let d = arg_bytes(vm, &a, 0, "s", false)?;
        let mut out = b64_encode(&d, false);
        if let Some(alt) = altchars(vm, &a)? {
            translate(&mut out, b"+/", &alt);
        }
        Ok(bytes_val(out))
    }
    fn dec(vm: &mut Vm, a: Args) -> PyResult<Value> {
        let mut d = arg_bytes(vm, &a, 0, "s", true)?;
        if let Some(alt) = altchars(vm, &a)? {
            translate(&mut d, &alt, b"+/");
        }
        let validate = match ai(&a, 2, "validate") {
            Some(v) => vm.truthy(&v)?,
            None => false,
        };
        let out = b64_decode(vm, &d, validate)?;
        crate::observe::buffer(vm, "base64", &d, &out)?;
        Ok(bytes_val(out))
    }
    func(&m, "b64encode", enc);
    func(&m, "b64decode", dec);
    func(&m, "standard_b64encode", enc);
    func(&m, "standard_b64decode", dec);
    func(&m, "encodebytes", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "s", false)?;
        let mut out = Vec::new();
        for c in d.chunks(57) {
            out.extend(b64_encode(c, true));
        }
        Ok(bytes_val(out))
    });
    func(&m, "decodebytes", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "s", false)?;
        Ok(bytes_val(b64_decode(vm, &d, false)?))
    });
    func(&m, "urlsafe_b64encode", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "s", false)?;
        let mut out = b64_encode(&d, false);
        translate(&mut out, b"+/", b"-_");
        Ok(bytes_val(out))
    });
    func(&m, "urlsafe_b64decode", |vm, a| {
        let mut d = arg_bytes(vm, &a, 0, "s", true)?;
        translate(&mut d, b"-_", b"+/");
        Ok(bytes_val(b64_decode(vm, &d, false)?))
    });
    func(&m, "b32encode", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "s", false)?;
        Ok(bytes_val(b32_encode(&d)))
    });
    func(&m, "b32decode", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "s", true)?;
        let casefold = match ai(&a, 1, "casefold") {
            Some(v) => vm.truthy(&v)?,
            None => false,
        };
        let out = b32_decode(vm, &d, casefold)?;
        crate::observe::buffer(vm, "base32", &d, &out)?;
        Ok(bytes_val(out))
    });
    func(&m, "b16encode", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "s", false)?;
        Ok(bytes_val(hex_encode(&d, true)))
    });
    func(&m, "b16decode", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "s", true)?;
        let casefold = match ai(&a, 1, "casefold") {
            Some(v) => vm.truthy(&v)?,
            None => false,
        };
        let out = decode_hex_pairs(vm, &d, casefold, "Non-base16 digit found")?;
        Ok(bytes_val(out))
    });
    func(&m, "b85encode", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "b", false)?;
        let pad = match ai(&a, 1, "pad") {
            Some(v) => vm.truthy(&v)?,
            None => false,
        };
        Ok(bytes_val(b85_encode(&d, pad)))
    });
    func(&m, "b85decode", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "b", true)?;
        let out = b85_decode(vm, &d)?;
        crate::observe::buffer(vm, "base85", &d, &out)?;
        Ok(bytes_val(out))
    });
    m
}

/// Hex digit pairs to bytes (`binascii.unhexlify`, `base64.b16decode`,
/// which differ in accepting lower case and in the message for a bad digit).
fn decode_hex_pairs(vm: &mut Vm, d: &[u8], lower_ok: bool, bad_digit: &str) -> PyResult<Vec<u8>> {
    if d.len() % 2 != 0 {
        return Err(raise(
            vm,
            "binascii.Error",
            "ValueError",
            "Odd-length string",
        ));
    }
    let mut out = Vec::with_capacity(d.len() / 2);
    for p in d.chunks(2) {
        match (hex_digit(p[0], lower_ok), hex_digit(p[1], lower_ok)) {
            (Some(h), Some(l)) => out.push(h << 4 | l),
            _ => return Err(raise(vm, "binascii.Error", "ValueError", bad_digit)),
        }
    }
    Ok(out)
}

fn unhexlify(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let d = arg_bytes(vm, &a, 0, "hexstr", true)?;
    let out = decode_hex_pairs(vm, &d, true, "Non-hexadecimal digit found")?;
    crate::observe::buffer(vm, "hex", &d, &out)?;
    Ok(bytes_val(out))
}

fn hexlify(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let d = arg_bytes(vm, &a, 0, "data", false)?;
    let hex = hex_encode(&d, false);
    let sep = match ai(&a, 1, "sep") {
        None | Some(Value::None) => return Ok(bytes_val(hex)),
        Some(v) => bytes_arg(vm, &v, true)?,
    };
    let n = match ai(&a, 2, "bytes_per_sep") {
        Some(v) => vm.to_i64(&v)?,
        None => 1,
    };
    let per = n.unsigned_abs().max(1) as usize;
    let groups: Vec<&[u8]> = if n >= 0 {
        // counted from the right
        let first = d.len() % per;
        let mut g = Vec::new();
        if first > 0 {
            g.push(&hex[..first * 2]);
        }
        g.extend(hex[first * 2..].chunks(per * 2));
        g
    } else {
        hex.chunks(per * 2).collect()
    };
    Ok(bytes_val(groups.join(&sep[..])))
}

pub fn crc32(data: &[u8], start: u32) -> u32 {
    let mut crc = !start;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8], start: u32) -> u32 {
    let (mut a, mut b) = (start & 0xffff, start >> 16);
    for &c in data {
        a = (a + c as u32) % 65521;
        b = (b + a) % 65521;
    }
    b << 16 | a
}

fn checksum(vm: &mut Vm, a: &Args, default: u32, f: fn(&[u8], u32) -> u32) -> PyResult<Value> {
    let d = arg_bytes(vm, a, 0, "data", false)?;
    let start = match ai(a, 1, "value") {
        Some(v) => {
            let b = crate::stdlib::functional::big_of(vm, &v)?;
            (b & BigInt::from(0xffff_ffffu32)).to_u32().unwrap_or(0)
        }
        None => default,
    };
    Ok(Value::Int(f(&d, start) as i64))
}

pub fn make_binascii(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "binascii");
    let err = super::exc_class(vm, "binascii.Error", "ValueError");
    m.set("Error", Value::Class(err));
    func(&m, "hexlify", hexlify);
    func(&m, "b2a_hex", hexlify);
    func(&m, "unhexlify", unhexlify);
    func(&m, "a2b_hex", unhexlify);
    func(&m, "crc32", |vm, a| checksum(vm, &a, 0, crc32));
    func(&m, "b2a_base64", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "data", false)?;
        let newline = match a.kw_get("newline") {
            Some(v) => vm.truthy(&v.clone())?,
            None => true,
        };
        Ok(bytes_val(b64_encode(&d, newline)))
    });
    func(&m, "a2b_base64", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "data", true)?;
        Ok(bytes_val(b64_decode(vm, &d, false)?))
    });
    m
}

pub fn make_zlib(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "zlib");
    let err = super::exc_class(vm, "zlib.error", "Exception");
    m.set("error", Value::Class(err));
    for (k, v) in [
        ("MAX_WBITS", 15),
        ("DEFLATED", 8),
        ("DEF_MEM_LEVEL", 8),
        ("Z_BEST_COMPRESSION", 9),
        ("Z_BEST_SPEED", 1),
        ("Z_DEFAULT_COMPRESSION", -1),
        ("Z_NO_COMPRESSION", 0),
    ] {
        m.set(k, Value::Int(v));
    }
    func(&m, "crc32", |vm, a| checksum(vm, &a, 0, crc32));
    func(&m, "adler32", |vm, a| checksum(vm, &a, 1, adler32));
    func(&m, "compress", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "data", false)?;
        let level = match ai(&a, 1, "level") {
            Some(v) => vm.to_i64(&v)?,
            None => -1,
        };
        if !(-1..=9).contains(&level) {
            return Err(raise(
                vm,
                "zlib.error",
                "Exception",
                "Bad compression level",
            ));
        }
        let lvl = flate2::Compression::new(if level < 0 { 6 } else { level as u32 });
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), lvl);
        let out = e.write_all(&d).and_then(|_| e.finish());
        match out {
            Ok(o) => Ok(bytes_val(o)),
            Err(_) => Err(raise(
                vm,
                "zlib.error",
                "Exception",
                "Error while compressing data",
            )),
        }
    });
    func(&m, "decompress", |vm, a| {
        let d = arg_bytes(vm, &a, 0, "data", false)?;
        let wbits = match ai(&a, 1, "wbits") {
            Some(v) => vm.to_i64(&v)?,
            None => 15,
        };
        vm.charge_memory(d.len() * 4)?;
        let mut out = Vec::new();
        // a decompression bomb stops at the memory limit, not after it
        let cap = (vm.config.max_memory.saturating_sub(vm.memory) as u64).saturating_add(1);
        let r = if wbits < 0 {
            flate2::read::DeflateDecoder::new(&d[..])
                .take(cap)
                .read_to_end(&mut out)
        } else if wbits >= 32 {
            if d.starts_with(&[0x1f, 0x8b]) {
                flate2::read::GzDecoder::new(&d[..])
                    .take(cap)
                    .read_to_end(&mut out)
            } else {
                flate2::read::ZlibDecoder::new(&d[..])
                    .take(cap)
                    .read_to_end(&mut out)
            }
        } else if wbits >= 16 {
            flate2::read::GzDecoder::new(&d[..])
                .take(cap)
                .read_to_end(&mut out)
        } else {
            if d.len() >= 2 && ((d[0] as u16) << 8 | d[1] as u16) % 31 != 0 {
                return Err(raise(
                    vm,
                    "zlib.error",
                    "Exception",
                    "Error -3 while decompressing data: incorrect header check",
                ));
            }
            flate2::read::ZlibDecoder::new(&d[..])
                .take(cap)
                .read_to_end(&mut out)
        };
        match r {
            Ok(_) => {
                vm.charge_memory(out.len())?;
                crate::observe::buffer(vm, "zlib", &d, &out)?;
                Ok(bytes_val(out))
            }
            Err(e) => {
                let msg = if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    "Error -5 while decompressing data: incomplete or truncated stream".to_string()
                } else {
                    "Error -3 while decompressing data: invalid stored block lengths".to_string()
                };
                Err(raise(vm, "zlib.error", "Exception", &msg))
            }
        }
    });
    m
}

// ---- marshal ----

fn w_long(out: &mut Vec<u8>, n: i32) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn dump_value(vm: &mut Vm, v: &Value, out: &mut Vec<u8>, depth: u32) -> PyResult<()> {
    if depth > 2000 {
        return Err(vm.value_error("object too deeply nested to marshal"));
    }
    match v {
        Value::None => out.push(b'N'),
        Value::Bool(true) => out.push(b'T'),
        Value::Bool(false) => out.push(b'F'),
        Value::Ellipsis => out.push(b'.'),
        Value::Int(i) if *i >= i32::MIN as i64 && *i <= i32::MAX as i64 => {
            out.push(b'i');
            w_long(out, *i as i32);
        }
        Value::Int(_) | Value::BigInt(_) => {
            let b = crate::stdlib::functional::big_of(vm, v)?;
            let neg = b < BigInt::zero();
            let mut mag = if neg { -b } else { b };
            let mut digits = Vec::new();
            let base = BigInt::from(1u32 << 15);
            while !mag.is_zero() {
                let d = (&mag % &base).to_u16().unwrap_or(0);
                digits.push(d);
                mag /= &base;
            }
            out.push(b'l');
            let n = digits.len() as i32;
            w_long(out, if neg { -n } else { n });
            for d in digits {
                out.extend_from_slice(&d.to_le_bytes());
            }
        }
        Value::Float(f) => {
            out.push(b'g');
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::Str(s) => {
            let b = s.s.as_bytes();
            if s.s.is_ascii() && b.len() < 256 {
                out.push(b'z');
                out.push(b.len() as u8);
            } else if s.s.is_ascii() {
                out.push(b'a');
                w_long(out, b.len() as i32);
            } else {
                out.push(b'u');
                w_long(out, b.len() as i32);
            }
            out.extend_from_slice(b);
        }
        Value::Bytes(b) => {
            out.push(b's');
            w_long(out, b.len() as i32);
            out.extend_from_slice(b);
        }
        Value::Tuple(t) => {
            if t.len() < 256 {
                out.push(b')');
                out.push(t.len() as u8);
            } else {
                out.push(b'(');
                w_long(out, t.len() as i32);
            }
            for x in t.iter() {
                dump_value(vm, x, out, depth + 1)?;
            }
        }
        Value::List(l) => {
            let items = l.borrow().clone();
            out.push(b'[');
            w_long(out, items.len() as i32);
            for x in &items {
                dump_value(vm, x, out, depth + 1)?;
            }
        }
        Value::Set(_) | Value::FrozenSet(_) => {
            let items = vm.collect(v.clone())?;
            out.push(if matches!(v, Value::Set(_)) {
                b'<'
            } else {
                b'>'
            });
            w_long(out, items.len() as i32);
            for x in &items {
                dump_value(vm, x, out, depth + 1)?;
            }
        }
        Value::Dict(d) => {
            let pairs: Vec<(Value, Value)> = d.borrow().items();
            out.push(b'{');
            for (k, x) in &pairs {
                dump_value(vm, k, out, depth + 1)?;
                dump_value(vm, x, out, depth + 1)?;
            }
            out.push(b'0');
        }
        Value::Code(_) => {
            return Err(vm.fatal(
                "marshal.dumps of a code object is not supported by the vm engine yet".into(),
            ))
        }
        other => {
            let _ = other;
            return Err(vm.value_error("unmarshallable object"));
        }
    }
    Ok(())
}

pub fn make_marshal(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "marshal");
    m.set("version", Value::Int(4));
    func(&m, "dumps", |vm, a| {
        let mut out = Vec::new();
        dump_value(vm, &a0(&a), &mut out, 0)?;
        Ok(bytes_val(out))
    });
    func(&m, "loads", |vm, a| {
        let caller = vm.observe.caller.take();
        let d = arg_bytes(vm, &a, 0, "bytes", false)?;
        let version = vm.version;
        let opts = pyctrace_marshal::ReadOptions::default();
        let pyc = match pyctrace_marshal::read_marshal(&d, version, &opts) {
            Ok(p) => p,
            Err(_) => {
                let msg = if d.is_empty() {
                    "EOF read where object expected"
                } else {
                    "bad marshal data (unknown type code)"
                };
                let exc = if d.is_empty() {
                    "EOFError"
                } else {
                    "ValueError"
                };
                return Err(vm.new_exc(exc, msg));
            }
        };
        let root = &pyc.root;
        let mut loader = crate::code::Loader::new(root, version);
        match loader.value(root) {
            Ok(Value::Code(c)) => {
                let site = caller.as_ref().map(|c| &c.site);
                crate::observe::code_created(vm, "marshal.loads", &d, &c, site)?;
                Ok(Value::Code(c))
            }
            Ok(v) => Ok(v),
            Err(e) => Err(vm.value_error(&format!("bad marshal data ({})", e))),
        }
    });
    m
}

// ---- struct ----

#[derive(Clone, Copy)]
struct Item {
    code: u8,
    count: usize,
    size: usize,
    align: usize,
}

struct Layout {
    little: bool,
    native: bool,
    items: Vec<Item>,
}

fn struct_err(vm: &mut Vm, msg: &str) -> crate::interp::Flow {
    raise(vm, "struct.error", "Exception", msg)
}

fn parse_format(vm: &mut Vm, fmt: &str) -> PyResult<Layout> {
    let mut chars = fmt.as_bytes();
    let (little, native) = match chars.first() {
        Some(b'<') => (true, false),
        Some(b'>') | Some(b'!') => (false, false),
        Some(b'=') => (cfg!(target_endian = "little"), false),
        Some(b'@') => (cfg!(target_endian = "little"), true),
        _ => (cfg!(target_endian = "little"), true),
    };
    if matches!(chars.first(), Some(b'<' | b'>' | b'!' | b'=' | b'@')) {
        chars = &chars[1..];
    }
    let mut items = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let mut count = None;
        while i < chars.len() && chars[i].is_ascii_digit() {
            count = Some(count.unwrap_or(0usize) * 10 + (chars[i] - b'0') as usize);
            i += 1;
        }
        if i >= chars.len() {
            return Err(struct_err(
                vm,
                "repeat count given without format specifier",
            ));
        }
        let code = chars[i];
        i += 1;
        let size = match code {
            b'x' | b'c' | b'b' | b'B' | b'?' | b's' | b'p' => 1,
            b'h' | b'H' | b'e' => 2,
            b'i' | b'I' | b'f' => 4,
            b'l' | b'L' => {
                if native {
                    8
                } else {
                    4
                }
            }
            b'q' | b'Q' | b'd' => 8,
            b'n' | b'N' | b'P' if native => 8,
            _ => return Err(struct_err(vm, "bad char in struct format")),
        };
        items.push(Item {
            code,
            count: count.unwrap_or(1),
            size,
            align: if native { size } else { 1 },
        });
    }
    Ok(Layout {
        little,
        native,
        items,
    })
}

fn calcsize(l: &Layout) -> usize {
    let mut n: usize = 0;
    for it in &l.items {
        if l.native && it.align > 1 && it.count > 0 {
            n = n.div_ceil(it.align) * it.align;
        }
        n += match it.code {
            b's' | b'p' => it.count,
            _ => it.size * it.count,
        };
    }
    n
}

fn nargs(l: &Layout) -> usize {
    l.items
        .iter()
        .map(|it| match it.code {
            b's' | b'p' => 1,
            b'x' => 0,
            _ => it.count,
        })
        .sum()
}

fn fmt_arg(vm: &mut Vm, v: &Value) -> PyResult<String> {
    match v {
        Value::Str(s) => Ok(s.s.clone()),
        Value::Bytes(b) => Ok(String::from_utf8_lossy(b).into_owned()),
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!(
                "Struct() argument 1 must be a str or bytes object, not {}",
                t
            )))
        }
    }
}

fn pack(vm: &mut Vm, l: &Layout, args: &[Value]) -> PyResult<Vec<u8>> {
    let want = nargs(l);
    if args.len() != want {
        let msg = format!(
            "pack expected {} items for packing (got {})",
            want,
            args.len()
        );
        return Err(struct_err(vm, &msg));
    }
    let mut out: Vec<u8> = Vec::new();
    let mut ai = 0;
    for it in &l.items {
        if l.native && it.align > 1 && it.count > 0 {
            let n = out.len().div_ceil(it.align) * it.align;
            out.resize(n, 0);
        }
        if it.code == b's' || it.code == b'p' {
            let v = &args[ai];
            ai += 1;
            let Value::Bytes(b) = v else {
                let msg = format!("argument for '{}' must be a bytes object", it.code as char);
                return Err(struct_err(vm, &msg));
            };
            let mut b = b.to_vec();
            if it.code == b'p' {
                let n = b.len().min(it.count.saturating_sub(1)).min(255);
                b.truncate(n);
                b.insert(0, n as u8);
            }
            b.resize(it.count, 0);
            out.extend(b);
            continue;
        }
        for _ in 0..it.count {
            if it.code == b'x' {
                out.push(0);
                continue;
            }
            let v = args[ai].clone();
            ai += 1;
            let mut bytes: Vec<u8> = match it.code {
                b'c' => match &v {
                    Value::Bytes(b) if b.len() == 1 => vec![b[0]],
                    _ => {
                        return Err(struct_err(
                            vm,
                            "char format requires a bytes object of length 1",
                        ))
                    }
                },
                b'?' => vec![vm.truthy(&v)? as u8],
                b'f' | b'd' | b'e' => {
                    let f = crate::sandbox::float_of(vm, &v)?;
                    match it.code {
                        b'f' => (f as f32).to_be_bytes().to_vec(),
                        b'd' => f.to_be_bytes().to_vec(),
                        _ => {
                            return Err(vm.fatal(
                                "struct format 'e' is not supported by the vm engine yet".into(),
                            ))
                        }
                    }
                }
                code => {
                    if !matches!(v, Value::Int(_) | Value::BigInt(_) | Value::Bool(_)) {
                        return Err(struct_err(vm, "required argument is not an integer"));
                    }
                    let b = crate::stdlib::functional::big_of(vm, &v)?;
                    let signed = code.is_ascii_lowercase();
                    let bits = it.size * 8;
                    let (lo, hi) = if signed {
                        (
                            -(BigInt::from(1) << (bits - 1)),
                            (BigInt::from(1) << (bits - 1)) - 1,
                        )
                    } else {
                        (BigInt::zero(), (BigInt::from(1) << bits) - 1)
                    };
                    if b < lo || b > hi {
                        let msg = if it.size == 1 && signed {
                            "byte format requires -128 <= number <= 127".to_string()
                        } else if it.size == 1 {
                            "ubyte format requires 0 <= number <= 255".to_string()
                        } else if !signed && b < BigInt::zero() {
                            "argument out of range".to_string()
                        } else {
                            format!(
                                "'{}' format requires {} <= number <= {}",
                                code as char, lo, hi
                            )
                        };
                        return Err(struct_err(vm, &msg));
                    }
                    let raw = b.to_signed_bytes_be();
                    let fill = if b < BigInt::zero() { 0xff } else { 0 };
                    let mut v = vec![fill; it.size.saturating_sub(raw.len())];
                    v.extend_from_slice(&raw[raw.len().saturating_sub(it.size)..]);
                    v
                }
            };
            if l.little {
                bytes.reverse();
            }
            out.extend(bytes);
        }
    }
    Ok(out)
}

fn unpack(vm: &mut Vm, l: &Layout, data: &[u8]) -> PyResult<Value> {
    let mut out = Vec::new();
    let mut pos: usize = 0;
    for it in &l.items {
        if l.native && it.align > 1 && it.count > 0 {
            pos = pos.div_ceil(it.align) * it.align;
        }
        if it.code == b's' || it.code == b'p' {
            let b = &data[pos..pos + it.count];
            pos += it.count;
            let v = if it.code == b'p' && !b.is_empty() {
                let n = (b[0] as usize).min(b.len() - 1);
                b[1..1 + n].to_vec()
            } else {
                b.to_vec()
            };
            out.push(bytes_val(v));
            continue;
        }
        for _ in 0..it.count {
            let mut b = data[pos..pos + it.size].to_vec();
            pos += it.size;
            if it.code == b'x' {
                continue;
            }
            if l.little {
                b.reverse();
            }
            out.push(match it.code {
                b'c' => bytes_val(b),
                b'?' => Value::Bool(b[0] != 0),
                b'f' => Value::Float(f32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f64),
                b'd' => {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(&b);
                    Value::Float(f64::from_be_bytes(a))
                }
                b'e' => {
                    return Err(
                        vm.fatal("struct format 'e' is not supported by the vm engine yet".into())
                    )
                }
                code => {
                    let n = if code.is_ascii_lowercase() {
                        BigInt::from_signed_bytes_be(&b)
                    } else {
                        BigInt::from_bytes_be(num_bigint::Sign::Plus, &b)
                    };
                    Value::bigint(n)
                }
            });
        }
    }
    let _ = vm;
    Ok(Value::tuple(out))
}

fn layout_arg(vm: &mut Vm, a: &Args) -> PyResult<Layout> {
    let f = fmt_arg(vm, &a0(a))?;
    parse_format(vm, &f)
}

fn unpack_checked(vm: &mut Vm, l: &Layout, data: &[u8], offset: Option<usize>) -> PyResult<Value> {
    let need = calcsize(l);
    match offset {
        None if data.len() != need => {
            let msg = format!("unpack requires a buffer of {} bytes", need);
            Err(struct_err(vm, &msg))
        }
        Some(o) if data.len() < o + need => {
            let msg = format!(
                "unpack_from requires a buffer of at least {} bytes for unpacking {} bytes at offset {} (actual buffer size is {})",
                o + need,
                need,
                o,
                data.len()
            );
            Err(struct_err(vm, &msg))
        }
        _ => unpack(vm, l, &data[offset.unwrap_or(0)..]),
    }
}

pub fn make_struct(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "struct");
    let err = super::exc_class(vm, "struct.error", "Exception");
    m.set("error", Value::Class(err));
    func(&m, "calcsize", |vm, a| {
        let l = layout_arg(vm, &a)?;
        Ok(Value::Int(calcsize(&l) as i64))
    });
    func(&m, "pack", |vm, a| {
        let l = layout_arg(vm, &a)?;
        Ok(bytes_val(pack(vm, &l, &a.pos[1.min(a.pos.len())..])?))
    });
    func(&m, "unpack", |vm, a| {
        let l = layout_arg(vm, &a)?;
        let d = arg_bytes(vm, &a, 1, "buffer", false)?;
        unpack_checked(vm, &l, &d, None)
    });
    func(&m, "unpack_from", |vm, a| {
        let l = layout_arg(vm, &a)?;
        let d = arg_bytes(vm, &a, 1, "buffer", false)?;
        let off = match ai(&a, 2, "offset") {
            Some(v) => vm.to_i64(&v)?.max(0) as usize,
            None => 0,
        };
        unpack_checked(vm, &l, &d, Some(off))
    });
    func(&m, "iter_unpack", |vm, a| {
        let l = layout_arg(vm, &a)?;
        let d = arg_bytes(vm, &a, 1, "buffer", false)?;
        let n = calcsize(&l);
        if n == 0 || d.len() % n != 0 {
            let msg = format!(
                "iterative unpacking requires a buffer of a multiple of {} bytes",
                n
            );
            return Err(struct_err(vm, &msg));
        }
        let mut out = Vec::new();
        for c in d.chunks(n) {
            out.push(unpack(vm, &l, c)?);
        }
        vm.iter(&Value::list(out))
    });
    m
}
