//! `tuple` methods.

use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::value::Value;

pub const METHODS: &[&str] = &["index", "count"];

pub fn call_method(vm: &mut Vm, t: &Rc<Vec<Value>>, name: &str, args: Args) -> PyResult<Value> {
    let x = args.pos.first().cloned().unwrap_or(Value::None);
    let mut count = 0;
    for (i, it) in t.iter().enumerate() {
        if vm.eq(it, &x)? {
            if name == "index" {
                return Ok(Value::Int(i as i64));
            }
            count += 1;
        }
    }
    match name {
        "count" => Ok(Value::Int(count)),
        "index" => Err(vm.value_error("tuple.index(x): x not in tuple")),
        _ => Err(vm.attr_error(&Value::Tuple(t.clone()), name)),
    }
}
