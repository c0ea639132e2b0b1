//! Iteration: GET_ITER and FOR_ITER (whose exhausted exit differs by
//! version: 3.12 skips END_FOR, 3.13 END_FOR and POP_TOP; lifted).

use super::{peek, pop, push};
use crate::interp::{Flow, Frame, GenStep, PyResult, Resume, Vm};
use crate::lift::Op;
use crate::value::Value;

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::GetIter => {
            let v = pop(vm, f)?;
            let it = vm.iter(&v)?;
            push(vm, f, it)
        }
        Op::ForIter { exhausted, .. } => {
            let it = peek(vm, f, 1)?;
            let next = if vm.slow_path && vm.pytrace.active() {
                crate::interp::pytrace::for_iter_next(vm, f, &it)?
            } else if vm.tracer.is_some() {
                next_reporting_stop(vm, f, &it)?
            } else {
                vm.next(&it)?
            };
            match next {
                Some(v) => push(vm, f, v),
                None => {
                    pop(vm, f)?;
                    f.ip = exhausted;
                    Ok(())
                }
            }
        }
        _ => Ok(()),
    }
}

/// `next()` for FOR_ITER under a tracer: a StopIteration that really
/// reaches FOR_ITER (raised by a `__next__` method, or a generator
/// returning a value other than None) is reported as an exception event of
/// the frame, as CPython does; a plain end is not.
fn next_reporting_stop(vm: &mut Vm, f: &Frame, it: &Value) -> PyResult<Option<Value>> {
    match it {
        Value::Generator(g) => {
            if g.borrow().finished {
                return Ok(None);
            }
            match vm.gen_resume(g, Resume::Value(Value::None))? {
                GenStep::Yield(v) => Ok(Some(v)),
                GenStep::Return(v) => {
                    if !v.is_none() {
                        crate::ops::generators::trace_stop_iteration(vm, f, &v);
                    }
                    Ok(None)
                }
            }
        }
        Value::Instance(_) => match vm.call_dunder(it, "__next__", vec![]) {
            Ok(Some(v)) => Ok(Some(v)),
            Ok(None) => {
                let t = vm.type_name(it);
                Err(vm.type_error(format!("'{}' object is not an iterator", t)))
            }
            Err(Flow::Exc(e)) if vm.exc_matches_name(&Flow::Exc(e.clone()), "StopIteration") => {
                vm.trace_exception(f, &e);
                Ok(None)
            }
            Err(e) => Err(e),
        },
        _ => vm.next(it),
    }
}
