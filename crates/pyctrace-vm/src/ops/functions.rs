//! Function creation: MAKE_FUNCTION (with its flag-selected extras on the
//! stack; qualname on the stack ≤3.10) and 3.13 SET_FUNCTION_ATTRIBUTE.

use std::rc::Rc;

use super::{pop, push};
use crate::interp::{Frame, PyResult, Vm};
use crate::lift::Op;
use crate::types::function::Function;
use crate::value::Value;

fn apply_attribute(vm: &mut Vm, func: &mut Function, flag: u32, v: Value) -> PyResult<()> {
    match flag {
        1 => func.defaults = vm.collect(v)?,
        2 => {
            if let Value::Dict(d) = &v {
                func.kwdefaults = d
                    .borrow()
                    .items()
                    .into_iter()
                    .map(|(k, v)| (k.as_str().unwrap_or("").to_string(), v))
                    .collect();
            }
        }
        4 => func.annotations = Some(v),
        8 => {
            func.closure = match v {
                Value::Tuple(t) => t
                    .iter()
                    .filter_map(|c| match c {
                        Value::Cell(c) => Some(c.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            }
        }
        _ => {}
    }
    Ok(())
}

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::MakeFunction {
            flags,
            qualname_on_stack,
        } => {
            let qualname = if qualname_on_stack {
                Some(pop(vm, f)?)
            } else {
                None
            };
            let code = match pop(vm, f)? {
                Value::Code(c) => c,
                _ => return Err(vm.fatal_at(f, "MAKE_FUNCTION without a code object".into())),
            };
            let qualname = match qualname {
                Some(Value::Str(s)) => s.s.clone(),
                _ => code.qualname.clone(),
            };
            let mut func = Function {
                name: code.name.clone(),
                qualname,
                code,
                globals: f.globals.clone(),
                defaults: Vec::new(),
                kwdefaults: Vec::new(),
                closure: Vec::new(),
                annotations: None,
                attrs: Default::default(),
            };
            for flag in [8, 4, 2, 1] {
                if flags & flag != 0 {
                    let v = pop(vm, f)?;
                    apply_attribute(vm, &mut func, flag, v)?;
                }
            }
            push(vm, f, Value::Function(Rc::new(func)))
        }
        Op::SetFunctionAttribute(flag) => {
            let func = pop(vm, f)?;
            let v = pop(vm, f)?;
            let Value::Function(func) = func else {
                return Err(vm.fatal_at(f, "SET_FUNCTION_ATTRIBUTE on a non-function".into()));
            };
            let mut func = (*func).clone();
            apply_attribute(vm, &mut func, flag, v)?;
            push(vm, f, Value::Function(Rc::new(func)))
        }
        _ => Ok(()),
    }
}
