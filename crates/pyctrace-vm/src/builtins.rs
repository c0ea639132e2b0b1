//! The `builtins` module: builtin classes (constructed by calling them) and
//! functions. Nothing here reaches the host: no files, network, processes
//! or environment.

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::protocol::str_hash;
use crate::types::class::{Class, Instance, Kind};
use crate::types::dict::Dict;
use crate::types::exceptions::HIERARCHY;
use crate::types::function::{NativeFn, NativeImpl};
use crate::types::iter::{self, IterState};
use crate::types::range::Range;
use crate::types::{float, int};
use crate::value::Value;

fn builtin_class(name: &str, kind: Kind, bases: Vec<Rc<Class>>) -> Rc<Class> {
    Class::new_native(name, "builtins", bases, kind, true, Default::default())
}

const TYPES: &[(&str, Kind)] = &[
    ("type", Kind::Type),
    ("NoneType", Kind::NoneType),
    ("int", Kind::Int),
    ("float", Kind::Float),
    ("str", Kind::Str),
    ("bytes", Kind::Bytes),
    ("tuple", Kind::Tuple),
    ("list", Kind::List),
    ("dict", Kind::Dict),
    ("set", Kind::Set),
    ("frozenset", Kind::FrozenSet),
    ("range", Kind::Range),
    ("slice", Kind::Slice),
    ("function", Kind::Function),
    ("builtin_function_or_method", Kind::BuiltinFunction),
    ("method", Kind::Method),
    ("code", Kind::Code),
    ("cell", Kind::Cell),
    ("frame", Kind::Frame),
    ("iterator", Kind::Iterator),
    ("generator", Kind::Generator),
    ("property", Kind::Property),
    ("classmethod", Kind::ClassMethod),
    ("staticmethod", Kind::StaticMethod),
    ("super", Kind::Super),
    ("NotImplementedType", Kind::NotImplementedType),
    ("ellipsis", Kind::Ellipsis),
    ("complex", Kind::Complex),
    ("bytearray", Kind::ByteArray),
];

/// A value of a builtin kind, to ask which native methods it has.
pub fn sample_of(kind: Kind) -> Option<Value> {
    Some(match kind {
        Kind::Str => Value::str(""),
        Kind::List => Value::list(Vec::new()),
        Kind::Dict => Value::Dict(Rc::new(RefCell::new(Dict::new()))),
        Kind::Set => Value::Set(Rc::new(RefCell::new(Dict::new_set()))),
        Kind::FrozenSet => Value::FrozenSet(Rc::new(Dict::new_set())),
        Kind::Tuple => Value::tuple(Vec::new()),
        Kind::Int | Kind::Bool => Value::Int(0),
        Kind::Float => Value::Float(0.0),
        Kind::Bytes => Value::Bytes(Rc::new(Vec::new())),
        _ => return None,
    })
}

pub fn kind_type_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Str => "str",
        Kind::List => "list",
        Kind::Dict => "dict",
        Kind::Set => "set",
        Kind::FrozenSet => "frozenset",
        Kind::Tuple => "tuple",
        Kind::Int => "int",
        Kind::Bool => "bool",
        Kind::Float => "float",
        Kind::Bytes => "bytes",
        _ => "object",
    }
}

/// Three-argument `pow` (CPython's `long_pow` with a modulus).
fn pow_mod(vm: &mut Vm, b: &Value, e: &Value, m: &Value) -> PyResult<Value> {
    use num_bigint::BigInt;
    use num_integer::Integer;
    use num_traits::{One, Signed, Zero};
    let (Some(b), Some(e), Some(m)) = (
        crate::types::int::as_big(b),
        crate::types::int::as_big(e),
        crate::types::int::as_big(m),
    ) else {
        return Err(vm.type_error(
            "pow() 3rd argument not allowed unless all arguments are integers".into(),
        ));
    };
    if m.is_zero() {
        return Err(vm.value_error("pow() 3rd argument cannot be 0"));
    }
    let negative_out = m.is_negative();
    let m = m.abs();
    let mut b = b.mod_floor(&m);
    let mut e = e;
    if e.is_negative() {
        // modular inverse (3.8+)
        let g = b.extended_gcd(&m);
        if !g.gcd.is_one() {
            return Err(vm.value_error("base is not invertible for the given modulus"));
        }
        b = g.x.mod_floor(&m);
        e = -e;
    }
    let mut r = if m.is_one() {
        BigInt::zero()
    } else {
        b.modpow(&e, &m)
    };
    if negative_out && !r.is_zero() {
        r -= &m;
    }
    Ok(Value::bigint(r))
}

