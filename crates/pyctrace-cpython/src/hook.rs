//! The C trace function and its per-code-object cache.
//!
//! One hook per process: its state lives behind a global pointer and is
//! only touched with the GIL held (CPython calls trace functions with it).
//! Only the main thread is traced (`PyEval_SetTrace` is per thread).

use std::collections::HashMap;
use std::ffi::c_int;
use std::sync::atomic::{AtomicPtr, Ordering};

use pyctrace_marshal::{PyVersion, Pyc};
use pyctrace_trace::{Event, Record, Sink};

use crate::ffi::{self, PyObject, Python};
use crate::values;
use crate::TraceOptions;

/// argrepr strings from pyctrace's disassembly of the file, by
/// `(co_name, co_firstlineno, len(co_code))`, then by offset.
pub type ArgreprIndex = HashMap<(String, i64, usize), HashMap<usize, String>>;

pub fn argrepr_index(pyc: &Pyc<'_>) -> ArgreprIndex {
    let dis = pyctrace_dis::disassemble_pyc(pyc);
    let mut out = ArgreprIndex::new();
    for listing in dis.codes {
        let map = listing
            .instructions
            .iter()
            .filter(|i| !i.argrepr.is_empty())
            .map(|i| (i.offset, i.argrepr.clone()))
            .collect();
        out.insert(
            (
                listing.name.clone(),
                listing.first_line as i64,
                listing.code_len,
            ),
            map,
        );
    }
    out
}

const NO_SLOT: u32 = u32::MAX;
const NO_LINE: i32 = i32::MIN;

struct Ins {
    name: String,
    arg: Option<i64>,
    argrepr: String,
    /// Values it pops, when fixed (see [`values::pops`]).
    pops: Option<usize>,
}

/// 2.7/3.6 line mode: the code object's own `co_lnotab` and the one with a
/// "line" per instruction, swapped in while a frame of the code runs.
struct LineSwap {
    slot: *mut *mut PyObject,
    original: *mut PyObject,
    per_instruction: *mut PyObject,
    /// Frames of this code object running now (recursion, generators).
    active: u32,
}

struct CodeInfo {
    name: String,
    file: String,
    traced: bool,
    /// Instruction index by byte offset.
    slots: Vec<u32>,
    ins: Vec<Ins>,
    /// Line by byte offset (NO_LINE: not asked yet; in line mode filled
    /// from pyctrace's decoding of the original table).
    lines: Vec<i32>,
    /// Line mode: offsets where a line starts in the original table.
    line_starts: Vec<bool>,
    swap: Option<LineSwap>,
    first_line: i32,
    /// 3.11+: `co_nlocalsplus` (the value stack starts after it).
    nlocalsplus: usize,
    stacksize: usize,
}

/// An op record waiting for the next event of its frame, which shows what
/// the instruction pushed.
struct Pending {
    frame: usize,
    info: *const CodeInfo,
    ins: u32,
    depth: u32,
    offset: i64,
    line: Option<i32>,
    /// Stack depth before the instruction.
    before: usize,
    /// Values popped (fixed count) or, when the count is not known, the
    /// stack before as addresses (for comparison only, never dereferenced).
    pops: Option<usize>,
    pop: Vec<String>,
    snapshot: Vec<usize>,
}

struct State {
    py: &'static Python,
    sink: Box<dyn Sink>,
    failed: bool,
    all_frames: bool,
    program_file: String,
    version: PyVersion,
    argrepr: ArgreprIndex,
    codes: HashMap<usize, Box<CodeInfo>>,
    last_code: usize,
    last_info: *mut CodeInfo,
    last_frame: usize,
    last_depth: u32,
    /// 3.13: opcode events need the `f_trace` setter.
    toggle_f_trace: bool,
    set_opcodes: bool,
    /// The program's own `sys.settrace` function (main thread), chained.
    user_trace: *mut PyObject,
    /// Event names as str objects, by `what`.
    event_names: [*mut PyObject; 8],
    main_tstate: *mut std::ffi::c_void,
    orig_settrace: *mut PyObject,
    orig_gettrace: *mut PyObject,
    /// 2.7/3.6: opcode events come from line events over swapped tables.
    line_mode: bool,
    /// Read pushed/popped values (the sink wants them and the layout is known).
    values: bool,
    pending: Option<Pending>,
    /// The sink only counts: ops of the code object seen last are counted
    /// here without reading the frame (see [`trace_hook`]).
    batch_ops: bool,
    batched_ops: u64,
    /// Where a frame object holds its code object, for the fast path.
    code_slot: CodeSlot,
    /// The program's tracer raised at the line event just sent.
    line_failed: bool,
    /// Line mode: last op (frame, offset), to forward the program's own
    /// tracer only the line events it would have had.
    prev_op: (usize, i64),
}

