//! `set` and `frozenset`, held as [`Dict`]s with unused values.
//!
//! Iteration order is insertion order for now; CPython's table order (for
//! ints and PYTHONHASHSEED=0 strings) is a later step.

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::types::dict::Dict;
use crate::value::Value;

pub const METHODS: &[&str] = &[
    "add",
    "discard",
    "remove",
    "pop",
    "union",
    "intersection",
    "difference",
    "symmetric_difference",
    "issubset",
    "issuperset",
    "copy",
    "clear",
    "update",
    "isdisjoint",
];

pub fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::Set(d) => d.borrow().keys(),
        Value::FrozenSet(d) => d.keys(),
        _ => Vec::new(),
    }
}

pub fn new_set(vm: &mut Vm, items: Vec<Value>) -> PyResult<Rc<RefCell<Dict>>> {
    let d = Rc::new(RefCell::new(Dict::new()));
    for it in items {
        vm.set_add(&d, it)?;
    }
    Ok(d)
}

/// `a <op> b` for sets: `|`, `&`, `-`, `^`. The result has `a`'s type.
pub fn binary(
    vm: &mut Vm,
    op: crate::lift::BinOp,
    a: &Value,
    b: &Value,
) -> PyResult<Option<Value>> {
    use crate::lift::BinOp::*;
    let is_set = |v: &Value| matches!(v, Value::Set(_) | Value::FrozenSet(_));
    if !is_set(a) || !is_set(b) || !matches!(op, Or | And | Sub | Xor) {
        return Ok(None);
    }
    let (xa, xb) = (items(a), items(b));
    let mut out = Vec::new();
    match op {
        Or => {
            out.extend(xa);
            out.extend(xb);
        }
        And => {
            for x in xa {
                if vm.contains(b, &x)? {
                    out.push(x);
                }
            }
        }
        Sub => {
            for x in xa {
                if !vm.contains(b, &x)? {
                    out.push(x);
                }
            }
        }
        _ => {
            for x in xa.iter() {
                if !vm.contains(b, x)? {
                    out.push(x.clone());
                }
            }
            for x in xb {
                if !vm.contains(a, &x)? {
                    out.push(x);
                }
            }
        }
    }
    let d = new_set(vm, out)?;
    Ok(Some(match a {
        Value::FrozenSet(_) => Value::FrozenSet(Rc::new(d.borrow().clone())),
        _ => Value::Set(d),
    }))
}

pub fn call_method(vm: &mut Vm, this: &Value, name: &str, args: Args) -> PyResult<Value> {
    let arg = args.pos.first().cloned().unwrap_or(Value::None);
    let mutable = match this {
        Value::Set(d) => Some(d.clone()),
        _ => None,
    };
    let as_set = |vm: &mut Vm, v: &Value| -> PyResult<Value> {
        match v {
            Value::Set(_) | Value::FrozenSet(_) => Ok(v.clone()),
            other => {
                let items = vm.collect(other.clone())?;
                Ok(Value::Set(new_set(vm, items)?))
            }
        }
    };
    use crate::lift::BinOp;
    let binop = match name {
        "union" => Some(BinOp::Or),
        "intersection" => Some(BinOp::And),
        "difference" => Some(BinOp::Sub),
        "symmetric_difference" => Some(BinOp::Xor),
        _ => None,
    };
    if let Some(op) = binop {
        let other = as_set(vm, &arg)?;
        return Ok(binary(vm, op, this, &other)?.unwrap_or(Value::None));
    }
    match (name, mutable) {
        ("add", Some(d)) => {
            vm.set_add(&d, arg)?;
            Ok(Value::None)
        }
        ("discard", Some(d)) => {
            vm.dict_del(&d, &arg)?;
            Ok(Value::None)
        }
        ("remove", Some(d)) => match vm.dict_del(&d, &arg)? {
            Some(_) => Ok(Value::None),
            None => Err(vm.key_error(arg)),
        },
        ("pop", Some(d)) => {
            let first = d.borrow().keys().into_iter().next();
            match first {
                Some(k) => {
                    vm.dict_del(&d, &k)?;
                    Ok(k)
                }
                None => Err(vm.new_exc("KeyError", "'pop from an empty set'")),
            }
        }
        ("update", Some(d)) => {
            for v in vm.collect(arg)? {
                vm.set_add(&d, v)?;
            }
            Ok(Value::None)
        }
        ("clear", Some(d)) => {
            d.borrow_mut().clear();
            Ok(Value::None)
        }
        ("copy", _) => Ok(match this {
            Value::Set(d) => Value::Set(Rc::new(RefCell::new(d.borrow().clone()))),
            other => other.clone(),
        }),
        ("issubset", _) | ("issuperset", _) | ("isdisjoint", _) => {
            let other = as_set(vm, &arg)?;
            let (small, big) = if name == "issuperset" {
                (other, this.clone())
            } else {
                (this.clone(), other)
            };
            let mut all = true;
            let mut none = true;
            for x in items(&small) {
                if vm.contains(&big, &x)? {
                    none = false;
                } else {
                    all = false;
                }
            }
            Ok(Value::Bool(if name == "isdisjoint" { none } else { all }))
        }
        _ => Err(vm.attr_error(this, name)),
    }
}
