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
}

struct CodeInfo {
    name: String,
    file: String,
    traced: bool,
    /// Instruction index by byte offset.
    slots: Vec<u32>,
    ins: Vec<Ins>,
    /// Line by byte offset (NO_LINE: not asked yet).
    lines: Vec<i32>,
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
        let mut info = CodeInfo {
            name,
            file,
            traced,
            slots: Vec::new(),
            ins: Vec::new(),
            lines: Vec::new(),
        };
        if !traced {
            return info;
        }
        let bytes = py.attr_bytes(code, c"co_code").unwrap_or_default();
        let first = py.attr_int(code, c"co_firstlineno").unwrap_or(0);
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
            info.ins.push(Ins {
                name: ins.opname(),
                arg: ins.dis_arg(),
                argrepr,
            });
        }
        info
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
    _obj: *mut PyObject,
    frame: *mut PyObject,
    what: c_int,
    arg: *mut PyObject,
) -> c_int {
    let st = STATE.load(Ordering::Relaxed);
    if st.is_null() || frame.is_null() {
        return 0;
    }
    let st = &mut *st;
    let ev = match what {
        ffi::PYTRACE_OPCODE => Event::Op,
        ffi::PYTRACE_CALL => Event::Call,
        ffi::PYTRACE_RETURN => Event::Return,
        ffi::PYTRACE_EXCEPTION => Event::Exception,
        ffi::PYTRACE_LINE => {
            return if st.user_trace.is_null() {
                0
            } else {
                st.chain(frame, what, arg)
            };
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

unsafe fn record_event(st: &mut State, frame: *mut PyObject, ev: Event, arg: *mut PyObject) {
    let py = st.py;
    let code = py.frame_code(frame);
    if code.is_null() {
        return;
    }
    let info: *mut CodeInfo = st.info(code);
    let info = &mut *info;
    if !info.traced {
        return;
    }
    if ev == Event::Call {
        st.enable_opcodes(frame);
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
    } else {
        (py.api.PyFrame_GetLineNumber)(frame)
    };
    let mut record = Record {
        ev,
        depth,
        code: &info.name,
        file: &info.file,
        offset,
        line: (line >= 0).then_some(line),
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
            let slot = info.slots.get(offset as usize).copied().unwrap_or(NO_SLOT);
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
    let _ = st.sink.finish();
    let n = st.sink.count();
    // Code objects stay referenced: the interpreter is about to go away.
    std::mem::forget(std::mem::take(&mut st.codes));
    n
}