/// Where a frame object keeps its code object (read without calls on the
/// per-instruction fast path).
#[derive(Clone, Copy)]
enum CodeSlot {
    /// ≤3.10: a field of the frame object.
    InFrame(usize),
    /// 3.11+: a field of the `_PyInterpreterFrame` that `f_frame` (@24)
    /// points to.
    InInterpFrame(usize),
}

impl CodeSlot {
    fn for_python(py: &Python) -> Option<CodeSlot> {
        if let Some(l) = py.layout {
            return Some(CodeSlot::InFrame(l.f_code));
        }
        ffi::interp_frame_code_offset(py.version).map(CodeSlot::InInterpFrame)
    }

    /// The code object's address, or 0.
    #[inline(always)]
    unsafe fn read(self, frame: *mut PyObject) -> usize {
        let f = frame as *const u8;
        match self {
            CodeSlot::InFrame(at) => *(f.add(at) as *const usize),
            CodeSlot::InInterpFrame(at) => {
                let iframe = *(f.add(24) as *const *const u8);
                if iframe.is_null() {
                    0
                } else {
                    *(iframe.add(at) as *const usize)
                }
            }
        }
    }
}

static STATE: AtomicPtr<State> = AtomicPtr::new(std::ptr::null_mut());

impl State {
    unsafe fn info(&mut self, code: *mut PyObject) -> *mut CodeInfo {
        let key = code as usize;
        if key == self.last_code && !self.last_info.is_null() {
            return self.last_info;
        }
        if !self.codes.contains_key(&key) {
            let info = self.describe(code);
            // Keep the code object alive so that its address is never reused.
            (self.py.api.Py_IncRef)(code);
            self.codes.insert(key, Box::new(info));
        }
        let info: *mut CodeInfo = &mut **self.codes.get_mut(&key).unwrap();
        self.last_code = key;
        self.last_info = info;
        info
    }

    unsafe fn describe(&self, code: *mut PyObject) -> CodeInfo {
        let py = self.py;
        let name = py.attr_text(code, c"co_name").unwrap_or_default();
        let file = py.attr_text(code, c"co_filename").unwrap_or_default();
        let traced = self.all_frames || file == self.program_file;
        let first = py.attr_int(code, c"co_firstlineno").unwrap_or(0);
        let mut info = CodeInfo {
            name,
            file,
            traced,
            slots: Vec::new(),
            ins: Vec::new(),
            lines: Vec::new(),
            line_starts: Vec::new(),
            swap: None,
            first_line: first as i32,
            nlocalsplus: 0,
            stacksize: 0,
        };
        if !traced {
            return info;
        }
        let bytes = py.attr_bytes(code, c"co_code").unwrap_or_default();
        if self.values {
            info.stacksize = py.attr_int(code, c"co_stacksize").unwrap_or(0).max(0) as usize;
            if py.version >= (3, 11) {
                info.nlocalsplus = nlocalsplus(py, code);
            }
        }
        let reprs = self.argrepr.get(&(info.name.clone(), first, bytes.len()));
        info.slots = vec![NO_SLOT; bytes.len()];
        info.lines = vec![NO_LINE; bytes.len()];
        for ins in pyctrace_bytecode::instructions(&bytes, self.version) {
            if ins.offset < info.slots.len() {
                info.slots[ins.offset] = info.ins.len() as u32;
            }
            let argrepr = reprs
                .and_then(|r| r.get(&ins.offset))
                .cloned()
                .unwrap_or_default();
            let name = ins.opname();
            let pops = values::pops(&name, ins.dis_arg(), py.version);
            info.ins.push(Ins {
                name,
                arg: ins.dis_arg(),
                argrepr,
                pops,
            });
        }
        if self.line_mode {
            self.prepare_line_mode(code, &bytes, &mut info);
        }
        info
    }

