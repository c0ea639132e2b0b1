//! Generator objects: a suspended frame plus its state. Resuming runs the
//! frame in the one interpreter loop until it yields or returns.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::interp::frame::Frame;
use crate::interp::{Args, Flow, PyResult, Vm};
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
        "close" => close(vm, g),
        _ => Err(vm.attr_error(&Value::Generator(g.clone()), name)),
    }
}

/// `gen.close()`: GeneratorExit thrown in at the suspension point.
pub fn close(vm: &mut Vm, g: &Rc<RefCell<Generator>>) -> PyResult<Value> {
    {
        let b = g.borrow();
        // up to 3.11 a generator that never ran is still entered to take
        // the GeneratorExit (its frame has call/exception/return events)
        let skip = b.finished
            || (!b.started && !vm.sem.close_runs_unstarted)
            || (vm.sem.close_skips_depth1_yield && b.started && at_depth1_yield(&b));
        if skip {
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

/// 3.13: suspended at a RESUME after a yield with exception depth 1.
fn at_depth1_yield(g: &Generator) -> bool {
    let Some(f) = &g.frame else { return false };
    f.code.instrs.get(f.ip).is_some_and(|i| {
        i.mnemonic == Some(pyctrace_bytecode::Mnemonic::RESUME) && i.arg.is_some_and(|a| a & 4 != 0)
    })
}

thread_local! {
    /// Suspended generators whose last reference went away: CPython closes
    /// them right then (`_PyGen_Finalize`); the interpreter loop does it
    /// before its next instruction.
    static ABANDONED: RefCell<Vec<Generator>> = const { RefCell::new(Vec::new()) };
    static ANY_ABANDONED: Cell<bool> = const { Cell::new(false) };
}

impl Drop for Generator {
    fn drop(&mut self) {
        if self.finished || self.running || self.frame.is_none() {
            return;
        }
        let gen = Generator {
            frame: self.frame.take(),
            name: std::mem::take(&mut self.name),
            qualname: std::mem::take(&mut self.qualname),
            running: false,
            finished: false,
            started: self.started,
        };
        // while the queue is borrowed (being cleared) the frame just goes
        let _ = ABANDONED.try_with(|q| {
            if let Ok(mut q) = q.try_borrow_mut() {
                q.push(gen);
                ANY_ABANDONED.with(|a| a.set(true));
            }
        });
    }
}

/// Whether generators wait to be finalized (cheap, checked per instruction).
#[inline]
pub fn any_abandoned() -> bool {
    ANY_ABANDONED.with(|a| a.get())
}

/// Closes the abandoned generators, as CPython's finalizer does: an
/// exception escaping `close` is printed as "Exception ignored" and
/// dropped; only VM-fatal errors propagate.
pub fn finalize_abandoned(vm: &mut Vm) -> PyResult<()> {
    loop {
        let next = ABANDONED.with(|q| {
            let mut q = q.borrow_mut();
            let g = q.pop();
            if q.is_empty() {
                ANY_ABANDONED.with(|a| a.set(false));
            }
            g
        });
        let Some(gen) = next else { return Ok(()) };
        let g = Rc::new(RefCell::new(gen));
        let r = close(vm, &g);
        {
            // whatever happened, it is not finalized twice
            let mut b = g.borrow_mut();
            b.finished = true;
            b.frame = None;
        }
        match r {
            Ok(_) => {}
            Err(Flow::Exc(e)) => {
                let what = vm.repr(&Value::Generator(g.clone())).unwrap_or_default();
                let text = crate::protocol::format_exception(vm, &e);
                vm.io
                    .write_stderr(&format!("Exception ignored in: {}\n{}", what, text));
            }
            Err(fatal) => return Err(fatal),
        }
    }
}

/// Forgets abandoned generators without running them (a run ends, or a
/// new one starts on this thread).
pub fn discard_abandoned() {
    loop {
        // taken out first: dropping their frames may abandon more
        let batch = ABANDONED.with(|q| std::mem::take(&mut *q.borrow_mut()));
        ANY_ABANDONED.with(|a| a.set(false));
        if batch.is_empty() {
            return;
        }
        for mut g in batch {
            g.finished = true;
            drop(g);
        }
    }
}
