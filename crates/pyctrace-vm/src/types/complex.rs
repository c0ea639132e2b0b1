//! `complex`: pairs of IEEE doubles with CPython's arithmetic
//! (`complexobject.c`: `_Py_c_quot`, `c_powu`/`c_powi`, `_Py_c_pow`,
//! `_Py_c_abs`), repr, hash, string parsing and format specs.

use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::lift::BinOp;
use crate::stdlib::math::libm;
use crate::types::{float, int};
use crate::value::Value;

pub const METHODS: &[&str] = &["conjugate"];

pub type C = [f64; 2];

pub fn value(re: f64, im: f64) -> Value {
    Value::Complex(Rc::new([re, im]))
}

/// One component as `repr` prints it: float repr without the `.0` that
/// `float.__repr__` adds (CPython formats components with mode `r` and no
/// `Py_DTSF_ADD_DOT_0`).
fn component(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    let r = float::repr(x);
    match r.strip_suffix(".0") {
        Some(s) => s.to_string(),
        None => r,
    }
}

pub fn repr(c: &C) -> String {
    let [re, im] = *c;
    let imag = component(im);
    if re == 0.0 && re.is_sign_positive() {
        return format!("{}j", imag);
    }
    let sign = if im.is_nan() || im.is_sign_positive() {
        "+"
    } else {
        ""
    };
    format!("({}{}{}j)", component(re), sign, imag)
}

/// CPython's `complex_hash`.
pub fn hash(c: &C) -> i64 {
    let hr = float::hash(c[0]) as u64;
    let hi = float::hash(c[1]) as u64;
    let h = hr.wrapping_add(hi.wrapping_mul(1000003)) as i64;
    if h == -1 {
        -2
    } else {
        h
    }
}

/// A real number or complex as a complex pair (`None`: not a number).
fn real_or_complex(v: &Value) -> Option<Result<C, ()>> {
    match v {
        Value::Complex(c) => Some(Ok(**c)),
        Value::Float(f) => Some(Ok([*f, 0.0])),
        _ if int::is_int(v) => match int::to_f64(v) {
            Some(f) if f.is_finite() => Some(Ok([f, 0.0])),
            _ => Some(Err(())),
        },
        _ => None,
    }
}

/// `c == other` for builtin numbers (`None`: not a number).
pub fn eq(c: &C, other: &Value) -> Option<bool> {
    match other {
        Value::Complex(o) => Some(c[0] == o[0] && c[1] == o[1]),
        Value::Float(f) => Some(c[1] == 0.0 && c[0] == *f),
        _ if int::is_int(other) => Some(
            c[1] == 0.0 && crate::protocol::pure_eq(&Value::Float(c[0]), other).unwrap_or(false),
        ),
        _ => None,
    }
}

pub fn prod(a: C, b: C) -> C {
    [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]]
}

/// `_Py_c_quot`; `None` on division by zero.
pub fn quot(a: C, b: C) -> Option<C> {
    let (abs_br, abs_bi) = (b[0].abs(), b[1].abs());
    if abs_br >= abs_bi {
        if abs_br == 0.0 {
            return None;
        }
        let ratio = b[1] / b[0];
        let denom = b[0] + b[1] * ratio;
        Some([(a[0] + a[1] * ratio) / denom, (a[1] - a[0] * ratio) / denom])
    } else if abs_bi >= abs_br {
        let ratio = b[0] / b[1];
        let denom = b[0] * ratio + b[1];
        Some([(a[0] * ratio + a[1]) / denom, (a[1] * ratio - a[0]) / denom])
    } else {
        Some([f64::NAN, f64::NAN])
    }
}

fn powu(x: C, n: i64) -> C {
    let mut r = [1.0, 0.0];
    let mut p = x;
    let mut mask: i64 = 1;
    while mask > 0 && n >= mask {
        if n & mask != 0 {
            r = prod(r, p);
        }
        mask = mask.wrapping_shl(1);
        p = prod(p, p);
    }
    r
}

