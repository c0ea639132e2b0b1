//! Calls, in every convention: CALL_FUNCTION/_KW/CALL_METHOD (≤3.10),
//! PRECALL+CALL+KW_NAMES (3.11), CALL+KW_NAMES (3.12), CALL/CALL_KW (3.13),
//! CALL_FUNCTION_EX; and CALL_INTRINSIC_1.
//!
//! The method-call pair below the arguments is read the same way in all
//! versions: `[NULL, f]` (≤3.12) and `[f, NULL]` (3.13) call `f`;
//! `[m, self]` calls `m(self, ...)`.

use super::{pop, popn, push};
use crate::interp::{Flow, Frame, PyResult, Vm};
use crate::lift::Op;
use crate::value::Value;

fn kw_split(
    vm: &Vm,
    f: &Frame,
    mut args: Vec<Value>,
    names: &Value,
) -> PyResult<(Vec<Value>, Vec<(String, Value)>)> {
    let Value::Tuple(names) = names else {
        return Err(vm.fatal_at(f, "keyword names are not a tuple".into()));
    };
    if names.len() > args.len() {
        return Err(vm.fatal_at(f, "more keyword names than arguments".into()));
    }
    let kwv = args.split_off(args.len() - names.len());
    let kw = names
        .iter()
        .zip(kwv)
        .map(|(n, v)| (n.as_str().unwrap_or("").to_string(), v))
        .collect();
    Ok((args, kw))
}

/// Calls through a method pair `(a, b)` as described in the module docs.
fn call_pair(
    vm: &mut Vm,
    f: &mut Frame,
    a: Value,
    b: Value,
    mut args: Vec<Value>,
    kw: Vec<(String, Value)>,
) -> PyResult<Value> {
    let callable = if a.is_null() {
        b
    } else if b.is_null() {
        a
    } else {
        args.insert(0, b);
        a
    };
    call_in_frame(vm, f, &callable, args, kw)
}

/// CALL of 3.11/3.12: a Python function (plain or bound) runs inline, and
/// CPython has moved the caller's `f_lasti` to the CALL's last CACHE unit
/// before the callee starts, so an exception coming back from the callee
/// is reported there (argument binding errors still at the CALL).
fn call_pair_inline(
    vm: &mut Vm,
    f: &mut Frame,
    a: Value,
    b: Value,
    mut args: Vec<Value>,
    kw: Vec<(String, Value)>,
) -> PyResult<Value> {
    if b.is_null() {
        return call_pair(vm, f, a, b, args, kw);
    }
    if !a.is_null() {
        // `[m, self]`: only a plain function m runs inline (a bound method
        // in the m slot, as `with` exits have, goes through C)
        let Value::Function(func) = &a else {
            args.insert(0, b);
            return call_in_frame(vm, f, &a, args, kw);
        };
        let func = func.clone();
        args.insert(0, b);
        return call_inline(vm, f, &func, args, kw);
    }
    // `[NULL, callable]`: a bound method of a Python function is unpacked
    let func = match &b {
        Value::Function(func) => func.clone(),
        Value::BoundMethod(m) => match &m.func {
            Value::Function(func) => {
                args.insert(0, m.self_.clone());
                func.clone()
            }
            _ => return call_in_frame(vm, f, &b, args, kw),
        },
        _ => return call_in_frame(vm, f, &b, args, kw),
    };
    call_inline(vm, f, &func, args, kw)
}

fn call_inline(
    vm: &mut Vm,
    f: &mut Frame,
    func: &std::rc::Rc<crate::types::function::Function>,
    args: Vec<Value>,
    kw: Vec<(String, Value)>,
) -> PyResult<Value> {
    let locals = func.bind(vm, args, kw)?;
    if let Some(slot) = vm.frames.last_mut() {
        slot.lasti = f.lasti;
    }
    let r = vm.run_function(func, locals);
    if r.is_err() {
        let caches = f.code.instrs.get(f.lasti).map_or(0, |i| i.caches as i32);
        f.lasti_delta = 2 * caches;
    }
    r
}

/// A call made by an instruction of frame `f`: zero-argument `super()`
/// reads the frame, everything else is an ordinary call.
pub fn call_in_frame(
    vm: &mut Vm,
    f: &mut Frame,
    callable: &Value,
    args: Vec<Value>,
    kw: Vec<(String, Value)>,
) -> PyResult<Value> {
    // frame objects read the instruction a caller is at from here
    if let Some(slot) = vm.frames.last_mut() {
        slot.lasti = f.lasti;
    }
    if let Value::Native(n) = callable {
        if args.is_empty() && kw.is_empty() && n.name == "super" {
            return zero_arg_super(vm, f);
        }
        if crate::observe::wants_frame(n.name) {
            crate::observe::enter_from_frame(vm, f, n.name);
            let r = vm.call(callable, args, kw);
            vm.observe.caller = None;
            return r;
        }
    }
    let introspects = match callable {
        Value::Native(n) if n.name == "_getframe" => true,
        _ => vm.frames.last().is_some_and(|s| s.obj.is_some()),
    };
    if vm.slow_path || introspects {
        return crate::interp::pytrace::call_from_frame(vm, f, callable, args, kw);
    }
    vm.call(callable, args, kw)
}

