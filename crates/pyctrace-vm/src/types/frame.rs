//! Frame objects (`sys._getframe()`, the first argument of a program's
//! trace function) over the VM's stack of running frames.
//!
//! The interpreter keeps its `Frame` structs on the Rust stack; beside them
//! the VM keeps one small [`FrameSlot`] per running frame (pushed and popped
//! by `run_frame`: a few reference-count increments per call, nothing per
//! instruction). A frame object is made from a slot only when the program
//! asks for one, and then stays with its frame (a generator keeps it across
//! suspensions). The instruction a running frame is at is published
//! lazily: by calls made from an instruction (`call_in_frame`) and by the
//! tracing hooks. So a frame object kept by its own frame and read again
//! with no call in between (`f = sys._getframe(); ...; f.f_lineno`)
//! reports the line of the last call (and `f_locals` as of that call).

use std::cell::RefCell;
use std::rc::Rc;

use crate::code::CodeObj;
use crate::interp::frame::Frame;
use crate::interp::{Args, PyResult, Vm};
use crate::types::dict::Dict;
use crate::value::Value;

/// `FrameSlot::lasti` / `FrameState::lasti` of a frame that has not run an
/// instruction yet.
pub const NOT_STARTED: usize = usize::MAX;

/// What the VM knows of one running frame.
pub struct FrameSlot {
    pub code: Rc<CodeObj>,
    pub globals: Rc<RefCell<Dict>>,
    pub names: Option<Rc<RefCell<Dict>>>,
    /// Instruction index last published ([`NOT_STARTED`] before the first).
    pub lasti: usize,
    /// The frame object, once made.
    pub obj: Option<Rc<FrameObj>>,
}

/// A Python frame object.
pub struct FrameObj {
    pub code: Rc<CodeObj>,
    pub globals: Rc<RefCell<Dict>>,
    /// The locals dict of module and class bodies.
    pub names: Option<Rc<RefCell<Dict>>>,
    pub state: RefCell<FrameState>,
}

pub struct FrameState {
    /// Index in `Vm::frames` while the frame runs.
    pub slot: Option<usize>,
    /// Instruction index when the frame is not running.
    pub lasti: usize,
    /// `f_locals` of a function frame: a snapshot, refreshed in place
    /// whenever the VM holds the frame (trace events, `sys._getframe`).
    pub locals: Option<Rc<RefCell<Dict>>>,
    /// `f_trace`: the local trace function (None when unset).
    pub trace: Value,
    pub trace_lines: bool,
    pub trace_opcodes: bool,
    /// The instruction of the last line-event check (the program tracer's
    /// line rule compares against it).
    pub prev: Option<usize>,
    /// Up to 3.9 a traced frame's `f_lineno` is the line of its last line
    /// event (CPython stores it then), not the line of its instruction.
    pub traced_lineno: i32,
}

impl FrameObj {
    fn new(slot: &FrameSlot, index: usize) -> FrameObj {
        FrameObj {
            code: slot.code.clone(),
            globals: slot.globals.clone(),
            names: slot.names.clone(),
            state: RefCell::new(FrameState {
                slot: Some(index),
                lasti: slot.lasti,
                locals: None,
                trace: Value::None,
                trace_lines: true,
                trace_opcodes: false,
                prev: None,
                traced_lineno: slot.code.firstlineno,
            }),
        }
    }
}

impl Vm<'_> {
    /// Pushes the slot of a frame starting or resuming (`run_frame`).
    pub(crate) fn push_frame_slot(&mut self, f: &mut Frame) {
        let index = self.frames.len();
        let obj = f.obj.take();
        if let Some(o) = &obj {
            o.state.borrow_mut().slot = Some(index);
        }
        self.frames.push(FrameSlot {
            code: f.code.clone(),
            globals: f.globals.clone(),
            names: f.names.clone(),
            lasti: if f.ip == 0 { NOT_STARTED } else { f.lasti },
            obj,
        });
    }

    /// Pops the slot of a frame leaving `run_frame`; its frame object (if
    /// any) stays with the frame.
    pub(crate) fn pop_frame_slot(&mut self, f: &mut Frame) {
        if let Some(slot) = self.frames.pop() {
            if let Some(o) = slot.obj {
                {
                    let mut st = o.state.borrow_mut();
                    st.slot = None;
                    st.lasti = f.lasti;
                }
                f.obj = Some(o);
            }
        }
    }

    /// The frame object of the running frame at `index` of `self.frames`.
    pub fn frame_object(&mut self, index: usize) -> Option<Rc<FrameObj>> {
        let slot = self.frames.get_mut(index)?;
        if let Some(o) = &slot.obj {
            return Some(o.clone());
        }
        let o = Rc::new(FrameObj::new(slot, index));
        slot.obj = Some(o.clone());
        Some(o)
    }

    /// The frame object of the innermost running frame, with its
    /// instruction and locals taken from `f` (which must be that frame).
    pub fn current_frame_object(&mut self, f: &Frame) -> Option<Rc<FrameObj>> {
        let index = self.frames.len().checked_sub(1)?;
        self.frames[index].lasti = if f.ip == 0 { NOT_STARTED } else { f.lasti };
        let o = self.frame_object(index)?;
        refresh_locals(&o, f);
        Some(o)
    }
}

