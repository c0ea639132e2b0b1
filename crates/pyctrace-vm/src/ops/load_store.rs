//! Loads and stores: constants, fast locals, names, globals, cells and
//! closures, attributes (with the method-call forms), `super` attributes.

use std::cell::RefCell;
use std::rc::Rc;

use super::{name, peek, pop, popn, push};
use crate::interp::{Frame, PyResult, Vm};
use crate::lift::Op;
use crate::protocol::str_hash;
use crate::value::Value;

fn unbound_local(vm: &mut Vm, f: &Frame, slot: u32) -> crate::interp::Flow {
    let n = f
        .code
        .localsplus_names
        .get(slot as usize)
        .cloned()
        .unwrap_or_default();
    let msg = if vm.version.at_least(3, 11) {
        format!(
            "cannot access local variable '{}' where it is not associated with a value",
            n
        )
    } else {
        format!("local variable '{}' referenced before assignment", n)
    };
    vm.new_exc("UnboundLocalError", &msg)
}

fn slot_check(vm: &Vm, f: &Frame, slot: u32) -> PyResult<usize> {
    let s = slot as usize;
    if s >= f.locals.len() {
        return Err(vm.fatal_at(f, format!("local index {} out of range", slot)));
    }
    Ok(s)
}

fn load_fast(vm: &mut Vm, f: &mut Frame, slot: u32) -> PyResult<()> {
    let s = slot_check(vm, f, slot)?;
    match f.locals[s].clone() {
        Some(v) => push(vm, f, v),
        None => Err(unbound_local(vm, f, slot)),
    }
}

fn store_fast(vm: &mut Vm, f: &mut Frame, slot: u32) -> PyResult<()> {
    let v = pop(vm, f)?;
    let s = slot_check(vm, f, slot)?;
    f.locals[s] = Some(v);
    Ok(())
}

fn cell_of(vm: &Vm, f: &Frame, slot: u32) -> PyResult<crate::value::Cell> {
    let s = slot_check(vm, f, slot)?;
    match &f.locals[s] {
        Some(Value::Cell(c)) => Ok(c.clone()),
        _ => Err(vm.fatal_at(f, format!("slot {} does not hold a cell", slot))),
    }
}

fn unbound_free(vm: &mut Vm, f: &Frame, slot: u32) -> crate::interp::Flow {
    let n = f
        .code
        .localsplus_names
        .get(slot as usize)
        .cloned()
        .unwrap_or_default();
    let msg = if vm.version.at_least(3, 11) {
        format!("cannot access free variable '{}' where it is not associated with a value in enclosing scope", n)
    } else {
        format!(
            "free variable '{}' referenced before assignment in enclosing scope",
            n
        )
    };
    vm.new_exc("NameError", &msg)
}

pub fn load_global(vm: &mut Vm, f: &Frame, n: &str) -> PyResult<Value> {
    let h = str_hash(n);
    if let Some(v) = f.globals.borrow().get_str(n, h) {
        return Ok(v);
    }
    if let Some(v) = vm.builtins.borrow().get_str(n, h) {
        return Ok(v);
    }
    Err(vm.new_exc("NameError", &format!("name '{}' is not defined", n)))
}

