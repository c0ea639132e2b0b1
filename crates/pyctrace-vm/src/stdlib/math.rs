//! `math`, as CPython's `mathmodule.c` computes it: the libm functions with
//! CPython's domain/range error rules (`math_1`), exact integer functions
//! on big ints (`isqrt`, `gcd`, `lcm`, `comb`, `perm`, `factorial`), `fsum`
//! (Shewchuk's exact partials), `hypot`/`dist` (3.8-3.9 scaled sum, 3.10+
//! compensated sum with a differential correction), logarithms of ints
//! beyond the float range. Functions that appeared in a later version are
//! absent before it. `gamma` and `lgamma` (CPython's own Lanczos code)
//! stop with an unsupported-feature error.

use std::rc::Rc;

use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::interp::{Args, PyResult, Vm};
use crate::lift::BinOp;
use crate::sandbox::{a0, func, module, native_value};
use crate::types::class::Instance;
use crate::types::{float, int};
use crate::value::Value;

/// The platform C library's libm, which CPython calls: Rust's own
/// implementations of some functions (`cbrt`, ...) round differently.
pub(crate) mod libm {
    mod c {
        extern "C" {
            pub fn exp2(x: f64) -> f64;
            pub fn erf(x: f64) -> f64;
            pub fn erfc(x: f64) -> f64;
            pub fn expm1(x: f64) -> f64;
            pub fn log1p(x: f64) -> f64;
            pub fn sinh(x: f64) -> f64;
            pub fn cosh(x: f64) -> f64;
            pub fn tanh(x: f64) -> f64;
            pub fn asinh(x: f64) -> f64;
            pub fn acosh(x: f64) -> f64;
            pub fn atanh(x: f64) -> f64;
            pub fn asin(x: f64) -> f64;
            pub fn acos(x: f64) -> f64;
            pub fn atan(x: f64) -> f64;
            pub fn sin(x: f64) -> f64;
            pub fn cos(x: f64) -> f64;
            pub fn tan(x: f64) -> f64;
            pub fn exp(x: f64) -> f64;
            pub fn log(x: f64) -> f64;
            pub fn log2(x: f64) -> f64;
            pub fn log10(x: f64) -> f64;
            pub fn hypot(x: f64, y: f64) -> f64;
            pub fn atan2(x: f64, y: f64) -> f64;
            pub fn pow(x: f64, y: f64) -> f64;
        }
    }
    /// Rust links its own `cbrt` ahead of libm's; glibc's `cbrtf64` is
    /// the same function as its `cbrt`.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    pub fn cbrt(x: f64) -> f64 {
        extern "C" {
            fn cbrtf64(x: f64) -> f64;
        }
        // SAFETY: a pure libm function of one double
        unsafe { cbrtf64(x) }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    pub fn cbrt(x: f64) -> f64 {
        x.cbrt()
    }
    pub fn erf(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::erf(x) }
    }
    pub fn erfc(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::erfc(x) }
    }
    pub fn exp2(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::exp2(x) }
    }
    pub fn expm1(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::expm1(x) }
    }
    pub fn log1p(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::log1p(x) }
    }
    pub fn sinh(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::sinh(x) }
    }
    pub fn cosh(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::cosh(x) }
    }
    pub fn tanh(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::tanh(x) }
    }
    pub fn asinh(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::asinh(x) }
    }
    pub fn acosh(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::acosh(x) }
    }
    pub fn atanh(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::atanh(x) }
    }
    pub fn asin(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::asin(x) }
    }
    pub fn acos(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::acos(x) }
    }
    pub fn atan(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::atan(x) }
    }
    pub fn sin(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::sin(x) }
    }
    pub fn cos(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::cos(x) }
    }
    pub fn tan(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::tan(x) }
    }
    pub fn exp(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::exp(x) }
    }
    pub fn log(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::log(x) }
    }
    pub fn log2(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::log2(x) }
    }
    pub fn log10(x: f64) -> f64 {
        // SAFETY: a pure libm function of one double
        unsafe { c::log10(x) }
    }
    pub fn hypot(x: f64, y: f64) -> f64 {
        // SAFETY: a pure libm function of two doubles
        unsafe { c::hypot(x, y) }
    }
    pub fn atan2(x: f64, y: f64) -> f64 {
        // SAFETY: a pure libm function of two doubles
        unsafe { c::atan2(x, y) }
    }
    pub fn pow(x: f64, y: f64) -> f64 {
        // SAFETY: a pure libm function of two doubles
        unsafe { c::pow(x, y) }
    }
}