    /// 2.7/3.6: real lines from the original `co_lnotab`, and a table with
    /// one "line" per instruction to swap in. 2.7's line deltas are
    /// unsigned: its table counts 1, 2, 3... from `co_firstlineno`. 3.6's
    /// are signed: each instruction gets `(d, +1), (0, real − previous − 1)`,
    /// so its line numbers stay the real ones.
    unsafe fn prepare_line_mode(&self, code: *mut PyObject, bytes: &[u8], info: &mut CodeInfo) {
        let py = self.py;
        let Some((first_at, slot_at)) = ffi::code_lnotab_offsets(py.version) else {
            return;
        };
        let Some(make) = py.api.opt.PyBytes_FromStringAndSize else {
            return;
        };
        let original = py.getattr(code, c"co_lnotab");
        if original.is_null() {
            return;
        }
        let base = code as *mut u8;
        let slot = base.add(slot_at) as *mut *mut PyObject;
        let first = *(base.add(first_at) as *const c_int);
        if *slot != original || first != info.first_line {
            // Not the layout we know: no per-instruction events.
            (py.api.Py_DecRef)(original);
            return;
        }
        let table = py.attr_bytes(code, c"co_lnotab").unwrap_or_default();
        let starts = pyctrace_bytecode::line_starts(self.version, &table, first, bytes.len());
        info.line_starts = vec![false; bytes.len()];
        let mut line = first;
        let mut k = 0;
        for off in 0..bytes.len() {
            while k < starts.len() && starts[k].0 <= off {
                line = starts[k].1.unwrap_or(line);
                if starts[k].0 == off {
                    info.line_starts[off] = true;
                }
                k += 1;
            }
            info.lines[off] = line;
        }
        let signed = py.version >= (3, 6);
        let mut out: Vec<u8> = Vec::new();
        let push_line = |out: &mut Vec<u8>, mut delta: i32| {
            while delta != 0 {
                let step = delta.clamp(-128, 127);
                out.extend([0u8, step as i8 as u8]);
                delta -= step;
            }
        };
        let mut prev_off = 0usize;
        let mut prev_line = first;
        if signed {
            let l0 = info.lines.first().copied().unwrap_or(first);
            push_line(&mut out, l0 - first);
            prev_line = l0;
        }
        let offsets: Vec<usize> = info
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| **s != NO_SLOT)
            .map(|(o, _)| o)
            .collect();
        for &off in offsets.iter().skip(1) {
            let mut d = off - prev_off;
            while d > 255 {
                out.extend([255u8, 0]);
                d -= 255;
            }
            out.extend([d as u8, 1]);
            if signed {
                let real = info.lines[off];
                push_line(&mut out, real - prev_line - 1);
                prev_line = real;
            }
            prev_off = off;
        }
        let per_instruction = make(out.as_ptr() as *const std::ffi::c_char, out.len() as isize);
        if per_instruction.is_null() {
            (py.api.PyErr_Clear)();
            (py.api.Py_DecRef)(original);
            return;
        }
        // Both tables stay referenced by us; the code object is kept alive
        // by the cache, so the slot may hold either.
        info.swap = Some(LineSwap {
            slot,
            original,
            per_instruction,
            active: 0,
        });
    }

    unsafe fn depth(&self, frame: *mut PyObject) -> u32 {
        let mut d = 0u32;
        let mut f = self.py.frame_back(frame);
        while !f.is_null() && d < 1_000_000 {
            d += 1;
            f = self.py.frame_back(f);
        }
        d
    }

    unsafe fn enable_opcodes(&self, frame: *mut PyObject) {
        let api = &self.py.api;
        if self.set_opcodes {
            if (api.PyObject_SetAttrString)(frame, c"f_trace_opcodes".as_ptr(), self.py.api.true_)
                != 0
            {
                (api.PyErr_Clear)();
            }
        }
        if self.toggle_f_trace {
            for value in [self.py.api.true_, self.py.api.none] {
                if (api.PyObject_SetAttrString)(frame, c"f_trace".as_ptr(), value) != 0 {
                    (api.PyErr_Clear)();
                }
            }
        }
    }
}

