//! Generator objects: a suspended frame plus its state. Resuming runs the
//! frame in the one interpreter loop until it yields or returns.

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::frame::Frame;
use crate::interp::{Args, PyResult, Vm};
use crate::value::Value;

pub struct Generator {
    /// `None` while running (the frame is lent to the interpreter) or when finished.
    pub frame: Option<Box<Frame>>,
    pub name: String,
    pub qualname: String,
    pub running: bool,
    pub finished: bool,
    /// Whether the frame ran at least once (3.8/3.9: the first send pushes nothing).
    pub started: bool,
}

pub const METHODS: &[&str] = &["send", "throw", "close"];

pub fn call_method(
    vm: &mut Vm,
    g: &Rc<RefCell<Generator>>,
    name: &str,
    args: Args,
) -> PyResult<Value> {
    match name {
        "send" => {
            let v = args.pos.first().cloned().unwrap_or(Value::None);
            vm.gen_send_or_stop(g, v)
        }
        "throw" => {
            let exc = args.pos.first().cloned().unwrap_or(Value::None);
            let exc = vm.make_exception_from(exc, args.pos.get(1).cloned())?;
            match vm.gen_resume(g, crate::interp::Resume::Throw(exc))? {
                crate::interp::GenStep::Yield(v) => Ok(v),
                crate::interp::GenStep::Return(v) => Err(vm.stop_iteration(v)),
            }
        }
        "close" => {
            {
                let b = g.borrow();
                if b.finished || !b.started {
                    drop(b);
                    g.borrow_mut().finished = true;
                    g.borrow_mut().frame = None;
                    return Ok(Value::None);
                }
            }
            let exc = vm.new_exc_value("GeneratorExit", "");
            match vm.gen_resume(g, crate::interp::Resume::Throw(exc)) {
                Ok(crate::interp::GenStep::Yield(_)) => {
                    Err(vm.new_exc("RuntimeError", "generator ignored GeneratorExit"))
                }
                Ok(crate::interp::GenStep::Return(_)) => Ok(Value::None),
                Err(e)
                    if vm.exc_matches_name(&e, "GeneratorExit")
                        || vm.exc_matches_name(&e, "StopIteration") =>
                {
                    Ok(Value::None)
                }
                Err(e) => Err(e),
            }
        }
        _ => Err(vm.attr_error(&Value::Generator(g.clone()), name)),
    }
}
