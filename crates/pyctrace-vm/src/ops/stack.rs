//! Stack shuffling: POP_TOP, ROT_*, DUP_*, COPY, SWAP, PUSH_NULL, END_FOR.

use super::{peek, pop, push};
use crate::interp::{Frame, PyResult, Vm};
use crate::lift::Op;
use crate::value::Value;

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::PopTop => {
            pop(vm, f)?;
        }
        Op::EndFor(n) => {
            for _ in 0..n {
                pop(vm, f)?;
            }
        }
        Op::RotTwo => rotate(vm, f, 2)?,
        Op::RotThree => rotate(vm, f, 3)?,
        Op::RotFour => rotate(vm, f, 4)?,
        Op::RotN(n) => rotate(vm, f, n as usize)?,
        Op::DupTop => {
            let v = peek(vm, f, 1)?;
            push(vm, f, v)?;
        }
        Op::DupTopTwo => {
            let a = peek(vm, f, 2)?;
            let b = peek(vm, f, 1)?;
            push(vm, f, a)?;
            push(vm, f, b)?;
        }
        Op::Copy(n) => {
            let v = peek(vm, f, n as usize)?;
            push(vm, f, v)?;
        }
        Op::Swap(n) => {
            let n = n as usize;
            peek(vm, f, n)?;
            let len = f.stack.len();
            f.stack.swap(len - 1, len - n);
        }
        Op::PushNull => push(vm, f, Value::Null)?,
        _ => {}
    }
    Ok(())
}

/// Moves the top value down `n - 1` places.
fn rotate(vm: &mut Vm, f: &mut Frame, n: usize) -> PyResult<()> {
    if n < 2 {
        return Ok(());
    }
    peek(vm, f, n)?;
    let len = f.stack.len();
    f.stack[len - n..].rotate_right(1);
    Ok(())
}
