//! VM-native standard-library modules beyond the sandbox's host-facing
//! ones: the byte codecs (`base64`, `binascii`, `zlib`, `marshal`,
//! `struct`, `hashlib`), `string`, `operator`, `itertools`,
//! `collections`, `random`, `time` (virtual clock), `math`, `types` and a
//! single-threaded `threading`. Each module is built on first import,
//! from Rust.

pub mod codecs;
pub mod collections;
pub mod compress;
pub mod digest;
pub mod functional;
pub mod math;
pub mod random;
pub mod threading;
pub mod time;
pub mod types_mod;

use std::rc::Rc;

use crate::interp::{Flow, PyResult, Vm};
use crate::protocol::new_exception;
use crate::types::class::{Class, Instance, Kind};
use crate::value::Value;

/// Builds the native module `name`, if this file family provides it.
pub fn make(vm: &mut Vm, name: &str) -> PyResult<Option<Rc<Instance>>> {
    Ok(Some(match name {
        "base64" => codecs::make_base64(vm),
        "binascii" => codecs::make_binascii(vm),
        "zlib" => codecs::make_zlib(vm),
        "lzma" => compress::make_lzma(vm),
        "bz2" => compress::make_bz2(vm),
        "marshal" => codecs::make_marshal(vm),
        "struct" => codecs::make_struct(vm),
        "hashlib" => digest::make_hashlib(vm),
        "string" => functional::make_string(vm),
        "operator" => functional::make_operator(vm),
        "itertools" => functional::make_itertools(vm),
        "collections" => collections::make_collections(vm),
        "threading" => threading::make_threading(vm),
        "random" => random::make_random(vm)?,
        "time" => time::make_time(vm),
        "math" => math::make_math(vm),
        "types" => types_mod::make_types(vm),
        _ => return Ok(None),
    }))
}

/// An exception class `module.name` deriving from the builtin `base`
/// (one per run).
pub fn exc_class(vm: &mut Vm, key: &'static str, base: &str) -> Rc<Class> {
    if let Some(c) = vm.sandbox.classes.get(key) {
        return c.clone();
    }
    let (module, name) = key.split_once('.').unwrap_or(("builtins", key));
    let bases = vec![vm.class(base)];
    let c = Class::new_native(
        name,
        module,
        bases,
        Kind::Exception,
        false,
        Default::default(),
    );
    vm.sandbox.classes.insert(key, c.clone());
    c
}

/// Raises `module.name(msg)`.
pub fn raise(vm: &mut Vm, key: &'static str, base: &str, msg: &str) -> Flow {
    let cls = exc_class(vm, key, base);
    Flow::Exc(new_exception(cls, vec![Value::str(msg)]))
}

/// The bytes of a bytes-like argument (or an ASCII str, where CPython
/// accepts one).
pub fn bytes_arg(vm: &mut Vm, v: &Value, allow_str: bool) -> PyResult<Vec<u8>> {
    match v {
        Value::Bytes(b) => Ok(b.to_vec()),
        Value::ByteArray(b) => Ok(b.borrow().clone()),
        Value::Str(s) if allow_str => {
            if s.s.is_ascii() {
                Ok(s.s.as_bytes().to_vec())
            } else {
                Err(vm.value_error("string argument should contain only ASCII characters"))
            }
        }
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!("a bytes-like object is required, not '{}'", t)))
        }
    }
}

pub fn bytes_val(b: Vec<u8>) -> Value {
    Value::Bytes(Rc::new(b))
}
