//! Iteration: GET_ITER and FOR_ITER (whose exhausted exit differs by
//! version: 3.12 skips END_FOR, 3.13 END_FOR and POP_TOP; lifted).

use super::{peek, pop, push};
use crate::interp::{Frame, PyResult, Vm};
use crate::lift::Op;

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::GetIter => {
            let v = pop(vm, f)?;
            let it = vm.iter(&v)?;
            push(vm, f, it)
        }
        Op::ForIter { exhausted, .. } => {
            let it = peek(vm, f, 1)?;
            let next = if vm.slow_path {
                crate::interp::pytrace::for_iter_next(vm, f, &it)?
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
