//! Run-time code creation seen from inside a real interpreter, for dynamic
//! unpacking. **No sandbox**: the program and its payloads run for real.
//!
//! * 3.8–3.13: a C audit hook (`PySys_AddAuditHook`; the program cannot
//!   remove it). Events used, checked on 3.8.20–3.13 by running
//!   `exec`/`eval`/`compile`/`marshal.loads` under `sys.addaudithook`:
//!   `compile` (source, filename) for `compile()` and `exec`/`eval` of a
//!   string, on every version; `exec` (code) whenever `exec`/`eval` runs a
//!   code object, on every version; `marshal.loads` (bytes) only from 3.9.
//!   On 3.8 a marshal layer is the code object's own `marshal.dumps`
//!   (re-marshalled when `exec` first runs it).
//! * 2.7 has no audit hooks: a C trace function (`PyEval_SetTrace`, call
//!   events only) sees every code object the first time one of its frames
//!   starts; a code run by `exec` (the caller's instruction is
//!   `EXEC_STMT`) and never seen before is a new layer, re-marshalled with
//!   marshal version 2. The string given to `exec` is not visible there:
//!   a code whose `co_filename` is `<string>` is reported as a source layer
//!   whose text is unknown (its compiled code is dumped).
//!
//! Events from the import machinery (frames of `<frozen importlib...>`)
//! are ignored: importing a module is not a layer.

use std::collections::HashSet;
use std::ffi::{c_char, c_int, c_void, CStr};

use crate::ffi::{self, PyObject, Python};

/// The instruction that created a layer.
#[derive(Clone, Debug)]
pub struct Site {
    pub code_id: u64,
    pub code_name: String,
    pub filename: String,
    pub first_line: i32,
    pub offset: u32,
}

/// A code object run for the first time by `exec`/`eval`.
pub struct NewCode<'a> {
    /// It, then every code nested in its constants.
    pub code_ids: &'a [u64],
    /// `marshal.dumps` of it by the running interpreter.
    pub marshal: &'a [u8],
    pub filename: &'a str,
    pub site: Option<&'a Site>,
}

/// Receives what the program creates. `Err(why)` stops the run: the event
/// fails with `RuntimeError(why)`, and so does every later one.
pub trait RuntimeObserver {
    /// A source string given to `compile`/`exec`/`eval` (3.8+), with the
    /// filename its code will carry.
    fn on_source(&mut self, text: &[u8], filename: &str, site: Option<&Site>)
        -> Result<(), String>;
    /// Marshal data of a code object given to `marshal.loads` (3.9+).
    fn on_marshal(&mut self, data: &[u8], site: Option<&Site>) -> Result<(), String>;
    /// A code object not seen before is about to run through `exec`/`eval`.
    fn on_new_code(&mut self, code: &NewCode<'_>) -> Result<(), String>;
    /// A known code object is about to run through `exec`/`eval`.
    fn on_exec(&mut self, code_id: u64, site: Option<&Site>);
    /// The run ends; `status` is `None` when the program called `sys.exit`
    /// (the process ends right after this call).
    fn finish(&mut self, status: Option<i32>);
}

struct State {
    py: &'static Python,
    observer: Box<dyn RuntimeObserver>,
    /// Every code object reported (kept alive: ids stay unique).
    known: HashSet<u64>,
    stopped: Option<String>,
    /// The module code of the input (its frames are not "new").
    input_code: u64,
    code_type: *mut PyObject,
    runtime_error: *mut PyObject,
    busy: bool,
    /// The interpreter's standard library directory (`.../lib/pythonX.Y/`).
    stdlib: String,
}

static mut STATE: Option<Box<State>> = None;

#[allow(static_mut_refs)]
unsafe fn state() -> Option<&'static mut State> {
    STATE.as_deref_mut()
}

unsafe fn ob_type(o: *mut PyObject) -> *mut PyObject {
    *(o as *const *mut PyObject).add(1)
}

unsafe fn bytes_of(py: &Python, o: *mut PyObject) -> Option<Vec<u8>> {
    if o.is_null() {
        return None;
    }
    let t = ob_type(o);
    if !py.types.bytes.is_null() && t == py.types.bytes
        || py.types.bytes.is_null() && t == py.types.str
    {
        let mut p: *mut c_char = std::ptr::null_mut();
        let mut n: isize = 0;
        let f = py.api.opt.PyBytes_AsStringAndSize?;
        if f(o, &mut p, &mut n) != 0 || p.is_null() {
            (py.api.PyErr_Clear)();
            return None;
        }
        return Some(std::slice::from_raw_parts(p as *const u8, n as usize).to_vec());
    }
    if t == py.types.str {
        return py.text(o).map(String::into_bytes);
    }
    None
}

