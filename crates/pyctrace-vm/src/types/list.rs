//! `list` methods.

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::value::Value;

pub const METHODS: &[&str] = &[
    "append", "extend", "insert", "pop", "remove", "index", "count", "sort", "reverse", "copy",
    "clear",
];

pub fn call_method(
    vm: &mut Vm,
    this: &Value,
    l: &Rc<RefCell<Vec<Value>>>,
    name: &str,
    args: Args,
) -> PyResult<Value> {
    let a = &args.pos;
    match name {
        "append" => {
            let v = a.first().cloned().unwrap_or(Value::None);
            vm.charge_memory(16)?;
            l.borrow_mut().push(v);
            Ok(Value::None)
        }
        "extend" => {
            let items = vm.collect(a.first().cloned().unwrap_or(Value::None))?;
            vm.charge_memory(16 * items.len())?;
            l.borrow_mut().extend(items);
            Ok(Value::None)
        }
        "insert" => {
            let i = vm.to_i64(a.first().unwrap_or(&Value::None))?;
            let v = a.get(1).cloned().unwrap_or(Value::None);
            let mut b = l.borrow_mut();
            let n = b.len() as i64;
            let i = if i < 0 { (i + n).max(0) } else { i.min(n) };
            b.insert(i as usize, v);
            Ok(Value::None)
        }
        "pop" => {
            let n = l.borrow().len() as i64;
            if n == 0 {
                return Err(vm.new_exc("IndexError", "pop from empty list"));
            }
            let i = match a.first() {
                Some(v) => vm.to_i64(v)?,
                None => -1,
            };
            let j = if i < 0 { i + n } else { i };
            if j < 0 || j >= n {
                return Err(vm.new_exc("IndexError", "pop index out of range"));
            }
            Ok(l.borrow_mut().remove(j as usize))
        }
        "remove" | "index" | "count" => {
            let x = a.first().cloned().unwrap_or(Value::None);
            let items = l.borrow().clone();
            let mut count = 0;
            for (i, it) in items.iter().enumerate() {
                if vm.eq(it, &x)? {
                    match name {
                        "remove" => {
                            l.borrow_mut().remove(i);
                            return Ok(Value::None);
                        }
                        "index" => return Ok(Value::Int(i as i64)),
                        _ => count += 1,
                    }
                }
            }
            match name {
                "count" => Ok(Value::Int(count)),
                "remove" => Err(vm.value_error("list.remove(x): x not in list")),
                _ => {
                    let r = vm.repr(&x)?;
                    Err(vm.value_error(&format!("{} is not in list", r)))
                }
            }
        }
        "sort" => {
            let items = l.borrow().clone();
            let key = args.kw_get("key").cloned();
            let reverse = match args.kw_get("reverse") {
                Some(v) => vm.truthy(v)?,
                None => false,
            };
            let sorted = vm.sort_values(items, key, reverse)?;
            *l.borrow_mut() = sorted;
            Ok(Value::None)
        }
        "reverse" => {
            l.borrow_mut().reverse();
            Ok(Value::None)
        }
        "copy" => Ok(Value::list(l.borrow().clone())),
        "clear" => {
            l.borrow_mut().clear();
            Ok(Value::None)
        }
        _ => Err(vm.attr_error(this, name)),
    }
}