/// Pushes a method-call pair: `[callable, self]` when `self_` is known,
/// otherwise the attribute with a NULL on the version's side.
pub fn push_method_pair(
    vm: &mut Vm,
    f: &mut Frame,
    callable: Value,
    self_: Option<Value>,
) -> PyResult<()> {
    match self_ {
        Some(s) => {
            push(vm, f, callable)?;
            push(vm, f, s)
        }
        None if vm.sem.null_after_callable => {
            push(vm, f, callable)?;
            push(vm, f, Value::Null)
        }
        None => {
            push(vm, f, Value::Null)?;
            push(vm, f, callable)
        }
    }
}

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::LoadConst(i) => {
            let v = f.code.consts.get(i as usize).cloned();
            match v {
                Some(v) => push(vm, f, v)?,
                None => return Err(vm.fatal_at(f, format!("constant index {} out of range", i))),
            }
        }
        Op::LoadFast(i) => load_fast(vm, f, i)?,
        Op::LoadFastLoadFast(a, b) => {
            load_fast(vm, f, a)?;
            load_fast(vm, f, b)?;
        }
        Op::LoadFastAndClear(i) => {
            let s = slot_check(vm, f, i)?;
            let v = f.locals[s].take().unwrap_or(Value::Null);
            push(vm, f, v)?;
        }
        Op::StoreFast(i) => {
            // LOAD_FAST_AND_CLEAR may have saved a NULL: storing it back unbinds
            let v = pop(vm, f)?;
            let s = slot_check(vm, f, i)?;
            f.locals[s] = if v.is_null() { None } else { Some(v) };
        }
        Op::StoreFastStoreFast(a, b) => {
            store_fast(vm, f, a)?;
            store_fast(vm, f, b)?;
        }
        Op::StoreFastLoadFast(a, b) => {
            store_fast(vm, f, a)?;
            load_fast(vm, f, b)?;
        }
        Op::DeleteFast(i) => {
            let s = slot_check(vm, f, i)?;
            if f.locals[s].take().is_none() {
                return Err(unbound_local(vm, f, i));
            }
        }
        Op::LoadName(i) => {
            let n = name(vm, f, i)?;
            let h = str_hash(&n);
            let local = f.names.as_ref().and_then(|d| d.borrow().get_str(&n, h));
            let v = match local {
                Some(v) => v,
                None => load_global(vm, f, &n)?,
            };
            push(vm, f, v)?;
        }
        Op::StoreName(i) => {
            let n = name(vm, f, i)?;
            let v = pop(vm, f)?;
            let d = f.names.clone().unwrap_or_else(|| f.globals.clone());
            vm.dict_set(&d, Value::string(n), v)?;
        }
        Op::DeleteName(i) => {
            let n = name(vm, f, i)?;
            let d = f.names.clone().unwrap_or_else(|| f.globals.clone());
            if vm.dict_del(&d, &Value::string(n.clone()))?.is_none() {
                return Err(vm.new_exc("NameError", &format!("name '{}' is not defined", n)));
            }
        }
        Op::LoadGlobal { name: i, push_null } => {
            let n = name(vm, f, i)?;
            let v = load_global(vm, f, &n)?;
            if push_null {
                push_method_pair(vm, f, v, None)?;
            } else {
                push(vm, f, v)?;
            }
        }
        Op::StoreGlobal(i) => {
            let n = name(vm, f, i)?;
            let v = pop(vm, f)?;
            let g = f.globals.clone();
            vm.dict_set(&g, Value::string(n), v)?;
        }
        Op::DeleteGlobal(i) => {
            let n = name(vm, f, i)?;
            let g = f.globals.clone();
            if vm.dict_del(&g, &Value::string(n.clone()))?.is_none() {
                return Err(vm.new_exc("NameError", &format!("name '{}' is not defined", n)));
            }
        }
        Op::LoadDeref(i) => {
            let c = cell_of(vm, f, i)?;
            let v = c.borrow().clone();
            match v {
                Some(v) => push(vm, f, v)?,
                None => return Err(unbound_free(vm, f, i)),
            }
        }
        Op::StoreDeref(i) => {
            let v = pop(vm, f)?;
            let c = cell_of(vm, f, i)?;
            *c.borrow_mut() = Some(v);
        }
        Op::DeleteDeref(i) => {
            let c = cell_of(vm, f, i)?;
            if c.borrow_mut().take().is_none() {
                return Err(unbound_free(vm, f, i));
            }
        }
        Op::LoadClosure(i) => {
            let c = cell_of(vm, f, i)?;
            push(vm, f, Value::Cell(c))?;
        }
        Op::LoadClassDeref {
            slot,
            dict_on_stack,
        } => {
            let dict = if dict_on_stack {
                match pop(vm, f)? {
                    Value::Dict(d) => Some(d),
                    _ => None,
                }
            } else {
                f.names.clone()
            };
            let n = f
                .code
                .localsplus_names
                .get(slot as usize)
                .cloned()
                .unwrap_or_default();
            let found = match &dict {
                Some(d) => vm.dict_get(d, &Value::string(n))?,
                None => None,
            };
            let v = match found {
                Some(v) => v,
                None => {
                    let c = cell_of(vm, f, slot)?;
                    let v = c.borrow().clone();
                    match v {
                        Some(v) => v,
                        None => return Err(unbound_free(vm, f, slot)),
                    }
                }
            };
            push(vm, f, v)?;
        }
        Op::LoadFromDictOrGlobals(i) => {
            let d = pop(vm, f)?;
            let n = name(vm, f, i)?;
            let found = match &d {
                Value::Dict(d) => vm.dict_get(d, &Value::string(n.clone()))?,
                _ => None,
            };
            let v = match found {
                Some(v) => v,
                None => load_global(vm, f, &n)?,
            };
            push(vm, f, v)?;
        }
        Op::LoadLocals => match f.names.clone() {
            Some(d) => push(vm, f, Value::Dict(d))?,
            None => return Err(vm.new_exc("SystemError", "no locals found")),
        },
        Op::SetupAnnotations => match f.names.clone() {
            Some(d) => {
                let key = Value::str("__annotations__");
                if vm.dict_get(&d, &key)?.is_none() {
                    let ann = Value::Dict(Rc::new(RefCell::new(crate::types::dict::Dict::new())));
                    vm.dict_set(&d, key, ann)?;
                }
            }
            None => {
                return Err(vm.new_exc("SystemError", "no locals found when setting up annotations"))
            }
        },
        Op::MakeCell(i) => {
            let s = slot_check(vm, f, i)?;
            let init = f.locals[s].take();
            f.locals[s] = Some(Value::Cell(Rc::new(RefCell::new(init))));
        }
        Op::CopyFreeVars(n) => {
            let n = n as usize;
            let len = f.locals.len();
            if n > f.closure.len() || n > len {
                return Err(vm.fatal_at(f, "COPY_FREE_VARS without a matching closure".into()));
            }
            for i in 0..n {
                f.locals[len - n + i] = Some(Value::Cell(f.closure[i].clone()));
            }
        }
        Op::LoadAttr { name: i, method } => {
            let n = name(vm, f, i)?;
            let obj = pop(vm, f)?;
            if method {
                let (callable, self_) = vm.load_method(&obj, &n)?;
                push_method_pair(vm, f, callable, self_)?;
            } else {
                let v = vm.getattr(&obj, &n)?;
                push(vm, f, v)?;
            }
        }
        Op::StoreAttr(i) => {
            let n = name(vm, f, i)?;
            let obj = pop(vm, f)?;
            let v = pop(vm, f)?;
            vm.setattr(&obj, &n, v)?;
        }
        Op::DeleteAttr(i) => {
            let n = name(vm, f, i)?;
            let obj = pop(vm, f)?;
            vm.delattr(&obj, &n)?;
        }
        Op::LoadSuperAttr {
            name: i, method, ..
        } => {
            let n = name(vm, f, i)?;
            let v = popn(vm, f, 3)?;
            let sup = crate::builtins::make_super(vm, &v[1], &v[2])?;
            if method {
                let (callable, self_) = vm.load_method(&sup, &n)?;
                push_method_pair(vm, f, callable, self_)?;
            } else {
                let v = vm.getattr(&sup, &n)?;
                push(vm, f, v)?;
            }
        }
        Op::LoadAssertionError => {
            let c = vm.class("AssertionError");
            push(vm, f, Value::Class(c))?;
        }
        Op::LoadBuildClass => {
            let v = vm
                .builtins
                .borrow()
                .get_str("__build_class__", str_hash("__build_class__"));
            match v {
                Some(v) => push(vm, f, v)?,
                None => return Err(vm.new_exc("NameError", "__build_class__ not found")),
            }
        }
        _ => {
            let _ = peek(vm, f, 1);
        }
    }
    Ok(())
}
