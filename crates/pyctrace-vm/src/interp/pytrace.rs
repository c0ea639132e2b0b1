//! The program's own tracing: `sys.settrace` / `sys.setprofile` with
//! CPython's semantics, beside (and invisible to) pyctrace's trace sink.
//!
//! * The global trace function gets `'call'` for each new (or resumed)
//!   frame; what it returns becomes the frame's `f_trace`, which then gets
//!   `'line'`, `'opcode'` (when `f_trace_opcodes`), `'exception'` and
//!   `'return'`. A result other than None replaces `f_trace`.
//! * The profile function gets `'call'`, `'return'`, and `'c_call'`,
//!   `'c_return'`, `'c_exception'` around calls of builtins.
//! * Trace and profile functions run untraced (by the program's hooks and
//!   by pyctrace's sink, as the cpython engine sees them); one that raises
//!   switches tracing off and its exception propagates in the traced frame.
//!
//! The interpreter enters these hooks only on its slow path
//! (`Vm::slow_path`), which is off unless a sink or a program hook is set.
//!
//! When a line starts (CPython's rules per version):
//! * 3.8/3.9 (`co_lnotab` windows): the instruction starts a line-table
//!   range, or execution jumped backwards;
//! * 3.10/3.11: its line differs from the line of the instruction run
//!   before in the frame, or execution jumped backwards (not into a
//!   `yield from` loop);
//! * 3.12+ (legacy tracing over `sys.monitoring`): the instruction starts a
//!   line or is a jump target, and the instruction run before was on
//!   another line or was RESUME; or a backward jump stays on its line.

use std::rc::Rc;

use pyctrace_bytecode::Mnemonic;

use super::{Flow, Frame, PyResult, Vm};
use crate::code::CodeObj;
use crate::types::frame::FrameObj;
use crate::value::Value;

/// The program's hooks.
#[derive(Default)]
pub struct PyTrace {
    /// `sys.settrace`.
    pub trace: Option<Value>,
    /// `sys.setprofile`.
    pub profile: Option<Value>,
    /// A trace or profile function is running.
    pub busy: bool,
    /// 3.12: some frame's `f_trace_opcodes` was set True...
    pub opcode_trace_set: bool,
    /// ...before the current trace function was installed (3.12 gives
    /// opcode events only then).
    pub opcodes_armed: bool,
}

impl PyTrace {
    pub fn active(&self) -> bool {
        !self.busy && (self.trace.is_some() || self.profile.is_some())
    }
}

impl Vm<'_> {
    /// Recomputes whether the interpreter must take its slow path.
    pub fn update_slow_path(&mut self) {
        self.slow_path = self.tracer.is_some() || self.pytrace.active();
    }

    pub fn set_program_trace(&mut self, f: Option<Value>) {
        self.pytrace.opcodes_armed = f.is_some() && self.pytrace.opcode_trace_set;
        self.pytrace.trace = f;
        self.update_slow_path();
    }

    pub fn set_program_profile(&mut self, f: Option<Value>) {
        self.pytrace.profile = f;
        self.update_slow_path();
    }
}

/// Calls a trace or profile function with everything else off.
fn call_hook(
    vm: &mut Vm,
    hook: &Value,
    frame: &Rc<FrameObj>,
    event: &str,
    arg: Value,
) -> PyResult<Value> {
    let sink = vm.tracer.take();
    vm.pytrace.busy = true;
    vm.slow_path = false;
    let r = vm.call(
        hook,
        vec![Value::Frame(frame.clone()), Value::str(event), arg],
        Vec::new(),
    );
    vm.pytrace.busy = false;
    vm.tracer = sink;
    vm.update_slow_path();
    r
}

/// A trace event for the frame object `o`: `'call'` goes to the global
/// trace function, the others to `f_trace`.
fn trace_event(vm: &mut Vm, o: &Rc<FrameObj>, event: &str, arg: Value) -> PyResult<()> {
    let callback = if event == "call" {
        match &vm.pytrace.trace {
            Some(t) => t.clone(),
            None => return Ok(()),
        }
    } else {
        let t = o.state.borrow().trace.clone();
        if t.is_none() || vm.pytrace.trace.is_none() {
            return Ok(());
        }
        t
    };
    match call_hook(vm, &callback, o, event, arg) {
        Ok(r) => {
            if !r.is_none() {
                o.state.borrow_mut().trace = r;
            }
            Ok(())
        }
        Err(e) => {
            // CPython: a failing trace function is removed
            if matches!(e, Flow::Exc(_)) {
                vm.set_program_trace(None);
                o.state.borrow_mut().trace = Value::None;
            }
            Err(e)
        }
    }
}