fn native(vm: &mut Vm, name: &'static str, f: NativeImpl) {
    let v = Value::Native(Rc::new(NativeFn { name, f }));
    vm.builtins
        .borrow_mut()
        .push(Value::str(name), v, str_hash(name));
}

fn bind_name(vm: &mut Vm, name: &str, v: Value) {
    vm.builtins
        .borrow_mut()
        .push(Value::str(name), v, str_hash(name));
}

pub fn install(vm: &mut Vm) {
    let object = builtin_class("object", Kind::Object, Vec::new());
    vm.classes.insert("object", object.clone());
    for (name, kind) in TYPES {
        let c = builtin_class(name, *kind, vec![object.clone()]);
        vm.classes.insert(name, c);
    }
    let boolc = builtin_class("bool", Kind::Bool, vec![vm.class("int")]);
    vm.classes.insert("bool", boolc);
    for (name, base) in HIERARCHY {
        let bases = if base.is_empty() {
            vec![object.clone()]
        } else {
            vec![vm.class(base)]
        };
        let c = builtin_class(name, Kind::Exception, bases);
        vm.classes.insert(name, c);
    }
    let names: Vec<&'static str> = vm.classes.keys().copied().collect();
    for n in names {
        if !matches!(
            n,
            "super"
                | "NoneType"
                | "function"
                | "builtin_function_or_method"
                | "method"
                | "code"
                | "cell"
                | "frame"
                | "iterator"
                | "generator"
                | "NotImplementedType"
                | "ellipsis"
        ) {
            let c = vm.class(n);
            bind_name(vm, n, Value::Class(c));
        }
    }
    for (cls, f) in [
        (
            "bytes",
            (|vm, a| {
                let b = crate::types::bytearray::fromhex(vm, &arg0(&a))?;
                Ok(Value::Bytes(Rc::new(b)))
            }) as NativeImpl,
        ),
        ("bytearray", |vm, a| {
            let b = crate::types::bytearray::fromhex(vm, &arg0(&a))?;
            Ok(crate::types::bytearray::new(b))
        }),
    ] {
        let f = Value::Native(Rc::new(NativeFn { name: "fromhex", f }));
        vm.class(cls).dict.borrow_mut().insert("fromhex".into(), f);
        let m = Value::Native(Rc::new(NativeFn {
            name: "maketrans",
            f: crate::types::bytearray::maketrans,
        }));
        vm.class(cls)
            .dict
            .borrow_mut()
            .insert("maketrans".into(), m);
    }
    bind_name(vm, "NotImplemented", Value::NotImplemented);
    bind_name(vm, "Ellipsis", Value::Ellipsis);
    native(vm, "print", b_print);
    native(vm, "open", crate::sandbox::b_open);
    native(vm, "__import__", |vm, a| {
        let name = match a.pos.first() {
            Some(Value::Str(s)) => s.s.clone(),
            _ => return Err(vm.type_error("__import__() argument 1 must be str".into())),
        };
        crate::ops::imports::import_module(vm, &name, true)
    });
    native(vm, "len", |vm, a| {
        let v = arg0(&a);
        Ok(Value::Int(vm.len(&v)? as i64))
    });
    native(vm, "repr", |vm, a| Ok(Value::string(vm.repr(&arg0(&a))?)));
    native(vm, "ascii", |vm, a| {
        Ok(Value::string(crate::protocol::ascii_escape(
            &vm.repr(&arg0(&a))?,
        )))
    });
    native(vm, "abs", |vm, a| {
        let v = arg0(&a);
        match &v {
            Value::Float(f) => Ok(Value::Float(f.abs())),
            Value::Complex(c) => crate::types::complex::abs(vm, c),
            _ if int::is_int(&v) => Ok(int::normalize(num_traits::Signed::abs(
                &int::as_big(&v).unwrap_or_default(),
            ))),
            _ => match vm.call_dunder(&v, "__abs__", vec![])? {
                Some(r) => Ok(r),
                None => {
                    let t = vm.type_name(&v);
                    Err(vm.type_error(format!("bad operand type for abs(): '{}'", t)))
                }
            },
        }
    });
    native(vm, "min", |vm, a| min_max(vm, a, true));
    native(vm, "max", |vm, a| min_max(vm, a, false));
    native(vm, "sum", |vm, a| {
        // lazily, as CPython interleaves next() and the additions
        let iter = vm.iter(&arg0(&a))?;
        let mut acc = a
            .pos
            .get(1)
            .cloned()
            .or_else(|| a.kw_get("start").cloned())
            .unwrap_or(Value::Int(0));
        // 3.12+: a float running sum is compensated (Neumaier), ints that
        // fit a C long are added to it uncompensated
        // (CPython's float loop is entered once; a non-number ends it)
        let mut compensated = vm.version.at_least(3, 12);
        let mut comp: Option<(f64, f64)> = None;
        while let Some(it) = vm.next(&iter)? {
            if compensated {
                if let (None, Value::Float(f)) = (&comp, &acc) {
                    comp = Some((*f, 0.0));
                }
                if let Some((sum, c)) = comp.as_mut() {
                    match &it {
                        Value::Float(x) => {
                            let t = *sum + x;
                            if sum.abs() >= x.abs() {
                                *c += (*sum - t) + x;
                            } else {
                                *c += (x - t) + *sum;
                            }
                            *sum = t;
                            continue;
                        }
                        Value::Int(i) => {
                            *sum += *i as f64;
                            continue;
                        }
                        Value::Bool(b) => {
                            *sum += *b as i64 as f64;
                            continue;
                        }
                        _ => {
                            acc = Value::Float(finish_sum(*sum, *c));
                            comp = None;
                            compensated = false;
                        }
                    }
                }
            }
            acc = vm.binary_op(crate::lift::BinOp::Add, &acc, &it)?;
        }
        if let Some((sum, c)) = comp {
            acc = Value::Float(finish_sum(sum, c));
        }
        Ok(acc)
    });
    native(vm, "divmod", |vm, a| {
        let (x, y) = (arg0(&a), arg(&a, 1));
        crate::types::complex::check_divmod(vm, &x, &y)?;
        let q = vm.binary_op(crate::lift::BinOp::FloorDiv, &x, &y)?;
        let r = vm.binary_op(crate::lift::BinOp::Mod, &x, &y)?;
        Ok(Value::tuple(vec![q, r]))
    });
    native(vm, "pow", |vm, a| {
        let m = a.pos.get(2).cloned().or_else(|| a.kw_get("mod").cloned());
        match m {
            None | Some(Value::None) => {
                vm.binary_op(crate::lift::BinOp::Pow, &arg0(&a), &arg(&a, 1))
            }
            Some(m) => {
                let (x, y) = (arg0(&a), arg(&a, 1));
                if [&x, &y, &m].iter().any(|v| matches!(v, Value::Complex(_))) {
                    return Err(vm.value_error("complex modulo"));
                }
                pow_mod(vm, &x, &y, &m)
            }
        }
    });
    native(vm, "round", b_round);
    native(vm, "hex", |vm, a| radix(vm, a, 16, "0x"));
    native(vm, "oct", |vm, a| radix(vm, a, 8, "0o"));
    native(vm, "bin", |vm, a| radix(vm, a, 2, "0b"));
    native(vm, "ord", |vm, a| match arg0(&a) {
        Value::Str(s) if s.len == 1 => Ok(Value::Int(s.char_at(0) as i64)),
        Value::Str(s) => Err(vm.type_error(format!(
            "ord() expected a character, but string of length {} found",
            s.len
        ))),
        other => {
            let t = vm.type_name(&other);
            Err(vm.type_error(format!(
                "ord() expected string of length 1, but {} found",
                t
            )))
        }
    });
    native(vm, "chr", |vm, a| {
        let i = vm.to_i64(&arg0(&a))?;
        match u32::try_from(i).ok().and_then(char::from_u32) {
            Some(c) => Ok(Value::string(c.to_string())),
            None => Err(vm.value_error("chr() arg not in range(0x110000)")),
        }
    });
    native(vm, "isinstance", |vm, a| {
        Ok(Value::Bool(vm.isinstance(&arg0(&a), &arg(&a, 1))?))
    });
    native(vm, "issubclass", |vm, a| match arg0(&a) {
        Value::Class(c) => Ok(Value::Bool(vm.issubclass(&c, &arg(&a, 1))?)),
        _ => Err(vm.type_error("issubclass() arg 1 must be a class".into())),
    });
    native(vm, "hasattr", |vm, a| {
        let name = arg(&a, 1);
        match vm.getattr(&arg0(&a), name.as_str().unwrap_or("")) {
            Ok(_) => Ok(Value::Bool(true)),
            Err(e) if vm.exc_matches_name(&e, "AttributeError") => Ok(Value::Bool(false)),
            Err(e) => Err(e),
        }
    });
    native(vm, "getattr", |vm, a| {
        let name = arg(&a, 1);
        match vm.getattr(&arg0(&a), name.as_str().unwrap_or("")) {
            Err(e) if a.pos.len() > 2 && vm.exc_matches_name(&e, "AttributeError") => {
                Ok(a.pos[2].clone())
            }
            r => r,
        }
    });
    native(vm, "setattr", |vm, a| {
        let name = arg(&a, 1);
        vm.setattr(&arg0(&a), name.as_str().unwrap_or(""), arg(&a, 2))?;
        Ok(Value::None)
    });
    native(vm, "delattr", |vm, a| {
        let name = arg(&a, 1);
        vm.delattr(&arg0(&a), name.as_str().unwrap_or(""))?;
        Ok(Value::None)
    });
    native(vm, "id", |_, a| Ok(Value::Int(arg0(&a).identity() as i64)));
    native(vm, "hash", |vm, a| Ok(Value::Int(vm.hash(&arg0(&a))?)));
    native(vm, "callable", |_, a| {
        Ok(Value::Bool(match arg0(&a) {
            Value::Instance(i) => i.class.lookup("__call__").is_some(),
            v => matches!(
                v,
                Value::Function(_)
                    | Value::Native(_)
                    | Value::NativeMethod(_)
                    | Value::BoundMethod(_)
                    | Value::Class(_)
            ),
        }))
    });
    native(vm, "iter", |vm, a| vm.iter(&arg0(&a)));
    native(vm, "next", |vm, a| {
        let it = arg0(&a);
        match vm.next_raw(&it) {
            Err(e) if a.pos.len() > 1 && vm.exc_matches_name(&e, "StopIteration") => {
                Ok(a.pos[1].clone())
            }
            r => r,
        }
    });
    native(vm, "any", |vm, a| {
        let it = vm.iter(&arg0(&a))?;
        while let Some(v) = vm.next(&it)? {
            if vm.truthy(&v)? {
                return Ok(Value::Bool(true));
            }
        }
        Ok(Value::Bool(false))
    });
    native(vm, "all", |vm, a| {
        let it = vm.iter(&arg0(&a))?;
        while let Some(v) = vm.next(&it)? {
            if !vm.truthy(&v)? {
                return Ok(Value::Bool(false));
            }
        }
        Ok(Value::Bool(true))
    });
    native(vm, "sorted", |vm, a| {
        let items = vm.collect_sized(arg0(&a), false)?;
        let reverse = match a.kw_get("reverse") {
            Some(r) => vm.truthy(r)?,
            None => false,
        };
        let sorted = vm.sort_values(items, a.kw_get("key").cloned(), reverse)?;
        Ok(Value::list(sorted))
    });
    native(vm, "reversed", |vm, a| {
        let v = arg0(&a);
        if let Value::Instance(_) = &v {
            if let Some(r) = vm.call_dunder(&v, "__reversed__", vec![])? {
                return Ok(r);
            }
        }
        let mut items = vm.collect(v)?;
        items.reverse();
        Ok(iter::new(IterState::Seq {
            items: Rc::new(items),
            pos: 0,
        }))
    });
    native(vm, "enumerate", |vm, a| {
        let inner = vm.iter(&arg0(&a))?;
        let start = a
            .pos
            .get(1)
            .cloned()
            .or_else(|| a.kw_get("start").cloned())
            .unwrap_or(Value::Int(0));
        Ok(iter::new(IterState::Enumerate {
            inner,
            count: start,
        }))
    });
    native(vm, "zip", |vm, a| {
        let mut inners = Vec::new();
        for v in &a.pos {
            inners.push(vm.iter(v)?);
        }
        Ok(iter::new(IterState::Zip { inners }))
    });
    native(vm, "map", |vm, a| {
        let mut inners = Vec::new();
        for v in a.pos.iter().skip(1) {
            inners.push(vm.iter(v)?);
        }
        Ok(iter::new(IterState::Map {
            func: arg0(&a),
            inners,
        }))
    });
    native(vm, "filter", |vm, a| {
        let inner = vm.iter(&arg(&a, 1))?;
        Ok(iter::new(IterState::Filter {
            func: arg0(&a),
            inner,
        }))
    });
    native(vm, "input", |vm, a| {
        if let Some(p) = a.pos.first() {
            let s = vm.str(p)?;
            vm.io.write_stdout(&s);
        }
        match vm.io.read_line() {
            Some(l) => Ok(Value::string(l)),
            None => Err(vm.new_exc("EOFError", "EOF when reading a line")),
        }
    });
    native(vm, "format", |vm, a| {
        let spec = arg(&a, 1);
        Ok(Value::string(
            vm.format(&arg0(&a), spec.as_str().unwrap_or(""))?,
        ))
    });
    native(vm, "super", |vm, a| {
        if a.pos.len() == 2 {
            make_super(vm, &a.pos[0], &a.pos[1])
        } else {
            Err(vm.new_exc("RuntimeError", "super(): no arguments"))
        }
    });
    native(vm, "__build_class__", crate::types::class::build_class);
    native(vm, "vars", |vm, a| vm.getattr(&arg0(&a), "__dict__"));
    crate::observe::install(vm);
}

