//! `time` over the sandbox's virtual clock: `time()`, `monotonic()`,
//! `perf_counter()` and their `_ns` forms read a clock that advances with
//! executed instructions (10 ns each) from 2023-11-14T22:13:20Z, and
//! `sleep()` moves it forward without waiting. The guest's time zone is
//! UTC: `localtime` is `gmtime`, `mktime` its inverse. `struct_time` is
//! indexable, iterable and compares like CPython's.

use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::sandbox::{a0, float_of, func, module, native_class, native_value, new_instance};
use crate::types::class::{Class, Instance};
use crate::value::Value;

const FIELDS: [&str; 9] = [
    "tm_year", "tm_mon", "tm_mday", "tm_hour", "tm_min", "tm_sec", "tm_wday", "tm_yday", "tm_isdst",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Civil date of a day count since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The nine `struct_time` fields of `secs` seconds since the epoch (UTC).
fn fields_of(secs: i64) -> [i64; 9] {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    let wday = (days + 3).rem_euclid(7);
    let yday = days - days_from_civil(y, 1, 1) + 1;
    [
        y,
        m as i64,
        d as i64,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        wday,
        yday,
        0,
    ]
}

fn struct_class(vm: &mut Vm) -> Rc<Class> {
    let fresh = !vm.sandbox.classes.contains_key("struct_time");
    let cls = native_class(vm, "time", "struct_time");
    if fresh {
        let mut d = cls.dict.borrow_mut();
        d.insert(
            "__getitem__".into(),
            native_value("__getitem__", |vm, a| {
                let t = items_of(&a0(&a));
                vm.getitem(&t, &a.pos.get(1).cloned().unwrap_or(Value::None))
            }),
        );
        d.insert(
            "__len__".into(),
            native_value("__len__", |_, _| Ok(Value::Int(9))),
        );
        d.insert(
            "__iter__".into(),
            native_value("__iter__", |vm, a| vm.iter(&items_of(&a0(&a)))),
        );
        d.insert(
            "__repr__".into(),
            native_value("__repr__", |vm, a| {
                let this = a0(&a);
                let mut parts = Vec::new();
                if let Value::Tuple(t) = items_of(&this) {
                    for (name, v) in FIELDS.iter().zip(t.iter()) {
                        parts.push(format!("{}={}", name, vm.repr(v)?));
                    }
                }
                Ok(Value::string(format!(
                    "time.struct_time({})",
                    parts.join(", ")
                )))
            }),
        );
        d.insert(
            "__eq__".into(),
            native_value("__eq__", |vm, a| {
                let mine = items_of(&a0(&a));
                let other = a.pos.get(1).cloned().unwrap_or(Value::None);
                let other = match &other {
                    Value::Instance(i) if i.class.name == "struct_time" => items_of(&other),
                    Value::Tuple(_) => other,
                    _ => return Ok(Value::NotImplemented),
                };
                Ok(Value::Bool(vm.eq(&mine, &other)?))
            }),
        );
    }
    cls
}

fn items_of(v: &Value) -> Value {
    match v {
        Value::Instance(i) => i.get("\0items").unwrap_or(Value::tuple(Vec::new())),
        other => other.clone(),
    }
}

fn make_struct(vm: &mut Vm, f: [i64; 9], zone: &str) -> Value {
    let cls = struct_class(vm);
    let obj = new_instance(cls);
    for (name, v) in FIELDS.iter().zip(f.iter()) {
        obj.set(name, Value::Int(*v));
    }
    obj.set("tm_zone", Value::str(zone));
    obj.set("tm_gmtoff", Value::Int(0));
    obj.set(
        "\0items",
        Value::tuple(f.iter().map(|v| Value::Int(*v)).collect()),
    );
    Value::Instance(obj)
}

/// Seconds argument (`None`: now), floored like `_PyTime_ObjectToTime_t`.
fn secs_arg(vm: &mut Vm, a: &Args) -> PyResult<i64> {
    match a.pos.first() {
        None | Some(Value::None) => Ok(vm.clock().floor() as i64),
        Some(v @ (Value::Int(_) | Value::Bool(_))) => {
            let s = vm.to_i64(v)?;
            if s.abs() > 67_000_000_000 {
                return Err(vm.new_exc(
                    "OverflowError",
                    "timestamp out of range for platform time_t",
                ));
            }
            Ok(s)
        }
        Some(v) => {
            let f = float_of(vm, v)?;
            if f.is_nan() {
                return Err(vm.value_error("Invalid value NaN (not a number)"));
            }
            if !(-6.7e10..6.7e10).contains(&f) {
                return Err(vm.new_exc(
                    "OverflowError",
                    "timestamp out of range for platform time_t",
                ));
            }
            Ok(f.floor() as i64)
        }
    }
}

/// The nine fields of a `struct_time` or 9-tuple argument (`None`: now).
fn tuple_arg(vm: &mut Vm, v: Option<&Value>, fname: &str) -> PyResult<[i64; 9]> {
    let v = match v {
        None | Some(Value::None) => {
            let now = vm.clock().floor() as i64;
            return Ok(fields_of(now));
        }
        Some(v) => items_of(v),
    };
    let Value::Tuple(t) = &v else {
        let tn = vm.type_name(&v);
        return Err(vm.type_error(format!(
            "Tuple or struct_time argument required, not {}",
            tn
        )));
    };
    if t.len() != 9 {
        return Err(vm.type_error(format!("{}(): illegal time tuple argument", fname)));
    }
    let mut out = [0i64; 9];
    for (k, x) in t.iter().enumerate() {
        out[k] = vm.to_i64(x)?;
    }
    // the fields are C ints (which also keeps the calendar arithmetic
    // far from i64 overflow)
    if out.iter().any(|v| *v > i32::MAX as i64) {
        return Err(vm.new_exc("OverflowError", "signed integer is greater than maximum"));
    }
    if out.iter().any(|v| *v < i32::MIN as i64) {
        return Err(vm.new_exc("OverflowError", "signed integer is less than minimum"));
    }
    Ok(out)
}

fn asctime_of(f: &[i64; 9]) -> String {
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}",
        &DAYS[f[6].rem_euclid(7) as usize][..3],
        &MONTHS[(f[1] - 1).clamp(0, 11) as usize][..3],
        f[2],
        f[3],
        f[4],
        f[5],
        f[0]
    )
}