/// `_Py_c_pow`; `Err` for zero to a negative or complex power.
fn pow_general(a: C, b: C) -> Result<C, ()> {
    if b[0] == 0.0 && b[1] == 0.0 {
        return Ok([1.0, 0.0]);
    }
    if a[0] == 0.0 && a[1] == 0.0 {
        if b[1] != 0.0 || b[0] < 0.0 {
            return Err(());
        }
        return Ok([0.0, 0.0]);
    }
    let vabs = libm::hypot(a[0], a[1]);
    let mut len = libm::pow(vabs, b[0]);
    let at = libm::atan2(a[1], a[0]);
    let mut phase = at * b[0];
    if b[1] != 0.0 {
        len /= libm::exp(at * b[1]);
        phase += b[1] * libm::log(vabs);
    }
    Ok([len * libm::cos(phase), len * libm::sin(phase)])
}

/// `complex_pow` without a modulus.
pub fn pow(vm: &mut Vm, a: C, b: C) -> PyResult<Value> {
    let n = b[0] as i64;
    let r = if b[1] == 0.0 && b[0] == n as f64 && (-100..=100).contains(&n) {
        if n >= 0 {
            Ok(powu(a, n))
        } else {
            let p = powu(a, -n);
            quot([1.0, 0.0], p).ok_or(())
        }
    } else {
        pow_general(a, b)
    };
    match r {
        Err(()) => Err(vm.new_exc("ZeroDivisionError", "0.0 to a negative or complex power")),
        Ok(p) => {
            if p[0].is_infinite() || p[1].is_infinite() {
                return Err(vm.new_exc("OverflowError", "complex exponentiation"));
            }
            Ok(value(p[0], p[1]))
        }
    }
}