fn zero_arg_super(vm: &mut Vm, f: &Frame) -> PyResult<Value> {
    let first = f.locals.first().cloned().flatten();
    let first = match first {
        Some(Value::Cell(c)) => c.borrow().clone(),
        other => other,
    };
    let class_slot = f
        .code
        .localsplus_names
        .iter()
        .rposition(|n| n == "__class__");
    let class = class_slot.and_then(|s| match f.locals.get(s).cloned().flatten() {
        Some(Value::Cell(c)) => c.borrow().clone(),
        _ => None,
    });
    match (class, first) {
        (Some(c), Some(obj)) => crate::builtins::make_super(vm, &c, &obj),
        _ => Err(vm.new_exc("RuntimeError", "super(): no arguments")),
    }
}

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    let r = match *op {
        Op::KwNames(i) => {
            f.kw_names = f.code.consts.get(i as usize).cloned();
            return Ok(());
        }
        Op::CallFunction(n) => {
            let args = popn(vm, f, n as usize)?;
            let func = pop(vm, f)?;
            call_in_frame(vm, f, &func, args, Vec::new())?
        }
        Op::CallFunctionKw(n) => {
            let names = pop(vm, f)?;
            let args = popn(vm, f, n as usize)?;
            let func = pop(vm, f)?;
            let (pos, kw) = kw_split(vm, f, args, &names)?;
            call_in_frame(vm, f, &func, pos, kw)?
        }
        Op::CallMethod(n) => {
            let args = popn(vm, f, n as usize)?;
            let b = pop(vm, f)?;
            let a = pop(vm, f)?;
            call_pair(vm, f, a, b, args, Vec::new())?
        }
        Op::Call { argc, kw_on_stack } => {
            let names = if kw_on_stack {
                Some(pop(vm, f)?)
            } else {
                f.kw_names.take()
            };
            let args = popn(vm, f, argc as usize)?;
            let b = pop(vm, f)?;
            let a = pop(vm, f)?;
            let (pos, kw) = match names {
                Some(n) => kw_split(vm, f, args, &n)?,
                None => (args, Vec::new()),
            };
            if vm.sem.inline_call_lasti_at_cache {
                call_pair_inline(vm, f, a, b, pos, kw)?
            } else {
                call_pair(vm, f, a, b, pos, kw)?
            }
        }
        Op::CallFunctionEx { kwargs, null_pair } => {
            let kw = if kwargs { Some(pop(vm, f)?) } else { None };
            let args = pop(vm, f)?;
            let pos = vm.collect(args)?;
            let kw = match kw {
                Some(Value::Dict(d)) => {
                    let mut out = Vec::new();
                    for (k, v) in d.borrow().items() {
                        match k {
                            Value::Str(s) => out.push((s.s.clone(), v)),
                            _ => return Err(vm.type_error("keywords must be strings".into())),
                        }
                    }
                    out
                }
                Some(other) => {
                    let t = vm.type_name(&other);
                    return Err(
                        vm.type_error(format!("argument after ** must be a mapping, not {}", t))
                    );
                }
                None => Vec::new(),
            };
            if null_pair {
                let b = pop(vm, f)?;
                let a = pop(vm, f)?;
                call_pair(vm, f, a, b, pos, kw)?
            } else {
                let func = pop(vm, f)?;
                call_in_frame(vm, f, &func, pos, kw)?
            }
        }
        Op::CallIntrinsic1(which) => {
            let v = pop(vm, f)?;
            match which {
                // INTRINSIC_STOPITERATION_ERROR (generator bodies, 3.12+)
                3 => {
                    let r = if vm.exc_matches_name(&Flow::Exc(v.clone()), "StopIteration") {
                        let r = vm.new_exc_value("RuntimeError", "generator raised StopIteration");
                        if let Value::Instance(i) = &r {
                            if let Some(d) = &i.exc {
                                d.borrow_mut().cause = Some(v.clone());
                                d.borrow_mut().context = Some(v.clone());
                                d.borrow_mut().suppress_context = true;
                            }
                        }
                        r
                    } else {
                        v
                    };
                    r
                }
                // INTRINSIC_UNARY_POSITIVE
                5 => vm.unary_op(crate::lift::UnaryOp::Pos, &v)?,
                // INTRINSIC_LIST_TO_TUPLE
                6 => Value::tuple(vm.collect(v)?),
                _ => {
                    let name = f.code.instrs[f.lasti].opname();
                    return Err(vm.unsupported(&format!("{} {}", name, which)));
                }
            }
        }
        _ => return Ok(()),
    };
    push(vm, f, r)
}
