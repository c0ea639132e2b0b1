//! The format-spec mini-language (`format()`, f-strings, `str.format`) and
//! printf-style `%` formatting.

use crate::interp::{Args, PyResult, Vm};
use crate::types::{float, int};
use crate::value::Value;

#[derive(Default, Debug)]
pub(crate) struct Spec {
    pub fill: Option<char>,
    pub align: Option<char>,
    pub sign: Option<char>,
    pub alt: bool,
    pub zero: bool,
    pub width: usize,
    pub grouping: Option<char>,
    pub precision: Option<usize>,
    pub ty: Option<char>,
}

pub(crate) fn parse_spec(s: &str) -> Option<Spec> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut sp = Spec::default();
    let is_align = |ch: char| matches!(ch, '<' | '>' | '^' | '=');
    if c.len() >= 2 && is_align(c[1]) {
        sp.fill = Some(c[0]);
        sp.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        sp.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        sp.sign = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        sp.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        sp.zero = true;
        i += 1;
    }
    let start = i;
    while i < c.len() && c[i].is_ascii_digit() {
        i += 1;
    }
    if i > start {
        sp.width = c[start..i].iter().collect::<String>().parse().ok()?;
    }
    if i < c.len() && matches!(c[i], ',' | '_') {
        sp.grouping = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        let ps = i;
        while i < c.len() && c[i].is_ascii_digit() {
            i += 1;
        }
        if i == ps {
            return None;
        }
        sp.precision = Some(c[ps..i].iter().collect::<String>().parse().ok()?);
    }
    if i < c.len() {
        sp.ty = Some(c[i]);
        i += 1;
    }
    (i == c.len()).then_some(sp)
}

