//! Building containers and strings, subscripts and slices, unpacking,
//! f-string formatting (FORMAT_VALUE ≤3.12; CONVERT_VALUE/FORMAT_SIMPLE/
//! FORMAT_WITH_SPEC 3.13).

use std::cell::RefCell;
use std::rc::Rc;

use super::{peek, pop, popn, push};
use crate::interp::{Frame, PyResult, Vm};
use crate::lift::Op;
use crate::types::dict::Dict;
use crate::value::Value;

fn slice(a: Value, b: Value, c: Value) -> Value {
    Value::Slice(Rc::new([a, b, c]))
}

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::BinarySubscr => {
            let key = pop(vm, f)?;
            let obj = pop(vm, f)?;
            let v = vm.getitem(&obj, &key)?;
            push(vm, f, v)?;
        }
        Op::StoreSubscr => {
            let key = pop(vm, f)?;
            let obj = pop(vm, f)?;
            let v = pop(vm, f)?;
            vm.setitem(&obj, key, v)?;
        }
        Op::DeleteSubscr => {
            let key = pop(vm, f)?;
            let obj = pop(vm, f)?;
            vm.delitem(&obj, &key)?;
        }
        Op::BinarySlice => {
            let v = popn(vm, f, 3)?;
            let mut it = v.into_iter();
            let (obj, a, b) = (
                it.next().unwrap_or(Value::None),
                it.next().unwrap_or(Value::None),
                it.next().unwrap_or(Value::None),
            );
            let r = vm.getitem(&obj, &slice(a, b, Value::None))?;
            push(vm, f, r)?;
        }
        Op::StoreSlice => {
            let v = popn(vm, f, 4)?;
            let mut it = v.into_iter();
            let val = it.next().unwrap_or(Value::None);
            let obj = it.next().unwrap_or(Value::None);
            let a = it.next().unwrap_or(Value::None);
            let b = it.next().unwrap_or(Value::None);
            vm.setitem(&obj, slice(a, b, Value::None), val)?;
        }
        Op::BuildSlice(n) => {
            let v = popn(vm, f, n.clamp(2, 3) as usize)?;
            let c = v.get(2).cloned().unwrap_or(Value::None);
            push(vm, f, slice(v[0].clone(), v[1].clone(), c))?;
        }
        Op::BuildTuple(n) => {
            let v = popn(vm, f, n as usize)?;
            vm.charge_memory(16 * v.len())?;
            push(vm, f, Value::tuple(v))?;
        }
        Op::BuildList(n) => {
            let v = popn(vm, f, n as usize)?;
            vm.charge_memory(16 * v.len() + 32)?;
            push(vm, f, Value::list(v))?;
        }
        Op::BuildSet(n) => {
            let v = popn(vm, f, n as usize)?;
            let s = crate::types::set::new_set(vm, v)?;
            push(vm, f, Value::Set(s))?;
        }
        Op::BuildMap(n) => {
            let v = popn(vm, f, 2 * n as usize)?;
            let d = Rc::new(RefCell::new(Dict::new()));
            let mut it = v.into_iter();
            while let (Some(k), Some(val)) = (it.next(), it.next()) {
                vm.dict_set(&d, k, val)?;
            }
            push(vm, f, Value::Dict(d))?;
        }
        Op::BuildConstKeyMap(n) => {
            let keys = pop(vm, f)?;
            let vals = popn(vm, f, n as usize)?;
            let Value::Tuple(keys) = keys else {
                return Err(vm.fatal_at(f, "BUILD_CONST_KEY_MAP keys are not a tuple".into()));
            };
            let d = Rc::new(RefCell::new(Dict::new()));
            for (k, v) in keys.iter().zip(vals) {
                vm.dict_set(&d, k.clone(), v)?;
            }
            push(vm, f, Value::Dict(d))?;
        }
        Op::BuildString(n) => {
            let v = popn(vm, f, n as usize)?;
            let mut s = String::new();
            for p in v {
                if let Value::Str(p) = p {
                    s.push_str(&p.s);
                }
            }
            vm.charge_memory(s.len())?;
            push(vm, f, Value::string(s))?;
        }
        Op::ListAppend(i) => {
            let v = pop(vm, f)?;
            match peek(vm, f, i as usize)? {
                Value::List(l) => l.borrow_mut().push(v),
                _ => return Err(vm.fatal_at(f, "LIST_APPEND target is not a list".into())),
            }
            vm.charge_memory(16)?;
        }
        Op::SetAdd(i) => {
            let v = pop(vm, f)?;
            match peek(vm, f, i as usize)? {
                Value::Set(s) => vm.set_add(&s, v)?,
                _ => return Err(vm.fatal_at(f, "SET_ADD target is not a set".into())),
            }
        }
        Op::MapAdd(i) => {
            let v = pop(vm, f)?;
            let k = pop(vm, f)?;
            match peek(vm, f, i as usize)? {
                Value::Dict(d) => vm.dict_set(&d, k, v)?,
                _ => return Err(vm.fatal_at(f, "MAP_ADD target is not a dict".into())),
            }
        }
        Op::ListExtend(i) => {
            let v = pop(vm, f)?;
            let items = vm.collect(v)?;
            match peek(vm, f, i as usize)? {
                Value::List(l) => l.borrow_mut().extend(items),
                _ => return Err(vm.fatal_at(f, "LIST_EXTEND target is not a list".into())),
            }
        }
        Op::SetUpdate(i) => {
            let v = pop(vm, f)?;
            match peek(vm, f, i as usize)? {
                Value::Set(s) => crate::types::set::fill_from(vm, &s, &v)?,
                _ => return Err(vm.fatal_at(f, "SET_UPDATE target is not a set".into())),
            }
        }
        Op::DictUpdate(i) | Op::DictMerge(i) => {
            let v = crate::types::class::mapping_base(pop(vm, f)?);
            match peek(vm, f, i as usize)? {
                Value::Dict(d) => {
                    if !matches!(v, Value::Dict(_)) {
                        let t = vm.type_name(&v);
                        return Err(vm.type_error(format!("'{}' object is not a mapping", t)));
                    }
                    if matches!(op, Op::DictMerge(_)) {
                        // duplicate keyword arguments are an error
                        if let Value::Dict(src) = &v {
                            for k in src.borrow().keys() {
                                if vm.dict_get(&d, &k)?.is_some() {
                                    let ks = vm.str(&k)?;
                                    return Err(vm.type_error(format!(
                                        "got multiple values for keyword argument '{}'",
                                        ks
                                    )));
                                }
                            }
                        }
                    }
                    vm.dict_update(&d, &v)?;
                }
                _ => return Err(vm.fatal_at(f, "DICT_UPDATE target is not a dict".into())),
            }
        }
        Op::BuildSeqUnpack(n, kind) if kind >= 2 => {
            // 3.8 BUILD_SET_UNPACK: each part is merged as by set.update,
            // which decides the table layout
            let parts = popn(vm, f, n as usize)?;
            let s = crate::types::set::new_set(vm, Vec::new())?;
            for p in parts {
                crate::types::set::fill_from(vm, &s, &p)?;
            }
            push(vm, f, Value::Set(s))?;
        }
        Op::BuildSeqUnpack(n, kind) => {
            let parts = popn(vm, f, n as usize)?;
            let mut items = Vec::new();
            for p in parts {
                items.extend(vm.collect(p)?);
            }
            vm.charge_memory(16 * items.len())?;
            let v = match kind {
                0 => Value::tuple(items),
                1 => Value::list(items),
                _ => Value::Set(crate::types::set::new_set(vm, items)?),
            };
            push(vm, f, v)?;
        }
        Op::BuildMapUnpack(n, with_call) => {
            let parts = popn(vm, f, n as usize)?;
            let d = Rc::new(RefCell::new(Dict::new()));
            for p in parts {
                let p = crate::types::class::mapping_base(p);
                if !matches!(p, Value::Dict(_)) {
                    let t = vm.type_name(&p);
                    return Err(vm.type_error(format!("'{}' object is not a mapping", t)));
                }
                if with_call {
                    if let Value::Dict(src) = &p {
                        for k in src.borrow().keys() {
                            if vm.dict_get(&d, &k)?.is_some() {
                                let ks = vm.str(&k)?;
                                return Err(vm.type_error(format!(
                                    "got multiple values for keyword argument '{}'",
                                    ks
                                )));
                            }
                        }
                    }
                }
                vm.dict_update(&d, &p)?;
            }
            push(vm, f, Value::Dict(d))?;
        }
        Op::ListToTuple => {
            let v = pop(vm, f)?;
            let items = vm.collect(v)?;
            push(vm, f, Value::tuple(items))?;
        }
        Op::UnpackSequence(n) => {
            let v = pop(vm, f)?;
            let items = vm.collect(v)?;
            if items.len() != n as usize {
                let msg = if items.len() < n as usize {
                    format!(
                        "not enough values to unpack (expected {}, got {})",
                        n,
                        items.len()
                    )
                } else {
                    format!("too many values to unpack (expected {})", n)
                };
                return Err(vm.value_error(&msg));
            }
            for it in items.into_iter().rev() {
                push(vm, f, it)?;
            }
        }
        Op::UnpackEx(arg) => {
            let before = (arg & 0xff) as usize;
            let after = (arg >> 8) as usize;
            let v = pop(vm, f)?;
            let mut items = vm.collect(v)?;
            if items.len() < before + after {
                return Err(vm.value_error(&format!(
                    "not enough values to unpack (expected at least {}, got {})",
                    before + after,
                    items.len()
                )));
            }
            let tail = items.split_off(items.len() - after);
            let middle = items.split_off(before);
            for it in tail.into_iter().rev() {
                push(vm, f, it)?;
            }
            push(vm, f, Value::list(middle))?;
            for it in items.into_iter().rev() {
                push(vm, f, it)?;
            }
        }
        Op::FormatValue(flags) => {
            let spec = if flags & 4 != 0 {
                Some(pop(vm, f)?)
            } else {
                None
            };
            let v = pop(vm, f)?;
            let v = convert(vm, v, flags & 3)?;
            let s = format_with(vm, &v, spec)?;
            push(vm, f, s)?;
        }
        Op::ConvertValue(kind) => {
            let v = pop(vm, f)?;
            let r = convert(vm, v, kind)?;
            push(vm, f, r)?;
        }
        Op::FormatSimple => {
            let v = pop(vm, f)?;
            let s = format_with(vm, &v, None)?;
            push(vm, f, s)?;
        }
        Op::FormatWithSpec => {
            let spec = pop(vm, f)?;
            let v = pop(vm, f)?;
            let s = format_with(vm, &v, Some(spec))?;
            push(vm, f, s)?;
        }
        _ => {}
    }
    Ok(())
}

fn convert(vm: &mut Vm, v: Value, kind: u32) -> PyResult<Value> {
    Ok(match kind {
        1 => Value::string(vm.str(&v)?),
        2 => Value::string(vm.repr(&v)?),
        3 => Value::string(crate::protocol::ascii_escape(&vm.repr(&v)?)),
        _ => v,
    })
}

fn format_with(vm: &mut Vm, v: &Value, spec: Option<Value>) -> PyResult<Value> {
    let spec = match &spec {
        Some(Value::Str(s)) => s.s.clone(),
        _ => String::new(),
    };
    if spec.is_empty() {
        if let Value::Str(_) = v {
            return Ok(v.clone());
        }
    }
    Ok(Value::string(vm.format(v, &spec)?))
}
