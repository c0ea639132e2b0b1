//! Generic object protocols (CPython's `abstract.c`/`object.c` layer):
//! type, repr/str, truth, attributes, calls, subscripts, operators,
//! comparison, hashing, iteration, dict access, errors.

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::{Args, Flow, PyResult, Vm};
use crate::lift::{BinOp, CmpOp, UnaryOp};
use crate::types::class::{base_of, Class, Instance};
use crate::types::dict::Dict;
use crate::types::exceptions::ExcData;
use crate::types::function::{BoundMethod, NativeMethod};
use crate::types::iter::{self, IterState};
use crate::types::{float, int};
use crate::value::Value;

thread_local! {
    /// SipHash compression rounds of the running version: 2 up to 3.10
    /// (siphash24), 1 from 3.11 (siphash13). Set by [`Vm::new`].
    pub static SIP_ROUNDS: std::cell::Cell<u8> = const { std::cell::Cell::new(1) };
    /// Containers whose repr is being built (`Py_ReprEnter`): a list or
    /// dict met again prints as `[...]`/`{...}`, and nesting is bounded.
    static REPR_ACTIVE: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How deep container reprs nest before RecursionError.
const REPR_DEPTH_LIMIT: usize = 1000;

/// CPython's `_Py_HashBytes` with PYTHONHASHSEED=0 (a zero key).
pub fn bytes_hash(data: &[u8]) -> i64 {
    if data.is_empty() {
        return 0;
    }
    let c_rounds = SIP_ROUNDS.with(|r| r.get());
    let d_rounds = if c_rounds == 1 { 3 } else { 4 };
    let (k0, k1) = (0u64, 0u64);
    let mut v0 = k0 ^ 0x736f6d6570736575;
    let mut v1 = k1 ^ 0x646f72616e646f6d;
    let mut v2 = k0 ^ 0x6c7967656e657261;
    let mut v3 = k1 ^ 0x7465646279746573;
    macro_rules! round {
        () => {
            v0 = v0.wrapping_add(v1);
            v1 = v1.rotate_left(13);
            v1 ^= v0;
            v0 = v0.rotate_left(32);
            v2 = v2.wrapping_add(v3);
            v3 = v3.rotate_left(16);
            v3 ^= v2;
            v0 = v0.wrapping_add(v3);
            v3 = v3.rotate_left(21);
            v3 ^= v0;
            v2 = v2.wrapping_add(v1);
            v1 = v1.rotate_left(17);
            v1 ^= v2;
            v2 = v2.rotate_left(32);
        };
    }
    let chunks = data.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        let m = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        v3 ^= m;
        for _ in 0..c_rounds {
            round!();
        }
        v0 ^= m;
    }
    let mut t: u64 = (data.len() as u64 & 0xff) << 56;
    for (i, b) in rest.iter().enumerate() {
        t |= (*b as u64) << (8 * i);
    }
    v3 ^= t;
    for _ in 0..c_rounds {
        round!();
    }
    v0 ^= t;
    v2 ^= 0xff;
    for _ in 0..d_rounds {
        round!();
    }
    let h = (v0 ^ v1 ^ v2 ^ v3) as i64;
    if h == -1 {
        -2
    } else {
        h
    }
}

/// Hash of a str: CPython's, over the string's 1-, 2- or 4-byte storage.
pub fn str_hash(s: &str) -> i64 {
    if s.is_ascii() {
        return bytes_hash(s.as_bytes());
    }
    let max = s.chars().map(|c| c as u32).max().unwrap_or(0);
    let mut buf = Vec::with_capacity(s.len() * 2);
    for c in s.chars() {
        let c = c as u32;
        if max < 0x100 {
            buf.push(c as u8);
        } else if max < 0x10000 {
            buf.extend_from_slice(&(c as u16).to_le_bytes());
        } else {
            buf.extend_from_slice(&c.to_le_bytes());
        }
    }
    bytes_hash(&buf)
}

/// CPython's tuple hash (xxHash-based, 3.8+) over item hashes.
pub fn tuple_hash(items: impl ExactSizeIterator<Item = i64>) -> i64 {
    const P1: u64 = 11400714785074694791;
    const P2: u64 = 14029467366897019727;
    const P5: u64 = 2870177450012600261;
    let len = items.len() as u64;
    let mut acc = P5;
    for lane in items {
        acc = acc.wrapping_add((lane as u64).wrapping_mul(P2));
        acc = acc.rotate_left(31);
        acc = acc.wrapping_mul(P1);
    }
    acc = acc.wrapping_add(len ^ (P5 ^ 3527539));
    if acc == u64::MAX {
        return 1546275796;
    }
    acc as i64
}

/// Hash of builtin hashable values; `None` for anything that needs the VM
/// (instances) or is unhashable.
pub fn pure_hash(v: &Value) -> Option<i64> {
    Some(match v {
        Value::None => 0x5f5e,
        Value::Bool(_) | Value::Int(_) | Value::BigInt(_) => int::hash(v),
        Value::Float(f) => float::hash(*f),
        Value::Str(s) => s.hash(),
        Value::Bytes(b) => bytes_hash(b),
        Value::Complex(c) => crate::types::complex::hash(c),
        Value::Tuple(t) => {
            // tuple_hash, item by item (no buffer: tuple keys are common)
            const P1: u64 = 11400714785074694791;
            const P2: u64 = 14029467366897019727;
            const P5: u64 = 2870177450012600261;
            let mut acc = P5;
            for it in t.iter() {
                let lane = pure_hash(it)?;
                acc = acc.wrapping_add((lane as u64).wrapping_mul(P2));
                acc = acc.rotate_left(31);
                acc = acc.wrapping_mul(P1);
            }
            acc = acc.wrapping_add(t.len() as u64 ^ (P5 ^ 3527539));
            if acc == u64::MAX {
                1546275796
            } else {
                acc as i64
            }
        }
        Value::FrozenSet(d) => crate::types::set::frozenset_hash(d),
        Value::Ellipsis | Value::NotImplemented => 0x7777,
        Value::Class(_) | Value::Function(_) | Value::Native(_) | Value::Code(_) => {
            v.identity() as i64 >> 4
        }
        _ => return None,
    })
}

/// Equality of builtin values when it needs no user code; `None` otherwise.
pub fn pure_eq(a: &Value, b: &Value) -> Option<bool> {
    use Value::*;
    Some(match (a, b) {
        (Int(x), Int(y)) => x == y,
        (Str(x), Str(y)) => x.s == y.s,
        (Float(x), Float(y)) => x == y,
        (Bool(_) | Int(_) | BigInt(_), Bool(_) | Int(_) | BigInt(_)) => {
            int::as_big(a) == int::as_big(b)
        }
        (Float(x), _) if int::is_int(b) => num_eq_float(b, *x),
        (_, Float(y)) if int::is_int(a) => num_eq_float(a, *y),
        (None, None) | (Ellipsis, Ellipsis) | (NotImplemented, NotImplemented) => true,
        (Bytes(x), Bytes(y)) => x == y,
        (Complex(c), other) | (other, Complex(c)) if !matches!(other, Instance(_)) => {
            crate::types::complex::eq(c, other).unwrap_or(false)
        }
        (ByteArray(_), Bytes(_) | ByteArray(_)) | (Bytes(_), ByteArray(_)) => {
            crate::types::bytearray::bytes_like(a) == crate::types::bytearray::bytes_like(b)
        }
        (Tuple(x), Tuple(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (p, q) in x.iter().zip(y.iter()) {
                if !p.is(q) && !pure_eq(p, q)? {
                    return Some(false);
                }
            }
            true
        }
        (Range(x), Range(y)) => {
            let (lx, ly) = (x.len(), y.len());
            lx == ly && (lx == 0 || (x.start == y.start && (lx == 1 || x.step == y.step)))
        }
        (Instance(_), _) | (_, Instance(_)) => return Option::None,
        (List(_), List(_))
        | (Dict(_), Dict(_))
        | (Set(_) | FrozenSet(_), Set(_) | FrozenSet(_)) => return Option::None,
        _ => a.is(b),
    })
}

fn num_eq_float(i: &Value, f: f64) -> bool {
    if f.fract() != 0.0 || !f.is_finite() {
        return false;
    }
    match i {
        Value::Int(x) => (*x as f64) == f && (f.abs() < 9.2e18 && f as i64 == *x),
        _ => int::to_f64(i) == Some(f),
    }
}

pub fn ascii_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let n = c as u32;
        if n < 0x80 {
            out.push(c);
        } else if n < 0x100 {
            out.push_str(&format!("\\x{:02x}", n));
        } else if n < 0x10000 {
            out.push_str(&format!("\\u{:04x}", n));
        } else {
            out.push_str(&format!("\\U{:08x}", n));
        }
    }
    out
}