fn group(digits: &str, sep: char, every: usize) -> String {
    let n = digits.len();
    let mut out = String::new();
    for (k, ch) in digits.chars().enumerate() {
        if k > 0 && (n - k) % every == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// Pads `body` (with its sign/prefix split off for `=` alignment).
fn pad(sp: &Spec, sign: &str, body: &str, default_align: char) -> String {
    let fill = sp.fill.unwrap_or(if sp.zero && sp.align.is_none() {
        '0'
    } else {
        ' '
    });
    let align = sp
        .align
        .unwrap_or(if sp.zero { '=' } else { default_align });
    let len = sign.chars().count() + body.chars().count();
    if len >= sp.width {
        return format!("{}{}", sign, body);
    }
    let n = sp.width - len;
    let f = |k: usize| fill.to_string().repeat(k);
    match align {
        '<' => format!("{}{}{}", sign, body, f(n)),
        '^' => format!("{}{}{}{}", f(n / 2), sign, body, f(n - n / 2)),
        '=' => format!("{}{}{}", sign, f(n), body),
        _ => format!("{}{}{}", f(n), sign, body),
    }
}

/// Python's `%g`-style formatting with `precision` significant digits.
fn fmt_g(x: f64, precision: usize, alt: bool, upper: bool) -> String {
    let p = precision.max(1);
    if x == 0.0 {
        return if alt {
            format!("{:.*}", p - 1, 0.0)
        } else {
            "0".into()
        };
    }
    let e = format!("{:.*e}", p - 1, x);
    let exp: i32 = e.split_once('e').map_or(0, |(_, s)| s.parse().unwrap_or(0));
    let mut s = if exp < -4 || exp >= p as i32 {
        let (m, _) = e.split_once('e').unwrap_or((&e, ""));
        let m = if alt { m.to_string() } else { strip_zeros(m) };
        format!("{}e{}{:02}", m, if exp < 0 { '-' } else { '+' }, exp.abs())
    } else {
        let f = format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, x);
        if alt {
            f
        } else {
            strip_zeros(&f)
        }
    };
    if upper {
        s = s.to_uppercase();
    }
    s
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

fn format_float(sp: &Spec, x: f64) -> String {
    let neg = x.is_sign_negative() && !(x == 0.0 && false) && !x.is_nan();
    let a = x.abs();
    let body = if a.is_infinite() {
        "inf".to_string()
    } else if a.is_nan() {
        "nan".to_string()
    } else {
        match sp.ty {
            Some('f') | Some('F') => format!("{:.*}", sp.precision.unwrap_or(6), a),
            Some('e') | Some('E') => {
                let s = format!("{:.*e}", sp.precision.unwrap_or(6), a);
                let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                let e: i32 = e.parse().unwrap_or(0);
                let r = format!("{}e{}{:02}", m, if e < 0 { '-' } else { '+' }, e.abs());
                if sp.ty == Some('E') {
                    r.to_uppercase()
                } else {
                    r
                }
            }
            Some('%') => format!("{:.*}%", sp.precision.unwrap_or(6), a * 100.0),
            Some('g') | Some('G') => {
                fmt_g(a, sp.precision.unwrap_or(6), sp.alt, sp.ty == Some('G'))
            }
            _ => match sp.precision {
                Some(p) => {
                    let g = fmt_g(a, p, sp.alt, false);
                    if g.contains(['.', 'e', 'n', 'i']) {
                        g
                    } else {
                        format!("{}.0", g)
                    }
                }
                None => float::repr(a),
            },
        }
    };
    let body = match sp.grouping {
        Some(sep) => {
            let (intpart, rest) = match body.find(|c: char| !c.is_ascii_digit()) {
                Some(i) => (&body[..i], &body[i..]),
                None => (&body[..], ""),
            };
            format!("{}{}", group(intpart, sep, 3), rest)
        }
        None => body,
    };
    let sign = if neg {
        "-"
    } else {
        match sp.sign {
            Some('+') => "+",
            Some(' ') => " ",
            _ => "",
        }
    };
    pad(sp, sign, &body, '>')
}

impl Vm<'_> {
    /// `format(v, spec)`
    pub fn format(&mut self, v: &Value, spec: &str) -> PyResult<String> {
        if let Value::Instance(_) = v {
            if let Some(r) = self.call_dunder(v, "__format__", vec![Value::str(spec)])? {
                return self.str(&r);
            }
            if spec.is_empty() {
                return self.str(v);
            }
            // subclasses of builtin types format their builtin value
            if let Some(b) = crate::types::class::base_of(v) {
                return self.format(&b, spec);
            }
        }
        if let Value::Complex(c) = v {
            return crate::types::complex::format(self, c, spec);
        }
        let Some(sp) = parse_spec(spec) else {
            return Err(self.value_error("Invalid format specifier"));
        };
        match v {
            Value::Int(_) | Value::BigInt(_) | Value::Bool(_)
                if !matches!(sp.ty, Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%')) =>
            {
                if spec.is_empty() {
                    return self.str(v);
                }
                let b = int::as_big(v).unwrap_or_default();
                let neg = num_traits::Signed::is_negative(&b);
                let a = num_traits::Signed::abs(&b);
                let (digits, prefix) = match sp.ty {
                    Some('x') => (a.to_str_radix(16), "0x"),
                    Some('X') => (a.to_str_radix(16).to_uppercase(), "0X"),
                    Some('o') => (a.to_str_radix(8), "0o"),
                    Some('b') => (a.to_str_radix(2), "0b"),
                    Some('c') => (
                        char::from_u32(num_traits::ToPrimitive::to_u32(&a).unwrap_or(0))
                            .unwrap_or('\0')
                            .to_string(),
                        "",
                    ),
                    Some('d') | Some('n') | None => (a.to_string(), ""),
                    Some(t) => {
                        return Err(self.value_error(&format!(
                            "Unknown format code '{}' for object of type 'int'",
                            t
                        )))
                    }
                };
                let digits = match sp.grouping {
                    Some(sep) => group(
                        &digits,
                        sep,
                        if matches!(sp.ty, Some('x' | 'X' | 'o' | 'b')) {
                            4
                        } else {
                            3
                        },
                    ),
                    None => digits,
                };
                let sign = if neg {
                    "-"
                } else {
                    match sp.sign {
                        Some('+') => "+",
                        Some(' ') => " ",
                        _ => "",
                    }
                };
                let sign = format!("{}{}", sign, if sp.alt { prefix } else { "" });
                Ok(pad(&sp, &sign, &digits, '>'))
            }
            Value::Int(_) | Value::BigInt(_) | Value::Bool(_) | Value::Float(_) => {
                let x = match v {
                    Value::Float(f) => *f,
                    _ => int::to_f64(v).unwrap_or(0.0),
                };
                if spec.is_empty() {
                    return self.str(v);
                }
                if let Some(t) = sp.ty {
                    if !"eEfFgG%".contains(t) {
                        return Err(self.value_error(&format!(
                            "Unknown format code '{}' for object of type 'float'",
                            t
                        )));
                    }
                }
                Ok(format_float(&sp, x))
            }
            Value::Str(s) => {
                if let Some(t) = sp.ty.filter(|t| *t != 's') {
                    return Err(self.value_error(&format!(
                        "Unknown format code '{}' for object of type 'str'",
                        t
                    )));
                }
                let body: String = match sp.precision {
                    Some(p) => s.s.chars().take(p).collect(),
                    None => s.s.clone(),
                };
                Ok(pad(&sp, "", &body, '<'))
            }
            other => {
                if spec.is_empty() {
                    return self.str(other);
                }
                let t = self.type_name(other);
                Err(self.type_error(format!(
                    "unsupported format string passed to {}.__format__",
                    t
                )))
            }
        }
    }
}

/// `text % args`
pub fn percent_format(vm: &mut Vm, text: &str, args: &Value) -> PyResult<String> {
    let items: Vec<Value> = match args {
        Value::Tuple(t) => (**t).clone(),
        other => vec![other.clone()],
    };
    let is_mapping = matches!(args, Value::Dict(_) | Value::Instance(_));
    let mut used_key = false;
    let mut next = 0;
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let take = |vm: &mut Vm, next: &mut usize| -> PyResult<Value> {
        match items.get(*next).cloned() {
            Some(v) => {
                *next += 1;
                Ok(v)
            }
            None => Err(vm.type_error("not enough arguments for format string".into())),
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        // %(key)
        let mut keyed: Option<Value> = None;
        if chars.get(i) == Some(&'(') {
            let mut depth = 1;
            let start = i + 1;
            i += 1;
            while i < chars.len() && depth > 0 {
                match chars[i] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            if depth > 0 {
                return Err(vm.value_error("incomplete format key"));
            }
            let key: String = chars[start..i - 1].iter().collect();
            if !is_mapping {
                return Err(vm.type_error("format requires a mapping".into()));
            }
            used_key = true;
            keyed = Some(vm.getitem(args, &Value::string(key))?);
        }
        let mut flags = String::new();
        while i < chars.len() && "-+ #0".contains(chars[i]) {
            flags.push(chars[i]);
            i += 1;
        }
        let mut width = String::new();
        if chars.get(i) == Some(&'*') {
            i += 1;
            let w = take(vm, &mut next)?;
            let w = vm.to_i64(&w)?;
            if w < 0 {
                flags.push('-');
            }
            width = w.abs().to_string();
        } else {
            while i < chars.len() && chars[i].is_ascii_digit() {
                width.push(chars[i]);
                i += 1;
            }
        }
        let mut prec: Option<String> = None;
        if chars.get(i) == Some(&'.') {
            i += 1;
            let mut p = String::new();
            if chars.get(i) == Some(&'*') {
                i += 1;
                let w = take(vm, &mut next)?;
                p = vm.to_i64(&w)?.max(0).to_string();
            } else {
                while i < chars.len() && chars[i].is_ascii_digit() {
                    p.push(chars[i]);
                    i += 1;
                }
            }
            prec = Some(if p.is_empty() { "0".into() } else { p });
        }
        while i < chars.len() && "hlL".contains(chars[i]) {
            i += 1;
        }
        let Some(&conv) = chars.get(i) else {
            return Err(vm.value_error("incomplete format"));
        };
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let v = match keyed {
            Some(v) => v,
            None => take(vm, &mut next)?,
        };
        // numeric conversions read the value of int/float subclasses
        let v = match crate::types::class::base_of(&v) {
            Some(b) if !matches!(conv, 's' | 'r' | 'a') => b,
            _ => v,
        };
        let left = flags.contains('-');
        let sign = if flags.contains('+') {
            "+"
        } else if flags.contains(' ') {
            " "
        } else {
            ""
        };
        let alt = if flags.contains('#') { "#" } else { "" };
        let zero = if flags.contains('0') && !left {
            "0"
        } else {
            ""
        };
        let prec_s = prec.as_ref().map(|p| format!(".{}", p)).unwrap_or_default();
        let text_spec = |w: &str| format!("{}{}", if left { "<" } else { ">" }, w);
        let piece = match conv {
            's' | 'r' | 'a' => {
                let s = match conv {
                    's' => vm.str(&v)?,
                    'r' => vm.repr(&v)?,
                    _ => {
                        let r = vm.repr(&v)?;
                        crate::protocol::ascii_escape(&r)
                    }
                };
                let spec = format!("{}{}", text_spec(&width), prec_s);
                vm.format(&Value::string(s), &spec)?
            }
            'c' => {
                let ch = match &v {
                    Value::Str(s) if s.len == 1 => s.s.clone(),
                    other if int::is_int(other) => {
                        let n = vm.to_i64(other)?;
                        match u32::try_from(n).ok().and_then(char::from_u32) {
                            Some(c) => c.to_string(),
                            None => {
                                return Err(
                                    vm.new_exc("OverflowError", "%c arg not in range(0x110000)")
                                )
                            }
                        }
                    }
                    _ => return Err(vm.type_error("%c requires int or char".into())),
                };
                vm.format(&Value::string(ch), &text_spec(&width))?
            }
            'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                let iv = match &v {
                    Value::Float(f) if "diu".contains(conv) => float::to_int(vm, *f)?,
                    other if int::is_int(other) => other.clone(),
                    other => {
                        let t = vm.type_name(other);
                        let msg = if "diu".contains(conv) {
                            let what = if vm.version.at_least(3, 10) {
                                "a real number"
                            } else {
                                "a number"
                            };
                            format!("%{} format: {} is required, not {}", conv, what, t)
                        } else {
                            format!("%{} format: an integer is required, not {}", conv, t)
                        };
                        return Err(vm.type_error(msg));
                    }
                };
                let ty = if "diu".contains(conv) { 'd' } else { conv };
                let align = if left { "<" } else { "" };
                match &prec {
                    Some(p) => {
                        // precision on ints: minimum digit count
                        let digits = vm.format(&iv, &format!("{}", ty))?;
                        let (neg, body) = match digits.strip_prefix('-') {
                            Some(b) => (true, b.to_string()),
                            None => (false, digits.clone()),
                        };
                        let n: usize = p.parse().unwrap_or(0);
                        let body = format!("{:0>width$}", body, width = n);
                        let mut s = String::new();
                        if neg {
                            s.push('-');
                        } else {
                            s.push_str(sign);
                        }
                        if !alt.is_empty() && ty != 'd' {
                            s.push_str(match ty {
                                'x' => "0x",
                                'X' => "0X",
                                _ => "0o",
                            });
                        }
                        s.push_str(&body);
                        vm.format(&Value::string(s), &text_spec(&width))?
                    }
                    None => {
                        let spec = format!("{}{}{}{}{}{}", align, sign, alt, zero, width, ty);
                        vm.format(&iv, &spec)?
                    }
                }
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                let fv = match &v {
                    Value::Float(_) => v.clone(),
                    other if int::is_int(other) => Value::Float(
                        num_traits::ToPrimitive::to_f64(&int::as_big(other).unwrap_or_default())
                            .unwrap_or(f64::INFINITY),
                    ),
                    other => {
                        let t = vm.type_name(other);
                        return Err(vm.type_error(format!("must be real number, not {}", t)));
                    }
                };
                let align = if left { "<" } else { "" };
                let spec = format!(
                    "{}{}{}{}{}{}{}",
                    align,
                    sign,
                    alt,
                    zero,
                    width,
                    if prec.is_some() {
                        prec_s.clone()
                    } else {
                        ".6".into()
                    },
                    conv
                );
                vm.format(&fv, &spec)?
            }
            other => {
                return Err(vm.value_error(&format!(
                    "unsupported format character '{}' ({:#x}) at index {}",
                    other,
                    other as u32,
                    i - 1
                )))
            }
        };
        out.push_str(&piece);
    }
    if next < items.len()
        && !(is_mapping && (used_key || next == 0))
        && (matches!(args, Value::Tuple(_)) || next == 0)
    {
        return Err(vm.type_error("not all arguments converted during string formatting".into()));
    }
    Ok(out)
}

/// `str.format(*args, **kwargs)` (fields: auto/explicit index or name,
/// attribute and index lookups are not supported yet).
pub fn str_format(vm: &mut Vm, text: &str, args: &Args) -> PyResult<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut auto = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '{' && chars.get(i + 1) == Some(&'{') {
            out.push('{');
            i += 2;
            continue;
        }
        if c == '}' && chars.get(i + 1) == Some(&'}') {
            out.push('}');
            i += 2;
            continue;
        }
        if c != '{' {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(end) = chars[i..].iter().position(|&ch| ch == '}') else {
            return Err(vm.value_error("Single '{' encountered in format string"));
        };
        let field: String = chars[i + 1..i + end].iter().collect();
        i += end + 1;
        let (name, spec) = match field.split_once(':') {
            Some((n, s)) => (n.to_string(), s.to_string()),
            None => (field.clone(), String::new()),
        };
        let (name, conv) = match name.split_once('!') {
            Some((n, c)) => (n.to_string(), c.chars().next()),
            None => (name, None),
        };
        // first part, then `.attr` / `[key]` lookups
        let split = name.find(['.', '[']).unwrap_or(name.len());
        let (first, mut rest) = (name[..split].to_string(), &name[split..]);
        let v = if first.is_empty() {
            let v = args.pos.get(auto).cloned();
            auto += 1;
            v
        } else if let Ok(k) = first.parse::<usize>() {
            args.pos.get(k).cloned()
        } else {
            match args.kw_get(&first).cloned() {
                Some(v) => Some(v),
                None => return Err(vm.key_error(Value::string(first))),
            }
        };
        let Some(mut v) = v else {
            return Err(vm.new_exc(
                "IndexError",
                "Replacement index out of range for positional args tuple",
            ));
        };
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('.') {
                let end = r.find(['.', '[']).unwrap_or(r.len());
                v = vm.getattr(&v, &r[..end])?;
                rest = &r[end..];
            } else if let Some(r) = rest.strip_prefix('[') {
                let Some(end) = r.find(']') else {
                    return Err(vm.value_error("Missing ']' in format string"));
                };
                let key = &r[..end];
                let k = match key.parse::<i64>() {
                    Ok(n) => Value::Int(n),
                    Err(_) => Value::str(key),
                };
                v = vm.getitem(&v, &k)?;
                rest = &r[end + 1..];
            } else {
                return Err(
                    vm.value_error("Only '.' or '[' may follow ']' in format field specifier")
                );
            }
        }
        let v = match conv {
            Some('r') => Value::string(vm.repr(&v)?),
            Some('s') => Value::string(vm.str(&v)?),
            _ => v,
        };
        out.push_str(&vm.format(&v, &spec)?);
    }
    Ok(out)
}
