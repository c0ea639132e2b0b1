//! Generators: RETURN_GENERATOR (3.11+), GEN_START (3.10), YIELD_VALUE,
//! YIELD_FROM (≤3.10), SEND/END_SEND (3.11+, whose stack effect on return
//! differs between 3.11 and 3.12+), GET_YIELD_FROM_ITER, CLEANUP_THROW.

use super::{peek, pop, popn, push};
use crate::interp::{Flow, Frame, FrameExit, GenStep, PyResult, Resume, Vm};
use crate::lift::{Op, SendStop};
use crate::value::Value;

/// What a send into a sub-iterator gave.
enum Sent {
    Yielded(Value),
    /// The sub-iterator finished with this value; `raised`: CPython's
    /// caller saw a StopIteration exception set (and reports it to a
    /// tracer), rather than a bare end or an inlined generator return.
    Returned {
        value: Value,
        raised: bool,
    },
}

/// Sends `v` into a sub-iterator (YIELD_FROM, SEND).
fn send_into(vm: &mut Vm, receiver: &Value, v: Value) -> PyResult<Sent> {
    let v_is_none = v.is_none();
    if let Value::Generator(g) = receiver {
        return Ok(match vm.gen_resume(g, Resume::Value(v))? {
            GenStep::Yield(y) => Sent::Yielded(y),
            GenStep::Return(value) => {
                let raised = match vm.sem.gen_send_stop {
                    SendStop::Always => true,
                    SendStop::AtEndSend => false,
                    // tp_iternext when sending None (it raises only for a
                    // value), gen.send otherwise
                    SendStop::Traced => !v_is_none || !value.is_none(),
                };
                Sent::Returned { value, raised }
            }
        });
    }
    let r = if v_is_none {
        match receiver {
            Value::Instance(_) => match vm.call_dunder(receiver, "__next__", vec![]) {
                Ok(Some(y)) => Ok(y),
                Ok(None) => {
                    let t = vm.type_name(receiver);
                    return Err(vm.type_error(format!("'{}' object is not an iterator", t)));
                }
                Err(e) => Err(e),
            },
            // a native iterator ends without an exception
            _ => match vm.next(receiver)? {
                Some(y) => Ok(y),
                None => {
                    return Ok(Sent::Returned {
                        value: Value::None,
                        raised: false,
                    })
                }
            },
        }
    } else {
        vm.getattr(receiver, "send")
            .and_then(|m| vm.call(&m, vec![v], Vec::new()))
    };
    match r {
        Ok(y) => Ok(Sent::Yielded(y)),
        Err(Flow::Exc(e)) if vm.exc_matches_name(&Flow::Exc(e.clone()), "StopIteration") => {
            Ok(Sent::Returned {
                value: crate::protocol::stop_value(&e),
                raised: true,
            })
        }
        Err(e) => Err(e),
    }
}

/// The exception event CPython gives frame `f` for a StopIteration it
/// swallows (the sub-iterator's end in YIELD_FROM/SEND/END_SEND/FOR_ITER).
pub fn trace_stop_iteration(vm: &mut Vm, f: &Frame, value: &Value) {
    if vm.tracer.is_some() {
        if let Flow::Exc(e) = vm.stop_iteration(value.clone()) {
            vm.trace_exception(f, &e);
        }
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
            if vm.sem.yield_lasti_after {
                // 3.13: f_lasti has moved on to the RESUME after the yield
                f.lasti_delta = 2;
            }
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
                Sent::Yielded(y) => {
                    // re-run YIELD_FROM when resumed, with the sent value
                    // pushed; meanwhile f_lasti is the instruction before it
                    f.ip = f.lasti;
                    f.lasti_delta = -2;
                    return Ok(Some(FrameExit::Yield(y)));
                }
                Sent::Returned { value, raised } => {
                    if raised {
                        trace_stop_iteration(vm, f, &value);
                    }
                    pop(vm, f)?;
                    push(vm, f, value)?;
                }
            }
        }
        Op::Send(target) => {
            let v = pop(vm, f)?;
            let receiver = peek(vm, f, 1)?;
            // 3.12: a suspended generator runs inline, with f_lasti already
            // past SEND's CACHE when an exception comes back
            let inline = vm.sem.inline_send_lasti_at_cache
                && matches!(&receiver, Value::Generator(g)
                    if { let g = g.borrow(); !g.running && !g.finished });
            let sent = send_into(vm, &receiver, v);
            if inline && sent.is_err() {
                let caches = f.code.instrs.get(f.lasti).map_or(0, |i| i.caches as i32);
                f.lasti_delta = 2 * caches;
            }
            match sent? {
                Sent::Yielded(y) => push(vm, f, y)?,
                Sent::Returned { value, raised } => {
                    if raised {
                        trace_stop_iteration(vm, f, &value);
                    }
                    if !vm.version.at_least(3, 12) {
                        pop(vm, f)?;
                    }
                    push(vm, f, value)?;
                    f.ip = target;
                }
            }
        }
        Op::EndSend => {
            let v = pop(vm, f)?;
            let receiver = pop(vm, f)?;
            if vm.sem.gen_send_stop == SendStop::AtEndSend
                && matches!(receiver, Value::Generator(_))
            {
                // 3.12+: the generator returned into END_SEND, whose
                // instrumented form reports a StopIteration
                trace_stop_iteration(vm, f, &v);
            }
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
