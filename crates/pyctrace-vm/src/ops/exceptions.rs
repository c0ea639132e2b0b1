//! Exceptions: RAISE_VARARGS, RERAISE, handler entry and exit in both
//! schemes — the ≤3.10 block stack (SETUP_FINALLY/POP_BLOCK/POP_EXCEPT with
//! (tb, value, type) triplets; 3.8's BEGIN_FINALLY/END_FINALLY/CALL_FINALLY/
//! POP_FINALLY) and the 3.11+ exception table (PUSH_EXC_INFO/POP_EXCEPT/
//! CHECK_EXC_MATCH).

use super::{peek, pop, popn, push};
use crate::interp::frame::BlockKind;
use crate::interp::{Flow, Frame, PyResult, Vm};
use crate::lift::Op;
use crate::value::Value;

/// The type of an exception instance (the `type` of a triplet).
fn type_of_exc(vm: &Vm, exc: &Value) -> Value {
    match exc {
        Value::Instance(i) => Value::Class(i.class.clone()),
        other => Value::Class(vm.type_of(other)),
    }
}

/// ≤3.10 unwinding (ceval's `exception_unwind`): pops blocks until a
/// SETUP_FINALLY handler takes the exception.
pub fn unwind_blocks(vm: &mut Vm, f: &mut Frame, exc: Value) -> PyResult<bool> {
    while let Some(b) = f.blocks.pop() {
        if b.kind == BlockKind::ExceptHandler {
            // restore the exception state saved under the handler
            if f.stack.len() < b.level + 3 {
                return Err(vm.fatal_at(f, "except-handler block above the stack".into()));
            }
            f.stack.truncate(b.level + 3);
            let saved = popn(vm, f, 3)?;
            vm.exc_info = saved[1].clone();
            continue;
        }
        if f.stack.len() < b.level {
            return Err(vm.fatal_at(f, "block level above the stack".into()));
        }
        f.stack.truncate(b.level);
        // 3.10 keeps f_lasti in the handler block, for RERAISE 1
        let lasti = f.lasti;
        vm.push_block(f, BlockKind::ExceptHandler, lasti)?;
        let prev = vm.exc_info.clone();
        let prev_type = match &prev {
            Value::None => Value::None,
            p => type_of_exc(vm, p),
        };
        push(vm, f, Value::None)?;
        push(vm, f, prev)?;
        push(vm, f, prev_type)?;
        vm.exc_info = exc.clone();
        let t = type_of_exc(vm, &exc);
        push(vm, f, Value::None)?;
        push(vm, f, exc)?;
        push(vm, f, t)?;
        f.ip = b.handler;
        return Ok(true);
    }
    Ok(false)
}

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::RaiseVarargs(n) => match n {
            0 => {
                let cur = vm.exc_info.clone();
                if cur.is_none() {
                    return Err(vm.new_exc("RuntimeError", "No active exception to reraise"));
                }
                vm.reraising = true;
                return Err(Flow::Exc(cur));
            }
            1 => {
                let e = pop(vm, f)?;
                let exc = vm.make_exception_from(e, None)?;
                return Err(Flow::Exc(exc));
            }
            2 => {
                let cause = pop(vm, f)?;
                let e = pop(vm, f)?;
                let exc = vm.make_exception_from(e, None)?;
                let cause = if cause.is_none() {
                    None
                } else {
                    Some(vm.make_exception_from(cause, None)?)
                };
                if let Value::Instance(i) = &exc {
                    if let Some(d) = &i.exc {
                        let mut d = d.borrow_mut();
                        d.cause = cause;
                        d.suppress_context = true;
                    }
                }
                return Err(Flow::Exc(exc));
            }
            _ => return Err(vm.fatal_at(f, "bad RAISE_VARARGS argument".into())),
        },
        Op::Reraise(arg) => {
            if vm.sem.exc_triplets {
                if arg > 0 {
                    if let Some(b) = f
                        .blocks
                        .last()
                        .filter(|b| b.kind == BlockKind::ExceptHandler)
                    {
                        if b.handler < f.code.instrs.len() {
                            f.lasti = b.handler;
                        }
                    }
                }
                let v = popn(vm, f, 3)?;
                vm.reraising = true;
                return Err(Flow::Exc(v[1].clone()));
            }
            let exc = pop(vm, f)?;
            if arg > 0 {
                if let Value::Int(lasti) = peek(vm, f, arg as usize)? {
                    f.set_lasti_offset((lasti as u32).wrapping_mul(2));
                }
            }
            vm.reraising = true;
            return Err(Flow::Exc(exc));
        }
        Op::SetupFinally(target) => vm.push_block(f, BlockKind::Finally, target)?,
        Op::PopBlock => {
            if f.blocks.pop().is_none() {
                return Err(vm.fatal_at(f, "POP_BLOCK with no block".into()));
            }
        }
        Op::PopExcept => {
            if vm.sem.exc_triplets {
                match f.blocks.pop() {
                    Some(b) if b.kind == BlockKind::ExceptHandler => {}
                    _ => return Err(vm.fatal_at(f, "popped block is not an except handler".into())),
                }
                let v = popn(vm, f, 3)?;
                vm.exc_info = v[1].clone();
            } else {
                let v = pop(vm, f)?;
                vm.exc_info = v;
            }
        }
        Op::PushExcInfo => {
            let exc = pop(vm, f)?;
            let prev = std::mem::replace(&mut vm.exc_info, exc.clone());
            push(vm, f, prev)?;
            push(vm, f, exc)?;
        }
        Op::CheckExcMatch => {
            let t = pop(vm, f)?;
            let exc = peek(vm, f, 1)?;
            let r = vm.exception_matches(&exc, &t)?;
            push(vm, f, Value::Bool(r))?;
        }
        Op::JumpIfNotExcMatch(target) => {
            let t = pop(vm, f)?;
            let exc = pop(vm, f)?;
            if !vm.exception_matches(&exc, &t)? {
                f.ip = target;
            }
        }
        Op::BeginFinally => push(vm, f, Value::Null)?,
        Op::CallFinally(target) => {
            let ret = f.code.instrs.get(f.ip).map_or(0, |i| i.offset);
            push(vm, f, Value::Int(ret as i64))?;
            f.ip = target;
        }
        Op::EndFinally => {
            let top = pop(vm, f)?;
            match top {
                Value::Null => {}
                Value::Int(off) => match f.code.index_of(off as u32) {
                    Some(i) => f.ip = i,
                    None => {
                        return Err(
                            vm.fatal_at(f, format!("END_FINALLY return to bad offset {}", off))
                        )
                    }
                },
                _ => {
                    let v = popn(vm, f, 2)?;
                    vm.reraising = true;
                    return Err(Flow::Exc(v[1].clone()));
                }
            }
        }
        Op::PopFinally(preserve) => {
            let res = if preserve != 0 {
                Some(pop(vm, f)?)
            } else {
                None
            };
            let top = pop(vm, f)?;
            if !matches!(top, Value::Null | Value::Int(_)) {
                popn(vm, f, 2)?;
                match f.blocks.pop() {
                    Some(b) if b.kind == BlockKind::ExceptHandler => {}
                    _ => return Err(vm.fatal_at(f, "popped block is not an except handler".into())),
                }
                let v = popn(vm, f, 3)?;
                vm.exc_info = v[1].clone();
            }
            if let Some(r) = res {
                push(vm, f, r)?;
            }
        }
        _ => {}
    }
    Ok(())
}