/// A compensated float sum with its compensation folded in (kept off
/// infinite and overflowed sums, as CPython does).
fn finish_sum(sum: f64, c: f64) -> f64 {
    if c != 0.0 && c.is_finite() {
        sum + c
    } else {
        sum
    }
}

fn arg0(a: &Args) -> Value {
    a.pos.first().cloned().unwrap_or(Value::None)
}

fn arg(a: &Args, i: usize) -> Value {
    a.pos.get(i).cloned().unwrap_or(Value::None)
}

fn b_print(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let sep = match a.kw_get("sep") {
        Some(Value::Str(s)) => s.s.clone(),
        _ => " ".into(),
    };
    let end = match a.kw_get("end") {
        Some(Value::Str(s)) => s.s.clone(),
        _ => "\n".into(),
    };
    let mut out = String::new();
    for (i, v) in a.pos.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep);
        }
        out.push_str(&vm.str(v)?);
    }
    out.push_str(&end);
    vm.io.write_stdout(&out);
    Ok(Value::None)
}

fn min_max(vm: &mut Vm, a: Args, is_min: bool) -> PyResult<Value> {
    let iter = if a.pos.len() == 1 {
        vm.iter(&arg0(&a))?
    } else {
        vm.iter(&Value::tuple(a.pos.clone()))?
    };
    let key = a.kw_get("key").cloned();
    let mut best: Option<(Value, Value)> = None;
    // lazily, as CPython interleaves next() and the key calls
    while let Some(it) = vm.next(&iter)? {
        let k = match &key {
            Some(f) => vm.call(f, vec![it.clone()], Vec::new())?,
            None => it.clone(),
        };
        best = Some(match best {
            None => (k, it),
            Some((bk, bv)) => {
                let better = if is_min {
                    vm.lt(&k, &bk)?
                } else {
                    vm.lt(&bk, &k)?
                };
                if better {
                    (k, it)
                } else {
                    (bk, bv)
                }
            }
        });
    }
    match best {
        Some((_, v)) => Ok(v),
        None => match a.kw_get("default") {
            Some(d) => Ok(d.clone()),
            None => Err(vm.value_error(&format!(
                "{}() arg is an empty sequence",
                if is_min { "min" } else { "max" }
            ))),
        },
    }
}