/// Refreshes the `f_locals` snapshot of a function frame from `f`.
pub fn refresh_locals(o: &FrameObj, f: &Frame) {
    if o.names.is_some() {
        return;
    }
    let dict = {
        let mut st = o.state.borrow_mut();
        st.locals
            .get_or_insert_with(|| Rc::new(RefCell::new(Dict::new())))
            .clone()
    };
    let mut d = Dict::new();
    for (name, v) in f.code.localsplus_names.iter().zip(&f.locals) {
        let v = match v {
            Some(Value::Cell(c)) => c.borrow().clone(),
            other => other.clone(),
        };
        if let Some(v) = v {
            // a name listed twice (a cell that is also an argument) keeps its first slot
            let h = crate::protocol::str_hash(name);
            let key = Value::str(name);
            let dup = d
                .candidates(h)
                .iter()
                .any(|(_, k)| crate::protocol::pure_eq(k, &key) == Some(true));
            if !dup {
                d.push(key, v, h);
            }
        }
    }
    *dict.borrow_mut() = d;
}

/// `sys._getframe([depth])`.
pub fn sys_getframe(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let depth = match a.pos.first() {
        Some(v) => vm.to_i64(v)?,
        None => 0,
    };
    // frame objects are charged like instances (the accounting only grows)
    vm.charge_memory(96)?;
    let top = vm.frames.len() as i64 - 1;
    if depth < 0 || depth > top {
        return Err(vm.value_error("call stack is not deep enough"));
    }
    match vm.frame_object((top - depth) as usize) {
        Some(o) => Ok(Value::Frame(o)),
        None => Err(vm.value_error("call stack is not deep enough")),
    }
}

fn lasti_of(vm: &Vm, o: &FrameObj) -> usize {
    let st = o.state.borrow();
    match st.slot {
        Some(i) => vm.frames.get(i).map_or(st.lasti, |s| s.lasti),
        None => st.lasti,
    }
}

/// `f_lineno`.
pub fn lineno(vm: &Vm, o: &FrameObj) -> Value {
    if !vm.version.at_least(3, 10) {
        let st = o.state.borrow();
        if !st.trace.is_none() {
            return Value::Int(st.traced_lineno as i64);
        }
    }
    let lasti = lasti_of(vm, o);
    if lasti == NOT_STARTED {
        return Value::Int(o.code.firstlineno as i64);
    }
    match o.code.lines.get(lasti).copied().flatten() {
        Some(l) => Value::Int(l as i64),
        None => Value::None,
    }
}

/// Attribute of a frame object.
pub fn getattr(vm: &mut Vm, o: &Rc<FrameObj>, name: &str) -> Option<Value> {
    Some(match name {
        "f_code" => Value::Code(o.code.clone()),
        "f_globals" => Value::Dict(o.globals.clone()),
        "f_builtins" => Value::Dict(vm.builtins.clone()),
        "f_locals" => match &o.names {
            Some(n) => Value::Dict(n.clone()),
            None => {
                let mut st = o.state.borrow_mut();
                Value::Dict(
                    st.locals
                        .get_or_insert_with(|| Rc::new(RefCell::new(Dict::new())))
                        .clone(),
                )
            }
        },
        "f_lineno" => lineno(vm, o),
        "f_lasti" => {
            let lasti = lasti_of(vm, o);
            match o.code.instrs.get(lasti) {
                Some(i) => Value::Int(i.offset as i64),
                None if vm.version.at_least(3, 11) => Value::Int(0),
                None => Value::Int(-1),
            }
        }
        "f_back" => {
            let slot = o.state.borrow().slot;
            match slot {
                Some(i) if i > 0 => vm.frame_object(i - 1).map_or(Value::None, Value::Frame),
                _ => Value::None,
            }
        }
        "f_trace" => o.state.borrow().trace.clone(),
        "f_trace_lines" => Value::Bool(o.state.borrow().trace_lines),
        "f_trace_opcodes" => Value::Bool(o.state.borrow().trace_opcodes),
        _ => return None,
    })
}

/// Sets an attribute of a frame object; `false` when it has no such
/// writable attribute.
pub fn setattr(vm: &mut Vm, o: &Rc<FrameObj>, name: &str, v: Value) -> PyResult<bool> {
    match name {
        "f_trace" => o.state.borrow_mut().trace = v,
        "f_trace_lines" | "f_trace_opcodes" => {
            let b = match v {
                Value::Bool(b) => b,
                _ => {
                    return Err(vm.type_error("attribute value type must be bool".into()));
                }
            };
            let mut st = o.state.borrow_mut();
            if name == "f_trace_lines" {
                st.trace_lines = b;
            } else {
                st.trace_opcodes = b;
                // 3.12: remembered by the interpreter; the next settrace
                // then asks for instruction events
                vm.pytrace.opcode_trace_set |= b;
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}
