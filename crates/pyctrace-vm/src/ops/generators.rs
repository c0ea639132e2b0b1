//! Generators: RETURN_GENERATOR (3.11+), GEN_START (3.10), YIELD_VALUE,
//! YIELD_FROM (≤3.10), SEND/END_SEND (3.11+, whose stack effect on return
//! differs between 3.11 and 3.12+), GET_YIELD_FROM_ITER, CLEANUP_THROW.

use super::{peek, pop, popn, push};
use crate::interp::{Flow, Frame, FrameExit, GenStep, PyResult, Resume, Vm};
use crate::lift::Op;
use crate::types::function::NativeMethod;
use crate::value::Value;

/// Sends `v` into a sub-iterator: `Ok(Ok(yielded))` or `Ok(Err(returned))`.
fn send_into(vm: &mut Vm, receiver: &Value, v: Value) -> PyResult<Result<Value, Value>> {
    if let Value::Generator(g) = receiver {
        return Ok(match vm.gen_resume(g, Resume::Value(v))? {
            GenStep::Yield(y) => Ok(y),
            GenStep::Return(r) => Err(r),
        });
    }
    let r = if v.is_none() {
        vm.next_raw(receiver)
    } else {
        let m = Value::NativeMethod(std::rc::Rc::new(NativeMethod {
            self_: Some(receiver.clone()),
            type_name: "object",
            name: "send".into(),
        }));
        vm.getattr(receiver, "send")
            .and_then(|m2| vm.call(&m2, vec![v], Vec::new()))
            .or_else(|e| {
                let _ = m;
                Err(e)
            })
    };
    match r {
        Ok(y) => Ok(Ok(y)),
        Err(Flow::Exc(e)) if vm.exc_matches_name(&Flow::Exc(e.clone()), "StopIteration") => {
            Ok(Err(crate::protocol::stop_value(&e)))
        }
        Err(e) => Err(e),
    }
}

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<Option<FrameExit>> {
    match *op {
        Op::ReturnGenerator => return Ok(Some(FrameExit::GeneratorCreated)),
        Op::GenStart => {
            pop(vm, f)?;
        }
        Op::YieldValue => {
            let v = pop(vm, f)?;
            return Ok(Some(FrameExit::Yield(v)));
        }
        Op::GetYieldFromIter => {
            let v = pop(vm, f)?;
            let it = match v {
                Value::Generator(_) => v,
                other => vm.iter(&other)?,
            };
            push(vm, f, it)?;
        }
        Op::YieldFrom => {
            let v = pop(vm, f)?;
            let receiver = peek(vm, f, 1)?;
            match send_into(vm, &receiver, v)? {
                Ok(y) => {
                    // re-run YIELD_FROM when resumed, with the sent value pushed
                    f.ip = f.lasti;
                    return Ok(Some(FrameExit::Yield(y)));
                }
                Err(r) => {
                    pop(vm, f)?;
                    push(vm, f, r)?;
                }
            }
        }
        Op::Send(target) => {
            let v = pop(vm, f)?;
            let receiver = peek(vm, f, 1)?;
            match send_into(vm, &receiver, v)? {
                Ok(y) => push(vm, f, y)?,
                Err(r) => {
                    if !vm.version.at_least(3, 12) {
                        pop(vm, f)?;
                    }
                    push(vm, f, r)?;
                    f.ip = target;
                }
            }
        }
        Op::EndSend => {
            let v = pop(vm, f)?;
            pop(vm, f)?;
            push(vm, f, v)?;
        }
        Op::CleanupThrow => {
            let v = popn(vm, f, 3)?;
            let exc = v[2].clone();
            if vm.exc_matches_name(&Flow::Exc(exc.clone()), "StopIteration") {
                push(vm, f, Value::None)?;
                push(vm, f, crate::protocol::stop_value(&exc))?;
            } else {
                vm.reraising = true;
                return Err(Flow::Exc(exc));
            }
        }
        _ => {}
    }
    Ok(None)
}
