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
            match throw(vm, g, exc, true)? {
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
    let mut exc = vm.new_exc_value("GeneratorExit", "");
    // a generator in `yield from` closes its delegate first; an error from
    // that is what it then receives
    let yf = delegate_of(vm, &g.borrow());
    if let Some(yf) = yf {
        match with_delegating(vm, g, false, |vm| close_iter(vm, &yf)) {
            Ok(()) => {}
            Err(Flow::Exc(e)) => exc = e,
            Err(fatal) => return Err(fatal),
        }
    }
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

/// The iterator a generator suspended in `yield from` (or `await`)
/// delegates to: the top of its stack when it will re-run YIELD_FROM
/// (≤3.10) or resume at a RESUME marked "after yield from/await" (3.11+).
fn delegate_of(vm: &Vm, g: &Generator) -> Option<Value> {
    use pyctrace_bytecode::Mnemonic;
    let f = g.frame.as_ref()?;
    if !g.started || g.finished {
        return None;
    }
    let instr = f.code.instrs.get(f.ip)?;
    let delegating = if vm.sem.return_generator {
        instr.mnemonic == Some(Mnemonic::RESUME) && instr.arg.is_some_and(|a| a & 3 >= 2)
    } else {
        instr.mnemonic == Some(Mnemonic::YIELD_FROM)
    };
    if delegating {
        f.stack.last().cloned()
    } else {
        None
    }
}

/// Runs `op` on a generator's delegate while the generator counts as
/// running; `deeper`: the generator's frame is the delegate's caller (one
/// frame deeper, without events of its own), as for a generator delegate's
/// throw() from 3.10.
fn with_delegating<T>(
    vm: &mut Vm,
    g: &Rc<RefCell<Generator>>,
    deeper: bool,
    op: impl FnOnce(&mut Vm) -> PyResult<T>,
) -> PyResult<T> {
    let extra = deeper as u32;
    g.borrow_mut().running = true;
    vm.depth += extra;
    let r = op(vm);
    vm.depth -= extra;
    g.borrow_mut().running = false;
    r
}

/// Closes a `yield from` delegate: `close()` of a generator, the `close`
/// method of anything else (none: nothing to do).
fn close_iter(vm: &mut Vm, yf: &Value) -> PyResult<()> {
    if let Value::Generator(sub) = yf {
        return close(vm, sub).map(|_| ());
    }
    match vm.getattr(yf, "close") {
        Ok(m) => vm.call(&m, Vec::new(), Vec::new()).map(|_| ()),
        Err(e) if vm.exc_matches_name(&e, "AttributeError") => Ok(()),
        Err(e) => Err(e),
    }
}

/// `gen.throw(exc)`: thrown into the delegate of a generator in `yield
/// from` first (closed instead, for GeneratorExit); when the delegate ends
/// with an exception or a return value, the generator continues with that.
pub fn throw(
    vm: &mut Vm,
    g: &Rc<RefCell<Generator>>,
    exc: Value,
    close_on_genexit: bool,
) -> PyResult<crate::interp::GenStep> {
    use crate::interp::{GenStep, Resume};
    let yf = {
        let b = g.borrow();
        if b.running {
            None
        } else {
            delegate_of(vm, &b)
        }
    };
    let Some(yf) = yf else {
        return vm.gen_resume(g, Resume::Throw(exc));
    };
    if close_on_genexit && vm.exc_matches_name(&Flow::Exc(exc.clone()), "GeneratorExit") {
        return match with_delegating(vm, g, false, |vm| close_iter(vm, &yf)) {
            Ok(()) => vm.gen_resume(g, Resume::Throw(exc)),
            Err(Flow::Exc(e)) => vm.gen_resume(g, Resume::Throw(e)),
            Err(fatal) => Err(fatal),
        };
    }
    let deeper = vm.version.at_least(3, 10) && matches!(yf, Value::Generator(_));
    let sent = with_delegating(vm, g, deeper, |vm| -> PyResult<Option<Value>> {
        match &yf {
            Value::Generator(sub) => match throw(vm, sub, exc.clone(), close_on_genexit)? {
                GenStep::Yield(v) => Ok(Some(v)),
                GenStep::Return(v) => Err(vm.stop_iteration(v)),
            },
            other => match vm.getattr(other, "throw") {
                Ok(m) => vm.call(&m, vec![exc.clone()], Vec::new()).map(Some),
                Err(e) if vm.exc_matches_name(&e, "AttributeError") => Ok(None),
                Err(e) => Err(e),
            },
        }
    });
    let e = match sent {
        Ok(Some(v)) => return Ok(GenStep::Yield(v)),
        // no `throw` method: raised in the generator itself
        Ok(None) => return vm.gen_resume(g, Resume::Throw(exc)),
        Err(Flow::Exc(e)) => e,
        Err(fatal) => return Err(fatal),
    };
    if !vm.version.at_least(3, 12) {
        // ≤3.11: the delegate leaves the stack and the generator goes on
        // after its yield-from loop, with the return value or the error
        leave_yield_from(vm, g);
        if vm.exc_matches_name(&Flow::Exc(e.clone()), "StopIteration") {
            let v = crate::protocol::stop_value(&e);
            return vm.gen_resume(g, Resume::Value(v));
        }
    }
    // 3.12+: raised at the yield; CLEANUP_THROW takes a StopIteration's value
    vm.gen_resume(g, Resume::Throw(e))
}

/// ≤3.11: pops the delegate and moves the suspended frame past its
/// yield-from loop (≤3.10: after YIELD_FROM; 3.11: SEND's exit target,
/// with f_lasti on the unit before it).
fn leave_yield_from(vm: &Vm, g: &Rc<RefCell<Generator>>) {
    let mut b = g.borrow_mut();
    let Some(f) = b.frame.as_mut() else { return };
    f.stack.pop();
    f.lasti_delta = 0;
    if !vm.sem.return_generator {
        // YIELD_FROM was to be re-run: it counts as done
        let at = f.ip;
        if let Some(i) = f.code.instrs.get(at) {
            f.lasti = at;
            f.running = at;
            f.ip = i.next;
        }
        return;
    }
    // the SEND of this loop is the instruction before its YIELD_VALUE
    let send = f
        .lasti
        .checked_sub(1)
        .and_then(|i| match f.code.instrs.get(i) {
            Some(x) => match x.op {
                crate::lift::Op::Send(target) => Some(target),
                _ => None,
            },
            None => None,
        });
    if let Some(target) = send {
        if let Some(t) = f.code.instrs.get(target) {
            let before = t.offset.saturating_sub(2);
            f.ip = target;
            f.set_lasti_offset(before);
            f.running = f.lasti;
            f.resumes_past_yield_from = true;
        }
    }
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
