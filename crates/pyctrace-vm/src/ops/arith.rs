//! Arithmetic: unary and binary operators (BINARY_*/INPLACE_* ≤3.10,
//! BINARY_OP 3.11+, lifted to one form).

use super::{pop, push};
use crate::interp::{Frame, PyResult, Vm};
use crate::lift::Op;

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::Unary(u) => {
            let v = pop(vm, f)?;
            let r = vm.unary_op(u, &v)?;
            push(vm, f, r)
        }
        Op::Binary(b, inplace) => {
            let rhs = pop(vm, f)?;
            let lhs = pop(vm, f)?;
            let r = if inplace {
                vm.inplace_op(b, &lhs, &rhs)?
            } else {
                vm.binary_op(b, &lhs, &rhs)?
            };
            push(vm, f, r)
        }
        _ => Ok(()),
    }
}