fn b_round(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let v = arg0(&a);
    if let Value::Instance(i) = &v {
        if let Some(r) = i.class.lookup("__round__") {
            let mut full = vec![v.clone()];
            full.extend(a.pos.iter().skip(1).cloned());
            return vm.call(&r, full, Vec::new());
        }
    }
    let v = crate::types::class::base_of(&v).unwrap_or(v);
    let nd = a.pos.get(1).filter(|v| !v.is_none()).cloned();
    match (&v, nd) {
        (Value::Float(f), None) => float::to_int(vm, float::round_half_even(*f)),
        (Value::Float(f), Some(n)) => {
            let n = vm.to_i64(&n)?;
            // correctly rounded via the exact decimal formatting of the double
            if (0..=300).contains(&n) {
                let s = format!("{:.*}", n as usize, f);
                Ok(Value::Float(s.parse().unwrap_or(*f)))
            } else {
                let p = 10f64.powi(n as i32);
                Ok(Value::Float(float::round_half_even(f * p) / p))
            }
        }
        (_, nd) if int::is_int(&v) => {
            use num_integer::Integer;
            let x = int::as_big(&v).unwrap_or_default();
            let n = match nd {
                Some(n) => vm.to_i64(&n)?,
                None => 0,
            };
            if n >= 0 {
                return Ok(int::normalize(x));
            }
            if n < -4000 {
                return Ok(Value::Int(0));
            }
            // round half to even at 10**-n
            let p = num_bigint::BigInt::from(10).pow((-n) as u32);
            let (q, r) = x.div_mod_floor(&p);
            let twice = &r * 2;
            let q = if twice > p || (twice == p && q.is_odd()) {
                q + 1
            } else {
                q
            };
            Ok(int::normalize(q * p))
        }
        _ => {
            let t = vm.type_name(&v);
            Err(vm.type_error(format!("type {} doesn't define __round__ method", t)))
        }
    }
}