fn profile_event(vm: &mut Vm, o: &Rc<FrameObj>, event: &str, arg: Value) -> PyResult<()> {
    let Some(p) = vm.pytrace.profile.clone() else {
        return Ok(());
    };
    match call_hook(vm, &p, o, event, arg) {
        Ok(_) => Ok(()),
        Err(e) => {
            if matches!(e, Flow::Exc(_)) {
                vm.set_program_profile(None);
            }
            Err(e)
        }
    }
}

/// A frame starts or resumes (`resumed`: a generator continuing): the
/// `'call'` events.
pub fn frame_enter(vm: &mut Vm, f: &Frame, resumed: bool) -> PyResult<()> {
    if !vm.pytrace.active() {
        return Ok(());
    }
    let Some(o) = vm.current_frame_object(f) else {
        return Ok(());
    };
    {
        let mut st = o.state.borrow_mut();
        if !resumed {
            st.prev = None;
        } else if vm.sem.return_generator {
            // 3.11+: the call event comes from RESUME, which counts as the
            // instruction run before the next one
            st.prev = Some(f.lasti);
        }
    }
    if vm.pytrace.profile.is_some() {
        profile_event(vm, &o, "call", Value::None)?;
    }
    if vm.pytrace.trace.is_some() {
        trace_event(vm, &o, "call", Value::None)?;
    }
    Ok(())
}

/// A frame leaves (returns, yields or raises): the `'return'` events.
pub fn frame_exit(vm: &mut Vm, f: &Frame, value: Value) -> PyResult<()> {
    if !vm.pytrace.active() {
        return Ok(());
    }
    let Some(o) = vm.current_frame_object(f) else {
        return Ok(());
    };
    if vm.pytrace.trace.is_some() {
        trace_event(vm, &o, "return", value.clone())?;
    }
    if vm.pytrace.profile.is_some() {
        profile_event(vm, &o, "return", value)?;
    }
    Ok(())
}

/// An exception was raised in (or passed into) the frame.
pub fn exception(vm: &mut Vm, f: &Frame, exc: &Value) -> PyResult<()> {
    if !vm.pytrace.active() || vm.pytrace.trace.is_none() {
        return Ok(());
    }
    let Some(o) = vm.frames.last().and_then(|s| s.obj.clone()) else {
        return Ok(());
    };
    if o.state.borrow().trace.is_none() {
        return Ok(());
    }
    let o = vm.current_frame_object(f).unwrap_or(o);
    let t = Value::Class(vm.type_of(exc));
    let arg = Value::tuple(vec![t, exc.clone(), Value::None]);
    trace_event(vm, &o, "exception", arg)
}

/// Before the instruction `idx` of `f` runs: `'line'` and `'opcode'`.
pub fn instruction(vm: &mut Vm, f: &Frame, idx: usize) -> PyResult<()> {
    if !vm.pytrace.active() || vm.pytrace.trace.is_none() {
        return Ok(());
    }
    let Some(o) = vm.frames.last().and_then(|s| s.obj.clone()) else {
        return Ok(());
    };
    let (prev, traced, lines, opcodes) = {
        let mut st = o.state.borrow_mut();
        let prev = st.prev.replace(idx);
        (prev, !st.trace.is_none(), st.trace_lines, st.trace_opcodes)
    };
    if !traced {
        return Ok(());
    }
    let line = line_event(vm, &f.code, idx, prev);
    if let (Some(l), false) = (line, vm.version.at_least(3, 10)) {
        o.state.borrow_mut().traced_lineno = l;
    }
    let line = line.filter(|_| lines);
    let opcodes = opcodes
        && (vm.pytrace.opcodes_armed || vm.version.at_least(3, 13) || !vm.version.at_least(3, 12));
    if line.is_some() || opcodes {
        let o = vm.current_frame_object(f).unwrap_or(o);
        if line.is_some() {
            trace_event(vm, &o, "line", Value::None)?;
        }
        if opcodes {
            trace_event(vm, &o, "opcode", Value::None)?;
        }
    }
    Ok(())
}

/// Calls of builtins, for the profile function.
pub fn c_call(vm: &mut Vm, f: &Frame, callable: &Value, event: &str) -> PyResult<()> {
    if !vm.pytrace.active() || vm.pytrace.profile.is_none() {
        return Ok(());
    }
    let Some(o) = vm.current_frame_object(f) else {
        return Ok(());
    };
    profile_event(vm, &o, event, callable.clone())
}

fn mnemonic(code: &CodeObj, idx: usize) -> Option<Mnemonic> {
    code.instrs.get(idx).and_then(|i| i.mnemonic)
}

/// The line of the instruction before `idx` in code order (skipping the
/// entries decoded after EXTENDED_ARG prefixes), `None` at the start.
fn line_before(code: &CodeObj, idx: usize) -> Option<Option<i32>> {
    let mut j = idx;
    while j > 0 {
        j -= 1;
        if !code.instrs[j].after_ext {
            return Some(code.lines.get(j).copied().flatten());
        }
    }
    None
}