fn strftime(vm: &mut Vm, fmt: &str, f: &[i64; 9], zone: &str) -> PyResult<String> {
    let mut out = String::new();
    let mut chars = fmt.chars();
    let day = DAYS[f[6].rem_euclid(7) as usize];
    let month = MONTHS[(f[1] - 1).clamp(0, 11) as usize];
    let hour12 = if f[3] % 12 == 0 { 12 } else { f[3] % 12 };
    // %U / %W: week of the year, weeks starting on Sunday / Monday
    let yday0 = f[7] - 1;
    let week = |first_weekday: i64| (yday0 + 7 - ((f[6] + 1 - first_weekday).rem_euclid(7))) / 7;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(d) = chars.next() else {
            out.push('%');
            break;
        };
        match d {
            'Y' => out.push_str(&f[0].to_string()),
            'y' => out.push_str(&format!("{:02}", f[0].rem_euclid(100))),
            'm' => out.push_str(&format!("{:02}", f[1])),
            'd' => out.push_str(&format!("{:02}", f[2])),
            'e' => out.push_str(&format!("{:2}", f[2])),
            'H' => out.push_str(&format!("{:02}", f[3])),
            'I' => out.push_str(&format!("{:02}", hour12)),
            'M' => out.push_str(&format!("{:02}", f[4])),
            'S' => out.push_str(&format!("{:02}", f[5])),
            'p' => out.push_str(if f[3] < 12 { "AM" } else { "PM" }),
            'a' => out.push_str(&day[..3]),
            'A' => out.push_str(day),
            'b' | 'h' => out.push_str(&month[..3]),
            'B' => out.push_str(month),
            'j' => out.push_str(&format!("{:03}", f[7])),
            'w' => out.push_str(&((f[6] + 1) % 7).to_string()),
            'u' => out.push_str(&(f[6] + 1).to_string()),
            'U' => out.push_str(&format!("{:02}", week(0))),
            'W' => out.push_str(&format!("{:02}", week(1))),
            'Z' => out.push_str(zone),
            'z' => out.push_str("+0000"),
            'c' => out.push_str(&asctime_of(f)),
            'x' => out.push_str(&format!(
                "{:02}/{:02}/{:02}",
                f[1],
                f[2],
                f[0].rem_euclid(100)
            )),
            'X' | 'T' => out.push_str(&format!("{:02}:{:02}:{:02}", f[3], f[4], f[5])),
            'D' => out.push_str(&format!(
                "{:02}/{:02}/{:02}",
                f[1],
                f[2],
                f[0].rem_euclid(100)
            )),
            'F' => out.push_str(&format!("{}-{:02}-{:02}", f[0], f[1], f[2])),
            'R' => out.push_str(&format!("{:02}:{:02}", f[3], f[4])),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            '%' => out.push('%'),
            'C' => out.push_str(&format!("{:02}", f[0].div_euclid(100))),
            'k' => out.push_str(&format!("{:2}", f[3])),
            'l' => out.push_str(&format!("{:2}", hour12)),
            'P' => out.push_str(if f[3] < 12 { "am" } else { "pm" }),
            'r' => out.push_str(&format!(
                "{:02}:{:02}:{:02} {}",
                hour12,
                f[4],
                f[5],
                if f[3] < 12 { "AM" } else { "PM" }
            )),
            'G' | 'g' | 'V' | 'E' | 'O' | 's' | '+' => {
                return Err(vm.unsupported(&format!("time.strftime directive %{}", d)));
            }
            // the C library copies directives it does not know
            other => {
                out.push('%');
                out.push(other);
            }
        }
    }
    Ok(out)
}