unsafe extern "C" fn trace_hook(
    obj: *mut PyObject,
    frame: *mut PyObject,
    what: c_int,
    arg: *mut PyObject,
) -> c_int {
    let st = STATE.load(Ordering::Relaxed);
    if st.is_null() || frame.is_null() {
        return 0;
    }
    // Called for every instruction: what needs no work returns before the
    // out-of-line body sets up its frame.
    let s = &mut *st;
    if s.line_failed {
        s.line_failed = false;
        if what == ffi::PYTRACE_OPCODE {
            return -1;
        }
    }
    if what == ffi::PYTRACE_OPCODE && s.batch_ops {
        // A counting sink needs no details: an op of the code object seen
        // last (the common case, a loop) is only counted. Code objects
        // seen are kept referenced, so a matching address is the same one.
        let code = s.code_slot.read(frame);
        if code == s.last_code && code != 0 && !s.last_info.is_null() {
            s.batched_ops += u64::from((*s.last_info).traced);
            return 0;
        }
    } else if what == ffi::PYTRACE_LINE && !s.line_mode && s.user_trace.is_null() {
        return 0;
    }
    trace_event(s, obj, frame, what, arg)
}

#[inline(never)]
unsafe fn trace_event(
    st: &mut State,
    _obj: *mut PyObject,
    frame: *mut PyObject,
    what: c_int,
    arg: *mut PyObject,
) -> c_int {
    let ev = match what {
        ffi::PYTRACE_OPCODE => Event::Op,
        ffi::PYTRACE_CALL => Event::Call,
        ffi::PYTRACE_RETURN => Event::Return,
        ffi::PYTRACE_EXCEPTION => Event::Exception,
        ffi::PYTRACE_LINE if st.line_mode => {
            // 2.7/3.6: every instruction of a traced frame is a "line".
            let forward = record_event(st, frame, Event::Op, arg);
            return if st.user_trace.is_null() || !forward {
                0
            } else {
                st.chain(frame, what, arg)
            };
        }
        ffi::PYTRACE_LINE => {
            if st.user_trace.is_null() {
                return 0;
            }
            let r = st.chain(frame, what, arg);
            // 3.8/3.9 send the opcode event even after a failed line event
            // and keep only its result: the program's tracer raised, so that
            // event must fail too (CPython would send none: the opcode events
            // are ours) or the exception is lost
            st.line_failed = r != 0;
            return r;
        }
        _ => return 0,
    };
    record_event(st, frame, ev, arg);
    if st.user_trace.is_null() || what == ffi::PYTRACE_OPCODE {
        0
    } else {
        st.chain(frame, what, arg)
    }
}

