//! Instruction families. Each module handles the lifted ops of one family;
//! `interp::Vm::exec` dispatches to them.

pub mod arith;
pub mod build;
pub mod calls;
pub mod compare;
pub mod context;
pub mod control;
pub mod exceptions;
pub mod functions;
pub mod generators;
pub mod imports;
pub mod iteration;
pub mod load_store;
pub mod matching;
pub mod stack;

use crate::interp::{Frame, PyResult, Vm};
use crate::value::Value;

/// Pops the top of the stack; an empty stack is bad code, not a panic.
pub fn pop(vm: &Vm, f: &mut Frame) -> PyResult<Value> {
    match f.stack.pop() {
        Some(v) => Ok(v),
        None => Err(vm.fatal_at(f, "stack underflow".into())),
    }
}

/// Pops `n` values, bottom first.
pub fn popn(vm: &Vm, f: &mut Frame, n: usize) -> PyResult<Vec<Value>> {
    if f.stack.len() < n {
        return Err(vm.fatal_at(f, "stack underflow".into()));
    }
    let at = f.stack.len() - n;
    Ok(f.stack.split_off(at))
}

/// The value `i` places from the top (1 = top).
pub fn peek(vm: &Vm, f: &Frame, i: usize) -> PyResult<Value> {
    if i == 0 || f.stack.len() < i {
        return Err(vm.fatal_at(f, "stack underflow".into()));
    }
    Ok(f.stack[f.stack.len() - i].clone())
}

pub fn push(vm: &mut Vm, f: &mut Frame, v: Value) -> PyResult<()> {
    if f.stack.len() > 100_000 {
        return Err(vm.fatal_at(f, "value stack overflow".into()));
    }
    f.stack.push(v);
    Ok(())
}

/// The name `co_names[i]`.
pub fn name(vm: &Vm, f: &Frame, i: u32) -> PyResult<String> {
    match f.code.names.get(i as usize) {
        Some(Value::Str(s)) => Ok(s.s.clone()),
        _ => Err(vm.fatal_at(f, format!("name index {} out of range", i))),
    }
}