/// The line whose event the instruction `idx` gives, if any, coming from
/// the instruction `prev` (`None`: the frame just started).
fn line_event(vm: &Vm, code: &CodeObj, idx: usize, prev: Option<usize>) -> Option<i32> {
    let line = code.lines.get(idx).copied().flatten()?;
    let backward = prev.is_some_and(|p| idx < p);
    let line_of = |i: usize| code.lines.get(i).copied().flatten();
    if !vm.version.at_least(3, 10) {
        let starts = match line_before(code, idx) {
            None => true,
            Some(l) => l != Some(line),
        };
        return (starts || backward).then_some(line);
    }
    if !vm.version.at_least(3, 12) {
        let last = prev.and_then(line_of);
        let yield_from = matches!(
            mnemonic(code, idx),
            Some(Mnemonic::SEND) | Some(Mnemonic::YIELD_FROM)
        );
        return (last != Some(line) || (backward && !yield_from)).then_some(line);
    }
    let Some(p) = prev else {
        return Some(line);
    };
    let jumped = code.instrs.get(p).is_some_and(|x| x.next != idx);
    let starts = match line_before(code, idx) {
        None => true,
        Some(l) => l != Some(line),
    };
    if (starts || jumped)
        && (mnemonic(code, p) == Some(Mnemonic::RESUME) || line_of(p) != Some(line))
    {
        return Some(line);
    }
    let jump_back = backward && mnemonic(code, p) == Some(Mnemonic::JUMP_BACKWARD);
    (jump_back && line_of(p) == Some(line)).then_some(line)
}

/// A call made by an instruction of `f` on the slow path: `sys._getframe`
/// gets the caller's locals, and calls of builtins are profiled.
pub fn call_from_frame(
    vm: &mut Vm,
    f: &Frame,
    callable: &Value,
    args: Vec<Value>,
    kw: Vec<(String, Value)>,
) -> PyResult<Value> {
    let builtin = match callable {
        Value::Native(_) | Value::NativeMethod(_) => true,
        Value::BoundMethod(m) => matches!(m.func, Value::Native(_)),
        _ => false,
    };
    let profiled = builtin && vm.pytrace.active() && vm.pytrace.profile.is_some();
    if profiled {
        c_call(vm, f, callable, "c_call")?;
    }
    // f_locals of a frame object made earlier follows its frame at calls;
    // `sys._getframe()` sees the caller's current locals
    let wants_frame = matches!(callable, Value::Native(n) if n.name == "_getframe");
    if wants_frame {
        vm.current_frame_object(f);
    } else if let Some(o) = vm.frames.last().and_then(|s| s.obj.clone()) {
        crate::types::frame::refresh_locals(&o, f);
    }
    let r = vm.call(callable, args, kw);
    if profiled {
        let event = if r.is_ok() { "c_return" } else { "c_exception" };
        c_call(vm, f, callable, event)?;
    }
    r
}

/// FOR_ITER's next step on the slow path: an iterator ending with an
/// explicit StopIteration (a generator returning a value, a `__next__`
/// raising it) gives the iterating frame an `'exception'` event, as in
/// CPython: for pyctrace's sink as `ops::iteration` reports it, and for the
/// program's tracer, which up to 3.9 also sees one when a generator
/// returns None (measured with `sys.settrace` on 3.8-3.13).
pub fn for_iter_next(vm: &mut Vm, f: &Frame, it: &Value) -> PyResult<Option<Value>> {
    let stop = match it {
        Value::Generator(g) if !g.borrow().finished => {
            match vm.gen_resume(g, super::Resume::Value(Value::None))? {
                super::GenStep::Yield(v) => return Ok(Some(v)),
                super::GenStep::Return(v) => {
                    if v.is_none() && vm.version.at_least(3, 10) {
                        return Ok(None);
                    }
                    // with a program tracer set, 3.8/3.9 report the end of
                    // a generator returning None too (the cpython engine's
                    // hook sees it as well)
                    crate::ops::generators::trace_stop_iteration(vm, f, &v);
                    let cls = vm.class("StopIteration");
                    let args = if v.is_none() { Vec::new() } else { vec![v] };
                    crate::protocol::new_exception(cls, args)
                }
            }
        }
        Value::Instance(_) => match vm.call_dunder(it, "__next__", vec![]) {
            Ok(Some(v)) => return Ok(Some(v)),
            Err(Flow::Exc(e)) if vm.exc_matches_name(&Flow::Exc(e.clone()), "StopIteration") => {
                vm.trace_exception(f, &e);
                e
            }
            Ok(None) => return vm.next(it),
            Err(e) => return Err(e),
        },
        _ => return vm.next(it),
    };
    exception(vm, f, &stop)?;
    Ok(None)
}