/// Binary operators with at least one complex operand. `None` when the
/// other operand is not a number (or the operator is not defined, so the
/// caller raises its usual `unsupported operand` error).
pub fn binary(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> PyResult<Option<Value>> {
    let (Some(x), Some(y)) = (real_or_complex(a), real_or_complex(b)) else {
        return Ok(None);
    };
    let (Ok(x), Ok(y)) = (x, y) else {
        return Err(vm.new_exc("OverflowError", "int too large to convert to float"));
    };
    let r = match op {
        BinOp::Add => [x[0] + y[0], x[1] + y[1]],
        BinOp::Sub => [x[0] - y[0], x[1] - y[1]],
        BinOp::Mul => prod(x, y),
        BinOp::TrueDiv => match quot(x, y) {
            Some(q) => q,
            None => return Err(vm.new_exc("ZeroDivisionError", "complex division by zero")),
        },
        BinOp::Pow => return pow(vm, x, y).map(Some),
        BinOp::FloorDiv if !vm.version.at_least(3, 10) => {
            return Err(vm.type_error("can't take floor of complex number.".into()))
        }
        BinOp::Mod if !vm.version.at_least(3, 10) => {
            return Err(vm.type_error("can't mod complex numbers.".into()))
        }
        _ => return Ok(None),
    };
    Ok(Some(value(r[0], r[1])))
}

/// `divmod()` with a complex operand: a TypeError, worded per version.
pub fn check_divmod(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<()> {
    if !matches!(a, Value::Complex(_)) && !matches!(b, Value::Complex(_)) {
        return Ok(());
    }
    let numeric = |v: &Value| real_or_complex(v).is_some();
    if !numeric(a) || !numeric(b) {
        return Ok(());
    }
    if vm.version.at_least(3, 10) {
        let (ta, tb) = (vm.type_name(a), vm.type_name(b));
        return Err(vm.type_error(format!(
            "unsupported operand type(s) for divmod(): '{}' and '{}'",
            ta, tb
        )));
    }
    Err(vm.type_error("can't take floor or mod of complex number.".into()))
}

/// `abs(c)`: `_Py_c_abs`.
pub fn abs(vm: &mut Vm, c: &C) -> PyResult<Value> {
    let [re, im] = *c;
    if !re.is_finite() || !im.is_finite() {
        if re.is_infinite() {
            return Ok(Value::Float(re.abs()));
        }
        if im.is_infinite() {
            return Ok(Value::Float(im.abs()));
        }
        return Ok(Value::Float(f64::NAN));
    }
    let r = libm::hypot(re, im);
    if !r.is_finite() {
        return Err(vm.new_exc("OverflowError", "absolute value too large"));
    }
    Ok(Value::Float(r))
}

pub fn attr(c: &C, name: &str) -> Option<Value> {
    match name {
        "real" => Some(Value::Float(c[0])),
        "imag" => Some(Value::Float(c[1])),
        _ => None,
    }
}

pub fn call_method(vm: &mut Vm, c: &C, name: &str, _args: Args) -> PyResult<Value> {
    match name {
        "conjugate" => Ok(value(c[0], -c[1])),
        _ => Err(vm.attr_error(&value(c[0], c[1]), name)),
    }
}

// ---- parsing ----

/// A float at the start of `s` (sign, digits with single underscores,
/// fraction, exponent, `inf`/`infinity`/`nan`): the value and its length.
fn float_prefix(s: &[u8]) -> Option<(f64, usize)> {
    let mut i = 0;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        i += 1;
    }
    let lower: Vec<u8> = s[i..].iter().map(|c| c.to_ascii_lowercase()).collect();
    for word in ["infinity", "inf", "nan"] {
        if lower.starts_with(word.as_bytes()) {
            let text = std::str::from_utf8(&s[..i + word.len()]).ok()?;
            return float::parse(text).map(|f| (f, i + word.len()));
        }
    }
    let digits = |s: &[u8], mut i: usize| -> (usize, bool) {
        let start = i;
        while i < s.len() {
            let underscore =
                s[i] == b'_' && i > start && i + 1 < s.len() && s[i + 1].is_ascii_digit();
            if !(s[i].is_ascii_digit() || underscore) {
                break;
            }
            i += 1;
        }
        (i, i > start)
    };
    let (after_int, has_int) = digits(s, i);
    i = after_int;
    let mut has_frac = false;
    if i < s.len() && s[i] == b'.' {
        let (after_frac, f) = digits(s, i + 1);
        if has_int || f {
            i = after_frac;
            has_frac = f;
        }
    }
    if !has_int && !has_frac {
        return None;
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            j += 1;
        }
        let (after_exp, has_exp) = digits(s, j);
        if has_exp {
            i = after_exp;
        }
    }
    let text: String = std::str::from_utf8(&s[..i])
        .ok()?
        .chars()
        .filter(|c| *c != '_')
        .collect();
    text.parse::<f64>().ok().map(|f| (f, i))
}

/// `complex(str)`; `None` for a malformed string.
pub fn parse(text: &str) -> Option<C> {
    let mut t = text.trim();
    if let Some(inner) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        t = inner.trim();
    }
    let s = t.as_bytes();
    if s.is_empty() {
        return None;
    }
    let is_j = |i: usize| i < s.len() && (s[i] == b'j' || s[i] == b'J');
    let is_sign = |i: usize| i < s.len() && (s[i] == b'+' || s[i] == b'-');
    let (mut re, mut im) = (0.0, 0.0);
    let mut pos;
    if let Some((x, n)) = float_prefix(s) {
        pos = n;
        if is_sign(pos) {
            re = x;
            match float_prefix(&s[pos..]) {
                Some((y, m)) => {
                    im = y;
                    pos += m;
                }
                None => {
                    im = if s[pos] == b'+' { 1.0 } else { -1.0 };
                    pos += 1;
                }
            }
            if !is_j(pos) {
                return None;
            }
            pos += 1;
        } else if is_j(pos) {
            im = x;
            pos += 1;
        } else {
            re = x;
        }
    } else {
        pos = 0;
        let mut sign = 1.0;
        if is_sign(pos) {
            if s[pos] == b'-' {
                sign = -1.0;
            }
            pos += 1;
        }
        if !is_j(pos) {
            return None;
        }
        im = sign;
        pos += 1;
    }
    (pos == s.len()).then_some([re, im])
}

