//! `int` (and `bool` as its subclass): `i64` when it fits, exact `BigInt`
//! otherwise, always normalised back to `i64` when a result fits.

use std::rc::Rc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::interp::{Args, PyResult, Vm};
use crate::value::Value;

pub const METHODS: &[&str] = &["bit_length", "to_bytes", "conjugate", "bit_count"];

pub fn normalize(b: BigInt) -> Value {
    match b.to_i64() {
        Some(i) => Value::Int(i),
        None => Value::BigInt(Rc::new(b)),
    }
}

/// The integer value of an int or bool, if `v` is one.
pub fn as_big(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::Bool(b) => Some(BigInt::from(*b as i64)),
        Value::BigInt(b) => Some((**b).clone()),
        _ => None,
    }
}

pub fn is_int(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Bool(_) | Value::BigInt(_))
}

pub fn small(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

pub fn to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(*b as i64 as f64),
        Value::BigInt(b) => Some(b.to_f64().unwrap_or(f64::INFINITY)),
        _ => None,
    }
}

/// Integer binary operators. `None` when an operand is not an int.
pub fn binary(
    vm: &mut Vm,
    op: crate::lift::BinOp,
    a: &Value,
    b: &Value,
) -> PyResult<Option<Value>> {
    use crate::lift::BinOp::*;
    if let (Some(x), Some(y)) = (small(a), small(b)) {
        let r = match op {
            Add => x.checked_add(y),
            Sub => x.checked_sub(y),
            Mul => x.checked_mul(y),
            And => Some(x & y),
            Or => Some(x | y),
            Xor => Some(x ^ y),
            FloorDiv | Mod => {
                if y == 0 {
                    return Err(vm.new_exc(
                        "ZeroDivisionError",
                        if op == Mod && vm.version.at_least(3, 11) {
                            "integer modulo by zero"
                        } else {
                            "integer division or modulo by zero"
                        },
                    ));
                }
                if op == FloorDiv {
                    x.checked_div_euclid(y).map(|_| Integer::div_floor(&x, &y))
                } else {
                    x.checked_rem_euclid(y).map(|_| Integer::mod_floor(&x, &y))
                }
            }
            LShift if (0..63).contains(&y) => {
                let r = x.checked_shl(y as u32);
                r.filter(|r| r >> y == x)
            }
            RShift if y >= 0 => Some(if y >= 64 {
                if x < 0 {
                    -1
                } else {
                    0
                }
            } else {
                x >> y
            }),
            Pow if (0..64).contains(&y) => x.checked_pow(y as u32),
            _ => None,
        };
        if let Some(r) = r {
            return Ok(Some(Value::Int(r)));
        }
    }
    let (Some(x), Some(y)) = (as_big(a), as_big(b)) else {
        return Ok(None);
    };
    let r = match op {
        Add => x + y,
        Sub => x - y,
        Mul => {
            vm.charge_memory(((x.bits() + y.bits()) / 8) as usize)?;
            x * y
        }
        And => x & y,
        Or => x | y,
        Xor => x ^ y,
        FloorDiv | Mod => {
            if y.is_zero() {
                return Err(vm.new_exc(
                    "ZeroDivisionError",
                    if op == Mod && vm.version.at_least(3, 11) {
                        "integer modulo by zero"
                    } else {
                        "integer division or modulo by zero"
                    },
                ));
            }
            if op == FloorDiv {
                x.div_floor(&y)
            } else {
                x.mod_floor(&y)
            }
        }
        LShift => {
            if y.is_negative() {
                return Err(vm.value_error("negative shift count"));
            }
            let n = y
                .to_u64()
                .filter(|n| *n < (1 << 32))
                .ok_or_else(|| vm.new_exc("OverflowError", "too many digits in integer"))?;
            vm.charge_memory((n / 8) as usize + (x.bits() / 8) as usize)?;
            x << n as usize
        }
        RShift => {
            if y.is_negative() {
                return Err(vm.value_error("negative shift count"));
            }
            match y.to_u64() {
                Some(n) if n < (1 << 32) => x >> n as usize,
                _ => BigInt::from(if x.is_negative() { -1 } else { 0 }),
            }
        }
        Pow => {
            if y.is_negative() {
                let (Some(fx), Some(fy)) = (x.to_f64(), y.to_f64()) else {
                    return Ok(Some(Value::Float(0.0)));
                };
                return crate::types::float::binary(vm, op, fx, fy).map(Some);
            }
            // bases whose powers stay small, for any exponent
            if x.is_zero() || x.is_one() {
                return Ok(Some(normalize(x.clone())));
            }
            if x == BigInt::from(-1) {
                return Ok(Some(Value::Int(if y.is_even() { 1 } else { -1 })));
            }
            let e = y
                .to_u32()
                .ok_or_else(|| vm.new_exc("OverflowError", "exponent too large"))?;
            let est = (x.bits() as u128) * (e as u128) / 8;
            if est > 1 << 32 {
                return Err(vm.fatal_memory());
            }
            vm.charge_memory(est as usize)?;
            num_traits::pow::Pow::pow(&x, e)
        }
        TrueDiv | MatMul => return Ok(None),
    };
    Ok(Some(normalize(r)))
}