/// A real argument as a double (ints exactly rounded; too large ints
/// raise OverflowError like `PyFloat_AsDouble`).
fn real(vm: &mut Vm, v: &Value) -> PyResult<f64> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(*b as i64 as f64),
        Value::BigInt(_) => match int::to_f64(v) {
            Some(f) if f.is_finite() => Ok(f),
            _ => Err(vm.new_exc("OverflowError", "int too large to convert to float")),
        },
        Value::Instance(_) => match vm.call_dunder(v, "__float__", vec![])? {
            Some(Value::Float(f)) => Ok(f),
            _ => {
                let t = vm.type_name(v);
                Err(vm.type_error(format!("must be real number, not {}", t)))
            }
        },
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!("must be real number, not {}", t)))
        }
    }
}

fn arg(a: &Args, i: usize) -> Value {
    a.pos.get(i).cloned().unwrap_or(Value::None)
}

fn domain(vm: &mut Vm) -> crate::interp::Flow {
    vm.value_error("math domain error")
}

fn range_err(vm: &mut Vm) -> crate::interp::Flow {
    vm.new_exc("OverflowError", "math range error")
}

/// CPython's `math_1`: NaN from a non-NaN is a domain error, an infinity
/// from a finite argument is a range error (or a domain error for the
/// functions that cannot overflow).
fn math_1(vm: &mut Vm, a: &Args, f: fn(f64) -> f64, can_overflow: bool) -> PyResult<Value> {
    let x = real(vm, &arg(a, 0))?;
    let r = f(x);
    if r.is_nan() && !x.is_nan() {
        return Err(domain(vm));
    }
    if r.is_infinite() && x.is_finite() {
        return Err(if can_overflow {
            range_err(vm)
        } else {
            domain(vm)
        });
    }
    Ok(Value::Float(r))
}

/// An exact integer argument (`__index__` semantics).
fn integer(vm: &mut Vm, v: &Value) -> PyResult<BigInt> {
    match int::as_big(v) {
        Some(b) => Ok(b),
        None => {
            let t = vm.type_name(v);
            Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                t
            )))
        }
    }
}

/// `m_log`-style logarithm of a positive double (domain error otherwise).
fn log_of(vm: &mut Vm, x: f64, f: fn(f64) -> f64) -> PyResult<f64> {
    if x.is_nan() {
        return Ok(x);
    }
    if x > 0.0 {
        return Ok(f(x));
    }
    Err(domain(vm))
}

/// `loghelper`: ints too large for a double are split as `x * 2**e`.
fn log_helper(vm: &mut Vm, v: &Value, f: fn(f64) -> f64) -> PyResult<f64> {
    if int::is_int(v) {
        let b = int::as_big(v).unwrap_or_default();
        if !b.is_positive() {
            return Err(domain(vm));
        }
        if let Some(x) = b.to_f64().filter(|x| x.is_finite()) {
            return log_of(vm, x, f);
        }
        // frexp of the int: the top 64 bits as a double in [0.5, 1)
        let bits = b.bits();
        let shift = bits.saturating_sub(64);
        let top = (&b >> shift).to_u64().unwrap_or(u64::MAX) as f64;
        let m = top / 2f64.powi(64);
        let e = (shift + 64) as f64;
        return Ok(f(m) + f(2.0) * e);
    }
    let x = real(vm, v)?;
    log_of(vm, x, f)
}

fn to_int_value(vm: &mut Vm, x: f64) -> PyResult<Value> {
    float::to_int(vm, x)
}