unsafe fn site_of(py: &Python, frame: *mut PyObject) -> Option<Site> {
    if frame.is_null() {
        return None;
    }
    let code = py.frame_code(frame);
    if code.is_null() {
        return None;
    }
    Some(Site {
        code_id: code as u64,
        code_name: py.attr_text(code, c"co_name").unwrap_or_default(),
        filename: py.attr_text(code, c"co_filename").unwrap_or_default(),
        first_line: py.attr_int(code, c"co_firstlineno").unwrap_or(0) as i32,
        offset: py.frame_lasti(frame).max(0) as u32,
    })
}

/// Import machinery and the standard library (e.g. `namedtuple` builds
/// methods with `eval`) are not the program's layers.
fn not_the_program(st: &State, site: &Option<Site>) -> bool {
    site.as_ref().is_some_and(|s| {
        s.filename.starts_with("<frozen ")
            || (!st.stdlib.is_empty() && s.filename.starts_with(&st.stdlib))
    })
}

/// `code` and every code in its constants, each once.
unsafe fn collect_codes(st: &State, code: *mut PyObject, out: &mut Vec<*mut PyObject>) {
    let py = st.py;
    let mut seen = HashSet::new();
    let mut todo = vec![code];
    while let Some(c) = todo.pop() {
        if !seen.insert(c as u64) {
            continue;
        }
        out.push(c);
        let consts = py.getattr(c, c"co_consts");
        if consts.is_null() {
            continue;
        }
        let n = py.api.opt.PyObject_Size.map(|f| f(consts)).unwrap_or(0);
        for i in 0..n.max(0) {
            let item = (py.api.PyTuple_GetItem)(consts, i);
            if !item.is_null() && ob_type(item) == st.code_type {
                todo.push(item);
            }
        }
        (py.api.PyErr_Clear)();
        (py.api.Py_DecRef)(consts);
    }
}

/// Reports `code` (about to run, called from `site`) to the observer.
unsafe fn saw_code(st: &mut State, code: *mut PyObject, site: Option<&Site>) -> Result<(), String> {
    let id = code as u64;
    if st.known.contains(&id) || id == st.input_code {
        st.observer.on_exec(id, site);
        return Ok(());
    }
    let py = st.py;
    let mut all = Vec::new();
    collect_codes(st, code, &mut all);
    let ids: Vec<u64> = all.iter().map(|c| *c as u64).collect();
    for c in &all {
        if st.known.insert(*c as u64) {
            (py.api.Py_IncRef)(*c);
        }
    }
    let version = if py.version.0 >= 3 { 4 } else { 2 };
    let marshal = match py.api.opt.PyMarshal_WriteObjectToString {
        Some(f) => {
            let b = f(code, version);
            let v = bytes_of(py, b);
            if b.is_null() {
                (py.api.PyErr_Clear)();
            } else {
                (py.api.Py_DecRef)(b);
            }
            v.unwrap_or_default()
        }
        None => Vec::new(),
    };
    let filename = py.attr_text(code, c"co_filename").unwrap_or_default();
    st.observer.on_new_code(&NewCode {
        code_ids: &ids,
        marshal: &marshal,
        filename: &filename,
        site,
    })?;
    st.observer.on_exec(id, site);
    Ok(())
}

unsafe fn fail(st: &mut State, why: String) -> c_int {
    st.stopped.get_or_insert(why.clone());
    if let Some(set) = st.py.api.opt.PyErr_SetString {
        let msg = std::ffi::CString::new(format!("pyctrace: {why}").replace('\0', ""))
            .unwrap_or_default();
        set(st.runtime_error, msg.as_ptr());
        return -1;
    }
    0
}

