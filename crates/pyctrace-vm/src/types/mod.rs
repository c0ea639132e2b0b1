//! Builtin types: one module per type (values, their methods, their
//! operators). Methods of builtin values are dispatched by
//! [`call_native_method`] from `(type, name)`.

pub mod bytearray;
pub mod bytes;
pub mod class;
pub mod complex;
pub mod dict;
pub mod exceptions;
pub mod float;
pub mod frame;
pub mod function;
pub mod generator;
pub mod int;
pub mod iter;
pub mod list;
pub mod list_sort;
pub mod range;
pub mod set;
pub mod str;
pub mod tuple;

use crate::interp::{Args, PyResult, Vm};
use crate::value::Value;

/// Whether a builtin value has a native method `name` (for attribute lookup).
pub fn has_native_method(v: &Value, name: &str) -> bool {
    match v {
        Value::Str(_) => str::METHODS.contains(&name),
        Value::List(_) => list::METHODS.contains(&name),
        Value::Dict(_) => dict::METHODS.contains(&name),
        Value::Set(_) | Value::FrozenSet(_) => set::METHODS.contains(&name),
        Value::Tuple(_) => tuple::METHODS.contains(&name),
        Value::Bytes(_) => bytes::METHODS.contains(&name) || bytearray::COMMON.contains(&name),
        Value::ByteArray(_) => {
            bytearray::METHODS.contains(&name) || bytearray::COMMON.contains(&name)
        }
        Value::Complex(_) => complex::METHODS.contains(&name),
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => int::METHODS.contains(&name),
        Value::Float(_) => float::METHODS.contains(&name),
        Value::Generator(_) => generator::METHODS.contains(&name),
        _ => false,
    }
}

/// Calls the native method `name` of a builtin value.
pub fn call_native_method(vm: &mut Vm, this: &Value, name: &str, args: Args) -> PyResult<Value> {
    match this {
        Value::Str(s) => str::call_method(vm, s, name, args),
        Value::List(l) => list::call_method(vm, this, l, name, args),
        Value::Dict(d) => dict::call_method(vm, d, name, args),
        Value::Set(_) | Value::FrozenSet(_) => set::call_method(vm, this, name, args),
        Value::Tuple(t) => tuple::call_method(vm, t, name, args),
        Value::Bytes(b) => bytes::call_method(vm, b, name, args),
        Value::ByteArray(b) => bytearray::call_method(vm, b, name, args),
        Value::Complex(c) => complex::call_method(vm, c, name, args),
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => int::call_method(vm, this, name, args),
        Value::Float(f) => float::call_method(vm, *f, name, args),
        Value::Generator(g) => generator::call_method(vm, g, name, args),
        _ => Err(vm.attr_error(this, name)),
    }
}