/// `int / int` -> float, correctly rounded for values that fit a double.
pub fn true_div(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<Value> {
    let y = as_big(b).unwrap_or_default();
    if y.is_zero() {
        return Err(vm.new_exc("ZeroDivisionError", "division by zero"));
    }
    if let (Some(x), Some(y)) = (small(a), small(b)) {
        if x.unsigned_abs() < (1 << 53) && y.unsigned_abs() < (1 << 53) {
            return Ok(Value::Float(x as f64 / y as f64));
        }
    }
    let x = as_big(a).unwrap_or_default();
    // exact rational -> nearest double via scaled integer division
    let neg = x.is_negative() != y.is_negative();
    let (xa, ya) = (x.abs(), y.abs());
    let shift = 64i64 - (xa.bits() as i64 - ya.bits() as i64);
    let (num, den) = if shift >= 0 {
        (xa << shift as usize, ya)
    } else {
        (xa, ya << (-shift) as usize)
    };
    let (q, r) = num.div_rem(&den);
    let mut q = q;
    if !r.is_zero() {
        q = (q << 1usize) | BigInt::one(); // sticky bit for correct rounding
    } else {
        q <<= 1usize;
    }
    let f = q.to_f64().unwrap_or(f64::INFINITY) * 2f64.powi((-shift - 1) as i32);
    if f.is_infinite() {
        return Err(vm.new_exc(
            "OverflowError",
            "integer division result too large for a float",
        ));
    }
    Ok(Value::Float(if neg { -f } else { f }))
}

pub fn repr(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::BigInt(b) => b.to_string(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        _ => String::new(),
    }
}

/// CPython's numeric hash: value modulo 2**61 - 1, sign kept, -1 -> -2.
pub fn hash(v: &Value) -> i64 {
    const P: i64 = (1 << 61) - 1;
    let h = match v {
        Value::Int(i) => {
            let m = (i.unsigned_abs() % P as u64) as i64;
            if *i < 0 {
                -m
            } else {
                m
            }
        }
        Value::Bool(b) => *b as i64,
        Value::BigInt(b) => {
            let m = (b.abs() % BigInt::from(P)).to_i64().unwrap_or(0);
            if b.is_negative() {
                -m
            } else {
                m
            }
        }
        _ => 0,
    };
    if h == -1 {
        -2
    } else {
        h
    }
}

pub fn call_method(vm: &mut Vm, this: &Value, name: &str, args: Args) -> PyResult<Value> {
    let x = as_big(this).unwrap_or_default();
    match name {
        "bit_length" => Ok(Value::Int(x.bits() as i64)),
        "bit_count" if vm.version.at_least(3, 10) => {
            let (_, mag) = x.to_bytes_le();
            Ok(Value::Int(mag.iter().map(|b| b.count_ones() as i64).sum()))
        }
        "to_bytes" => {
            let length = match args.pos.first().or(args.kw_get("length")) {
                Some(v) => vm.to_index(&v.clone())?,
                None if vm.version.at_least(3, 11) => 1,
                None => {
                    return Err(vm.type_error(
                        "to_bytes() missing required argument 'length' (pos 1)".into(),
                    ))
                }
            };
            let order = match args.pos.get(1).or(args.kw_get("byteorder")) {
                Some(Value::Str(s)) => s.s.clone(),
                None if vm.version.at_least(3, 11) => "big".into(),
                _ => {
                    return Err(vm.type_error(
                        "to_bytes() missing required argument 'byteorder' (pos 2)".into(),
                    ))
                }
            };
            let signed = match args.kw_get("signed") {
                Some(v) => vm.truthy(&v.clone())?,
                None => false,
            };
            if order != "big" && order != "little" {
                return Err(vm.value_error("byteorder must be either 'little' or 'big'"));
            }
            if length < 0 {
                return Err(vm.value_error("length argument must be non-negative"));
            }
            if !signed && x.sign() == num_bigint::Sign::Minus {
                return Err(vm.new_exc("OverflowError", "can't convert negative int to unsigned"));
            }
            let mut raw = if signed {
                x.to_signed_bytes_le()
            } else {
                x.to_bytes_le().1
            };
            if x == BigInt::from(0) {
                raw.clear();
            }
            if raw.len() > length as usize {
                return Err(vm.new_exc("OverflowError", "int too big to convert"));
            }
            let fill = if x.sign() == num_bigint::Sign::Minus {
                0xff
            } else {
                0
            };
            raw.resize(length as usize, fill);
            if order == "big" {
                raw.reverse();
            }
            Ok(Value::Bytes(Rc::new(raw)))
        }
        "conjugate" => Ok(normalize(x)),
        _ => Err(vm.attr_error(this, name)),
    }
}

/// `int(text, base)`
pub fn parse(text: &str, base: u32) -> Option<BigInt> {
    let t = text.trim().replace('_', "");
    let (neg, body) = match t.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
    };
    let lower = body.to_ascii_lowercase();
    let (base, digits) = match (base, lower.get(..2)) {
        (0 | 16, Some("0x")) => (16, &lower[2..]),
        (0 | 8, Some("0o")) => (8, &lower[2..]),
        (0 | 2, Some("0b")) => (2, &lower[2..]),
        (0, _) => (10, &lower[..]),
        (b, _) => (b, &lower[..]),
    };
    if digits.is_empty() {
        return None;
    }
    let v = BigInt::parse_bytes(digits.as_bytes(), base)?;
    Some(if neg { -v } else { v })
}