/// Records one event of `frame`. Returns, for line-mode op events, whether
/// the program's own tracer would have seen a line event there.
unsafe fn record_event(
    st: &mut State,
    frame: *mut PyObject,
    ev: Event,
    arg: *mut PyObject,
) -> bool {
    let py = st.py;
    let code = py.frame_code(frame);
    if code.is_null() {
        return true;
    }
    let info: *mut CodeInfo = st.info(code);
    let info = &mut *info;
    if !info.traced {
        return true;
    }
    // Whatever comes next in this traced run completes the pending op.
    if let Some(p) = st.pending.take() {
        st.resolve(p, frame, ev);
    }
    if ev == Event::Call {
        st.enable_opcodes(frame);
        if let Some(swap) = &mut info.swap {
            if swap.active == 0 {
                *swap.slot = swap.per_instruction;
            }
            swap.active += 1;
        }
    }
    let depth = if ev == Event::Op && frame as usize == st.last_frame {
        st.last_depth
    } else {
        let d = st.depth(frame);
        // A frame's address can be reused only after it returned.
        st.last_frame = if ev == Event::Return {
            0
        } else {
            frame as usize
        };
        st.last_depth = d;
        d
    };
    let offset = py.frame_lasti(frame);
    let line = if offset >= 0 && (offset as usize) < info.lines.len() {
        let slot = &mut info.lines[offset as usize];
        if *slot == NO_LINE {
            *slot = (py.api.PyFrame_GetLineNumber)(frame);
        }
        *slot
    } else if info.swap.is_some() {
        info.first_line
    } else {
        (py.api.PyFrame_GetLineNumber)(frame)
    };
    let mut forward = true;
    if ev == Event::Return {
        if let Some(swap) = &mut info.swap {
            swap.active = swap.active.saturating_sub(1);
            if swap.active == 0 {
                *swap.slot = swap.original;
            }
        }
    }
    if ev == Event::Exception && py.version.0 == 2 && info.swap.is_some() && line >= 0 {
        fix_traceback_line(py, frame, arg, line);
    }
    if ev == Event::Op && st.line_mode {
        let at = offset.max(0) as usize;
        let start = info.line_starts.get(at).copied().unwrap_or(false);
        let (pf, po) = st.prev_op;
        forward = start || (pf == frame as usize && offset < po) || pf != frame as usize;
        st.prev_op = (frame as usize, offset);
    }
    let line = (line >= 0).then_some(line);
    let slot = if ev == Event::Op {
        info.slots.get(offset as usize).copied().unwrap_or(NO_SLOT)
    } else {
        NO_SLOT
    };
    if ev == Event::Op && st.values && slot != NO_SLOT && (py.api.PyErr_Occurred)().is_null() {
        if let Some((base, before)) = values::stack(py, frame, info.nlocalsplus, info.stacksize) {
            let ins = &info.ins[slot as usize];
            let mut pending = Pending {
                frame: frame as usize,
                info,
                ins: slot,
                depth,
                offset,
                line,
                before,
                pops: ins.pops.filter(|n| *n <= before),
                pop: Vec::new(),
                snapshot: Vec::new(),
            };
            match pending.pops {
                Some(n) => {
                    for i in before - n..before {
                        pending.pop.push(values::render(py, *base.add(i)));
                    }
                }
                None => {
                    pending.snapshot = (0..before).map(|i| *base.add(i) as usize).collect();
                }
            }
            st.pending = Some(pending);
            return forward;
        }
    }
    let mut record = Record {
        ev,
        depth,
        code: &info.name,
        file: &info.file,
        offset,
        line,
        op: None,
        arg: None,
        argrepr: "",
        push: &[],
        pop: &[],
        exc: None,
    };
    let exc_name;
    match ev {
        Event::Op => {
            if let Some(ins) = info.ins.get(slot as usize) {
                record.op = Some(&ins.name);
                record.arg = ins.arg;
                record.argrepr = &ins.argrepr;
            } else {
                record.op = Some("?");
            }
        }
        Event::Exception => {
            if !arg.is_null() {
                let ty = (py.api.PyTuple_GetItem)(arg, 0);
                if ty.is_null() {
                    (py.api.PyErr_Clear)();
                } else {
                    exc_name = py.attr_text(ty, c"__name__");
                    record.exc = exc_name.as_deref();
                }
            }
        }
        _ => {}
    }
    if !st.failed && st.sink.record(&record).is_err() {
        st.failed = true;
    }
    forward
}

/// 2.7 computes a traceback entry's line from the (swapped) table: put the
/// real line into the newest entry of this frame (`arg` is `(type, value,
/// traceback)`).
unsafe fn fix_traceback_line(py: &Python, frame: *mut PyObject, arg: *mut PyObject, line: i32) {
    if arg.is_null() {
        return;
    }
    let tb = (py.api.PyTuple_GetItem)(arg, 2);
    if tb.is_null() {
        (py.api.PyErr_Clear)();
        return;
    }
    if tb == py.api.none {
        return;
    }
    let p = tb as *mut u8;
    if *(p.add(ffi::TB_FRAME) as *const *mut PyObject) == frame {
        *(p.add(ffi::TB_LINENO) as *mut c_int) = line;
    }
}