/// `complex(real=0, imag=0)` / `complex(str)`.
pub fn construct(vm: &mut Vm, a: &Args) -> PyResult<Value> {
    let r = a.pos.first().cloned().or_else(|| a.kw_get("real").cloned());
    let i = a.pos.get(1).cloned().or_else(|| a.kw_get("imag").cloned());
    if a.pos.len() > 2 {
        return Err(vm.type_error(format!(
            "complex() takes at most 2 arguments ({} given)",
            a.pos.len()
        )));
    }
    if let Some(Value::Str(s)) = &r {
        if i.is_some() {
            return Err(
                vm.type_error("complex() can't take second arg if first is a string".into())
            );
        }
        let b = s.s.as_bytes();
        let bad_underscore = (0..b.len()).any(|k| {
            b[k] == b'_'
                && !(k > 0
                    && b[k - 1].is_ascii_digit()
                    && k + 1 < b.len()
                    && b[k + 1].is_ascii_digit())
        });
        if bad_underscore {
            let r = crate::types::str::repr(&s.s);
            return Err(vm.value_error(&format!("could not convert string to complex: {}", r)));
        }
        return match parse(&s.s) {
            Some(c) => Ok(value(c[0], c[1])),
            None => Err(vm.value_error("complex() arg is a malformed string")),
        };
    }
    if let Some(Value::Str(_)) = &i {
        return Err(vm.type_error("complex() second arg can't be a string".into()));
    }
    let conv = |vm: &mut Vm, v: &Value, first: bool| -> PyResult<C> {
        match real_or_complex(v) {
            Some(Ok(c)) => Ok(c),
            Some(Err(())) => Err(vm.new_exc("OverflowError", "int too large to convert to float")),
            None => {
                let t = vm.type_name(v);
                Err(vm.type_error(if first {
                    format!(
                        "complex() first argument must be a string or a number, not '{}'",
                        t
                    )
                } else {
                    format!("complex() second argument must be a number, not '{}'", t)
                }))
            }
        }
    };
    // complex_new_impl's order of operations (it decides the zero signs)
    let cr_is_complex = matches!(r, Some(Value::Complex(_)));
    let ci_is_complex = matches!(i, Some(Value::Complex(_)));
    if cr_is_complex && i.is_none() {
        return Ok(r.unwrap_or(Value::None));
    }
    let mut cr = match &r {
        Some(v) => conv(vm, v, true)?,
        None => [0.0, 0.0],
    };
    let mut ci = match &i {
        Some(v) => conv(vm, v, false)?,
        None => [cr[1], 0.0],
    };
    if ci_is_complex {
        cr[0] -= ci[1];
    }
    if cr_is_complex && i.is_some() {
        ci[0] += cr[1];
    }
    Ok(value(cr[0], ci[0]))
}

// ---- format specs ----

/// `PyOS_double_to_string(|x|, ty, precision)` for one component (no sign).
fn format_component(x: f64, ty: char, precision: usize, alt: bool) -> String {
    let a = x.abs();
    let upper = ty.is_ascii_uppercase();
    if a.is_nan() || a.is_infinite() {
        let s = if a.is_nan() { "nan" } else { "inf" };
        return if upper { s.to_uppercase() } else { s.into() };
    }
    let body = match ty.to_ascii_lowercase() {
        'r' => component(a),
        'f' => {
            let s = format!("{:.*}", precision, a);
            if alt && precision == 0 {
                format!("{}.", s)
            } else {
                s
            }
        }
        'e' => exp_form(a, precision, alt),
        _ => {
            let p = precision.max(1);
            let e = format!("{:.*e}", p - 1, a);
            let exp: i32 = e.split_once('e').map_or(0, |(_, s)| s.parse().unwrap_or(0));
            if exp < -4 || exp >= p as i32 {
                let s = exp_form(a, p - 1, alt);
                if alt {
                    s
                } else {
                    let (m, rest) = s.split_once('e').unwrap_or((&s, ""));
                    format!("{}e{}", strip_zeros(m), rest)
                }
            } else {
                let s = format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, a);
                if alt {
                    if s.contains('.') {
                        s
                    } else {
                        format!("{}.", s)
                    }
                } else {
                    strip_zeros(&s)
                }
            }
        }
    };
    if upper {
        body.to_uppercase()
    } else {
        body
    }
}

