//! Comparisons: COMPARE_OP in its three encodings (lifted), IS_OP,
//! CONTAINS_OP, TO_BOOL and 3.8's COMPARE_OP forms for in/is/exception match.

use super::{pop, push};
use crate::interp::{Frame, PyResult, Vm};
use crate::lift::Op;
use crate::value::Value;

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::Compare { op, to_bool } => {
            let rhs = pop(vm, f)?;
            let lhs = pop(vm, f)?;
            let mut r = vm.compare(op, &lhs, &rhs)?;
            if to_bool {
                r = Value::Bool(vm.truthy(&r)?);
            }
            push(vm, f, r)
        }
        Op::CompareLegacy(kind) => {
            let rhs = pop(vm, f)?;
            let lhs = pop(vm, f)?;
            let r = match kind {
                6 => vm.contains(&rhs, &lhs)?,
                7 => !vm.contains(&rhs, &lhs)?,
                8 => lhs.is(&rhs),
                9 => !lhs.is(&rhs),
                _ => vm.exception_matches(&lhs, &rhs)?,
            };
            push(vm, f, Value::Bool(r))
        }
        Op::IsOp(invert) => {
            let rhs = pop(vm, f)?;
            let lhs = pop(vm, f)?;
            push(vm, f, Value::Bool(lhs.is(&rhs) != invert))
        }
        Op::ContainsOp(invert) => {
            let container = pop(vm, f)?;
            let item = pop(vm, f)?;
            let r = vm.contains(&container, &item)?;
            push(vm, f, Value::Bool(r != invert))
        }
        Op::ToBool => {
            let v = pop(vm, f)?;
            let b = vm.truthy(&v)?;
            push(vm, f, Value::Bool(b))
        }
        _ => Ok(()),
    }
}