/// `co_nlocalsplus` (3.11+): the distinct names of `co_varnames` and
/// `co_cellvars` (an argument that is also a cell is one slot), plus
/// `co_freevars`.
unsafe fn nlocalsplus(py: &Python, code: *mut PyObject) -> usize {
    let mut names: Vec<String> = Vec::new();
    let mut free = 0usize;
    for (attr, is_free) in [
        (c"co_varnames", false),
        (c"co_cellvars", false),
        (c"co_freevars", true),
    ] {
        let t = py.getattr(code, attr);
        if t.is_null() {
            continue;
        }
        let n = py.api.opt.PyObject_Size.map_or(0, |f| f(t)).max(0);
        for i in 0..n {
            if is_free {
                free += 1;
                continue;
            }
            let name = py.text((py.api.PyTuple_GetItem)(t, i)).unwrap_or_default();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        (py.api.Py_DecRef)(t);
    }
    (py.api.PyErr_Clear)();
    names.len() + free
}

impl State {
    /// Emits the pending op record; when the next event is an op of the
    /// same frame, with what the instruction pushed.
    unsafe fn resolve(&mut self, p: Pending, frame: *mut PyObject, ev: Event) {
        let py = self.py;
        let info = &*p.info;
        let mut push = Vec::new();
        if ev == Event::Op && frame as usize == p.frame {
            if let Some((base, after)) = values::stack(py, frame, info.nlocalsplus, info.stacksize)
            {
                let kept = match p.pops {
                    Some(n) => Some(p.before - n),
                    None => Some(
                        p.snapshot
                            .iter()
                            .enumerate()
                            .take_while(|(i, a)| *i < after && *base.add(*i) as usize == **a)
                            .count(),
                    ),
                };
                if let Some(kept) = kept.filter(|k| *k <= after) {
                    for i in kept..after {
                        push.push(values::render(py, *base.add(i)));
                    }
                }
            }
        }
        let ins = &info.ins[p.ins as usize];
        let record = Record {
            ev: Event::Op,
            depth: p.depth,
            code: &info.name,
            file: &info.file,
            offset: p.offset,
            line: p.line,
            op: Some(&ins.name),
            arg: ins.arg,
            argrepr: &ins.argrepr,
            push: &push,
            pop: &p.pop,
            exc: None,
        };
        if !self.failed && self.sink.record(&record).is_err() {
            self.failed = true;
        }
    }
}

impl State {
    /// What CPython's Python-level trampoline does for the program's own
    /// tracer: the call event goes to the global function and its result
    /// becomes `frame.f_trace`; other events go to `frame.f_trace`, whose
    /// non-None result replaces it. An error in the tracer removes it and
    /// propagates. (Opcode events are not forwarded: the program cannot
    /// have asked for them without us having set `f_trace_opcodes`.)
    unsafe fn chain(&mut self, frame: *mut PyObject, what: c_int, arg: *mut PyObject) -> c_int {
        let api = &self.py.api;
        let none = api.none;
        let callback = if what == ffi::PYTRACE_CALL {
            (api.Py_IncRef)(self.user_trace);
            self.user_trace
        } else {
            let f = self.py.getattr(frame, c"f_trace");
            if f.is_null() {
                return 0;
            }
            if f == none {
                (api.Py_DecRef)(f);
                return 0;
            }
            f
        };
        let args = (api.PyTuple_New)(3);
        (api.Py_IncRef)(frame);
        (api.PyTuple_SetItem)(args, 0, frame);
        let name = self.event_names[what as usize];
        (api.Py_IncRef)(name);
        (api.PyTuple_SetItem)(args, 1, name);
        let arg = if arg.is_null() { none } else { arg };
        (api.Py_IncRef)(arg);
        (api.PyTuple_SetItem)(args, 2, arg);
        let result = (api.PyObject_CallObject)(callback, args);
        (api.Py_DecRef)(args);
        (api.Py_DecRef)(callback);
        if result.is_null() {
            let user = std::mem::replace(&mut self.user_trace, std::ptr::null_mut());
            if !user.is_null() {
                (api.Py_DecRef)(user);
            }
            return -1;
        }
        if result != none {
            if (api.PyObject_SetAttrString)(frame, c"f_trace".as_ptr(), result) != 0 {
                (api.PyErr_Clear)();
            }
        }
        (api.Py_DecRef)(result);
        0
    }
}

/// Our `sys.settrace`: on the main thread it records the program's tracer
/// (chained by the hook, ours stays installed); on other threads it is the
/// original.
unsafe extern "C" fn fake_settrace(_module: *mut PyObject, func: *mut PyObject) -> *mut PyObject {
    let st = STATE.load(Ordering::Relaxed);
    if st.is_null() {
        return std::ptr::null_mut();
    }
    let st = &mut *st;
    let api = &st.py.api;
    if (api.PyThreadState_Get)() != st.main_tstate {
        let args = (api.PyTuple_New)(1);
        (api.Py_IncRef)(func);
        (api.PyTuple_SetItem)(args, 0, func);
        let r = (api.PyObject_CallObject)(st.orig_settrace, args);
        (api.Py_DecRef)(args);
        return r;
    }
    if let Some(audit) = api.opt.PySys_Audit {
        if audit(c"sys.settrace".as_ptr(), std::ptr::null()) < 0 {
            return std::ptr::null_mut();
        }
    }
    let old = std::mem::replace(&mut st.user_trace, std::ptr::null_mut());
    if func != api.none {
        (api.Py_IncRef)(func);
        st.user_trace = func;
    }
    if !old.is_null() {
        (api.Py_DecRef)(old);
    }
    (api.Py_IncRef)(api.none);
    api.none
}

/// Our `sys.gettrace`: the program's own tracer (main thread), never ours.
unsafe extern "C" fn fake_gettrace(
    _module: *mut PyObject,
    _unused: *mut PyObject,
) -> *mut PyObject {
    let st = STATE.load(Ordering::Relaxed);
    if st.is_null() {
        return std::ptr::null_mut();
    }
    let st = &mut *st;
    let api = &st.py.api;
    if (api.PyThreadState_Get)() != st.main_tstate {
        return (api.PyObject_CallObject)(st.orig_gettrace, std::ptr::null_mut());
    }
    let r = if st.user_trace.is_null() {
        api.none
    } else {
        st.user_trace
    };
    (api.Py_IncRef)(r);
    r
}

/// Replaces `sys.settrace` / `sys.gettrace` by builtins that look the same
/// (name, module, `__self__`, doc and text signature copied).
unsafe fn replace_sys_functions(st: &mut State) {
    let py = st.py;
    let api = &py.api;
    let Some(new_fn) = api.opt.PyCFunction_NewEx else {
        return;
    };
    let sys = (api.PyImport_AddModule)(c"sys".as_ptr());
    if sys.is_null() {
        (api.PyErr_Clear)();
        return;
    }
    let module_name = py.new_str("sys");
    for (name, cname, meth, flags) in [
        (
            "settrace",
            c"settrace",
            fake_settrace as ffi::PyCFunction,
            ffi::METH_O,
        ),
        (
            "gettrace",
            c"gettrace",
            fake_gettrace as ffi::PyCFunction,
            ffi::METH_NOARGS,
        ),
    ] {
        let orig = py.getattr(sys, cname);
        if orig.is_null() {
            continue;
        }
        let doc = py.attr_text(orig, c"__doc__").unwrap_or_default();
        let sig = py.attr_text(orig, c"__text_signature__");
        let full = match sig {
            Some(sig) => format!("{name}{sig}\n--\n\n{doc}"),
            None => doc,
        };
        let doc_c: &'static std::ffi::CStr = Box::leak(
            std::ffi::CString::new(full.replace('\0', ""))
                .unwrap_or_default()
                .into_boxed_c_str(),
        );
        let def: &'static mut ffi::PyMethodDef = Box::leak(Box::new(ffi::PyMethodDef {
            ml_name: cname.as_ptr(),
            ml_meth: meth,
            ml_flags: flags,
            ml_doc: doc_c.as_ptr(),
        }));
        let f = new_fn(def, sys, module_name);
        if f.is_null() {
            (api.PyErr_Clear)();
            (api.Py_DecRef)(orig);
            continue;
        }
        if (api.PyObject_SetAttrString)(sys, cname.as_ptr(), f) != 0 {
            (api.PyErr_Clear)();
        }
        (api.Py_DecRef)(f);
        if name == "settrace" {
            st.orig_settrace = orig;
        } else {
            st.orig_gettrace = orig;
        }
    }
    (api.Py_DecRef)(module_name);
}