fn radix(vm: &mut Vm, a: Args, base: u32, prefix: &str) -> PyResult<Value> {
    let v = crate::types::class::convertible_base(&arg0(&a), Kind::Int).unwrap_or(arg0(&a));
    let Some(b) = int::as_big(&v) else {
        let t = vm.type_name(&v);
        return Err(vm.type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            t
        )));
    };
    let neg = num_traits::Signed::is_negative(&b);
    let digits = num_traits::Signed::abs(&b).to_str_radix(base);
    Ok(Value::string(format!(
        "{}{}{}",
        if neg { "-" } else { "" },
        prefix,
        digits
    )))
}

/// `super(cls, obj)`
pub fn make_super(vm: &mut Vm, cls: &Value, obj: &Value) -> PyResult<Value> {
    match cls {
        Value::Class(c) => Ok(Value::Super(Rc::new((c.clone(), obj.clone())))),
        _ => Err(vm.type_error("super() argument 1 must be a type".into())),
    }
}

pub fn make_class(
    vm: &mut Vm,
    name: &str,
    bases: Vec<Rc<Class>>,
    ns: &Rc<RefCell<Dict>>,
) -> PyResult<Rc<Class>> {
    crate::types::class::type_new(vm, None, name, bases, ns, Vec::new())
}