unsafe extern "C" fn audit_hook(
    event: *const c_char,
    args: *mut PyObject,
    _data: *mut c_void,
) -> c_int {
    let Some(st) = state() else { return 0 };
    if st.busy {
        return 0;
    }
    let event = CStr::from_ptr(event).to_bytes();
    if !matches!(event, b"compile" | b"exec" | b"marshal.loads") {
        return 0;
    }
    if let Some(why) = st.stopped.clone() {
        return fail(st, why);
    }
    st.busy = true;
    let py = st.py;
    let frame = py
        .api
        .opt
        .PyEval_GetFrame
        .map(|f| f())
        .unwrap_or(std::ptr::null_mut());
    let site = site_of(py, frame);
    let r = if not_the_program(st, &site) {
        Ok(())
    } else {
        let first = (py.api.PyTuple_GetItem)(args, 0);
        if first.is_null() {
            (py.api.PyErr_Clear)();
            Ok(())
        } else {
            match event {
                b"compile" => match bytes_of(py, first) {
                    Some(text) => {
                        let name = (py.api.PyTuple_GetItem)(args, 1);
                        let filename = if name.is_null() {
                            (py.api.PyErr_Clear)();
                            String::new()
                        } else {
                            bytes_of(py, name)
                                .map(|b| String::from_utf8_lossy(&b).into_owned())
                                .unwrap_or_default()
                        };
                        st.observer.on_source(&text, &filename, site.as_ref())
                    }
                    None => Ok(()), // an AST object: no text
                },
                b"marshal.loads" => match bytes_of(py, first) {
                    // a code object's type code ('c', maybe with FLAG_REF)
                    Some(d) if d.first().is_some_and(|b| b & 0x7f == b'c') => {
                        st.observer.on_marshal(&d, site.as_ref())
                    }
                    _ => Ok(()),
                },
                _ => {
                    if ob_type(first) == st.code_type {
                        saw_code(st, first, site.as_ref())
                    } else {
                        Ok(())
                    }
                }
            }
        }
    };
    st.busy = false;
    match r {
        Ok(()) => 0,
        Err(why) => fail(st, why),
    }
}

/// 2.7: the first frame of every code object; new ones started by
/// `EXEC_STMT` are layers.
unsafe extern "C" fn call_hook(
    _obj: *mut PyObject,
    frame: *mut PyObject,
    what: c_int,
    _arg: *mut PyObject,
) -> c_int {
    if what != ffi::PYTRACE_CALL {
        return 0;
    }
    let Some(st) = state() else { return 0 };
    if st.busy {
        return 0;
    }
    let py = st.py;
    let code = py.frame_code(frame);
    if code.is_null() || st.known.contains(&(code as u64)) || code as u64 == st.input_code {
        return 0;
    }
    let back = py.frame_back(frame);
    if back.is_null() {
        return 0;
    }
    // EXEC_STMT (2.7 opcode 85) at the caller's current instruction
    let lasti = py.frame_lasti(back);
    let back_code = py.frame_code(back);
    let co_code = py.attr_bytes(back_code, c"co_code").unwrap_or_default();
    if lasti < 0 || co_code.get(lasti as usize) != Some(&85) {
        return 0;
    }
    if let Some(why) = st.stopped.clone() {
        return fail(st, why);
    }
    st.busy = true;
    let site = site_of(py, back);
    let r = if not_the_program(st, &site) {
        Ok(())
    } else {
        saw_code(st, code, site.as_ref())
    };
    st.busy = false;
    match r {
        Ok(()) => 0,
        Err(why) => fail(st, why),
    }
}

/// Starts observing (after initialisation, before the program runs).
/// `input_code` is the program's module code object.
pub(crate) unsafe fn install(
    py: &'static Python,
    observer: Box<dyn RuntimeObserver>,
    input_code: *mut PyObject,
    stdlib: String,
) -> Result<(), String> {
    let this = libloading::os::unix::Library::this();
    let runtime_error = this
        .get::<*mut *mut PyObject>(b"PyExc_RuntimeError\0")
        .map(|s| **s)
        .map_err(|e| format!("PyExc_RuntimeError: {e}"))?;
    STATE = Some(Box::new(State {
        py,
        observer,
        known: HashSet::new(),
        stopped: None,
        input_code: input_code as u64,
        code_type: ob_type(input_code),
        runtime_error,
        busy: false,
        stdlib,
    }));
    if let Some(add) = py.api.opt.PySys_AddAuditHook {
        if add(audit_hook, std::ptr::null_mut()) != 0 {
            return Err("PySys_AddAuditHook failed".into());
        }
        Ok(())
    } else if py.version.0 == 2 {
        (py.api.PyEval_SetTrace)(Some(call_hook), std::ptr::null_mut());
        Ok(())
    } else {
        Err(format!(
            "Python {}.{} has neither audit hooks (3.8+) nor the 2.7 path: dynamic unpacking \
             through the cpython engine needs 2.7 or 3.8+",
            py.version.0, py.version.1
        ))
    }
}

/// Tells the observer the run ended.
pub(crate) unsafe fn finish(status: Option<i32>) {
    if let Some(st) = state() {
        st.busy = true;
        if st.py.version.0 == 2 {
            (st.py.api.PyEval_SetTrace)(None, std::ptr::null_mut());
        }
        st.observer.finish(status);
    }
}
