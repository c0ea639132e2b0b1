//! `hashlib`: md5 and sha1 (written here, RFC 1321 / FIPS 180-4), the
//! sha2 family (the `sha2` crate).

use std::rc::Rc;

use sha2::Digest;

use super::{bytes_arg, bytes_val};
use crate::interp::{Args, PyResult, Vm};
use crate::sandbox::{a0, ai, func, method, module, native_class, new_instance};
use crate::types::class::Instance;
use crate::value::Value;

pub fn md5(data: &[u8]) -> Vec<u8> {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4294967296.0) as u32)
        .collect();
    let mut h: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    let mut msg = data.to_vec();
    let bitlen = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bitlen.to_le_bytes());
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let (mut a, mut b, mut c, mut d) = (h[0], h[1], h[2], h[3]);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f2 = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f2.rotate_left(S[i]));
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
    }
    h.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn sha1(data: &[u8]) -> Vec<u8> {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut msg = data.to_vec();
    let bitlen = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bitlen.to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 80];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let (mut a, mut b, mut c, mut d, mut e) = (h[0], h[1], h[2], h[3], h[4]);
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i / 20 {
                0 => ((b & c) | (!b & d), 0x5A827999),
                1 => (b ^ c ^ d, 0x6ED9EBA1),
                2 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6u32),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
        h[4] = h[4].wrapping_add(e);
    }
    h.iter().flat_map(|x| x.to_be_bytes()).collect()
}

/// (name, digest size, block size)
const ALGOS: &[(&str, i64, i64)] = &[
    ("md5", 16, 64),
    ("sha1", 20, 64),
    ("sha224", 28, 64),
    ("sha256", 32, 64),
    ("sha384", 48, 128),
    ("sha512", 64, 128),
];

fn compute(name: &str, data: &[u8]) -> Vec<u8> {
    match name {
        "md5" => md5(data),
        "sha1" => sha1(data),
        "sha224" => sha2::Sha224::digest(data).to_vec(),
        "sha256" => sha2::Sha256::digest(data).to_vec(),
        "sha384" => sha2::Sha384::digest(data).to_vec(),
        _ => sha2::Sha512::digest(data).to_vec(),
    }
}

fn state(a: &Args) -> Option<(Rc<Instance>, String, Vec<u8>)> {
    let Some(Value::Instance(i)) = a.pos.first() else {
        return None;
    };
    let name = i.get("name")?.as_str()?.to_string();
    let data = match i.get("_data") {
        Some(Value::Bytes(b)) => b.to_vec(),
        _ => Vec::new(),
    };
    Some((i.clone(), name, data))
}

fn new_hash(vm: &mut Vm, name: &str, data: Vec<u8>) -> PyResult<Value> {
    let Some(&(n, size, block)) = ALGOS
        .iter()
        .find(|(n, _, _)| *n == name.to_ascii_lowercase())
    else {
        return Err(vm.value_error(&format!("unsupported hash type {}", name)));
    };
    let cls = native_class(vm, "_hashlib", "HASH");
    let h = new_instance(cls);
    h.set("name", Value::str(n));
    h.set("digest_size", Value::Int(size));
    h.set("block_size", Value::Int(block));
    h.set("_data", bytes_val(data));
    method(&h, "update", |vm, a| {
        let (h, _, mut data) = state(&a).ok_or_else(|| vm.type_error("bad hash object".into()))?;
        let more = bytes_arg(vm, a.pos.get(1).unwrap_or(&Value::None), false)?;
        vm.charge_memory(more.len())?;
        data.extend(more);
        h.set("_data", bytes_val(data));
        Ok(Value::None)
    });
    method(&h, "digest", |vm, a| {
        let (_, name, data) = state(&a).ok_or_else(|| vm.type_error("bad hash object".into()))?;
        Ok(bytes_val(compute(&name, &data)))
    });
    method(&h, "hexdigest", |vm, a| {
        let (_, name, data) = state(&a).ok_or_else(|| vm.type_error("bad hash object".into()))?;
        let d = compute(&name, &data);
        Ok(Value::string(
            d.iter().map(|b| format!("{:02x}", b)).collect(),
        ))
    });
    method(&h, "copy", |vm, a| {
        let (_, name, data) = state(&a).ok_or_else(|| vm.type_error("bad hash object".into()))?;
        new_hash(vm, &name, data)
    });
    Ok(Value::Instance(h))
}

fn data_arg(vm: &mut Vm, v: Option<Value>) -> PyResult<Vec<u8>> {
    match v {
        None | Some(Value::None) => Ok(Vec::new()),
        Some(Value::Str(_)) => {
            let msg = if vm.version.at_least(3, 9) {
                "Strings must be encoded before hashing"
            } else {
                "Unicode-objects must be encoded before hashing"
            };
            Err(vm.type_error(msg.into()))
        }
        Some(v) => bytes_arg(vm, &v, false),
    }
}

pub fn make_hashlib(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "hashlib");
    func(&m, "md5", |vm, a| {
        let d = data_arg(vm, ai(&a, 0, "string"))?;
        new_hash(vm, "md5", d)
    });
    func(&m, "sha1", |vm, a| {
        let d = data_arg(vm, ai(&a, 0, "string"))?;
        new_hash(vm, "sha1", d)
    });
    func(&m, "sha224", |vm, a| {
        let d = data_arg(vm, ai(&a, 0, "string"))?;
        new_hash(vm, "sha224", d)
    });
    func(&m, "sha256", |vm, a| {
        let d = data_arg(vm, ai(&a, 0, "string"))?;
        new_hash(vm, "sha256", d)
    });
    func(&m, "sha384", |vm, a| {
        let d = data_arg(vm, ai(&a, 0, "string"))?;
        new_hash(vm, "sha384", d)
    });
    func(&m, "sha512", |vm, a| {
        let d = data_arg(vm, ai(&a, 0, "string"))?;
        new_hash(vm, "sha512", d)
    });
    func(&m, "new", |vm, a| {
        let name = match a0(&a) {
            Value::Str(s) => s.s.clone(),
            _ => return Err(vm.type_error("new() argument 'name' must be str".into())),
        };
        let d = data_arg(
            vm,
            ai(&a, 1, "data").or_else(|| a.kw_get("string").cloned()),
        )?;
        new_hash(vm, &name, d)
    });
    let names: Vec<Value> = ALGOS.iter().map(|(n, _, _)| Value::str(n)).collect();
    m.set("algorithms_guaranteed", Value::tuple(names));
    m
}