/// Installs the hook (3.12: after priming opcode events).
pub unsafe fn install(
    py: &'static Python,
    trace: TraceOptions,
    program_file: String,
    argrepr: ArgreprIndex,
    version: PyVersion,
) {
    let api = &py.api;
    let v = py.version;
    let values = trace.sink.wants_values()
        && ffi::StackLayout::for_version(v).is_some()
        && api.opt.PyObject_Repr.is_some();
    let code_slot = CodeSlot::for_python(py);
    // Line mode (2.7/3.6) makes ops out of line events: never batched.
    let batch_ops = !trace.sink.wants_op_details() && !(v == (2, 7) || v == (3, 6));
    let state = Box::new(State {
        py,
        sink: trace.sink,
        failed: false,
        all_frames: trace.all_frames,
        program_file,
        version,
        argrepr,
        codes: HashMap::new(),
        last_code: 0,
        last_info: std::ptr::null_mut(),
        last_frame: 0,
        last_depth: 0,
        toggle_f_trace: v >= (3, 13),
        set_opcodes: v >= (3, 7),
        user_trace: std::ptr::null_mut(),
        event_names: [std::ptr::null_mut(); 8],
        main_tstate: (api.PyThreadState_Get)(),
        orig_settrace: std::ptr::null_mut(),
        orig_gettrace: std::ptr::null_mut(),
        line_mode: v == (2, 7) || v == (3, 6),
        values,
        pending: None,
        batch_ops: batch_ops && code_slot.is_some(),
        batched_ops: 0,
        code_slot: code_slot.unwrap_or(CodeSlot::InFrame(0)),
        line_failed: false,
        prev_op: (0, -1),
    });
    let mut state = state;
    for (i, name) in [
        "call",
        "exception",
        "line",
        "return",
        "c_call",
        "c_exception",
        "c_return",
        "opcode",
    ]
    .iter()
    .enumerate()
    {
        state.event_names[i] = py.new_str(name);
    }
    replace_sys_functions(&mut state);
    if v == (3, 12) {
        prime_opcode_events(py);
    }
    STATE.store(Box::into_raw(state), Ordering::Relaxed);
    (api.PyEval_SetTrace)(Some(trace_hook), std::ptr::null_mut());
}