pub fn exc_args(exc: &Value) -> Vec<Value> {
    match exc {
        Value::Instance(i) => i
            .exc
            .as_ref()
            .map(|d| d.borrow().args.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

pub fn class_name_of_exc(exc: &Value) -> String {
    match exc {
        Value::Instance(i) => i.class.name.clone(),
        _ => "?".into(),
    }
}

/// `StopIteration.value`
pub fn stop_value(exc: &Value) -> Value {
    exc_args(exc).into_iter().next().unwrap_or(Value::None)
}

/// A repr that never runs program code (for traces).
pub fn trace_repr(v: &Value) -> String {
    cap_repr(trace_repr_full(v))
}

/// Longest value repr in a trace, as the cpython engine shows them.
pub const MAX_TRACE_REPR: usize = 80;

/// `text` cut to [`MAX_TRACE_REPR`] chars, the cut marked by `...`.
fn cap_repr(mut text: String) -> String {
    if text.len() > MAX_TRACE_REPR && text.chars().count() > MAX_TRACE_REPR {
        let cut = text
            .char_indices()
            .nth(MAX_TRACE_REPR - 3)
            .map_or(text.len(), |(i, _)| i);
        text.truncate(cut);
        text.push_str("...");
    }
    text
}

fn trace_repr_full(v: &Value) -> String {
    match v {
        // escaping more than the shown chars is wasted (and quadratic for
        // a string built step by step)
        Value::Str(s) => crate::types::str::repr_prefix(&s.s, MAX_TRACE_REPR),
        Value::Null => "NULL".into(),
        Value::None => "None".into(),
        Value::Bool(_) | Value::Int(_) | Value::BigInt(_) => int::repr(v),
        Value::Float(f) => float::repr(*f),
        Value::Bytes(b) => crate::types::bytes::repr(b),
        Value::ByteArray(b) => crate::types::bytearray::repr(&b.borrow()),
        Value::Complex(c) => crate::types::complex::repr(c),
        Value::Tuple(t) if t.len() <= 8 => {
            let parts: Vec<String> = t.iter().map(trace_repr_full).collect();
            if parts.len() == 1 {
                format!("({},)", parts[0])
            } else {
                format!("({})", parts.join(", "))
            }
        }
        Value::Function(f) => format!("<function {}>", f.qualname),
        Value::Class(c) => format!("<class '{}'>", c.name),
        Value::Instance(i) => format!("<{} object>", i.class.name),
        Value::Code(c) => format!("<code object {}>", c.name),
        Value::Native(n) => format!("<built-in function {}>", n.name),
        other => format!("<{}>", kind_name(other)),
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "list",
        Value::Dict(_) => "dict",
        Value::Set(_) => "set",
        Value::FrozenSet(_) => "frozenset",
        Value::Tuple(_) => "tuple",
        Value::Range(_) => "range",
        Value::Slice(_) => "slice",
        Value::Iter(_) => "iterator",
        Value::Generator(_) => "generator",
        Value::Cell(_) => "cell",
        Value::BoundMethod(_) | Value::NativeMethod(_) => "method",
        Value::Property(_) => "property",
        Value::ClassMethod(_) => "classmethod",
        Value::StaticMethod(_) => "staticmethod",
        Value::Super(_) => "super",
        Value::Frame(_) => "frame",
        Value::NotImplemented => "NotImplemented",
        Value::Ellipsis => "Ellipsis",
        _ => "object",
    }
}

/// The traceback text CPython prints for an uncaught exception (source
/// lines omitted: the VM reads no files).
pub fn format_exception(vm: &mut Vm, exc: &Value) -> String {
    let mut chain = vec![(exc.clone(), "")];
    let mut cur = exc.clone();
    for _ in 0..50 {
        let Value::Instance(i) = &cur else { break };
        let Some(d) = &i.exc else { break };
        let d = d.borrow().clone();
        let next = if let Some(c) = d.cause.clone() {
            Some((
                c,
                "\nThe above exception was the direct cause of the following exception:\n\n",
            ))
        } else if !d.suppress_context {
            d.context.clone().map(|c| {
                (
                    c,
                    "\nDuring handling of the above exception, another exception occurred:\n\n",
                )
            })
        } else {
            None
        };
        match next {
            Some((n, sep)) => {
                chain.push((n.clone(), sep));
                cur = n;
            }
            None => break,
        }
    }
    let mut out = String::new();
    for idx in (0..chain.len()).rev() {
        let (e, _) = &chain[idx];
        if let Value::Instance(i) = e {
            if let Some(d) = &i.exc {
                let tb = d.borrow().traceback.clone();
                if !tb.is_empty() {
                    out.push_str("Traceback (most recent call last):\n");
                    for t in tb.iter().rev() {
                        match t.line {
                            Some(l) => out.push_str(&format!(
                                "  File \"{}\", line {}, in {}\n",
                                t.file, l, t.name
                            )),
                            None => {
                                out.push_str(&format!("  File \"{}\", in {}\n", t.file, t.name))
                            }
                        }
                    }
                }
            }
        }
        let name = class_name_of_exc(e);
        let msg = vm.str(e).unwrap_or_default();
        if msg.is_empty() {
            out.push_str(&format!("{}\n", name));
        } else {
            out.push_str(&format!("{}: {}\n", name, msg));
        }
        if idx > 0 {
            out.push_str(chain[idx - 1].1);
        }
    }
    out
}

/// Normalised slice bounds for a sequence of length `len` (CPython's
/// `PySlice_AdjustIndices`): `(start, stop, step, count)`.
pub fn slice_indices(vm: &mut Vm, s: &[Value; 3], len: i64) -> PyResult<(i64, i64, i64, usize)> {
    let get = |vm: &mut Vm, v: &Value| -> PyResult<Option<i64>> {
        match v {
            Value::None => Ok(None),
            other => match other {
                Value::BigInt(b) => Ok(Some(if num_traits::Signed::is_negative(&**b) {
                    i64::MIN / 2
                } else {
                    i64::MAX / 2
                })),
                _ => vm.to_index(other).map(Some),
            },
        }
    };
    let step = get(vm, &s[2])?.unwrap_or(1);
    if step == 0 {
        return Err(vm.value_error("slice step cannot be zero"));
    }
    let (lo_default, hi_default) = if step < 0 { (len - 1, -1) } else { (0, len) };
    let adjust = |v: Option<i64>, d: i64| -> i64 {
        match v {
            None => d,
            Some(mut x) => {
                if x < 0 {
                    x += len;
                    if x < 0 {
                        x = if step < 0 { -1 } else { 0 };
                    }
                } else if x >= len {
                    x = if step < 0 { len - 1 } else { len };
                }
                x
            }
        }
    };
    let start = adjust(get(vm, &s[0])?, lo_default);
    let stop = adjust(get(vm, &s[1])?, hi_default);
    let count = if step > 0 {
        if stop > start {
            ((stop - start - 1) / step + 1) as usize
        } else {
            0
        }
    } else if start > stop {
        ((start - stop - 1) / (-step) + 1) as usize
    } else {
        0
    };
    Ok((start, stop, step, count))
}

fn pick<T: Clone>(items: &[T], start: i64, step: i64, count: usize) -> Vec<T> {
    (0..count)
        .map(|k| items[(start + k as i64 * step) as usize].clone())
        .collect()
}

impl Vm<'_> {
    // ---- types and errors ----

    pub fn type_of(&self, v: &Value) -> Rc<Class> {
        let name = match v {
            Value::Instance(i) => return i.class.clone(),
            Value::Class(c) => match &c.meta {
                Some(m) => return m.clone(),
                None => "type",
            },
            Value::Null | Value::None => "NoneType",
            Value::NotImplemented => "NotImplementedType",
            Value::Ellipsis => "ellipsis",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::ByteArray(_) => "bytearray",
            Value::Complex(_) => "complex",
            Value::Tuple(_) => "tuple",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::FrozenSet(_) => "frozenset",
            Value::Range(_) => "range",
            Value::Slice(_) => "slice",
            Value::Function(_) => "function",
            Value::Native(_) => "builtin_function_or_method",
            Value::NativeMethod(_) | Value::BoundMethod(_) => "method",
            Value::Code(_) => "code",
            Value::Cell(_) => "cell",
            Value::Iter(_) => "iterator",
            Value::Generator(_) => "generator",
            Value::Property(_) => "property",
            Value::ClassMethod(_) => "classmethod",
            Value::StaticMethod(_) => "staticmethod",
            Value::Super(_) => "super",
            Value::Frame(_) => "frame",
        };
        self.class(name)
    }

    pub fn type_name(&self, v: &Value) -> String {
        match v {
            Value::Iter(it) => it.borrow().type_name().to_string(),
            _ => self.type_of(v).name.clone(),
        }
    }

    pub fn new_exc_value(&mut self, name: &str, msg: &str) -> Value {
        let cls = self.class(name);
        let args = if msg.is_empty() {
            Vec::new()
        } else {
            vec![Value::str(msg)]
        };
        new_exception(cls, args)
    }

    pub fn new_exc(&mut self, name: &str, msg: &str) -> Flow {
        Flow::Exc(self.new_exc_value(name, msg))
    }

    pub fn type_error(&mut self, msg: String) -> Flow {
        self.new_exc("TypeError", &msg)
    }

    pub fn value_error(&mut self, msg: &str) -> Flow {
        self.new_exc("ValueError", msg)
    }

    pub fn key_error(&mut self, key: Value) -> Flow {
        let cls = self.class("KeyError");
        Flow::Exc(new_exception(cls, vec![key]))
    }

    pub fn stop_iteration(&mut self, v: Value) -> Flow {
        let cls = self.class("StopIteration");
        let args = if v.is_none() { Vec::new() } else { vec![v] };
        Flow::Exc(new_exception(cls, args))
    }

    pub fn attr_error(&mut self, obj: &Value, name: &str) -> Flow {
        let msg = match obj {
            Value::Class(c) => format!("type object '{}' has no attribute '{}'", c.name, name),
            Value::Instance(i) if i.class.name == "module" && i.class.module == "builtins" => {
                let module = match i.get("__name__") {
                    Some(Value::Str(s)) => s.s.clone(),
                    _ => "?".into(),
                };
                format!("module '{}' has no attribute '{}'", module, name)
            }
            other => format!(
                "'{}' object has no attribute '{}'",
                self.type_name(other),
                name
            ),
        };
        self.new_exc("AttributeError", &msg)
    }

    pub fn exc_matches_name(&self, e: &Flow, name: &str) -> bool {
        match e {
            Flow::Exc(Value::Instance(i)) => {
                i.class.mro().iter().any(|c| c.is_builtin && c.name == name)
            }
            _ => false,
        }
    }

    /// `isinstance(exc, t)` for `except t` clauses (t may be a tuple).
    pub fn exception_matches(&mut self, exc: &Value, t: &Value) -> PyResult<bool> {
        match t {
            Value::Tuple(items) => {
                for it in items.iter() {
                    if self.exception_matches(exc, it)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Class(c) => {
                if !c.is_subclass(&self.class("BaseException")) {
                    return Err(self.type_error(
                        "catching classes that do not inherit from BaseException is not allowed"
                            .into(),
                    ));
                }
                let ty = match exc {
                    Value::Class(e) => e.clone(),
                    other => self.type_of(other),
                };
                Ok(ty.is_subclass(c))
            }
            _ => Err(self.type_error(
                "catching classes that do not inherit from BaseException is not allowed".into(),
            )),
        }
    }

    /// What `raise v` raises.
    pub fn make_exception_from(&mut self, v: Value, arg: Option<Value>) -> PyResult<Value> {
        match &v {
            Value::Class(c) if c.is_subclass(&self.class("BaseException")) => {
                let args = match arg {
                    Some(a) => vec![a],
                    None => Vec::new(),
                };
                let e = self.call(&v, args, Vec::new())?;
                if !matches!(&e, Value::Instance(i) if i.exc.is_some()) {
                    return Err(self.type_error(
                        "calling the exception class did not return an exception".into(),
                    ));
                }
                Ok(e)
            }
            Value::Instance(i) if i.exc.is_some() => Ok(v),
            _ => Err(self.type_error("exceptions must derive from BaseException".into())),
        }
    }

    // ---- conversions ----

    pub fn to_i64(&mut self, v: &Value) -> PyResult<i64> {
        if let Some(b) = base_of(v) {
            return self.to_i64(&b);
        }
        match v {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(*b as i64),
            Value::BigInt(_) => Err(self.new_exc(
                "OverflowError",
                "Python int too large to convert to C ssize_t",
            )),
            other => {
                let t = self.type_name(other);
                Err(self.type_error(format!(
                    "'{}' object cannot be interpreted as an integer",
                    t
                )))
            }
        }
    }

    pub fn to_index(&mut self, v: &Value) -> PyResult<i64> {
        if let Some(b) = base_of(v) {
            return self.to_index(&b);
        }
        match v {
            Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => self.to_i64(v),
            other => {
                let t = self.type_name(other);
                Err(self.type_error(format!(
                    "slice indices must be integers or None or have an __index__ method (got {})",
                    t
                )))
            }
        }
    }

    // ---- repr / str / truth ----

    pub fn repr(&mut self, v: &Value) -> PyResult<String> {
        let (id, again) = match v {
            Value::List(l) => (Rc::as_ptr(l) as usize, "[...]"),
            Value::Dict(d) => (Rc::as_ptr(d) as usize, "{...}"),
            Value::Tuple(_) | Value::Set(_) | Value::FrozenSet(_) => (0, ""),
            _ => return self.repr_value(v),
        };
        let (seen, depth) = REPR_ACTIVE.with(|a| {
            let a = a.borrow();
            (id != 0 && a.contains(&id), a.len())
        });
        if seen {
            return Ok(again.to_string());
        }
        if depth >= REPR_DEPTH_LIMIT {
            return Err(self.new_exc(
                "RecursionError",
                "maximum recursion depth exceeded while getting the repr of an object",
            ));
        }
        REPR_ACTIVE.with(|a| a.borrow_mut().push(id));
        let r = self.repr_value(v);
        REPR_ACTIVE.with(|a| {
            a.borrow_mut().pop();
        });
        r
    }

    fn repr_value(&mut self, v: &Value) -> PyResult<String> {
        self.charge_memory(0)?;
        if let Some(b) = inherited_base(v, &["__repr__"]) {
            return self.repr(&b);
        }
        if let Some(r) = self.meta_dunder(v, "__repr__", Vec::new())? {
            return match r {
                Value::Str(s) => Ok(s.s.clone()),
                _ => Err(self.type_error("__repr__ returned non-string".into())),
            };
        }
        Ok(match v {
            Value::Str(s) => crate::types::str::repr(&s.s),
            Value::List(l) => {
                let items = l.borrow().clone();
                format!("[{}]", self.repr_items(&items)?)
            }
            Value::Tuple(t) => {
                if t.len() == 1 {
                    format!("({},)", self.repr(&t[0])?)
                } else {
                    format!("({})", self.repr_items(t)?)
                }
            }
            Value::Dict(d) => {
                let items = d.borrow().items();
                let mut parts = Vec::with_capacity(items.len());
                for (k, v) in items {
                    parts.push(format!("{}: {}", self.repr(&k)?, self.repr(&v)?));
                }
                format!("{{{}}}", parts.join(", "))
            }
            Value::Set(d) => {
                let items = crate::types::set::table_order(&d.borrow());
                if items.is_empty() {
                    "set()".into()
                } else {
                    format!("{{{}}}", self.repr_items(&items)?)
                }
            }
            Value::FrozenSet(d) => {
                let items = crate::types::set::table_order(d);
                if items.is_empty() {
                    "frozenset()".into()
                } else {
                    format!("frozenset({{{}}})", self.repr_items(&items)?)
                }
            }
            Value::Slice(s) => format!(
                "slice({}, {}, {})",
                self.repr(&s[0])?,
                self.repr(&s[1])?,
                self.repr(&s[2])?
            ),
            Value::Range(r) => r.repr(),
            Value::Instance(i) => {
                if let Some(r) = self.call_dunder(v, "__repr__", vec![])? {
                    match r {
                        Value::Str(s) => s.s.clone(),
                        other => {
                            let t = self.type_name(&other);
                            return Err(self
                                .type_error(format!("__repr__ returned non-string (type {})", t)));
                        }
                    }
                } else if i.exc.is_some() {
                    let args = exc_args(v);
                    let inner = if args.len() == 1 {
                        self.repr(&args[0])?
                    } else {
                        self.repr_items(&args)?
                    };
                    format!("{}({})", i.class.name, inner)
                } else {
                    format!(
                        "<{}.{} object at {:#x}>",
                        i.class.module,
                        i.class.qualname,
                        v.identity()
                    )
                }
            }
            Value::Class(c) => {
                if c.is_builtin {
                    format!("<class '{}'>", c.name)
                } else {
                    format!("<class '{}.{}'>", c.module, c.qualname)
                }
            }
            Value::Function(f) => format!("<function {} at {:#x}>", f.qualname, v.identity()),
            Value::Native(n) => format!("<built-in function {}>", n.name),
            Value::BoundMethod(m) => {
                let name = match &m.func {
                    Value::Function(f) => f.qualname.clone(),
                    _ => "?".into(),
                };
                format!("<bound method {} of {}>", name, self.repr(&m.self_)?)
            }
            Value::NativeMethod(m) => {
                format!("<built-in method {} of {} object>", m.name, m.type_name)
            }
            Value::Generator(g) => format!(
                "<generator object {} at {:#x}>",
                g.borrow().qualname,
                v.identity()
            ),
            Value::Code(c) => format!(
                "<code object {} at {:#x}, file \"{}\", line {}>",
                c.name,
                v.identity(),
                c.filename,
                c.firstlineno
            ),
            Value::Iter(it) => format!(
                "<{} object at {:#x}>",
                it.borrow().type_name(),
                v.identity()
            ),
            Value::Ellipsis => "Ellipsis".into(),
            Value::NotImplemented => "NotImplemented".into(),
            Value::Frame(fo) => {
                let line = crate::types::frame::lineno(self, fo);
                format!(
                    "<frame at {:#x}, file '{}', line {}, code {}>",
                    v.identity(),
                    fo.code.filename,
                    trace_repr(&line),
                    fo.code.name
                )
            }
            other => trace_repr_full(other),
        })
    }

    fn repr_items(&mut self, items: &[Value]) -> PyResult<String> {
        let mut parts = Vec::with_capacity(items.len());
        for it in items {
            parts.push(self.repr(it)?);
        }
        Ok(parts.join(", "))
    }

    pub fn str(&mut self, v: &Value) -> PyResult<String> {
        if let Some(b @ Value::Str(_)) = inherited_base(v, &["__str__"]) {
            return self.str(&b);
        }
        match v {
            Value::Str(s) => Ok(s.s.clone()),
            Value::Instance(i) => {
                if let Some(r) = self.call_dunder(v, "__str__", vec![])? {
                    return match r {
                        Value::Str(s) => Ok(s.s.clone()),
                        other => {
                            let t = self.type_name(&other);
                            Err(self
                                .type_error(format!("__str__ returned non-string (type {})", t)))
                        }
                    };
                }
                if i.exc.is_some() && !i.class.has_user("__repr__") {
                    let args = exc_args(v);
                    return match args.len() {
                        0 => Ok(String::new()),
                        1 if i
                            .class
                            .mro()
                            .iter()
                            .any(|c| c.is_builtin && c.name == "KeyError") =>
                        {
                            self.repr(&args[0])
                        }
                        1 => self.str(&args[0]),
                        _ => self.repr(&Value::tuple(args)),
                    };
                }
                self.repr(v)
            }
            other => self.repr(other),
        }
    }

    pub fn truthy(&mut self, v: &Value) -> PyResult<bool> {
        if let Some(b) = inherited_base(v, &["__bool__", "__len__"]) {
            return self.truthy(&b);
        }
        Ok(match v {
            Value::Null | Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::BigInt(_) => true,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::ByteArray(b) => !b.borrow().is_empty(),
            Value::Complex(c) => c[0] != 0.0 || c[1] != 0.0,
            Value::Tuple(t) => !t.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Dict(d) | Value::Set(d) => !d.borrow().is_empty(),
            Value::FrozenSet(d) => !d.is_empty(),
            Value::Range(r) => !r.is_empty(),
            Value::Instance(_) => {
                if let Some(r) = self.call_dunder(v, "__bool__", vec![])? {
                    match r {
                        Value::Bool(b) => b,
                        _ => return Err(self.type_error("__bool__ should return bool".into())),
                    }
                } else if let Some(r) = self.call_dunder(v, "__len__", vec![])? {
                    self.to_i64(&r)? != 0
                } else {
                    true
                }
            }
            _ => true,
        })
    }

    pub fn len(&mut self, v: &Value) -> PyResult<usize> {
        if let Some(b) = inherited_base(v, &["__len__"]) {
            return self.len(&b);
        }
        if let Some(r) = self.meta_dunder(v, "__len__", Vec::new())? {
            return Ok(self.to_i64(&r)?.max(0) as usize);
        }
        Ok(match v {
            Value::Str(s) => s.len,
            Value::Bytes(b) => b.len(),
            Value::ByteArray(b) => b.borrow().len(),
            Value::Tuple(t) => t.len(),
            Value::List(l) => l.borrow().len(),
            Value::Dict(d) | Value::Set(d) => d.borrow().len(),
            Value::FrozenSet(d) => d.len(),
            Value::Range(r) => r.len().max(0) as usize,
            Value::Instance(_) => match self.call_dunder(v, "__len__", vec![])? {
                Some(r) => {
                    let n = self.to_i64(&r)?;
                    if n < 0 {
                        return Err(self.value_error("__len__() should return >= 0"));
                    }
                    n as usize
                }
                None => {
                    let t = self.type_name(v);
                    return Err(self.type_error(format!("object of type '{}' has no len()", t)));
                }
            },
            other => {
                let t = self.type_name(other);
                return Err(self.type_error(format!("object of type '{}' has no len()", t)));
            }
        })
    }

    // ---- attributes ----

    /// Calls `type(obj).name(obj, *args)` if a Python class defines it.
    pub fn call_dunder(
        &mut self,
        obj: &Value,
        name: &str,
        args: Vec<Value>,
    ) -> PyResult<Option<Value>> {
        let Value::Instance(i) = obj else {
            return Ok(None);
        };
        let Some(attr) = i.class.lookup(name) else {
            // the builtin behaviour of a builtin-subclass instance's value
            if let Some(b) = &i.base {
                if crate::types::class::is_value_slot(name) {
                    let mut a = Args::new(args);
                    return crate::types::class::call_slot(self, &b.clone(), name, &mut a)
                        .transpose();
                }
            }
            return Ok(None);
        };
        let mut full = vec![obj.clone()];
        full.extend(args);
        match attr {
            Value::Function(_) | Value::Native(_) => self.call(&attr, full, Vec::new()).map(Some),
            other => {
                let bound = self.bind(other, obj, &i.class, name)?;
                full.remove(0);
                self.call(&bound, full, Vec::new()).map(Some)
            }
        }
    }

    /// Descriptor binding of a class attribute found for `obj`.
    fn bind(&mut self, attr: Value, obj: &Value, cls: &Rc<Class>, name: &str) -> PyResult<Value> {
        Ok(match attr {
            Value::Function(_) => Value::BoundMethod(Rc::new(BoundMethod {
                func: attr,
                self_: obj.clone(),
            })),
            Value::ClassMethod(f) => Value::BoundMethod(Rc::new(BoundMethod {
                func: (*f).clone(),
                self_: Value::Class(cls.clone()),
            })),
            Value::StaticMethod(f) => (*f).clone(),
            Value::Native(_) if crate::stdlib::threading::binds_natives(cls, &attr) => {
                Value::BoundMethod(Rc::new(BoundMethod {
                    func: attr,
                    self_: obj.clone(),
                }))
            }
            Value::Property(p) => {
                if p[0].is_none() {
                    return Err(self.property_error(obj, name, "getter"));
                }
                self.call(&p[0], vec![obj.clone()], Vec::new())?
            }
            Value::Instance(ref d) => match d.class.lookup("__get__") {
                Some(get) => self.call(
                    &get,
                    vec![attr.clone(), obj.clone(), Value::Class(cls.clone())],
                    Vec::new(),
                )?,
                None => attr,
            },
            other => other,
        })
    }

    /// The AttributeError of a property without a getter/setter/deleter.
    fn property_error(&mut self, obj: &Value, name: &str, what: &str) -> Flow {
        let msg = if self.version.at_least(3, 11) {
            let t = self.type_name(obj);
            format!("property '{}' of '{}' object has no {}", name, t, what)
        } else {
            let verb = match what {
                "getter" => "unreadable attribute".to_string(),
                "setter" => "can't set attribute".to_string(),
                _ => "can't delete attribute".to_string(),
            };
            if self.version.at_least(3, 10) {
                format!("{} '{}'", verb, name)
            } else {
                verb
            }
        };
        self.new_exc("AttributeError", &msg)
    }

    /// Properties and classes defining `__set__` or `__delete__` take
    /// precedence over the instance dict.
    fn is_data_descriptor(v: &Value) -> bool {
        match v {
            Value::Property(_) => true,
            Value::Instance(i) => {
                i.class.lookup("__set__").is_some() || i.class.lookup("__delete__").is_some()
            }
            _ => false,
        }
    }

    /// `<module.qualname object at 0x...>`
    pub fn default_repr(&self, v: &Value) -> String {
        let c = self.type_of(v);
        format!(
            "<{}.{} object at {:#x}>",
            c.module,
            c.qualname,
            v.identity()
        )
    }

    /// Calls a special method a user metaclass defines for a class value.
    pub fn meta_dunder(
        &mut self,
        v: &Value,
        name: &str,
        args: Vec<Value>,
    ) -> PyResult<Option<Value>> {
        let Value::Class(c) = v else { return Ok(None) };
        let Some(f) = c.meta_lookup(name) else {
            return Ok(None);
        };
        let mut full = vec![v.clone()];
        full.extend(args);
        self.call(&f, full, Vec::new()).map(Some)
    }

    /// `isinstance(obj, t)`, asking a metaclass `__instancecheck__`.
    pub fn isinstance(&mut self, obj: &Value, t: &Value) -> PyResult<bool> {
        match t {
            Value::Tuple(items) => {
                for it in items.iter() {
                    if self.isinstance(obj, it)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Class(c) => {
                let ty = self.type_of(obj);
                if Rc::ptr_eq(&ty, c) {
                    return Ok(true);
                }
                if let Some(check) = c.meta_lookup("__instancecheck__") {
                    let r = self.call(&check, vec![t.clone(), obj.clone()], Vec::new())?;
                    return self.truthy(&r);
                }
                Ok(ty.is_subclass(c))
            }
            _ => Err(self.type_check_error("isinstance")),
        }
    }

    /// `issubclass(c, t)`, asking a metaclass `__subclasscheck__`.
    pub fn issubclass(&mut self, c: &Rc<Class>, t: &Value) -> PyResult<bool> {
        match t {
            Value::Tuple(items) => {
                for it in items.iter() {
                    if self.issubclass(c, it)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Class(k) => {
                if let Some(check) = k.meta_lookup("__subclasscheck__") {
                    let r =
                        self.call(&check, vec![t.clone(), Value::Class(c.clone())], Vec::new())?;
                    return self.truthy(&r);
                }
                Ok(c.is_subclass(k))
            }
            _ => Err(self.type_check_error("issubclass")),
        }
    }

    fn type_check_error(&mut self, f: &str) -> Flow {
        let msg = if self.version.at_least(3, 10) {
            format!("{}() arg 2 must be a type, a tuple of types, or a union", f)
        } else {
            format!("{}() arg 2 must be a type or tuple of types", f)
        };
        self.type_error(msg)
    }

    /// `getattr(obj, name)`: `__getattribute__` and `__getattr__` of
    /// Python classes, else the generic lookup.
    pub fn getattr(&mut self, obj: &Value, name: &str) -> PyResult<Value> {
        if let Value::Instance(i) = obj {
            let cls = i.class.clone();
            let r = match cls.lookup("__getattribute__") {
                Some(ga) => self.call(&ga, vec![obj.clone(), Value::str(name)], Vec::new()),
                None => self.generic_getattr(obj, name),
            };
            return match r {
                Err(e) if self.exc_matches_name(&e, "AttributeError") => {
                    match cls.lookup("__getattr__") {
                        Some(g) => self.call(&g, vec![obj.clone(), Value::str(name)], Vec::new()),
                        None => Err(e),
                    }
                }
                r => r,
            };
        }
        if let Value::Class(c) = obj {
            if let Some(g) = c.meta_lookup("__getattr__") {
                return match self.generic_getattr(obj, name) {
                    Err(e) if self.exc_matches_name(&e, "AttributeError") => {
                        self.call(&g, vec![obj.clone(), Value::str(name)], Vec::new())
                    }
                    r => r,
                };
            }
        }
        self.generic_getattr(obj, name)
    }

    /// `object.__getattribute__`: data descriptors, the instance dict,
    /// other class attributes, the carried builtin value's attributes.
    pub fn generic_getattr(&mut self, obj: &Value, name: &str) -> PyResult<Value> {
        match obj {
            Value::Instance(i) => {
                if name == "__class__" {
                    return Ok(Value::Class(i.class.clone()));
                }
                let cls = i.class.clone();
                let cls_attr = cls.lookup(name);
                if let Some(a) = &cls_attr {
                    if Self::is_data_descriptor(a) {
                        return self.bind(a.clone(), obj, &cls, name);
                    }
                }
                if let Some(v) = i.get(name) {
                    return Ok(v);
                }
                if let Some(d) = &i.exc {
                    let d = d.borrow();
                    match name {
                        "args" => return Ok(Value::tuple(d.args.clone())),
                        "__cause__" => return Ok(d.cause.clone().unwrap_or(Value::None)),
                        "__context__" => return Ok(d.context.clone().unwrap_or(Value::None)),
                        "__suppress_context__" => return Ok(Value::Bool(d.suppress_context)),
                        "__traceback__" => return Ok(Value::None),
                        "value" | "code" if cls_attr.is_none() => {
                            return Ok(d.args.first().cloned().unwrap_or(Value::None))
                        }
                        _ => {}
                    }
                }
                if let Some(a) = cls_attr {
                    return self.bind(a, obj, &cls, name);
                }
                if name == "__dict__" && cls.slot_names().is_none() {
                    return Ok(Value::Dict(i.dict_value()));
                }
                if let Some(base) = &i.base {
                    if let Ok(v) = self.generic_getattr(&base.clone(), name) {
                        if !matches!(v, Value::NativeMethod(_)) || !name.starts_with("__") {
                            return Ok(v);
                        }
                    }
                }
                for c in cls.mro().iter().filter(|c| c.is_builtin) {
                    if let Some(v) = crate::types::class::builtin_attr(c, name, Some(obj)) {
                        return Ok(v);
                    }
                }
                Err(self.attr_error(obj, name))
            }
            Value::Class(c) => {
                match name {
                    "__name__" => return Ok(Value::str(&c.name)),
                    "__qualname__" => return Ok(Value::str(&c.qualname)),
                    "__module__" => return Ok(Value::str(&c.module)),
                    "__mro__" => {
                        return Ok(Value::tuple(
                            c.mro().into_iter().map(Value::Class).collect(),
                        ))
                    }
                    "__bases__" => {
                        return Ok(Value::tuple(
                            c.bases.iter().cloned().map(Value::Class).collect(),
                        ))
                    }
                    "__base__" => {
                        return Ok(c.bases.first().cloned().map_or(Value::None, Value::Class))
                    }
                    "__class__" => return Ok(Value::Class(self.type_of(obj))),
                    // a snapshot (CPython's is a read-only mappingproxy)
                    "__dict__" => {
                        let d = Rc::new(RefCell::new(Dict::new()));
                        for (k, v) in c.attrs_in_order() {
                            let h = str_hash(&k);
                            d.borrow_mut().push(Value::string(k), v, h);
                        }
                        return Ok(Value::Dict(d));
                    }
                    // not inherited: every class has its own
                    "__doc__" => {
                        return Ok(c
                            .dict
                            .borrow()
                            .get("__doc__")
                            .cloned()
                            .unwrap_or(Value::None))
                    }
                    _ => {}
                }
                let meta = c.meta.clone();
                let meta_attr = meta.as_ref().and_then(|m| m.lookup(name));
                if let (Some(a), Some(m)) = (&meta_attr, &meta) {
                    if Self::is_data_descriptor(a) {
                        return self.bind(a.clone(), obj, m, name);
                    }
                }
                match c.lookup(name) {
                    Some(Value::ClassMethod(f)) => Ok(Value::BoundMethod(Rc::new(BoundMethod {
                        func: (*f).clone(),
                        self_: obj.clone(),
                    }))),
                    Some(Value::StaticMethod(f)) => Ok((*f).clone()),
                    Some(d @ Value::Instance(_)) => {
                        let get = match &d {
                            Value::Instance(di) => di.class.lookup("__get__"),
                            _ => None,
                        };
                        match get {
                            Some(g) => self.call(&g, vec![d, Value::None, obj.clone()], Vec::new()),
                            None => Ok(d),
                        }
                    }
                    Some(v) => Ok(v),
                    None => {
                        if let (Some(a), Some(m)) = (meta_attr, &meta) {
                            return self.bind(a, obj, m, name);
                        }
                        for b in c.mro().iter().filter(|b| b.is_builtin) {
                            if let Some(v) = crate::types::class::builtin_attr(b, name, None) {
                                return Ok(v);
                            }
                            if let Some(sample) = crate::builtins::sample_of(b.kind) {
                                if crate::types::has_native_method(&sample, name) {
                                    return Ok(Value::NativeMethod(Rc::new(NativeMethod {
                                        self_: None,
                                        type_name: crate::builtins::kind_type_name(b.kind),
                                        name: name.to_string(),
                                    })));
                                }
                            }
                        }
                        Err(self.attr_error(obj, name))
                    }
                }
            }
            Value::Function(f) => match name {
                "__name__" => Ok(Value::str(&f.name)),
                "__qualname__" => Ok(Value::str(&f.qualname)),
                "__code__" => Ok(Value::Code(f.code.clone())),
                "__annotations__" => {
                    if let Some(v) = f.attrs.borrow().get("__annotations__") {
                        return Ok(v.clone());
                    }
                    // a dict (<=3.9) or flat (name, value, ...) pairs (3.10+)
                    let d = match &f.annotations {
                        Some(Value::Dict(d)) => d.clone(),
                        Some(Value::Tuple(pairs)) => {
                            let d = Rc::new(RefCell::new(Dict::new()));
                            for kv in pairs.chunks(2) {
                                if let [k, v] = kv {
                                    self.dict_set(&d, k.clone(), v.clone())?;
                                }
                            }
                            d
                        }
                        _ => Rc::new(RefCell::new(Dict::new())),
                    };
                    // cached, as CPython keeps the dict it made
                    let v = Value::Dict(d);
                    f.attrs
                        .borrow_mut()
                        .insert("__annotations__".into(), v.clone());
                    Ok(v)
                }
                "__defaults__" => Ok(if f.defaults.is_empty() {
                    Value::None
                } else {
                    Value::tuple(f.defaults.clone())
                }),
                "__doc__" => Ok(Value::None),
                "__module__" => Ok(Value::str("__main__")),
                _ => match f.attrs.borrow().get(name) {
                    Some(v) => Ok(v.clone()),
                    None => Err(self.attr_error(obj, name)),
                },
            },
            Value::Native(n) if name == "__name__" => Ok(Value::str(n.name)),
            Value::BoundMethod(m) => match name {
                "__self__" => Ok(m.self_.clone()),
                "__func__" => Ok(m.func.clone()),
                _ => self.getattr(&m.func.clone(), name),
            },
            Value::Generator(g) if name == "__name__" => Ok(Value::str(&g.borrow().name)),
            Value::Super(s) => self.super_getattr(&s.0.clone(), &s.1.clone(), name),
            Value::Property(p) => match name {
                "setter" | "getter" | "deleter" => Ok(Value::NativeMethod(Rc::new(NativeMethod {
                    self_: Some(Value::Property(p.clone())),
                    type_name: "property",
                    name: name.to_string(),
                }))),
                "fget" => Ok(p[0].clone()),
                "fset" => Ok(p[1].clone()),
                "fdel" => Ok(p[2].clone()),
                _ => Err(self.attr_error(obj, name)),
            },
            Value::Frame(fo) => match crate::types::frame::getattr(self, fo, name) {
                Some(v) => Ok(v),
                None => Err(self.attr_error(obj, name)),
            },
            Value::Code(c) => match name {
                "co_name" => Ok(Value::str(&c.name)),
                "co_filename" => Ok(Value::str(&c.filename)),
                "co_firstlineno" => Ok(Value::Int(c.firstlineno as i64)),
                "co_qualname" if self.version.at_least(3, 11) => Ok(Value::str(&c.qualname)),
                "co_argcount" => Ok(Value::Int(c.argcount as i64)),
                "co_flags" => Ok(Value::Int(c.flags as i64)),
                _ => Err(self.attr_error(obj, name)),
            },
            other => {
                if crate::types::has_native_method(other, name) {
                    return Ok(Value::NativeMethod(Rc::new(NativeMethod {
                        self_: Some(other.clone()),
                        type_name: "object",
                        name: name.to_string(),
                    })));
                }
                match (other, name) {
                    (Value::Int(_) | Value::Bool(_) | Value::BigInt(_), "real" | "numerator") => {
                        Ok(int::normalize(int::as_big(other).unwrap_or_default()))
                    }
                    (Value::Int(_) | Value::Bool(_) | Value::BigInt(_), "imag") => {
                        Ok(Value::Int(0))
                    }
                    (Value::Int(_) | Value::Bool(_) | Value::BigInt(_), "denominator") => {
                        Ok(Value::Int(1))
                    }
                    (Value::Float(f), "real") => Ok(Value::Float(*f)),
                    (Value::Float(_), "imag") => Ok(Value::Float(0.0)),
                    (Value::Complex(c), "real" | "imag") => {
                        Ok(crate::types::complex::attr(c, name).unwrap_or(Value::None))
                    }
                    (Value::Range(r), "start") => Ok(Value::Int(r.start)),
                    (Value::Range(r), "stop") => Ok(Value::Int(r.stop)),
                    (Value::Range(r), "step") => Ok(Value::Int(r.step)),
                    (Value::Slice(s), "start") => Ok(s[0].clone()),
                    (Value::Slice(s), "stop") => Ok(s[1].clone()),
                    (Value::Slice(s), "step") => Ok(s[2].clone()),
                    (_, "__class__") => Ok(Value::Class(self.type_of(other))),
                    _ => Err(self.attr_error(obj, name)),
                }
            }
        }
    }

    fn super_getattr(&mut self, cls: &Rc<Class>, obj: &Value, name: &str) -> PyResult<Value> {
        let start_type = match obj {
            Value::Class(c) if c.is_subclass(cls) => c.clone(),
            other => self.type_of(other),
        };
        let class_level = matches!(obj, Value::Class(c) if Rc::ptr_eq(c, &start_type));
        let mro = start_type.mro();
        let pos = mro
            .iter()
            .position(|c| Rc::ptr_eq(c, cls))
            .map_or(mro.len(), |p| p + 1);
        for c in &mro[pos..] {
            let found = c.dict.borrow().get(name).cloned();
            if let Some(a) = found {
                return match &a {
                    Value::Function(_) if class_level => Ok(a),
                    _ => self.bind(a, obj, &start_type, name),
                };
            }
            if c.is_builtin {
                if let Some(v) = crate::types::class::builtin_attr(c, name, Some(obj)) {
                    return Ok(v);
                }
            }
        }
        Err(self.new_exc(
            "AttributeError",
            &format!("'super' object has no attribute '{}'", name),
        ))
    }

    /// `LOAD_METHOD`-style lookup: `(function, Some(self))` when the call
    /// can pass `self` itself, else `(attribute, None)`.
    pub fn load_method(&mut self, obj: &Value, name: &str) -> PyResult<(Value, Option<Value>)> {
        match obj {
            Value::Instance(i) => {
                if i.class.lookup("__getattribute__").is_none() {
                    if let Some(f @ Value::Function(_)) = i.class.lookup(name) {
                        if i.get(name).is_none() {
                            return Ok((f, Some(obj.clone())));
                        }
                    }
                }
            }
            Value::Class(_) | Value::Super(_) | Value::Function(_) | Value::Native(_) => {}
            other => {
                if crate::types::has_native_method(other, name) {
                    return Ok((unbound_native_method(name), Some(other.clone())));
                }
            }
        }
        Ok((self.getattr(obj, name)?, None))
    }

    /// `setattr(obj, name, v)`: a Python `__setattr__`, else the generic store.
    pub fn setattr(&mut self, obj: &Value, name: &str, v: Value) -> PyResult<()> {
        let hook = match obj {
            Value::Instance(i) => i.class.lookup("__setattr__"),
            Value::Class(c) => c.meta_lookup("__setattr__"),
            _ => None,
        };
        if let Some(sa) = hook {
            self.call(&sa, vec![obj.clone(), Value::str(name), v], Vec::new())?;
            return Ok(());
        }
        self.generic_setattr(obj, name, v)
    }

    /// `object.__setattr__`: data descriptors, slots, the instance dict.
    pub fn generic_setattr(&mut self, obj: &Value, name: &str, v: Value) -> PyResult<()> {
        match obj {
            Value::Instance(i) => {
                match i.class.lookup(name) {
                    Some(Value::Property(p)) => {
                        if p[1].is_none() {
                            return Err(self.property_error(obj, name, "setter"));
                        }
                        self.call(&p[1], vec![obj.clone(), v], Vec::new())?;
                        return Ok(());
                    }
                    Some(d @ Value::Instance(_)) => {
                        let set = match &d {
                            Value::Instance(di) => di.class.lookup("__set__"),
                            _ => None,
                        };
                        if let Some(set) = set {
                            self.call(&set, vec![d, obj.clone(), v], Vec::new())?;
                            return Ok(());
                        }
                    }
                    _ => {}
                }
                if let Some(d) = &i.exc {
                    match name {
                        "__cause__" => {
                            let mut d = d.borrow_mut();
                            d.cause = if v.is_none() { None } else { Some(v) };
                            d.suppress_context = true;
                            return Ok(());
                        }
                        "__context__" => {
                            d.borrow_mut().context = if v.is_none() { None } else { Some(v) };
                            return Ok(());
                        }
                        "args" => {
                            d.borrow_mut().args = self.collect(v)?;
                            return Ok(());
                        }
                        _ => {}
                    }
                }
                if let Some(slots) = i.class.slot_names() {
                    if !slots.iter().any(|s| s == name) {
                        let t = i.class.name.clone();
                        let msg = if self.version.at_least(3, 13) {
                            format!(
                                "'{}' object has no attribute '{}' and no __dict__ for setting new attributes",
                                t, name
                            )
                        } else {
                            format!("'{}' object has no attribute '{}'", t, name)
                        };
                        return Err(self.new_exc("AttributeError", &msg));
                    }
                }
                self.charge_memory(48)?;
                i.set(name, v);
                Ok(())
            }
            Value::Class(c) if !c.is_builtin => {
                c.set_attr(name, v);
                Ok(())
            }
            Value::Function(f) => {
                f.attrs.borrow_mut().insert(name.to_string(), v);
                Ok(())
            }
            Value::Frame(fo) if crate::types::frame::setattr(self, fo, name, v.clone())? => Ok(()),
            Value::Class(c) => {
                let msg = if self.version.at_least(3, 10) {
                    format!(
                        "cannot set '{}' attribute of immutable type '{}'",
                        name, c.name
                    )
                } else {
                    format!(
                        "can't set attributes of built-in/extension type '{}'",
                        c.name
                    )
                };
                Err(self.type_error(msg))
            }
            other => {
                let t = self.type_name(other);
                Err(self.new_exc(
                    "AttributeError",
                    &format!("'{}' object has no attribute '{}'", t, name),
                ))
            }
        }
    }

    /// `delattr(obj, name)`: a Python `__delattr__`, else the generic delete.
    pub fn delattr(&mut self, obj: &Value, name: &str) -> PyResult<()> {
        let hook = match obj {
            Value::Instance(i) => i.class.lookup("__delattr__"),
            Value::Class(c) => c.meta_lookup("__delattr__"),
            _ => None,
        };
        if let Some(da) = hook {
            self.call(&da, vec![obj.clone(), Value::str(name)], Vec::new())?;
            return Ok(());
        }
        self.generic_delattr(obj, name)
    }

    /// `object.__delattr__`: property deleters, `__delete__`, the instance dict.
    pub fn generic_delattr(&mut self, obj: &Value, name: &str) -> PyResult<()> {
        match obj {
            Value::Instance(i) => {
                match i.class.lookup(name) {
                    Some(Value::Property(p)) => {
                        if p[2].is_none() {
                            return Err(self.property_error(obj, name, "deleter"));
                        }
                        self.call(&p[2], vec![obj.clone()], Vec::new())?;
                        return Ok(());
                    }
                    Some(d @ Value::Instance(_)) => {
                        let del = match &d {
                            Value::Instance(di) => di.class.lookup("__delete__"),
                            _ => None,
                        };
                        if let Some(del) = del {
                            self.call(&del, vec![d, obj.clone()], Vec::new())?;
                            return Ok(());
                        }
                    }
                    _ => {}
                }
                if i.del(name) {
                    return Ok(());
                }
                if self.version.at_least(3, 11) {
                    Err(self.attr_error(obj, name))
                } else {
                    Err(self.new_exc("AttributeError", name))
                }
            }
            Value::Class(c) if !c.is_builtin && c.del_attr(name) => Ok(()),
            other => Err(self.attr_error(other, name)),
        }
    }

    // ---- calls ----

    pub fn call(
        &mut self,
        callable: &Value,
        mut args: Vec<Value>,
        kw: Vec<(String, Value)>,
    ) -> PyResult<Value> {
        match callable {
            Value::Function(f) => self.call_function(&f.clone(), args, kw),
            Value::BoundMethod(m) => {
                args.insert(0, m.self_.clone());
                let func = m.func.clone();
                self.call(&func, args, kw)
            }
            Value::Native(n) => (n.f)(self, Args { pos: args, kw }),
            Value::NativeMethod(m) => {
                let this = match &m.self_ {
                    Some(s) => s.clone(),
                    None => {
                        if args.is_empty() {
                            return Err(self.type_error(format!(
                                "unbound method {}() needs an argument",
                                m.name
                            )));
                        }
                        args.remove(0)
                    }
                };
                crate::builtins::call_method_of(self, &this, &m.name, Args { pos: args, kw })
            }
            Value::Class(c) => crate::builtins::construct(self, &c.clone(), args, kw),
            Value::Instance(i) if i.class.module == "functools" => {
                match crate::sandbox::call_partial(self, &i.clone(), args, kw) {
                    Some(r) => r,
                    None => Err(self.type_error("object is not callable".into())),
                }
            }
            // `list[int](...)` calls `list`
            Value::Instance(i) if i.class.module == "types" && i.class.name == "GenericAlias" => {
                let origin = i.get("__origin__").unwrap_or(Value::None);
                self.call(&origin, args, kw)
            }
            Value::Instance(_) => match self.call_dunder_kw(callable, "__call__", args, kw)? {
                Some(v) => Ok(v),
                None => {
                    let t = self.type_name(callable);
                    Err(self.type_error(format!("'{}' object is not callable", t)))
                }
            },
            other => {
                let t = self.type_name(other);
                Err(self.type_error(format!("'{}' object is not callable", t)))
            }
        }
    }

    fn call_dunder_kw(
        &mut self,
        obj: &Value,
        name: &str,
        args: Vec<Value>,
        kw: Vec<(String, Value)>,
    ) -> PyResult<Option<Value>> {
        let Value::Instance(i) = obj else {
            return Ok(None);
        };
        let Some(attr) = i.class.lookup(name) else {
            return Ok(None);
        };
        let cls = i.class.clone();
        let bound = self.bind(attr, obj, &cls, name)?;
        self.call(&bound, args, kw).map(Some)
    }

    // ---- subscripts ----

    pub fn getitem(&mut self, obj: &Value, key: &Value) -> PyResult<Value> {
        if let Some(b) = inherited_base(obj, &["__getitem__"]) {
            return match (&b, self.getitem(&b, key)) {
                // dict subclasses: a missing key goes to __missing__
                (Value::Dict(_), Err(e)) if self.exc_matches_name(&e, "KeyError") => {
                    match self.call_dunder(obj, "__missing__", vec![key.clone()])? {
                        Some(v) => Ok(v),
                        None => Err(e),
                    }
                }
                (_, r) => r,
            };
        }
        if let Value::Class(c) = obj {
            if let Some(r) = self.meta_dunder(obj, "__getitem__", vec![key.clone()])? {
                return Ok(r);
            }
            if let Some(Value::ClassMethod(f)) = c.lookup("__class_getitem__") {
                return self.call(&f, vec![obj.clone(), key.clone()], Vec::new());
            }
            if let Some(alias) = crate::types::class::generic_alias(self, c, key)? {
                return Ok(alias);
            }
        }
        let seq_index = |vm: &mut Vm, key: &Value, len: usize, what: &str| -> PyResult<usize> {
            // int subclasses index as their int value
            let key = &match base_of(key) {
                Some(b @ (Value::Int(_) | Value::BigInt(_) | Value::Bool(_))) => b,
                _ => key.clone(),
            };
            let i = match key {
                Value::Int(_) | Value::Bool(_) => vm.to_i64(key)?,
                Value::BigInt(_) => i64::MAX,
                other => {
                    let t = vm.type_name(other);
                    return Err(vm.type_error(format!(
                        "{} indices must be integers or slices, not {}",
                        what, t
                    )));
                }
            };
            let j = if i < 0 {
                i.saturating_add(len as i64)
            } else {
                i
            };
            if j < 0 || j >= len as i64 {
                let msg = format!(
                    "{} index out of range",
                    if what == "str" { "string" } else { what }
                );
                return Err(vm.new_exc("IndexError", &msg));
            }
            Ok(j as usize)
        };
        match (obj, key) {
            (Value::List(l), Value::Slice(s)) => {
                let items = l.borrow().clone();
                let (start, _, step, n) = slice_indices(self, s, items.len() as i64)?;
                Ok(Value::list(pick(&items, start, step, n)))
            }
            (Value::List(l), _) => {
                let len = l.borrow().len();
                let i = seq_index(self, key, len, "list")?;
                Ok(l.borrow()[i].clone())
            }
            (Value::Tuple(t), Value::Slice(s)) => {
                let (start, _, step, n) = slice_indices(self, s, t.len() as i64)?;
                Ok(Value::tuple(pick(t, start, step, n)))
            }
            (Value::Tuple(t), _) => {
                let i = seq_index(self, key, t.len(), "tuple")?;
                Ok(t[i].clone())
            }
            (Value::Str(st), Value::Slice(s)) => {
                let chars = st.chars();
                let (start, _, step, n) = slice_indices(self, s, chars.len() as i64)?;
                Ok(Value::string(
                    pick(&chars, start, step, n).into_iter().collect(),
                ))
            }
            (Value::Str(st), _) => {
                let i = seq_index(self, key, st.len, "str")?;
                Ok(Value::string(st.char_at(i).to_string()))
            }
            (Value::Bytes(b), Value::Slice(s)) => {
                let (start, _, step, n) = slice_indices(self, s, b.len() as i64)?;
                Ok(Value::Bytes(Rc::new(pick(b, start, step, n))))
            }
            (Value::Bytes(b), _) => {
                let i = seq_index(self, key, b.len(), "index")?;
                Ok(Value::Int(b[i] as i64))
            }
            (Value::ByteArray(b), _) => crate::types::bytearray::getitem(self, b, key),
            (Value::Range(r), Value::Slice(s)) => {
                let (start, stop, step, _) = slice_indices(self, s, r.len())?;
                Ok(Value::Range(Rc::new(crate::types::range::Range {
                    start: r.start + start * r.step,
                    stop: r.start + stop * r.step,
                    step: r.step * step,
                })))
            }
            (Value::Range(r), _) => {
                let i = seq_index(self, key, r.len().max(0) as usize, "range object")?;
                Ok(Value::Int(r.get(i as i64)))
            }
            (Value::Dict(d), _) => match self.dict_get(d, key)? {
                Some(v) => Ok(v),
                None => Err(self.key_error(key.clone())),
            },
            (Value::Instance(_), _) => {
                match self.call_dunder(obj, "__getitem__", vec![key.clone()])? {
                    Some(v) => Ok(v),
                    None => {
                        let t = self.type_name(obj);
                        Err(self.type_error(format!("'{}' object is not subscriptable", t)))
                    }
                }
            }
            _ => {
                let t = self.type_name(obj);
                Err(self.type_error(format!("'{}' object is not subscriptable", t)))
            }
        }
    }

    pub fn setitem(&mut self, obj: &Value, key: Value, v: Value) -> PyResult<()> {
        if let Some(b) = inherited_base(obj, &["__setitem__"]) {
            return self.setitem(&b, key, v);
        }
        match obj {
            Value::List(l) => {
                if let Value::Slice(s) = &key {
                    let items = self.collect(v)?;
                    let len = l.borrow().len() as i64;
                    let (start, stop, step, n) = slice_indices(self, s, len)?;
                    if step == 1 {
                        let stop = stop.max(start);
                        l.borrow_mut().splice(start as usize..stop as usize, items);
                        return Ok(());
                    }
                    if items.len() != n {
                        return Err(self.value_error(&format!(
                            "attempt to assign sequence of size {} to extended slice of size {}",
                            items.len(),
                            n
                        )));
                    }
                    let mut b = l.borrow_mut();
                    for (k, it) in items.into_iter().enumerate() {
                        b[(start + k as i64 * step) as usize] = it;
                    }
                    return Ok(());
                }
                let len = l.borrow().len() as i64;
                let i = self.to_index(&key).map_err(|_| {
                    let t = self.type_name(&key);
                    self.type_error(format!(
                        "list indices must be integers or slices, not {}",
                        t
                    ))
                })?;
                let j = if i < 0 { i + len } else { i };
                if j < 0 || j >= len {
                    return Err(self.new_exc("IndexError", "list assignment index out of range"));
                }
                l.borrow_mut()[j as usize] = v;
                Ok(())
            }
            Value::Dict(d) => self.dict_set(d, key, v),
            Value::ByteArray(b) => crate::types::bytearray::setitem(self, b, &key, v),
            Value::Instance(_) => match self.call_dunder(obj, "__setitem__", vec![key, v])? {
                Some(_) => Ok(()),
                None => {
                    let t = self.type_name(obj);
                    Err(self.type_error(format!("'{}' object does not support item assignment", t)))
                }
            },
            _ => {
                let t = self.type_name(obj);
                Err(self.type_error(format!("'{}' object does not support item assignment", t)))
            }
        }
    }

    pub fn delitem(&mut self, obj: &Value, key: &Value) -> PyResult<()> {
        if let Some(b) = inherited_base(obj, &["__delitem__"]) {
            return self.delitem(&b, key);
        }
        match obj {
            Value::List(l) => {
                if let Value::Slice(s) = key {
                    let len = l.borrow().len() as i64;
                    let (start, _, step, n) = slice_indices(self, s, len)?;
                    let mut idx: Vec<usize> =
                        (0..n).map(|k| (start + k as i64 * step) as usize).collect();
                    idx.sort_unstable();
                    let mut b = l.borrow_mut();
                    for i in idx.into_iter().rev() {
                        b.remove(i);
                    }
                    return Ok(());
                }
                let len = l.borrow().len() as i64;
                let i = self.to_index(key)?;
                let j = if i < 0 { i + len } else { i };
                if j < 0 || j >= len {
                    return Err(self.new_exc("IndexError", "list assignment index out of range"));
                }
                l.borrow_mut().remove(j as usize);
                Ok(())
            }
            Value::Dict(d) => match self.dict_del(d, key)? {
                Some(_) => Ok(()),
                None => Err(self.key_error(key.clone())),
            },
            Value::ByteArray(b) => crate::types::bytearray::delitem(self, b, key),
            Value::Instance(_) => match self.call_dunder(obj, "__delitem__", vec![key.clone()])? {
                Some(_) => Ok(()),
                None => {
                    let t = self.type_name(obj);
                    Err(self.type_error(format!("'{}' object doesn't support item deletion", t)))
                }
            },
            _ => {
                let t = self.type_name(obj);
                Err(self.type_error(format!("'{}' object doesn't support item deletion", t)))
            }
        }
    }

    // ---- operators ----

    pub fn unary_op(&mut self, op: UnaryOp, v: &Value) -> PyResult<Value> {
        let dunder = match op {
            UnaryOp::Neg => "__neg__",
            UnaryOp::Pos => "__pos__",
            UnaryOp::Invert => "__invert__",
            UnaryOp::Not => "__bool__",
        };
        if let Some(b) = inherited_base(v, &[dunder, "__len__"]) {
            return self.unary_op(op, &b);
        }
        if op == UnaryOp::Not {
            return Ok(Value::Bool(!self.truthy(v)?));
        }
        match (op, v) {
            (UnaryOp::Neg, Value::Int(i)) if *i != i64::MIN => return Ok(Value::Int(-i)),
            (UnaryOp::Neg, Value::Float(f)) => return Ok(Value::Float(-f)),
            (UnaryOp::Pos, Value::Float(f)) => return Ok(Value::Float(*f)),
            (UnaryOp::Neg, Value::Complex(c)) => {
                return Ok(crate::types::complex::value(-c[0], -c[1]))
            }
            (UnaryOp::Pos, Value::Complex(c)) => {
                return Ok(crate::types::complex::value(c[0], c[1]))
            }
            (_, Value::Int(_) | Value::Bool(_) | Value::BigInt(_)) => {
                let b = int::as_big(v).unwrap_or_default();
                return Ok(int::normalize(match op {
                    UnaryOp::Neg => -b,
                    UnaryOp::Invert => -b - 1,
                    _ => b,
                }));
            }
            _ => {}
        }
        let name = match op {
            UnaryOp::Neg => "__neg__",
            UnaryOp::Pos => "__pos__",
            _ => "__invert__",
        };
        if let Some(r) = self.call_dunder(v, name, vec![])? {
            return Ok(r);
        }
        let sym = match op {
            UnaryOp::Neg => "unary -",
            UnaryOp::Pos => "unary +",
            _ => "unary ~",
        };
        let t = self.type_name(v);
        Err(self.type_error(format!("bad operand type for {}: '{}'", sym, t)))
    }

    pub fn inplace_op(&mut self, op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
        if let Value::ByteArray(x) = a {
            if crate::types::bytearray::inplace(self, op, x, b)?.is_some() {
                return Ok(a.clone());
            }
        }
        if let Some(r) = crate::types::set::inplace(self, op, a, b)? {
            return Ok(r);
        }
        let (_, _, iname) = op.dunders();
        // list subclasses: `+=` extends the carried list in place
        if let (BinOp::Add, Some(Value::List(l))) = (op, inherited_base(a, &[iname])) {
            let items = self.collect(b.clone())?;
            l.borrow_mut().extend(items);
            return Ok(a.clone());
        }
        match (op, a) {
            (BinOp::Add, Value::List(l)) => {
                let items = self.collect(b.clone())?;
                l.borrow_mut().extend(items);
                return Ok(a.clone());
            }
            (_, Value::Instance(_)) => {
                let (_, _, iname) = op.dunders();
                if let Some(r) = self.call_dunder(a, iname, vec![b.clone()])? {
                    if !matches!(r, Value::NotImplemented) {
                        return Ok(r);
                    }
                }
            }
            _ => {}
        }
        self.binary_op(op, a, b)
    }

    pub fn binary_op(&mut self, op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
        let (fwd, rev, _) = op.dunders();
        let ba = inherited_base(a, &[fwd, rev]);
        let bb = inherited_base(b, &[fwd, rev]);
        if ba.is_some() || bb.is_some() {
            let a = ba.unwrap_or_else(|| a.clone());
            let b = bb.unwrap_or_else(|| b.clone());
            return self.binary_op(op, &a, &b);
        }
        if int::is_int(a) && int::is_int(b) {
            if op == BinOp::TrueDiv {
                return int::true_div(self, a, b);
            }
            if let Some(r) = int::binary(self, op, a, b)? {
                return Ok(r);
            }
        }
        let fa = match a {
            Value::Float(f) => Some(*f),
            _ => int::to_f64(a),
        };
        let fb = match b {
            Value::Float(f) => Some(*f),
            _ => int::to_f64(b),
        };
        if let (Some(x), Some(y)) = (fa, fb) {
            if matches!(a, Value::Float(_)) || matches!(b, Value::Float(_)) {
                return float::binary(self, op, x, y);
            }
        }
        match (op, a, b) {
            (BinOp::Add, Value::Str(x), Value::Str(y)) => {
                self.charge_memory(x.s.len() + y.s.len())?;
                let mut s = String::with_capacity(x.s.len() + y.s.len());
                s.push_str(&x.s);
                s.push_str(&y.s);
                return Ok(Value::string(s));
            }
            (BinOp::Add, Value::List(x), Value::List(y)) => {
                let mut v = x.borrow().clone();
                v.extend(y.borrow().iter().cloned());
                self.charge_memory(16 * v.len())?;
                return Ok(Value::list(v));
            }
            (BinOp::Add, Value::Tuple(x), Value::Tuple(y)) => {
                let mut v = (**x).clone();
                v.extend(y.iter().cloned());
                return Ok(Value::tuple(v));
            }
            (BinOp::Add, Value::Bytes(x), Value::Bytes(y)) => {
                let mut v = (**x).clone();
                v.extend(y.iter());
                return Ok(Value::Bytes(Rc::new(v)));
            }
            (BinOp::Mul, Value::Str(_) | Value::List(_) | Value::Tuple(_) | Value::Bytes(_), _)
                if int::is_int(b) =>
            {
                return self.repeat(a, b);
            }
            (BinOp::Mul, _, Value::Str(_) | Value::List(_) | Value::Tuple(_) | Value::Bytes(_))
                if int::is_int(a) =>
            {
                return self.repeat(b, a);
            }
            (BinOp::Mod, Value::Bytes(x), _) => {
                let r = crate::types::bytearray::percent(self, x, b)?;
                return Ok(Value::Bytes(Rc::new(r)));
            }
            (BinOp::Mod, Value::Str(s), _) => {
                let text = s.s.clone();
                return Ok(Value::string(crate::format::percent_format(
                    self, &text, b,
                )?));
            }
            (BinOp::Or, Value::Dict(x), Value::Dict(_)) if self.version.at_least(3, 9) => {
                let d = Rc::new(RefCell::new(x.borrow().clone()));
                self.dict_update(&d, b)?;
                return Ok(Value::Dict(d));
            }
            _ => {}
        }
        if let Some(r) = crate::types::set::binary(self, op, a, b)? {
            return Ok(r);
        }
        if matches!(a, Value::Complex(_)) || matches!(b, Value::Complex(_)) {
            if let Some(r) = crate::types::complex::binary(self, op, a, b)? {
                return Ok(r);
            }
        }
        if matches!(a, Value::ByteArray(_)) || matches!(b, Value::ByteArray(_)) {
            if let Some(r) = crate::types::bytearray::binary(self, op, a, b)? {
                return Ok(r);
            }
        }
        let (name, rname, _) = op.dunders();
        if let Value::Instance(_) = a {
            if let Some(r) = self.call_dunder(a, name, vec![b.clone()])? {
                if !matches!(r, Value::NotImplemented) {
                    return Ok(r);
                }
            }
        }
        if let Value::Instance(_) = b {
            if let Some(r) = self.call_dunder(b, rname, vec![a.clone()])? {
                if !matches!(r, Value::NotImplemented) {
                    return Ok(r);
                }
            }
        }
        let (ta, tb) = (self.type_name(a), self.type_name(b));
        if op == BinOp::Add && matches!(a, Value::Str(_) | Value::List(_) | Value::Tuple(_)) {
            return Err(self.type_error(format!(
                "can only concatenate {} (not \"{}\") to {}",
                ta, tb, ta
            )));
        }
        Err(self.type_error(format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op.symbol(),
            ta,
            tb
        )))
    }

    fn repeat(&mut self, seq: &Value, n: &Value) -> PyResult<Value> {
        let n = match n {
            Value::BigInt(_) => {
                return Err(self.new_exc(
                    "OverflowError",
                    "cannot fit 'int' into an index-sized integer",
                ))
            }
            other => self.to_i64(other)?.max(0) as usize,
        };
        let unit = match seq {
            Value::Str(s) => s.s.len(),
            Value::Bytes(b) => b.len(),
            Value::List(l) => 16 * l.borrow().len(),
            Value::Tuple(t) => 16 * t.len(),
            _ => 0,
        };
        self.charge_memory(unit.saturating_mul(n))?;
        Ok(match seq {
            Value::Str(s) => Value::string(s.s.repeat(n)),
            Value::Bytes(b) => Value::Bytes(Rc::new(b.repeat(n))),
            Value::List(l) => {
                let items = l.borrow().clone();
                let mut v = Vec::with_capacity(items.len() * n);
                for _ in 0..n {
                    v.extend(items.iter().cloned());
                }
                Value::list(v)
            }
            Value::Tuple(t) => {
                let mut v = Vec::with_capacity(t.len() * n);
                for _ in 0..n {
                    v.extend(t.iter().cloned());
                }
                Value::tuple(v)
            }
            other => other.clone(),
        })
    }

    pub fn eq(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        if let Some(r) = pure_eq(a, b) {
            return Ok(r);
        }
        match (a, b) {
            (Value::List(x), Value::List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                let (x, y) = (x.borrow().clone(), y.borrow().clone());
                self.seq_eq(&x, &y)
            }
            (Value::Tuple(x), Value::Tuple(y)) => {
                let (x, y) = ((**x).clone(), (**y).clone());
                self.seq_eq(&x, &y)
            }
            (Value::Dict(x), Value::Dict(y)) => {
                let (xi, yl) = (x.borrow().items(), y.borrow().len());
                if xi.len() != yl {
                    return Ok(false);
                }
                for (k, v) in xi {
                    match self.dict_get(y, &k)? {
                        Some(w) if self.eq(&v, &w)? => {}
                        _ => return Ok(false),
                    }
                }
                Ok(true)
            }
            (Value::Set(_) | Value::FrozenSet(_), Value::Set(_) | Value::FrozenSet(_)) => {
                let (xa, xb) = (crate::types::set::items(a), crate::types::set::items(b));
                if xa.len() != xb.len() {
                    return Ok(false);
                }
                for x in xa {
                    if !self.contains(b, &x)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            _ => {
                let r = self.compare(CmpOp::Eq, a, b)?;
                self.truthy(&r)
            }
        }
    }

    fn seq_eq(&mut self, x: &[Value], y: &[Value]) -> PyResult<bool> {
        if x.len() != y.len() {
            return Ok(false);
        }
        for (p, q) in x.iter().zip(y) {
            if !p.is(q) && !self.eq(p, q)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub fn compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> PyResult<Value> {
        {
            let (fwd, rev) = op.dunder();
            let ba = inherited_base(a, &[fwd, rev]);
            let bb = inherited_base(b, &[fwd, rev]);
            if ba.is_some() || bb.is_some() {
                let a = ba.unwrap_or_else(|| a.clone());
                let b = bb.unwrap_or_else(|| b.clone());
                return self.compare(op, &a, &b);
            }
        }
        let (name, rname) = op.dunder();
        let user = matches!(a, Value::Instance(_)) || matches!(b, Value::Instance(_));
        if user {
            if let Value::Instance(_) = a {
                if let Some(r) = self.call_dunder(a, name, vec![b.clone()])? {
                    if !matches!(r, Value::NotImplemented) {
                        return Ok(r);
                    }
                }
            }
            if let Value::Instance(_) = b {
                if let Some(r) = self.call_dunder(b, rname, vec![a.clone()])? {
                    if !matches!(r, Value::NotImplemented) {
                        return Ok(r);
                    }
                }
            }
            match op {
                CmpOp::Eq => return Ok(Value::Bool(a.is(b))),
                CmpOp::Ne => {
                    if let Value::Instance(_) = a {
                        if let Some(r) = self.call_dunder(a, "__eq__", vec![b.clone()])? {
                            if !matches!(r, Value::NotImplemented) {
                                return Ok(Value::Bool(!self.truthy(&r)?));
                            }
                        }
                    }
                    return Ok(Value::Bool(!a.is(b)));
                }
                _ => {}
            }
        } else {
            match op {
                CmpOp::Eq => return Ok(Value::Bool(self.eq(a, b)?)),
                CmpOp::Ne => return Ok(Value::Bool(!self.eq(a, b)?)),
                _ => {}
            }
            if let Some(ord) = self.order(a, b)? {
                use std::cmp::Ordering::*;
                let r = match op {
                    CmpOp::Lt => ord == Less,
                    CmpOp::Le => ord != Greater,
                    CmpOp::Gt => ord == Greater,
                    CmpOp::Ge => ord != Less,
                    _ => false,
                };
                return Ok(Value::Bool(r));
            }
            if let (Value::Float(x), _) | (_, Value::Float(x)) = (a, b) {
                if x.is_nan()
                    && (int::is_int(a)
                        || int::is_int(b)
                        || matches!((a, b), (Value::Float(_), Value::Float(_))))
                {
                    return Ok(Value::Bool(false));
                }
            }
            if matches!(a, Value::Set(_) | Value::FrozenSet(_))
                && matches!(b, Value::Set(_) | Value::FrozenSet(_))
            {
                let sub = |vm: &mut Vm, x: &Value, y: &Value| -> PyResult<bool> {
                    for it in crate::types::set::items(x) {
                        if !vm.contains(y, &it)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                };
                let (la, lb) = (self.len(a)?, self.len(b)?);
                let r = match op {
                    CmpOp::Le => sub(self, a, b)?,
                    CmpOp::Lt => la < lb && sub(self, a, b)?,
                    CmpOp::Ge => sub(self, b, a)?,
                    _ => lb < la && sub(self, b, a)?,
                };
                return Ok(Value::Bool(r));
            }
        }
        let (ta, tb) = (self.type_name(a), self.type_name(b));
        Err(self.type_error(format!(
            "'{}' not supported between instances of '{}' and '{}'",
            op.symbol(),
            ta,
            tb
        )))
    }

    /// Total order of builtin comparable values; `None` when not comparable.
    fn order(&mut self, a: &Value, b: &Value) -> PyResult<Option<std::cmp::Ordering>> {
        use std::cmp::Ordering;
        if int::is_int(a) && int::is_int(b) {
            if let (Some(x), Some(y)) = (int::small(a), int::small(b)) {
                return Ok(Some(x.cmp(&y)));
            }
            return Ok(Some(int::as_big(a).cmp(&int::as_big(b))));
        }
        let num = |v: &Value| match v {
            Value::Float(f) => Some(*f),
            _ => int::to_f64(v),
        };
        if let (Some(x), Some(y)) = (num(a), num(b)) {
            return Ok(x.partial_cmp(&y));
        }
        match (a, b) {
            (Value::Str(x), Value::Str(y)) => Ok(Some(x.s.cmp(&y.s))),
            (Value::Bytes(x), Value::Bytes(y)) => Ok(Some(x.cmp(y))),
            (Value::ByteArray(_), Value::Bytes(_) | Value::ByteArray(_))
            | (Value::Bytes(_), Value::ByteArray(_)) => Ok(Some(
                crate::types::bytearray::bytes_like(a).cmp(&crate::types::bytearray::bytes_like(b)),
            )),
            (Value::List(_), Value::List(_)) | (Value::Tuple(_), Value::Tuple(_)) => {
                let (x, y) = match (a, b) {
                    (Value::List(x), Value::List(y)) => (x.borrow().clone(), y.borrow().clone()),
                    (Value::Tuple(x), Value::Tuple(y)) => ((**x).clone(), (**y).clone()),
                    _ => unreachable_pair(),
                };
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.eq(p, q)? {
                        let lt = self.compare(CmpOp::Lt, p, q)?;
                        return Ok(Some(if self.truthy(&lt)? {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }));
                    }
                }
                Ok(Some(x.len().cmp(&y.len())))
            }
            _ => Ok(None),
        }
    }

    pub fn lt(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        let r = self.compare(CmpOp::Lt, a, b)?;
        self.truthy(&r)
    }

    pub fn hash(&mut self, v: &Value) -> PyResult<i64> {
        if let Some(b) = inherited_base(v, &["__hash__", "__eq__"]) {
            if let (Value::List(_) | Value::Dict(_) | Value::Set(_), Value::Instance(i)) = (&b, v) {
                return Err(self.type_error(format!("unhashable type: '{}'", i.class.name)));
            }
            return self.hash(&b);
        }
        if let Some(h) = pure_hash(v) {
            return Ok(h);
        }
        match v {
            Value::Instance(i) => {
                // `__hash__ = None` marks the class unhashable
                if let Some(Value::None) = i.class.lookup("__hash__") {
                    return Err(self.type_error(format!("unhashable type: '{}'", i.class.name)));
                }
                if let Some(r) = self.call_dunder(v, "__hash__", vec![])? {
                    return match r {
                        Value::None => {
                            Err(self.type_error(format!("unhashable type: '{}'", i.class.name)))
                        }
                        // a result that fits Py_ssize_t is used as is
                        Value::Int(h) => Ok(if h == -1 { -2 } else { h }),
                        other => Ok(int::hash(&int::normalize(
                            int::as_big(&other).unwrap_or_default(),
                        ))),
                    };
                }
                if i.class.has_user("__eq__") {
                    return Err(self.type_error(format!("unhashable type: '{}'", i.class.name)));
                }
                Ok(v.identity() as i64 >> 4)
            }
            Value::Tuple(t) => {
                let mut hs = Vec::with_capacity(t.len());
                for it in t.iter() {
                    hs.push(self.hash(it)?);
                }
                Ok(tuple_hash(hs.into_iter()))
            }
            Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::ByteArray(_) => {
                let t = self.type_name(v);
                Err(self.type_error(format!("unhashable type: '{}'", t)))
            }
            other => Ok(other.identity() as i64 >> 4),
        }
    }

    // ---- containers ----

    pub fn contains(&mut self, container: &Value, item: &Value) -> PyResult<bool> {
        if let (Value::Str(_) | Value::Bytes(_), Some(b)) = (container, base_of(item)) {
            return self.contains(container, &b);
        }
        if let Some(b) = inherited_base(container, &["__contains__", "__iter__"]) {
            return self.contains(&b, item);
        }
        if let Some(r) = self.meta_dunder(container, "__contains__", vec![item.clone()])? {
            return self.truthy(&r);
        }
        match container {
            Value::Str(s) => match item {
                Value::Str(sub) => Ok(s.s.contains(sub.s.as_str())),
                other => {
                    let t = self.type_name(other);
                    Err(self.type_error(format!(
                        "'in <string>' requires string as left operand, not {}",
                        t
                    )))
                }
            },
            Value::Bytes(b) => match item {
                Value::Bytes(sub) => {
                    Ok(sub.is_empty() || b.windows(sub.len()).any(|w| w == &sub[..]))
                }
                Value::Int(i) => Ok(b.contains(&(*i as u8))),
                Value::ByteArray(_) => crate::types::bytearray::contains(self, b, item),
                _ => Err(self.type_error("a bytes-like object is required".into())),
            },
            Value::ByteArray(b) => {
                let data = b.borrow().clone();
                crate::types::bytearray::contains(self, &data, item)
            }
            Value::List(l) => {
                let items = l.borrow().clone();
                for it in &items {
                    if it.is(item) || self.eq(it, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Tuple(t) => {
                for it in t.iter() {
                    if it.is(item) || self.eq(it, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Dict(d) | Value::Set(d) => Ok(self.dict_get(d, item)?.is_some()),
            Value::FrozenSet(d) => {
                let d = Rc::new(RefCell::new((**d).clone()));
                Ok(self.dict_get(&d, item)?.is_some())
            }
            Value::Range(r) => Ok(match int::small(item) {
                Some(i) => {
                    let n = r.len();
                    n > 0 && (i - r.start) % r.step == 0 && {
                        let k = (i - r.start) / r.step;
                        k >= 0 && k < n
                    }
                }
                None => false,
            }),
            Value::Instance(_) => {
                if let Some(r) = self.call_dunder(container, "__contains__", vec![item.clone()])? {
                    return self.truthy(&r);
                }
                let it = self.iter(container)?;
                while let Some(v) = self.next(&it)? {
                    if v.is(item) || self.eq(&v, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            other => {
                let it = self.iter(other)?;
                while let Some(v) = self.next(&it)? {
                    if v.is(item) || self.eq(&v, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    pub fn iter(&mut self, v: &Value) -> PyResult<Value> {
        if let Some(b) = inherited_base(v, &["__iter__"]) {
            return self.iter(&b);
        }
        if let Some(r) = self.meta_dunder(v, "__iter__", Vec::new())? {
            return Ok(r);
        }
        Ok(match v {
            Value::List(l) => iter::new(IterState::List {
                list: l.clone(),
                pos: 0,
            }),
            Value::Tuple(t) => iter::new(IterState::Seq {
                items: t.clone(),
                pos: 0,
            }),
            Value::Str(s) => iter::new(IterState::Str {
                s: s.clone(),
                byte: 0,
            }),
            Value::Bytes(b) => iter::new(IterState::Seq {
                items: Rc::new(b.iter().map(|c| Value::Int(*c as i64)).collect()),
                pos: 0,
            }),
            Value::ByteArray(b) => iter::new(IterState::Seq {
                items: Rc::new(b.borrow().iter().map(|c| Value::Int(*c as i64)).collect()),
                pos: 0,
            }),
            Value::Range(r) => iter::new(IterState::Range {
                next: r.start,
                step: r.step,
                left: r.len(),
            }),
            Value::Dict(d) => iter::new(IterState::DictKeys {
                dict: d.clone(),
                pos: 0,
            }),
            // sets iterate in CPython's table order
            Value::Set(d) => iter::new(IterState::Seq {
                items: Rc::new(crate::types::set::table_order(&d.borrow())),
                pos: 0,
            }),
            Value::FrozenSet(d) => iter::new(IterState::Seq {
                items: Rc::new(crate::types::set::table_order(d)),
                pos: 0,
            }),
            Value::Iter(_) | Value::Generator(_) => v.clone(),
            Value::Instance(i) => {
                if let Some(r) = self.call_dunder(v, "__iter__", vec![])? {
                    return Ok(r);
                }
                if i.class.lookup("__getitem__").is_some() {
                    return Ok(iter::new(IterState::GetItem {
                        obj: v.clone(),
                        pos: 0,
                    }));
                }
                let t = self.type_name(v);
                return Err(self.type_error(format!("'{}' object is not iterable", t)));
            }
            other => {
                let t = self.type_name(other);
                return Err(self.type_error(format!("'{}' object is not iterable", t)));
            }
        })
    }

    /// One step of any iterator; `None` when exhausted.
    pub fn next(&mut self, it: &Value) -> PyResult<Option<Value>> {
        match it {
            Value::Iter(st) => iter::next(self, st),
            Value::Generator(g) => {
                if g.borrow().finished {
                    return Ok(None);
                }
                match self.gen_resume(g, crate::interp::Resume::Value(Value::None))? {
                    crate::interp::GenStep::Yield(v) => Ok(Some(v)),
                    crate::interp::GenStep::Return(_) => Ok(None),
                }
            }
            Value::Instance(_) => match self.call_dunder(it, "__next__", vec![]) {
                Ok(Some(v)) => Ok(Some(v)),
                Ok(None) => {
                    let t = self.type_name(it);
                    Err(self.type_error(format!("'{}' object is not an iterator", t)))
                }
                Err(e) if self.exc_matches_name(&e, "StopIteration") => Ok(None),
                Err(e) => Err(e),
            },
            other => {
                let t = self.type_name(other);
                Err(self.type_error(format!("'{}' object is not an iterator", t)))
            }
        }
    }

    /// `next(it)`: raises StopIteration when exhausted (with a generator's return value).
    pub fn next_raw(&mut self, it: &Value) -> PyResult<Value> {
        if let Value::Generator(g) = it {
            return self.gen_send_or_stop(g, Value::None);
        }
        match self.next(it)? {
            Some(v) => Ok(v),
            None => Err(self.stop_iteration(Value::None)),
        }
    }

    /// All items of an iterable.
    /// `collect` as `list()`/`tuple()`/`sorted()` do it: CPython asks a
    /// Python `__len__` for a size hint after getting the iterator (calls
    /// the trace shows); `list()` up to 3.9 asks once more before.
    pub fn collect_sized(&mut self, v: Value, list_ctor: bool) -> PyResult<Vec<Value>> {
        let user_len = match &v {
            Value::Instance(i) => i.class.lookup("__len__").is_some(),
            Value::Class(c) => c.meta_lookup("__len__").is_some(),
            _ => false,
        };
        if !user_len {
            return self.collect(v);
        }
        if list_ctor && !self.version.at_least(3, 10) {
            self.len(&v)?;
        }
        let it = self.iter(&v)?;
        self.len(&v)?;
        self.collect(it)
    }

    pub fn collect(&mut self, v: Value) -> PyResult<Vec<Value>> {
        match &v {
            Value::List(l) => return Ok(l.borrow().clone()),
            Value::Tuple(t) => return Ok((**t).clone()),
            _ => {}
        }
        let it = self.iter(&v)?;
        let mut out = Vec::new();
        while let Some(x) = self.next(&it)? {
            if out.len() % 1024 == 1023 {
                self.charge_memory(16 * 1024)?;
            }
            out.push(x);
        }
        Ok(out)
    }

    /// Stable sort by `<` (CPython's list.sort contract), optional key and reverse.
    pub fn sort_values(
        &mut self,
        items: Vec<Value>,
        key: Option<Value>,
        reverse: bool,
    ) -> PyResult<Vec<Value>> {
        let key = key.filter(|k| !k.is_none());
        let mut pairs: Vec<(Value, Value)> = Vec::with_capacity(items.len());
        for it in items {
            let k = match &key {
                Some(f) => self.call(f, vec![it.clone()], Vec::new())?,
                None => it.clone(),
            };
            pairs.push((k, it));
        }
        if reverse {
            pairs.reverse();
        }
        let keys: Vec<Value> = pairs.iter().map(|p| p.0.clone()).collect();
        let order = crate::types::list_sort::sort_order(self, &keys)?;
        let mut out: Vec<Value> = order.into_iter().map(|i| pairs[i].1.clone()).collect();
        if reverse {
            out.reverse();
        }
        Ok(out)
    }

    // ---- dict access (hash and equality may run user code) ----

    fn dict_find(&mut self, d: &Rc<RefCell<Dict>>, key: &Value) -> PyResult<(i64, Option<usize>)> {
        let h = self.hash(key)?;
        // builtin keys compare without program code: probe in place
        let mut needs_vm = false;
        let found = d.borrow().probe(h, |i, k| {
            if k.is(key) {
                return Some(i);
            }
            match pure_eq(k, key) {
                Some(true) => Some(i),
                Some(false) => None,
                None => {
                    needs_vm = true;
                    Some(usize::MAX)
                }
            }
        });
        if !needs_vm {
            return Ok((h, found));
        }
        let cands = d.borrow().candidates(h);
        for (i, k) in cands {
            if k.is(key) || self.eq(&k, key)? {
                return Ok((h, Some(i)));
            }
        }
        Ok((h, None))
    }

    pub fn dict_get(&mut self, d: &Rc<RefCell<Dict>>, key: &Value) -> PyResult<Option<Value>> {
        if let Value::Str(s) = key {
            let h = s.hash();
            let found = d.borrow().get_str(&s.s, h);
            // a str-subclass key with the same hash needs the slow path
            let other_keys = found.is_none()
                && d.borrow()
                    .candidates(h)
                    .iter()
                    .any(|(_, k)| !matches!(k, Value::Str(_)));
            if !other_keys {
                return Ok(found);
            }
        }
        let (_, i) = self.dict_find(d, key)?;
        Ok(i.and_then(|i| d.borrow().value_at(i)))
    }

    pub fn dict_set(&mut self, d: &Rc<RefCell<Dict>>, key: Value, v: Value) -> PyResult<()> {
        let (h, i) = self.dict_find(d, &key)?;
        let mut b = d.try_borrow_mut().map_err(|_| {
            Flow::Fatal(crate::VmError::BadCode("dict mutated during lookup".into()))
        })?;
        match i {
            Some(i) => b.set_at(i, v),
            None => {
                drop(b);
                self.charge_memory(64 + key.approx_size())?;
                d.borrow_mut().push(key, v, h);
            }
        }
        Ok(())
    }

    pub fn dict_del(&mut self, d: &Rc<RefCell<Dict>>, key: &Value) -> PyResult<Option<Value>> {
        let (_, i) = self.dict_find(d, key)?;
        Ok(match i {
            Some(i) => d.borrow_mut().remove_at(i).map(|e| e.1),
            None => None,
        })
    }

    pub fn dict_update(&mut self, d: &Rc<RefCell<Dict>>, src: &Value) -> PyResult<()> {
        if let Some(b) = inherited_base(src, &["keys"]) {
            return self.dict_update(d, &b);
        }
        if let Value::Instance(i) = src {
            if i.class.lookup("keys").is_some() {
                let keys = self
                    .call_dunder(src, "keys", Vec::new())?
                    .unwrap_or(Value::None);
                for k in self.collect(keys)? {
                    let v = self.getitem(src, &k)?;
                    self.dict_set(d, k, v)?;
                }
                return Ok(());
            }
        }
        match src {
            Value::Dict(s) => {
                let items = s.borrow().items();
                for (k, v) in items {
                    self.dict_set(d, k, v)?;
                }
            }
            other => {
                for pair in self.collect(other.clone())? {
                    let kv = self.collect(pair)?;
                    if kv.len() != 2 {
                        return Err(self.value_error(&format!(
                            "dictionary update sequence element #0 has length {}; 2 is required",
                            kv.len()
                        )));
                    }
                    self.dict_set(d, kv[0].clone(), kv[1].clone())?;
                }
            }
        }
        Ok(())
    }

    pub fn set_add(&mut self, s: &Rc<RefCell<Dict>>, v: Value) -> PyResult<()> {
        let (h, i) = self.dict_find(s, &v)?;
        if i.is_none() {
            self.charge_memory(48)?;
            s.borrow_mut().push(v, Value::None, h);
        }
        Ok(())
    }
}

/// The builtin value an instance of a builtin-type subclass carries, when
/// its class defines none of `dunders` in Python (so the builtin
/// behaviour applies).
fn inherited_base(v: &Value, dunders: &[&str]) -> Option<Value> {
    let Value::Instance(i) = v else { return None };
    let b = i.base.clone()?;
    if dunders.iter().any(|d| i.class.lookup(d).is_some()) {
        return None;
    }
    Some(b)
}

fn unreachable_pair() -> (Vec<Value>, Vec<Value>) {
    (Vec::new(), Vec::new())
}

thread_local! {
    /// Unbound methods of builtin types by name (immutable, so shared by
    /// every `obj.method(...)` call; the names are the builtin types' own).
    static UNBOUND_METHODS: RefCell<std::collections::HashMap<String, Value>> =
        RefCell::new(std::collections::HashMap::new());
}

/// The unbound native method `name` that `LOAD_METHOD` leaves beside a
/// builtin value.
fn unbound_native_method(name: &str) -> Value {
    let cached = UNBOUND_METHODS.with(|m| m.borrow().get(name).cloned());
    if let Some(v) = cached {
        return v;
    }
    let v = Value::NativeMethod(Rc::new(NativeMethod {
        self_: None,
        type_name: "object",
        name: name.to_string(),
    }));
    UNBOUND_METHODS.with(|m| m.borrow_mut().insert(name.to_string(), v.clone()));
    v
}

/// A new exception instance of `cls` with `args`.
pub fn new_exception(cls: Rc<Class>, args: Vec<Value>) -> Value {
    Value::Instance(Rc::new(Instance {
        class: cls,
        dict: RefCell::new(Default::default()),
        order: RefCell::new(Vec::new()),
        exc: Some(RefCell::new(ExcData::new(args))),
        base: None,
        live: RefCell::new(None),
    }))
}