fn exp_form(a: f64, precision: usize, alt: bool) -> String {
    let s = format!("{:.*e}", precision, a);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let m = if alt && !m.contains('.') {
        format!("{}.", m)
    } else {
        m.to_string()
    };
    format!("{}e{}{:02}", m, if e < 0 { '-' } else { '+' }, e.abs())
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// `format(c, spec)` (`format_complex_internal` of CPython's formatter).
pub fn format(vm: &mut Vm, c: &C, spec: &str) -> PyResult<String> {
    if spec.is_empty() {
        return Ok(repr(c));
    }
    let Some(sp) = crate::format::parse_spec(spec) else {
        return Err(vm.value_error("Invalid format specifier"));
    };
    if sp.zero && sp.fill.is_none() {
        return Err(vm.value_error("Zero padding is not allowed in complex format specifier"));
    }
    if sp.align == Some('=') {
        return Err(vm.value_error("'=' alignment flag is not allowed in complex format specifier"));
    }
    let [re, im] = *c;
    let mut ty = sp.ty.unwrap_or('\0');
    let (mut skip_re, mut parens) = (false, false);
    let mut default_precision = 6;
    if ty == '\0' {
        ty = 'r';
        default_precision = 0;
        if re == 0.0 && re.is_sign_positive() {
            skip_re = true;
        } else {
            parens = true;
        }
    }
    if ty == 'n' {
        ty = 'g';
    }
    if !"eEfFgGr".contains(ty) {
        return Err(vm.value_error(&format!(
            "Unknown format code '{}' for object of type 'complex'",
            ty
        )));
    }
    if sp.precision.is_some_and(|p| p > 10_000) || sp.width > 1_000_000 {
        return Err(vm.unsupported("complex format precision or width above 10000"));
    }
    let precision = match sp.precision {
        Some(p) => {
            if ty == 'r' {
                ty = 'g';
            }
            p
        }
        None => default_precision,
    };
    let sign_of = |x: f64, flag: Option<char>| -> &'static str {
        if x.is_sign_negative() && !x.is_nan() {
            "-"
        } else {
            match flag {
                Some('+') => "+",
                Some(' ') => " ",
                _ => "",
            }
        }
    };
    let mut body = String::new();
    if parens {
        body.push('(');
    }
    if !skip_re {
        body.push_str(sign_of(re, sp.sign));
        body.push_str(&format_component(re, ty, precision, sp.alt));
    }
    let im_flag = if skip_re { sp.sign } else { Some('+') };
    body.push_str(sign_of(im, im_flag));
    body.push_str(&format_component(im, ty, precision, sp.alt));
    body.push('j');
    if parens {
        body.push(')');
    }
    let len = body.chars().count();
    if len >= sp.width {
        return Ok(body);
    }
    let n = sp.width - len;
    let fill = sp.fill.unwrap_or(' ').to_string();
    Ok(match sp.align.unwrap_or('>') {
        '<' => format!("{}{}", body, fill.repeat(n)),
        '^' => format!("{}{}{}", fill.repeat(n / 2), body, fill.repeat(n - n / 2)),
        _ => format!("{}{}", fill.repeat(n), body),
    })
}
