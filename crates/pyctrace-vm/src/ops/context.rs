//! `with` statements: SETUP_WITH (≤3.10) / BEFORE_WITH (3.11+) enter the
//! context; the exit paths are 3.8's WITH_CLEANUP_START/WITH_CLEANUP_FINISH
//! (with BEGIN_FINALLY/END_FINALLY) and WITH_EXCEPT_START (3.9+; the normal
//! exit is a plain call of `__exit__(None, None, None)`).

use super::{pop, popn, push};
use crate::interp::frame::BlockKind;
use crate::interp::{Flow, Frame, PyResult, Vm};
use crate::lift::Op;
use crate::value::Value;

/// CPython's `special_lookup`: the method is looked up on the type, then
/// bound (the sandbox's native objects keep theirs on the instance).
fn special(vm: &mut Vm, obj: &Value, name: &str) -> PyResult<Option<Value>> {
    if let Value::Instance(i) = obj {
        if i.class.lookup(name).is_none() && i.get(name).is_none() {
            return Ok(None);
        }
    }
    match vm.getattr(obj, name) {
        Ok(v) => Ok(Some(v)),
        Err(Flow::Exc(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `(__exit__ bound, __enter__() result)`, with each version's error.
fn enter(vm: &mut Vm, mgr: &Value) -> PyResult<(Value, Value)> {
    let new_protocol = vm.sem.version.at_least(3, 11);
    let missing = |vm: &mut Vm, name: &str| -> Flow {
        if new_protocol {
            let t = vm.type_name(mgr);
            let extra = if name == "__exit__" {
                " (missed __exit__ method)"
            } else {
                ""
            };
            vm.type_error(format!(
                "'{}' object does not support the context manager protocol{}",
                t, extra
            ))
        } else {
            vm.new_exc("AttributeError", name)
        }
    };
    let Some(enter) = special(vm, mgr, "__enter__")? else {
        return Err(missing(vm, "__enter__"));
    };
    let Some(exit) = special(vm, mgr, "__exit__")? else {
        return Err(missing(vm, "__exit__"));
    };
    let res = vm.call(&enter, Vec::new(), Vec::new())?;
    Ok((exit, res))
}

fn exc_type(vm: &Vm, exc: &Value) -> Value {
    match exc {
        Value::Instance(i) => Value::Class(i.class.clone()),
        other => Value::Class(vm.type_of(other)),
    }
}

fn stack_value(vm: &Vm, f: &Frame, depth: usize) -> PyResult<Value> {
    let n = f.stack.len();
    if depth == 0 || depth > n {
        return Err(vm.fatal_at(f, "stack underflow".into()));
    }
    Ok(f.stack[n - depth].clone())
}

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::SetupWith(target) => {
            let mgr = pop(vm, f)?;
            let (exit, res) = enter(vm, &mgr)?;
            push(vm, f, exit)?;
            // the block is set up before the result is pushed
            vm.push_block(f, BlockKind::Finally, target)?;
            push(vm, f, res)?;
        }
        Op::BeforeWith => {
            let mgr = pop(vm, f)?;
            let (exit, res) = enter(vm, &mgr)?;
            push(vm, f, exit)?;
            push(vm, f, res)?;
        }
        Op::WithCleanupStart => {
            // 3.8: TOP is NULL (normal exit) or the (tb, value, type)
            // triplet above the saved one, with __exit__ below them
            let top = stack_value(vm, f, 1)?;
            let (exit, args, exc) = if matches!(top, Value::Null) {
                pop(vm, f)?;
                let exit = pop(vm, f)?;
                push(vm, f, Value::Null)?;
                (
                    exit,
                    vec![Value::None, Value::None, Value::None],
                    Value::None,
                )
            } else {
                let n = f.stack.len();
                if n < 7 {
                    return Err(vm.fatal_at(f, "stack underflow".into()));
                }
                let val = f.stack[n - 2].clone();
                let tb = f.stack[n - 3].clone();
                let exit = f.stack[n - 7].clone();
                // shift the saved triplet down over __exit__; NULL in its place
                f.stack[n - 7] = f.stack[n - 6].clone();
                f.stack[n - 6] = f.stack[n - 5].clone();
                f.stack[n - 5] = f.stack[n - 4].clone();
                f.stack[n - 4] = Value::Null;
                match f.blocks.last_mut() {
                    Some(b) if b.kind == BlockKind::ExceptHandler && b.level > 0 => b.level -= 1,
                    _ => return Err(vm.fatal_at(f, "WITH_CLEANUP_START outside a handler".into())),
                }
                (exit, vec![top.clone(), val, tb], top)
            };
            let res = vm.call(&exit, args, Vec::new())?;
            push(vm, f, exc)?;
            push(vm, f, res)?;
        }
        Op::WithCleanupFinish => {
            let v = popn(vm, f, 2)?;
            let suppress = if v[0].is_none() {
                false
            } else {
                vm.truthy(&v[1])?
            };
            if suppress {
                // unwind the EXCEPT_HANDLER block of the caught exception
                let b = match f.blocks.pop() {
                    Some(b) if b.kind == BlockKind::ExceptHandler => b,
                    _ => return Err(vm.fatal_at(f, "popped block is not an except handler".into())),
                };
                if f.stack.len() < b.level + 3 {
                    return Err(vm.fatal_at(f, "except-handler block above the stack".into()));
                }
                f.stack.truncate(b.level + 3);
                let saved = popn(vm, f, 3)?;
                vm.exc_info = saved[1].clone();
                push(vm, f, Value::Null)?;
            }
        }
        Op::WithExceptStart => {
            let res = if vm.sem.exc_triplets {
                // 3.9/3.10: (tb, value, type) on top, __exit__ 7 deep
                let exit = stack_value(vm, f, 7)?;
                let t = stack_value(vm, f, 1)?;
                let v = stack_value(vm, f, 2)?;
                let tb = stack_value(vm, f, 3)?;
                vm.call(&exit, vec![t, v, tb], Vec::new())?
            } else {
                // 3.11+: __exit__, lasti, previous exception, exception
                let exit = stack_value(vm, f, 4)?;
                let v = stack_value(vm, f, 1)?;
                let t = exc_type(vm, &v);
                vm.call(&exit, vec![t, v, Value::None], Vec::new())?
            };
            push(vm, f, res)?;
        }
        _ => {}
    }
    Ok(())
}