pub fn make_time(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "time");
    for name in [
        "time",
        "perf_counter",
        "monotonic",
        "process_time",
        "thread_time",
    ] {
        m.set(
            name,
            native_value("time", |vm, _| Ok(Value::Float(vm.clock()))),
        );
    }
    for name in [
        "time_ns",
        "perf_counter_ns",
        "monotonic_ns",
        "process_time_ns",
        "thread_time_ns",
    ] {
        m.set(
            name,
            native_value("time_ns", |vm, _| Ok(Value::Int((vm.clock() * 1e9) as i64))),
        );
    }
    func(&m, "sleep", |vm, a| {
        let s = float_of(vm, &a0(&a))?;
        if s < 0.0 {
            return Err(vm.value_error("sleep length must be non-negative"));
        }
        vm.sandbox.slept += s;
        Ok(Value::None)
    });
    func(&m, "gmtime", |vm, a| {
        let s = secs_arg(vm, &a)?;
        Ok(make_struct(vm, fields_of(s), "GMT"))
    });
    func(&m, "localtime", |vm, a| {
        let s = secs_arg(vm, &a)?;
        Ok(make_struct(vm, fields_of(s), "UTC"))
    });
    func(&m, "mktime", |vm, a| {
        let f = tuple_arg(vm, a.pos.first(), "mktime")?;
        // mktime normalises out-of-range fields: months carry into years
        let months = f[0] * 12 + f[1] - 1;
        let days = days_from_civil(months.div_euclid(12), months.rem_euclid(12) + 1, 1) + f[2] - 1;
        // a positive tm_isdst in a zone without DST moves the result back
        // an hour, as glibc's mktime does for UTC
        let dst = if f[8] > 0 { 3600 } else { 0 };
        Ok(Value::Float(
            (days * 86400 + f[3] * 3600 + f[4] * 60 + f[5] - dst) as f64,
        ))
    });
    func(&m, "strftime", |vm, a| {
        let fmt = match a.pos.first() {
            Some(Value::Str(s)) => s.s.clone(),
            other => {
                let t = vm.type_name(&other.cloned().unwrap_or(Value::None));
                return Err(vm.type_error(format!("strftime() argument 1 must be str, not {}", t)));
            }
        };
        let f = tuple_arg(vm, a.pos.get(1), "strftime")?;
        if !(1..=12).contains(&f[1]) {
            return Err(vm.value_error("month out of range"));
        }
        let zone = match a.pos.get(1) {
            Some(Value::Instance(i)) => match i.get("tm_zone") {
                Some(Value::Str(z)) => z.s.clone(),
                _ => "UTC".into(),
            },
            _ => "UTC".into(),
        };
        Ok(Value::string(strftime(vm, &fmt, &f, &zone)?))
    });
    func(&m, "asctime", |vm, a| {
        let f = tuple_arg(vm, a.pos.first(), "asctime")?;
        Ok(Value::string(asctime_of(&f)))
    });
    func(&m, "ctime", |vm, a| {
        let s = secs_arg(vm, &a)?;
        Ok(Value::string(asctime_of(&fields_of(s))))
    });
    func(&m, "strptime", |vm, _| Err(vm.unsupported("time.strptime")));
    m.set("timezone", Value::Int(0));
    m.set("altzone", Value::Int(0));
    m.set("daylight", Value::Int(0));
    m.set(
        "tzname",
        Value::tuple(vec![Value::str("UTC"), Value::str("UTC")]),
    );
    let cls = struct_class(vm);
    m.set("struct_time", Value::Class(cls));
    m
}
