//! `float`: IEEE doubles with CPython's repr (shortest round-trip digits,
//! `repr` style switching to exponent form outside 1e-4 <= |x| < 1e16).

use num_bigint::BigInt;
use num_traits::FromPrimitive;

use crate::interp::{Args, PyResult, Vm};
use crate::lift::BinOp;
use crate::value::Value;

pub const METHODS: &[&str] = &["is_integer", "hex", "conjugate", "as_integer_ratio"];

/// Shortest digits that round-trip and the decimal exponent: `x = 0.d1d2... * 10**decpt`.
pub fn shortest_digits(x: f64) -> (String, i32) {
    // Rust's `{:e}` prints the shortest round-tripping digits (nearest when
    // several qualify), the same digit string as David Gay's mode 0.
    let s = format!("{:e}", x.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (digits, exp + 1)
}

/// `repr(float)`, as CPython prints it.
pub fn repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{}0.0", sign);
    }
    let (digits, decpt) = shortest_digits(x);
    let n = digits.len() as i32;
    let body = if -4 < decpt && decpt <= 16 {
        if decpt <= 0 {
            format!("0.{}{}", "0".repeat((-decpt) as usize), digits)
        } else if decpt >= n {
            format!("{}{}.0", digits, "0".repeat((decpt - n) as usize))
        } else {
            format!(
                "{}.{}",
                &digits[..decpt as usize],
                &digits[decpt as usize..]
            )
        }
    } else {
        let e = decpt - 1;
        let mant = if n == 1 {
            digits.clone()
        } else {
            format!("{}.{}", &digits[..1], &digits[1..])
        };
        format!("{}e{}{:02}", mant, if e < 0 { '-' } else { '+' }, e.abs())
    };
    format!("{}{}", sign, body)
}

/// CPython's hash of a float (equal to the int hash for integral values).
pub fn hash(x: f64) -> i64 {
    const BITS: i32 = 61;
    const P: u64 = (1 << 61) - 1;
    if x.is_infinite() {
        return if x > 0.0 { 314159 } else { -314159 };
    }
    if x.is_nan() {
        return 0;
    }
    let (mut m, mut e) = frexp(x.abs());
    let mut h: u64 = 0;
    while m != 0.0 {
        h = ((h << 28) & P) | (h >> (BITS - 28));
        m *= 268435456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        h += y;
        if h >= P {
            h -= P;
        }
    }
    let e = if e >= 0 {
        e % BITS
    } else {
        BITS - 1 - ((-1 - e) % BITS)
    };
    h = ((h << e) & P) | (h >> (BITS - e));
    let mut h = h as i64;
    if x < 0.0 {
        h = -h;
    }
    if h == -1 {
        -2
    } else {
        h
    }
}

fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 {
        return (0.0, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        let (m, e) = frexp(x * 2f64.powi(64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

pub fn binary(vm: &mut Vm, op: BinOp, x: f64, y: f64) -> PyResult<Value> {
    let r = match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::TrueDiv => {
            if y == 0.0 {
                return Err(vm.new_exc("ZeroDivisionError", "float division by zero"));
            }
            x / y
        }
        BinOp::FloorDiv | BinOp::Mod => {
            if y == 0.0 {
                return Err(vm.new_exc(
                    "ZeroDivisionError",
                    if op == BinOp::Mod {
                        if vm.version.at_least(3, 13) {
                            "float modulo by zero"
                        } else {
                            "float modulo"
                        }
                    } else if vm.version.at_least(3, 9) {
                        "float floor division by zero"
                    } else {
                        "float divmod()"
                    },
                ));
            }
            let (div, m) = divmod(x, y);
            if op == BinOp::FloorDiv {
                div
            } else {
                m
            }
        }
        BinOp::Pow => {
            if x == 0.0 && y < 0.0 {
                return Err(vm.new_exc(
                    "ZeroDivisionError",
                    "0.0 cannot be raised to a negative power",
                ));
            }
            if x < 0.0 && y.fract() != 0.0 && y.is_finite() {
                return crate::types::complex::pow(vm, [x, 0.0], [y, 0.0]);
            }
            let r = crate::stdlib::math::libm::pow(x, y);
            if r.is_infinite() && x.is_finite() && y.is_finite() {
                return Err(vm.new_exc("OverflowError", "(34, 'Numerical result out of range')"));
            }
            r
        }
        _ => {
            return Err(vm.type_error(format!(
                "unsupported operand type(s) for {}: 'float' and 'float'",
                op.symbol()
            )))
        }
    };
    Ok(Value::Float(r))
}

/// Python's float divmod (floor semantics, sign of the divisor).
pub fn divmod(x: f64, y: f64) -> (f64, f64) {
    let mut m = x % y;
    let mut div = (x - m) / y;
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) {
            m += y;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(y);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(x / y)
    };
    (floordiv, m)
}

/// `round(x)` with ties to even.
pub fn round_half_even(x: f64) -> f64 {
    x.round_ties_even()
}

pub fn to_int(vm: &mut Vm, x: f64) -> PyResult<Value> {
    if x.is_nan() {
        return Err(vm.value_error("cannot convert float NaN to integer"));
    }
    if x.is_infinite() {
        return Err(vm.new_exc("OverflowError", "cannot convert float infinity to integer"));
    }
    let t = x.trunc();
    if t.abs() < 9.2e18 {
        return Ok(Value::Int(t as i64));
    }
    Ok(crate::types::int::normalize(
        BigInt::from_f64(t).unwrap_or_default(),
    ))
}

pub fn parse(text: &str) -> Option<f64> {
    let t = text.trim().replace('_', "");
    match t.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => return Some(f64::INFINITY),
        "-inf" | "-infinity" => return Some(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => return Some(f64::NAN),
        _ => {}
    }
    t.parse::<f64>().ok()
}

pub fn call_method(vm: &mut Vm, x: f64, name: &str, _args: Args) -> PyResult<Value> {
    match name {
        "is_integer" => Ok(Value::Bool(x.is_finite() && x.fract() == 0.0)),
        "conjugate" => Ok(Value::Float(x)),
        _ => Err(vm.unsupported(&format!("float.{}", name))),
    }
}
