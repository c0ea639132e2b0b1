//! `bytes` (immutable byte strings).

use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::value::Value;

pub const METHODS: &[&str] = &["decode", "hex"];

pub fn repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from("b");
    out.push(quote);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c as char == quote => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => out.push_str(&format!("\\x{:02x}", c)),
        }
    }
    out.push(quote);
    out
}

pub fn call_method(vm: &mut Vm, b: &Rc<Vec<u8>>, name: &str, args: Args) -> PyResult<Value> {
    if let Some(v) =
        crate::types::bytearray::common_method(vm, b, name, args, |v| Value::Bytes(Rc::new(v)))?
    {
        return Ok(v);
    }
    match name {
        "decode" => match std::str::from_utf8(b) {
            Ok(s) => Ok(Value::str(s)),
            Err(_) => Err(vm.new_exc("UnicodeDecodeError", "invalid utf-8")),
        },
        "hex" => Ok(Value::string(
            b.iter().map(|c| format!("{:02x}", c)).collect(),
        )),
        _ => Err(vm.attr_error(&Value::Bytes(b.clone()), name)),
    }
}
