//! Control flow: jumps (absolute ≤3.9, code-unit relative later, all lifted
//! to instruction indexes), conditional jumps, returns.

use super::{peek, pop};
use crate::interp::{Frame, FrameExit, PyResult, Vm};
use crate::lift::{JumpCond, Op};

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::Jump(t) => f.ip = t,
        Op::PopJumpIf { cond, target } => {
            let v = pop(vm, f)?;
            let take = match cond {
                JumpCond::False => !vm.truthy(&v)?,
                JumpCond::True => vm.truthy(&v)?,
                JumpCond::None => v.is_none(),
                JumpCond::NotNone => !v.is_none(),
            };
            if take {
                f.ip = target;
            }
        }
        Op::JumpIfOrPop { when, target } => {
            let v = peek(vm, f, 1)?;
            if vm.truthy(&v)? == when {
                f.ip = target;
            } else {
                pop(vm, f)?;
            }
        }
        _ => {}
    }
    Ok(())
}

pub fn ret(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<FrameExit> {
    let v = match *op {
        Op::ReturnConst(i) => match f.code.consts.get(i as usize) {
            Some(v) => v.clone(),
            None => return Err(vm.fatal_at(f, format!("constant index {} out of range", i))),
        },
        _ => pop(vm, f)?,
    };
    Ok(FrameExit::Return(v))
}