/// 3.12 only turns opcode events on in `PyEval_SetTrace` when some frame
/// has had `f_trace_opcodes` set: do it on a throw-away frame.
unsafe fn prime_opcode_events(py: &Python) {
    let api = &py.api;
    let (Some(new_frame), Some(new_code)) = (api.opt.PyFrame_New, api.opt.PyCode_NewEmpty) else {
        return;
    };
    let code = new_code(c"<pyctrace>".as_ptr(), c"<pyctrace>".as_ptr(), 0);
    let globals = (api.PyDict_New)();
    if code.is_null() || globals.is_null() {
        (api.PyErr_Clear)();
        return;
    }
    let frame = new_frame(
        (api.PyThreadState_Get)(),
        code,
        globals,
        std::ptr::null_mut(),
    );
    if frame.is_null() {
        (api.PyErr_Clear)();
    } else {
        (api.PyObject_SetAttrString)(frame, c"f_trace_opcodes".as_ptr(), py.api.true_);
        (api.PyErr_Clear)();
        (api.Py_DecRef)(frame);
    }
    (api.Py_DecRef)(globals);
    (api.Py_DecRef)(code);
}

/// Removes the hook, flushes the sink, and returns the number of events.
pub unsafe fn uninstall(py: &Python) -> u64 {
    let st = STATE.swap(std::ptr::null_mut(), Ordering::Relaxed);
    if st.is_null() {
        return 0;
    }
    (py.api.PyEval_SetTrace)(None, std::ptr::null_mut());
    let mut st = Box::from_raw(st);
    if let Some(p) = st.pending.take() {
        st.resolve(p, std::ptr::null_mut(), Event::Return);
    }
    // Line mode: every code object gets its own line table back.
    for info in st.codes.values_mut() {
        if let Some(swap) = &mut info.swap {
            *swap.slot = swap.original;
            swap.active = 0;
        }
    }
    // Give the program's interpreter its own functions back (finalisation
    // and atexit handlers may still call them).
    let sys = (py.api.PyImport_AddModule)(c"sys".as_ptr());
    if !sys.is_null() {
        for (name, orig) in [
            (c"settrace", st.orig_settrace),
            (c"gettrace", st.orig_gettrace),
        ] {
            if !orig.is_null() && (py.api.PyObject_SetAttrString)(sys, name.as_ptr(), orig) != 0 {
                (py.api.PyErr_Clear)();
            }
        }
    }
    if !st.user_trace.is_null() {
        // The program's tracer was on: hand it to CPython as sys.settrace would.
        let args = (py.api.PyTuple_New)(1);
        (py.api.PyTuple_SetItem)(args, 0, st.user_trace);
        st.user_trace = std::ptr::null_mut();
        let r = (py.api.PyObject_CallObject)(st.orig_settrace, args);
        if r.is_null() {
            (py.api.PyErr_Clear)();
        } else {
            (py.api.Py_DecRef)(r);
        }
        (py.api.Py_DecRef)(args);
    }
    st.sink.record_ops(st.batched_ops);
    let _ = st.sink.finish();
    let n = st.sink.count();
    // Code objects stay referenced: the interpreter is about to go away.
    std::mem::forget(std::mem::take(&mut st.codes));
    n
}