/// Calling a class: a metaclass `__call__`, else `type.__call__`.
pub fn construct(
    vm: &mut Vm,
    cls: &Rc<Class>,
    args: Vec<Value>,
    kw: Vec<(String, Value)>,
) -> PyResult<Value> {
    if let Some(call) = cls.meta_lookup("__call__") {
        let mut full = vec![Value::Class(cls.clone())];
        full.extend(args);
        return vm.call(&call, full, kw);
    }
    crate::types::class::type_call(vm, cls, args, kw)
}

pub fn construct_builtin(vm: &mut Vm, cls: &Rc<Class>, a: Args) -> PyResult<Value> {
    let v = crate::types::class::convertible_base(&arg0(&a), cls.kind).unwrap_or(arg0(&a));
    let none = a.pos.is_empty();
    Ok(match cls.kind {
        Kind::Int => {
            if none {
                return Ok(Value::Int(0));
            }
            match &v {
                Value::Float(f) => float::to_int(vm, *f)?,
                Value::Complex(_) if !vm.version.at_least(3, 10) => {
                    return Err(vm.type_error("can't convert complex to int".into()))
                }
                Value::Str(s) => {
                    let base = match a.pos.get(1) {
                        Some(b) => vm.to_i64(b)? as u32,
                        None => 10,
                    };
                    match int::parse(&s.s, base) {
                        Some(b) => int::normalize(b),
                        None => {
                            let r = vm.repr(&v)?;
                            return Err(vm.value_error(&format!(
                                "invalid literal for int() with base {}: {}",
                                base, r
                            )));
                        }
                    }
                }
                _ if int::is_int(&v) => int::normalize(int::as_big(&v).unwrap_or_default()),
                _ => match vm.call_dunder(&v, "__int__", vec![])? {
                    Some(r) => r,
                    None => {
                        let t = vm.type_name(&v);
                        return Err(vm.type_error(format!("int() argument must be a string, a bytes-like object or a real number, not '{}'", t)));
                    }
                },
            }
        }
        Kind::Float => {
            if none {
                return Ok(Value::Float(0.0));
            }
            match &v {
                Value::Float(f) => Value::Float(*f),
                Value::Complex(_) if !vm.version.at_least(3, 10) => {
                    return Err(vm.type_error("can't convert complex to float".into()))
                }
                Value::Str(s) => match float::parse(&s.s) {
                    Some(f) => Value::Float(f),
                    None => {
                        let r = vm.repr(&v)?;
                        return Err(
                            vm.value_error(&format!("could not convert string to float: {}", r))
                        );
                    }
                },
                _ if int::is_int(&v) => match int::to_f64(&v) {
                    Some(f) if f.is_finite() => Value::Float(f),
                    _ => {
                        return Err(vm.new_exc("OverflowError", "int too large to convert to float"))
                    }
                },
                _ => {
                    let t = vm.type_name(&v);
                    return Err(vm.type_error(format!(
                        "float() argument must be a string or a real number, not '{}'",
                        t
                    )));
                }
            }
        }
        Kind::Bool => Value::Bool(if none { false } else { vm.truthy(&v)? }),
        Kind::Str => {
            if none {
                Value::str("")
            } else {
                Value::string(vm.str(&v)?)
            }
        }
        Kind::Tuple => Value::tuple(if none {
            Vec::new()
        } else {
            vm.collect_sized(v, false)?
        }),
        Kind::List => Value::list(if none {
            Vec::new()
        } else {
            vm.collect_sized(v, true)?
        }),
        Kind::Set => {
            let s = crate::types::set::new_set(vm, Vec::new())?;
            if !none {
                crate::types::set::fill_from(vm, &s, &v)?;
            }
            Value::Set(s)
        }
        Kind::FrozenSet => {
            if let Value::FrozenSet(_) = v {
                return Ok(v);
            }
            let s = crate::types::set::new_set(vm, Vec::new())?;
            if !none {
                crate::types::set::fill_from(vm, &s, &v)?;
            }
            let d = s.borrow().clone();
            Value::FrozenSet(Rc::new(d))
        }
        Kind::Bytes => match &v {
            _ if none => Value::Bytes(Rc::new(Vec::new())),
            Value::Bytes(_) => v.clone(),
            Value::ByteArray(_) => {
                Value::Bytes(Rc::new(crate::types::bytearray::from_source(vm, &v, &a)?))
            }
            Value::Str(s) => {
                if a.pos.len() < 2 && a.kw_get("encoding").is_none() {
                    return Err(vm.type_error("string argument without an encoding".into()));
                }
                Value::Bytes(Rc::new(s.s.as_bytes().to_vec()))
            }
            Value::Int(n) => {
                if *n < 0 {
                    return Err(vm.value_error("negative count"));
                }
                vm.charge_memory(*n as usize)?;
                Value::Bytes(Rc::new(vec![0; *n as usize]))
            }
            other => {
                let items = vm.collect(other.clone())?;
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    let b = vm.to_index(&it)?;
                    if !(0..256).contains(&b) {
                        return Err(vm.value_error("bytes must be in range(0, 256)"));
                    }
                    out.push(b as u8);
                }
                Value::Bytes(Rc::new(out))
            }
        },
        Kind::Dict => {
            let d = Rc::new(RefCell::new(Dict::new()));
            if !none {
                vm.dict_update(&d, &v)?;
            }
            for (k, val) in a.kw {
                vm.dict_set(&d, Value::string(k), val)?;
            }
            Value::Dict(d)
        }
        Kind::Range => {
            let mut n = Vec::new();
            for x in &a.pos {
                n.push(vm.to_i64(x)?);
            }
            let (start, stop, step) = match n.len() {
                1 => (0, n[0], 1),
                2 => (n[0], n[1], 1),
                3 => (n[0], n[1], n[2]),
                k => {
                    return Err(
                        vm.type_error(format!("range expected at most 3 arguments, got {}", k))
                    )
                }
            };
            if step == 0 {
                return Err(vm.value_error("range() arg 3 must not be zero"));
            }
            Value::Range(Rc::new(Range { start, stop, step }))
        }
        Kind::Type => {
            if a.pos.len() == 1 {
                Value::Class(vm.type_of(&v))
            } else {
                return Err(vm.unsupported("type() with three arguments"));
            }
        }
        Kind::Object => Value::Instance(Rc::new(Instance::plain(cls.clone(), None))),
        Kind::Property => {
            let get = |i: usize, k: &str| {
                a.pos
                    .get(i)
                    .cloned()
                    .or_else(|| a.kw_get(k).cloned())
                    .unwrap_or(Value::None)
            };
            Value::Property(Rc::new([get(0, "fget"), get(1, "fset"), get(2, "fdel")]))
        }
        Kind::ClassMethod => Value::ClassMethod(Rc::new(v)),
        Kind::StaticMethod => Value::StaticMethod(Rc::new(v)),
        Kind::Slice => {
            let p = |i| a.pos.get(i).cloned().unwrap_or(Value::None);
            if a.pos.len() == 1 {
                Value::Slice(Rc::new([Value::None, p(0), Value::None]))
            } else {
                Value::Slice(Rc::new([p(0), p(1), p(2)]))
            }
        }
        Kind::Super => make_super(vm, &v, &arg(&a, 1))?,
        Kind::Complex => crate::types::complex::construct(vm, &a)?,
        Kind::ByteArray => crate::types::bytearray::construct(vm, &a)?,
        _ => return Err(vm.unsupported(&format!("calling type '{}'", cls.name))),
    })
}

/// Methods of builtin values and the few builtin "dunder" helpers
/// reached through `super()`.
pub fn call_method_of(vm: &mut Vm, this: &Value, name: &str, mut args: Args) -> PyResult<Value> {
    if let Some(r) = crate::types::class::call_slot(vm, this, name, &mut args) {
        return r;
    }
    match name {
        "__exc_init__" => {
            if let Value::Instance(i) = this {
                if let Some(d) = &i.exc {
                    d.borrow_mut().args = args.pos;
                }
            }
            Ok(Value::None)
        }
        "setter" | "getter" | "deleter" => {
            let Value::Property(p) = this else {
                return Err(vm.attr_error(this, name));
            };
            let f = arg0(&args);
            let mut parts = [p[0].clone(), p[1].clone(), p[2].clone()];
            let i = match name {
                "getter" => 0,
                "setter" => 1,
                _ => 2,
            };
            parts[i] = f;
            Ok(Value::Property(Rc::new(parts)))
        }
        _ => crate::types::call_native_method(vm, this, name, args),
    }
}