/// `floor`, `ceil`: ints unchanged, `__floor__`/`__ceil__` of instances.
fn round_fn(vm: &mut Vm, a: &Args, dunder: &str, f: fn(f64) -> f64) -> PyResult<Value> {
    let v = arg(a, 0);
    if int::is_int(&v) {
        return Ok(int::normalize(int::as_big(&v).unwrap_or_default()));
    }
    if let Value::Instance(_) = &v {
        if let Some(r) = vm.call_dunder(&v, dunder, vec![])? {
            return Ok(r);
        }
    }
    let x = real(vm, &v)?;
    to_int_value(vm, f(x))
}

/// `frexp(x)`: mantissa in [0.5, 1) and exponent.
fn frexp(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    if exp == 0 {
        let (m, e) = frexp(x * 2f64.powi(64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

fn ldexp(x: f64, e: i64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let (m, me) = frexp(x);
    let total = me + e;
    if total > 1024 {
        return f64::INFINITY.copysign(x);
    }
    if total < -1080 {
        return 0.0f64.copysign(x);
    }
    // m * 2**total in two exact steps (the second rounds once)
    let mut r = m;
    let mut k = total;
    while k > 1000 {
        r *= 2f64.powi(1000);
        k -= 1000;
    }
    if k < -1000 {
        r *= 2f64.powi(-1000);
        k += 1000;
    }
    r * 2f64.powi(k as i32)
}

/// Two-sum without branching on magnitude (`|a| >= |b|` is guaranteed by
/// the caller): `(hi, lo)`.
fn fast_sum(a: f64, b: f64) -> (f64, f64) {
    let hi = a + b;
    (hi, (a - hi) + b)
}

fn exact_mul(x: f64, y: f64) -> (f64, f64) {
    let z = x * y;
    (z, x.mul_add(y, -z))
}

/// `vector_norm` of non-negative, finite-or-not coordinates.
fn vector_norm(vm: &Vm, vec: &mut [f64], max: f64, found_nan: bool) -> f64 {
    if max.is_infinite() {
        return max;
    }
    if found_nan {
        return f64::NAN;
    }
    if max == 0.0 || vec.len() <= 1 {
        return max;
    }
    if !vm.version.at_least(3, 10) {
        let (mut csum, mut frac) = (1.0f64, 0.0f64);
        for x in vec.iter() {
            let x = x / max;
            let x = x * x;
            let old = csum;
            csum += x;
            frac += (old - csum) + x;
        }
        return max * (csum - 1.0 + frac).sqrt();
    }
    let (_, max_e) = frexp(max);
    if max_e < -1023 {
        for x in vec.iter_mut() {
            *x /= f64::MIN_POSITIVE;
        }
        return f64::MIN_POSITIVE * vector_norm(vm, vec, max / f64::MIN_POSITIVE, found_nan);
    }
    let scale = ldexp(1.0, -max_e);
    let (mut csum, mut frac1, mut frac2) = (1.0f64, 0.0f64, 0.0f64);
    for x in vec.iter() {
        let x = x * scale;
        let (hi, lo) = exact_mul(x, x);
        let (s, sl) = fast_sum(csum, hi);
        csum = s;
        frac1 += lo;
        frac2 += sl;
    }
    let mut h = (csum - 1.0 + (frac1 + frac2)).sqrt();
    let (hi, lo) = exact_mul(-h, h);
    let (s, sl) = fast_sum(csum, hi);
    csum = s;
    frac1 += lo;
    frac2 += sl;
    let x = csum - 1.0 + (frac1 + frac2);
    h += x / (2.0 * h);
    h / scale
}

/// `math.fsum`: Shewchuk's exact partial sums (`msum`).
fn fsum(vm: &mut Vm, items: Vec<Value>) -> PyResult<Value> {
    let mut p: Vec<f64> = Vec::new();
    let (mut special_sum, mut inf_sum) = (0.0f64, 0.0f64);
    for v in items {
        let mut x = real(vm, &v)?;
        let xsave = x;
        let mut i = 0;
        for j in 0..p.len() {
            let mut y = p[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let yr = hi - x;
            let lo = y - yr;
            if lo != 0.0 {
                p[i] = lo;
                i += 1;
            }
            x = hi;
        }
        p.truncate(i);
        if x != 0.0 {
            if !x.is_finite() {
                if xsave.is_finite() {
                    return Err(vm.new_exc("OverflowError", "intermediate overflow in fsum"));
                }
                if xsave.is_infinite() {
                    inf_sum += xsave;
                }
                special_sum += xsave;
                p.clear();
            } else {
                p.push(x);
            }
        }
    }
    if special_sum != 0.0 {
        if inf_sum.is_nan() {
            return Err(vm.value_error("-inf + inf in fsum"));
        }
        return Ok(Value::Float(special_sum));
    }
    let mut hi = 0.0f64;
    let mut n = p.len();
    if n > 0 {
        n -= 1;
        hi = p[n];
        let mut lo = 0.0f64;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = p[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
    }
    Ok(Value::Float(hi))
}

fn non_negative(vm: &mut Vm, v: &Value, what: &str) -> PyResult<BigInt> {
    let n = integer(vm, v)?;
    if n.is_negative() {
        return Err(vm.value_error(&format!("{} must be a non-negative integer", what)));
    }
    Ok(n)
}

/// `n! / (n-k)!`
fn falling(n: &BigInt, k: &BigInt) -> BigInt {
    let mut acc = BigInt::one();
    let mut i = n - k + 1;
    while &i <= n {
        acc *= &i;
        i += 1;
    }
    acc
}

/// Keeps factorial/comb/perm (products of `k` factors up to `n`) bounded
/// in time and memory.
fn limit(vm: &mut Vm, n: &BigInt, k: &BigInt) -> PyResult<()> {
    let k_small = k.to_u64().unwrap_or(u64::MAX);
    if k_small > 100_000 || n.bits().saturating_mul(k_small) > 20_000_000 {
        return Err(vm.unsupported("math.factorial/comb/perm result above 20 million bits"));
    }
    Ok(())
}

fn ulp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let x = x.abs();
    if x.is_infinite() {
        return x;
    }
    let next = f64::from_bits(x.to_bits() + 1);
    if next.is_infinite() {
        let prev = f64::from_bits(x.to_bits() - 1);
        return x - prev;
    }
    next - x
}

fn nextafter(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == y {
        return y;
    }
    if x == 0.0 {
        return f64::from_bits(1).copysign(y);
    }
    let bits = x.to_bits();
    let up = (y > x) == (x > 0.0);
    f64::from_bits(if up { bits + 1 } else { bits - 1 })
}

/// IEEE 754 remainder (`m_remainder`).
fn remainder(vm: &mut Vm, x: f64, y: f64) -> PyResult<f64> {
    if x.is_nan() || y.is_nan() {
        return Ok(f64::NAN);
    }
    if x.is_infinite() || y == 0.0 {
        return Err(domain(vm));
    }
    if y.is_infinite() {
        return Ok(x);
    }
    let absx = x.abs();
    let absy = y.abs();
    let m = absx % absy;
    let c = absy - m;
    let r = if m < c {
        m
    } else if m > c {
        -c
    } else {
        // half-way: pick the even multiple
        m - 2.0 * ((0.5 * (absx - m)) % absy)
    };
    Ok(1.0f64.copysign(x) * r)
}

pub fn make_math(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "math");
    let v = vm.version;
    m.set("pi", Value::Float(std::f64::consts::PI));
    m.set("e", Value::Float(std::f64::consts::E));
    m.set("tau", Value::Float(std::f64::consts::TAU));
    m.set("inf", Value::Float(f64::INFINITY));
    m.set("nan", Value::Float(f64::NAN));
    macro_rules! unary {
        ($name:expr, $f:expr, $over:expr) => {{
            let imp: crate::types::function::NativeImpl = |vm, a| math_1(vm, &a, $f, $over);
            m.set($name, native_value($name, imp));
        }};
    }
    unary!("sqrt", f64::sqrt, false);
    unary!("exp", libm::exp, true);
    unary!("expm1", libm::expm1, true);
    unary!("sin", libm::sin, false);
    unary!("cos", libm::cos, false);
    unary!("tan", libm::tan, false);
    unary!("asin", libm::asin, false);
    unary!("acos", libm::acos, false);
    unary!("atan", libm::atan, false);
    unary!("sinh", libm::sinh, true);
    unary!("cosh", libm::cosh, true);
    unary!("tanh", libm::tanh, false);
    unary!("asinh", libm::asinh, false);
    unary!("acosh", libm::acosh, false);
    unary!("atanh", libm::atanh, false);
    unary!("fabs", f64::abs, false);
    unary!("log1p", libm::log1p, false);
    if v.at_least(3, 11) {
        unary!("cbrt", libm::cbrt, false);
        unary!("exp2", libm::exp2, true);
    }
    unary!("erf", libm::erf, false);
    unary!("erfc", libm::erfc, false);
    for name in ["gamma", "lgamma"] {
        let f: crate::types::function::NativeImpl =
            |vm, _| Err(vm.unsupported("math.gamma/lgamma"));
        m.set(name, native_value(name, f));
    }
    func(&m, "degrees", |vm, a| {
        Ok(Value::Float(
            real(vm, &arg(&a, 0))? * (180.0 / std::f64::consts::PI),
        ))
    });
    func(&m, "radians", |vm, a| {
        Ok(Value::Float(
            real(vm, &arg(&a, 0))? * (std::f64::consts::PI / 180.0),
        ))
    });
    func(&m, "log", |vm, a| {
        let num = log_helper(vm, &arg(&a, 0), libm::log)?;
        match a.pos.get(1) {
            None => Ok(Value::Float(num)),
            Some(b) => {
                let den = log_helper(vm, b, libm::log)?;
                if den == 0.0 {
                    return Err(vm.new_exc("ZeroDivisionError", "float division by zero"));
                }
                Ok(Value::Float(num / den))
            }
        }
    });
    func(&m, "log2", |vm, a| {
        Ok(Value::Float(log_helper(vm, &arg(&a, 0), libm::log2)?))
    });
    func(&m, "log10", |vm, a| {
        Ok(Value::Float(log_helper(vm, &arg(&a, 0), libm::log10)?))
    });
    func(&m, "floor", |vm, a| {
        round_fn(vm, &a, "__floor__", f64::floor)
    });
    func(&m, "ceil", |vm, a| round_fn(vm, &a, "__ceil__", f64::ceil));
    func(&m, "trunc", |vm, a| {
        let v = arg(&a, 0);
        if int::is_int(&v) {
            return Ok(int::normalize(int::as_big(&v).unwrap_or_default()));
        }
        if let Value::Float(f) = v {
            return to_int_value(vm, f.trunc());
        }
        if let Some(r) = vm.call_dunder(&v, "__trunc__", vec![])? {
            return Ok(r);
        }
        let t = vm.type_name(&v);
        Err(vm.type_error(format!("type {} doesn't define __trunc__ method", t)))
    });
    func(&m, "isnan", |vm, a| {
        Ok(Value::Bool(real(vm, &a0(&a))?.is_nan()))
    });
    func(&m, "isinf", |vm, a| {
        Ok(Value::Bool(real(vm, &a0(&a))?.is_infinite()))
    });
    func(&m, "isfinite", |vm, a| {
        Ok(Value::Bool(real(vm, &a0(&a))?.is_finite()))
    });
    func(&m, "copysign", |vm, a| {
        let x = real(vm, &arg(&a, 0))?;
        let y = real(vm, &arg(&a, 1))?;
        Ok(Value::Float(x.copysign(y)))
    });
    func(&m, "atan2", |vm, a| {
        let y = real(vm, &arg(&a, 0))?;
        let x = real(vm, &arg(&a, 1))?;
        Ok(Value::Float(libm::atan2(y, x)))
    });
    func(&m, "fmod", |vm, a| {
        let x = real(vm, &arg(&a, 0))?;
        let y = real(vm, &arg(&a, 1))?;
        if y.is_infinite() && x.is_finite() {
            return Ok(Value::Float(x));
        }
        let r = x % y;
        if r.is_nan() && !x.is_nan() && !y.is_nan() {
            return Err(domain(vm));
        }
        Ok(Value::Float(r))
    });
    func(&m, "modf", |vm, a| {
        let x = real(vm, &arg(&a, 0))?;
        if x.is_infinite() {
            return Ok(Value::tuple(vec![
                Value::Float(0.0f64.copysign(x)),
                Value::Float(x),
            ]));
        }
        let i = x.trunc();
        Ok(Value::tuple(vec![
            Value::Float((x - i).copysign(x)),
            Value::Float(i),
        ]))
    });
    func(&m, "frexp", |vm, a| {
        let x = real(vm, &arg(&a, 0))?;
        let (mm, e) = frexp(x);
        Ok(Value::tuple(vec![Value::Float(mm), Value::Int(e)]))
    });
    func(&m, "ldexp", |vm, a| {
        let x = real(vm, &arg(&a, 0))?;
        let e = integer(vm, &arg(&a, 1))?;
        let e = e
            .to_i64()
            .unwrap_or(if e.is_negative() { -100_000 } else { 100_000 });
        let r = ldexp(x, e.clamp(-100_000, 100_000));
        if r.is_infinite() && x.is_finite() {
            return Err(range_err(vm));
        }
        Ok(Value::Float(r))
    });
    func(&m, "pow", |vm, a| {
        let x = real(vm, &arg(&a, 0))?;
        let y = real(vm, &arg(&a, 1))?;
        let r = libm::pow(x, y);
        if x.is_finite() && y.is_finite() {
            if r.is_nan() {
                return Err(domain(vm));
            }
            if r.is_infinite() {
                return Err(if x == 0.0 { domain(vm) } else { range_err(vm) });
            }
        }
        Ok(Value::Float(r))
    });
    func(&m, "isclose", |vm, a| {
        let x = real(vm, &arg(&a, 0))?;
        let y = real(vm, &arg(&a, 1))?;
        let rel = match a.kw_get("rel_tol") {
            Some(v) => real(vm, v)?,
            None => 1e-9,
        };
        let abs_tol = match a.kw_get("abs_tol") {
            Some(v) => real(vm, v)?,
            None => 0.0,
        };
        if rel < 0.0 || abs_tol < 0.0 {
            return Err(vm.value_error("tolerances must be non-negative"));
        }
        if x == y {
            return Ok(Value::Bool(true));
        }
        if x.is_infinite() || y.is_infinite() {
            return Ok(Value::Bool(false));
        }
        let diff = (y - x).abs();
        Ok(Value::Bool(
            (diff <= (rel * y).abs() || diff <= (rel * x).abs()) || diff <= abs_tol,
        ))
    });
    func(&m, "hypot", |vm, a| {
        let mut coords = Vec::with_capacity(a.pos.len());
        let (mut max, mut found_nan) = (0.0f64, false);
        for x in a.pos.iter() {
            let x = real(vm, x)?.abs();
            found_nan |= x.is_nan();
            if x > max {
                max = x;
            }
            coords.push(x);
        }
        Ok(Value::Float(vector_norm(vm, &mut coords, max, found_nan)))
    });
    func(&m, "dist", |vm, a| {
        let p = vm.collect(arg(&a, 0))?;
        let q = vm.collect(arg(&a, 1))?;
        if p.len() != q.len() {
            return Err(vm.value_error("both points must have the same number of dimensions"));
        }
        let mut diffs = Vec::with_capacity(p.len());
        let (mut max, mut found_nan) = (0.0f64, false);
        for (x, y) in p.iter().zip(q.iter()) {
            let d = (real(vm, x)? - real(vm, y)?).abs();
            found_nan |= d.is_nan();
            if d > max {
                max = d;
            }
            diffs.push(d);
        }
        Ok(Value::Float(vector_norm(vm, &mut diffs, max, found_nan)))
    });
    func(&m, "fsum", |vm, a| {
        let items = vm.collect(arg(&a, 0))?;
        fsum(vm, items)
    });
    func(&m, "prod", |vm, a| {
        let mut acc = a.kw_get("start").cloned().unwrap_or(Value::Int(1));
        for x in vm.collect(arg(&a, 0))? {
            acc = vm.binary_op(BinOp::Mul, &acc, &x)?;
        }
        Ok(acc)
    });
    func(&m, "gcd", |vm, a| {
        if !vm.version.at_least(3, 9) && a.pos.len() != 2 {
            return Err(vm.type_error(format!("gcd expected 2 arguments, got {}", a.pos.len())));
        }
        let mut g = BigInt::zero();
        for x in a.pos.clone() {
            let x = integer(vm, &x)?;
            g = g.gcd(&x);
        }
        Ok(Value::bigint(g))
    });
    if v.at_least(3, 9) {
        func(&m, "lcm", |vm, a| {
            let mut l = BigInt::one();
            for x in a.pos.clone() {
                let x = integer(vm, &x)?;
                if x.is_zero() {
                    l = BigInt::zero();
                    continue;
                }
                l = l.lcm(&x);
            }
            Ok(Value::bigint(l.abs()))
        });
        func(&m, "nextafter", |vm, a| {
            let x = real(vm, &arg(&a, 0))?;
            let y = real(vm, &arg(&a, 1))?;
            Ok(Value::Float(nextafter(x, y)))
        });
        func(&m, "ulp", |vm, a| {
            Ok(Value::Float(ulp(real(vm, &arg(&a, 0))?)))
        });
    }
    func(&m, "remainder", |vm, a| {
        let x = real(vm, &arg(&a, 0))?;
        let y = real(vm, &arg(&a, 1))?;
        Ok(Value::Float(remainder(vm, x, y)?))
    });
    func(&m, "factorial", |vm, a| {
        let v = arg(&a, 0);
        let n = match &v {
            Value::Float(f) if !vm.version.at_least(3, 10) => {
                if f.fract() != 0.0 || !f.is_finite() {
                    return Err(vm.value_error("factorial() only accepts integral values"));
                }
                BigInt::from(*f as i64)
            }
            other => integer(vm, other)?,
        };
        if n.is_negative() {
            return Err(vm.value_error("factorial() not defined for negative values"));
        }
        limit(vm, &n, &n)?;
        Ok(Value::bigint(falling(&n, &n)))
    });
    func(&m, "comb", |vm, a| {
        let n = non_negative(vm, &arg(&a, 0), "n")?;
        let k = non_negative(vm, &arg(&a, 1), "k")?;
        if k > n {
            return Ok(Value::Int(0));
        }
        let k = std::cmp::min(k.clone(), &n - &k);
        limit(vm, &n, &k)?;
        Ok(Value::bigint(falling(&n, &k) / falling(&k, &k)))
    });
    func(&m, "perm", |vm, a| {
        let n = non_negative(vm, &arg(&a, 0), "n")?;
        let k = match a.pos.get(1) {
            None | Some(Value::None) => n.clone(),
            Some(k) => non_negative(vm, k, "k")?,
        };
        if k > n {
            return Ok(Value::Int(0));
        }
        limit(vm, &n, &k)?;
        Ok(Value::bigint(falling(&n, &k)))
    });
    func(&m, "isqrt", |vm, a| {
        let n = integer(vm, &arg(&a, 0))?;
        if n.is_negative() {
            return Err(vm.value_error("isqrt() argument must be nonnegative"));
        }
        Ok(Value::bigint(BigInt::from_biguint(
            Sign::Plus,
            n.magnitude().sqrt(),
        )))
    });
    if v.at_least(3, 12) {
        func(&m, "sumprod", |vm, a| {
            let p = vm.collect(arg(&a, 0))?;
            let q = vm.collect(arg(&a, 1))?;
            if p.len() != q.len() {
                return Err(vm.value_error("Inputs are not the same length"));
            }
            let mut acc = Value::Int(0);
            for (x, y) in p.iter().zip(q.iter()) {
                let t = vm.binary_op(BinOp::Mul, x, y)?;
                acc = vm.binary_op(BinOp::Add, &acc, &t)?;
            }
            Ok(acc)
        });
    }
    m
}
