//! The `cpython` engine: runs a `.pyc` in a real `libpythonX.Y` opened at
//! run time (never linked), as `python FILE ARGS` would, with an optional
//! C-level instruction tracer the program cannot see through
//! `sys.gettrace()`.
//!
//! **No sandbox**: the program runs for real, with the user's rights.
//!
//! How it works (see TRACING-FACTS.md in the project's shared notes):
//! - libpython is opened with `RTLD_GLOBAL` and initialised like the
//!   `python` executable: 3.8+ through `PyConfig_InitPythonConfig` +
//!   `PyConfig_SetBytesArgv([executable, FILE, ARGS...])` (so `sys.argv`,
//!   `sys.orig_argv`, `sys.executable` and the environment variables are
//!   handled by CPython itself), 3.7 and older through `Py_SetProgramName`
//!   + `PySys_SetArgvEx`. `sys.path[0]` is the script's directory, as
//!   `python FILE` sets it.
//! - The body of the `.pyc` is unmarshalled by that libpython's own
//!   `PyMarshal_ReadObjectFromString` and run with `PyEval_EvalCode` in
//!   `__main__`'s dict, with `__file__`, `__cached__` and `__loader__` set
//!   as CPython's `run_pyc_file` does. pyctrace imports nothing.
//! - The trace function is installed with `PyEval_SetTrace(hook, NULL)`:
//!   `sys.gettrace()` stays `None`. Opcode events are switched on per frame
//!   in the call event: 3.7+ set the frame attribute `f_trace_opcodes`;
//!   3.12 also sets it once on a throw-away frame before `PyEval_SetTrace`
//!   (else no opcode events at all); 3.13 additionally sets `f_trace` to a
//!   non-None value and back, which is what enables opcode events for the
//!   code object.
//! - An uncaught exception is printed by `PyErr_Print` (so `sys.excepthook`
//!   and the traceback are CPython's) and gives status 1; `SystemExit` is
//!   handled by CPython itself (it exits the process with the program's
//!   status after the trace has been flushed).
//!
//!
//! # Events and values, per version
//!
//! | version | op events from | `line` of op records | values (`pop` / `push`) |
//! |---|---|---|---|
//! | 2.7 | line events over a swapped per-instruction `co_lnotab` | real (pyctrace's decoding of the original table) | yes |
//! | 3.6 | same; the swapped table keeps the real lines | real | yes |
//! | 3.7–3.9 | opcode events (`f_trace_opcodes`) | real | yes (`f_valuestack`/`f_stacktop`) |
//! | 3.10 | opcode events | real | yes (`f_valuestack`/`f_stackdepth`) |
//! | 3.11 | opcode events | real | yes (`_PyInterpreterFrame` `localsplus` + `stacktop`) |
//! | 3.12, 3.13 | opcode events (sys.monitoring legacy tracing) | real | no: empty (`stacktop` is not saved before the instruction callback) |
//!
//! Call, return and exception records are emitted on every version.
//!
//! **2.7 and 3.6** have no opcode events. On a traced frame's call event
//! the code object's `co_lnotab` (struct field, layout of that version's
//! `code.h`, checked against the attribute first) is replaced by a table
//! in which every instruction starts a "line", so CPython raises a line
//! event per instruction; those become `op` records (offset `f_lasti`,
//! op/arg decoded from `co_code`). EXTENDED_ARG gets the event, the
//! instruction it prefixes none (as with opcode events up to 3.11). The
//! original table is put back when the last running frame of that code
//! returns (or yields), and for all codes when tracing stops. What the
//! program could notice while one of its frames runs: that code object's
//! `co_lnotab` bytes differ (longer); on 2.7, whose line deltas are
//! unsigned, `frame.f_lineno` of a running traced frame (and so
//! `inspect`/`warnings`/`logging` line numbers) count 1, 2, 3... per
//! instruction from `co_firstlineno` — traceback entries are corrected
//! (their `tb_lineno` is set to the real line on the exception event), and
//! code objects that are not running show their own table. On 3.6 line
//! numbers everywhere are the real ones (pairs `(d, +1), (0, Δ−1)`). The
//! program's own `sys.settrace` tracer is forwarded only the line events it
//! would have had (original line starts and backward jumps).
//!
//! **Values**: at an op event the frame's value stack is read (the
//! interpreter saves the stack pointer before calling the trace function:
//! `f_stacktop` ≤ 3.9, `f_stackdepth` 3.10, `_PyInterpreterFrame.stacktop`
//! 3.11); `pop` is the top N values, N being the instruction's fixed pop
//! count for that version (binary/compare ops 2, stores 1, calls argc+1
//! or +2, builds N...; empty for instructions whose count is not fixed).
//! `push` is read at the next event of the same frame when it is an op:
//! the values above what the instruction left; when the next event is
//! elsewhere (the instruction ran Python code of the program: a call, a
//! generator resumption), or is a return or exception, `push` stays
//! empty (the value shows up as the `pop` of the instruction that
//! consumes it). Values are rendered without running program code:
//! `None`, `True`/`False`, exact `int`, `float`, `complex`, `str`,
//! `bytes` by CPython's own repr, exact `tuple`/`list`/`dict`/`set`
//! recursively, classes as `<class 'Name'>`, everything else (subclasses
//! included) as `<TypeName object>`; each capped at 80 characters. A
//! 3.11+ `NULL` stack entry shows as `NULL`. A sink that only counts
//! (`--count`) does not read values.

pub mod audit;
pub mod ffi;
pub mod hazards;
mod hook;
mod values;

use std::ffi::{c_char, CString, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use pyctrace_pythons::Interpreter;
use pyctrace_trace::Sink;

pub use ffi::Python;

/// What to trace.
pub struct TraceOptions {
    pub sink: Box<dyn Sink>,
    /// Trace every frame, not only those of the program's file.
    pub all_frames: bool,
}

/// One run of a program.
pub struct RunOptions {
    pub interpreter: Interpreter,
    /// The `.pyc` path as the user typed it: `sys.argv[0]` and `__file__`.
    pub file: PathBuf,
    pub args: Vec<OsString>,
    pub trace: Option<TraceOptions>,
}

/// The engine could not run the program at all (exit 2 in the CLI).
#[derive(Debug)]
pub struct SetupError(pub String);

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// How the program ended (when the process did not exit through
/// `SystemExit`, which CPython turns into `exit(status)` directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// 0: ran to the end; 1: raised (traceback printed); 120: flushing
    /// stdout failed at exit (as `python`).
    pub status: i32,
    /// Trace events written.
    pub events: u64,
}

fn cstring(bytes: &[u8]) -> Result<CString, SetupError> {
    CString::new(bytes).map_err(|_| SetupError("argument contains a NUL byte".into()))
}

/// Runs `pyc` (the whole file, header included) in the interpreter of
/// `options`. Can be called once per process (CPython cannot be
/// re-initialised after finalisation).
pub fn run(pyc: &[u8], options: RunOptions) -> Result<Outcome, SetupError> {
    run_observed(pyc, options, None)
}

/// Like [`run`], reporting the code objects and source strings the program
/// creates at run time to `observer` (see [`audit`]). NO SANDBOX.
pub fn run_observed(
    pyc: &[u8],
    options: RunOptions,
    observer: Option<Box<dyn audit::RuntimeObserver>>,
) -> Result<Outcome, SetupError> {
    let interp = &options.interpreter;
    let lib = interp.libpython.as_ref().ok_or_else(|| {
        SetupError(format!(
            "Python {} at {} has no shared library (libpython{}.so); the cpython engine needs one",
            interp.full_version,
            interp.prefix.display(),
            interp.short_version()
        ))
    })?;
    let loaded = pyctrace_marshal::read_pyc(pyc, &Default::default()).map_err(|e| {
        SetupError(format!(
            "{}: {e} (offset {:#x})",
            options.file.display(),
            e.offset()
        ))
    })?;
    let header_len = loaded.header_bytes.len();
    let pyver = loaded.version;
    if (pyver.major, pyver.minor) != interp.version {
        return Err(SetupError(format!(
            "{} is Python {}.{} bytecode but the interpreter is {}",
            options.file.display(),
            pyver.major,
            pyver.minor,
            interp.full_version
        )));
    }
    if options.trace.is_some() && hazards::instrumentation_is_unchecked(pyver) {
        let found = hazards::instrumentation_hazards(&loaded);
        if let Some(first) = found.first() {
            return Err(SetupError(format!(
                "{}: refusing to trace on CPython {}: its instrumentation indexes jump targets \
                 without bounds checks, and this code has {} jump(s) or handler(s) outside the code \
                 (first: {first}); tracing it would crash or corrupt the interpreter. \
                 `run` without tracing is safe.",
                options.file.display(),
                interp.full_version,
                found.len()
            )));
        }
    }
    let argrepr = if options.trace.is_some() {
        hook::argrepr_index(&loaded)
    } else {
        Default::default()
    };
    drop(loaded);

    let py: &'static Python = Box::leak(Box::new(
        Python::open(lib, interp.version).map_err(SetupError)?,
    ));
    let body = &pyc[header_len..];
    unsafe {
        initialize(py, interp, &options.file, &options.args)?;
        let api = &py.api;
        let main = (api.PyImport_AddModule)(c"__main__".as_ptr());
        let globals = (api.PyModule_GetDict)(main);
        set_main_attributes(py, globals, &options.file);
        let code = (api.PyMarshal_ReadObjectFromString)(
            body.as_ptr() as *const c_char,
            body.len() as isize,
        );
        if code.is_null() {
            (api.PyErr_Print)();
            return Err(SetupError(format!(
                "{}: libpython {} could not unmarshal the code object",
                options.file.display(),
                interp.full_version
            )));
        }
        let observing = observer.is_some();
        if let Some(observer) = observer {
            let mut stdlib = interp.stdlib.to_string_lossy().into_owned();
            if !stdlib.is_empty() && !stdlib.ends_with('/') {
                stdlib.push('/');
            }
            audit::install(py, observer, code, stdlib).map_err(SetupError)?;
        }
        let tracing = options.trace.is_some();
        if let Some(trace) = options.trace {
            let program_file = py.attr_text(code, c"co_filename").unwrap_or_default();
            hook::install(py, trace, program_file, argrepr, pyver);
        }
        let result = (api.PyEval_EvalCode)(code, globals, globals);
        let mut status = 0;
        if result.is_null() {
            status = 1;
            let system_exit = *(api.exc_system_exit as *mut *mut ffi::PyObject);
            if (api.PyErr_ExceptionMatches)(system_exit) != 0 {
                // CPython prints nothing (or the message) and exits with
                // the program's status: flush the trace first.
                hook::uninstall(py);
                if observing {
                    audit::finish(None);
                }
                (api.PyErr_Print)();
            } else {
                (api.PyErr_Print)();
            }
        } else {
            (api.Py_DecRef)(result);
        }
        let events = if tracing { hook::uninstall(py) } else { 0 };
        if observing {
            audit::finish(Some(status));
        }
        let finalized = if let Some(f) = api.opt.Py_FinalizeEx {
            f()
        } else if let Some(f) = api.opt.Py_Finalize {
            f();
            0
        } else {
            0
        };
        if finalized < 0 && status == 0 {
            status = 120;
        }
        Ok(Outcome { status, events })
    }
}

unsafe fn initialize(
    py: &Python,
    interp: &Interpreter,
    file: &Path,
    args: &[OsString],
) -> Result<(), SetupError> {
    let api = &py.api;
    let exe = cstring(interp.executable.as_os_str().as_bytes())?;
    let mut script = file.as_os_str().as_bytes().to_vec();
    if script.first() == Some(&b'-') {
        script.splice(0..0, b"./".iter().copied());
    }
    let script = cstring(&script)?;
    let mut rest = Vec::new();
    for a in args {
        rest.push(cstring(a.as_bytes())?);
    }
    if let (Some(init_cfg), Some(set_argv), Some(init), Some(clear)) = (
        api.opt.PyConfig_InitPythonConfig,
        api.opt.PyConfig_SetBytesArgv,
        api.opt.Py_InitializeFromConfig,
        api.opt.PyConfig_Clear,
    ) {
        // PyConfig is a few hundred bytes; this buffer is far larger.
        let mut config = vec![0u64; 4096];
        let cfg = config.as_mut_ptr() as *mut std::ffi::c_void;
        init_cfg(cfg);
        let mut argv: Vec<*mut c_char> =
            vec![exe.as_ptr() as *mut c_char, script.as_ptr() as *mut c_char];
        argv.extend(rest.iter().map(|a| a.as_ptr() as *mut c_char));
        let check = |s: ffi::PyStatus, what: &str| -> Result<(), SetupError> {
            if s.kind == 0 {
                return Ok(());
            }
            if s.kind == 2 {
                std::process::exit(s.exitcode);
            }
            let msg = if s.err_msg.is_null() {
                String::new()
            } else {
                std::ffi::CStr::from_ptr(s.err_msg)
                    .to_string_lossy()
                    .into_owned()
            };
            Err(SetupError(format!("{what} failed: {msg}")))
        };
        check(
            set_argv(cfg, argv.len() as isize, argv.as_ptr()),
            "PyConfig_SetBytesArgv",
        )?;
        let status = init(cfg);
        clear(cfg);
        check(status, "Py_InitializeFromConfig")?;
        // `python FILE` puts the script's directory first on sys.path (in
        // Py_RunMain, which we do not call), unless -I/-P/PYTHONSAFEPATH.
        let safe_path = interp.version >= (3, 11)
            && std::env::var_os("PYTHONSAFEPATH").is_some_and(|v| !v.is_empty());
        if !safe_path {
            let dir = std::fs::canonicalize(file)
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .unwrap_or_default();
            let path = (api.PySys_GetObject)(c"path".as_ptr());
            if !path.is_null() {
                let item = py.new_str(&dir.to_string_lossy());
                (api.PyList_Insert)(path, 0, item);
                (api.Py_DecRef)(item);
            }
        }
        return Ok(());
    }
    // 2.7, 3.6, 3.7: the classic embedding calls.
    let mut all: Vec<&CString> = vec![&script];
    all.extend(rest.iter());
    if let (Some(set_name), Some(set_argv), Some(decode)) = (
        api.opt.Py_SetProgramName_w,
        api.opt.PySys_SetArgvEx_w,
        api.opt.Py_DecodeLocale,
    ) {
        // Both pointers must outlive the interpreter: leaked on purpose.
        let wexe = decode(exe.as_ptr(), std::ptr::null_mut());
        set_name(wexe);
        (api.Py_InitializeEx)(1);
        let mut wargv: Vec<*mut ffi::wchar_t> = all
            .iter()
            .map(|a| decode(a.as_ptr(), std::ptr::null_mut()))
            .collect();
        set_argv(wargv.len() as i32, wargv.as_mut_ptr(), 1);
        std::mem::forget(wargv);
        return Ok(());
    }
    if let (Some(set_name), Some(set_argv)) =
        (api.opt.Py_SetProgramName_c, api.opt.PySys_SetArgvEx_c)
    {
        let exe: &'static CString = Box::leak(Box::new(exe));
        set_name(exe.as_ptr());
        (api.Py_InitializeEx)(1);
        let mut argv: Vec<*mut c_char> = all.iter().map(|a| a.as_ptr() as *mut c_char).collect();
        set_argv(argv.len() as i32, argv.as_mut_ptr(), 1);
        std::mem::forget(argv);
        std::mem::forget(rest);
        std::mem::forget(script);
        return Ok(());
    }
    Err(SetupError(format!(
        "libpython {} lacks the initialisation functions pyctrace knows",
        interp.full_version
    )))
}

/// `__file__`, `__cached__`, `__loader__` as CPython's `run_pyc_file` path
/// sets them for `python FILE.pyc`.
unsafe fn set_main_attributes(py: &Python, globals: *mut ffi::PyObject, file: &Path) {
    let api = &py.api;
    // 3.9+ makes the script path absolute (not resolved) before running it.
    let shown = if py.version >= (3, 9) {
        std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf())
    } else {
        file.to_path_buf()
    };
    let name = py.new_str(&shown.to_string_lossy());
    (api.PyDict_SetItemString)(globals, c"__file__".as_ptr(), name);
    if py.version.0 >= 3 {
        (api.PyDict_SetItemString)(globals, c"__cached__".as_ptr(), py.api.none);
    }
    // SourcelessFileLoader('__main__', FILE) from the already imported
    // _frozen_importlib_external (3.5+): no new import.
    let modules = (api.PySys_GetObject)(c"modules".as_ptr());
    if !modules.is_null() && py.version >= (3, 5) {
        let ext = (api.PyDict_GetItemString)(modules, c"_frozen_importlib_external".as_ptr());
        if !ext.is_null() {
            let cls = py.getattr(ext, c"SourcelessFileLoader");
            if !cls.is_null() {
                let args = (api.PyTuple_New)(2);
                (api.PyTuple_SetItem)(args, 0, py.new_str("__main__"));
                (api.Py_IncRef)(name);
                (api.PyTuple_SetItem)(args, 1, name);
                let loader = (api.PyObject_CallObject)(cls, args);
                if loader.is_null() {
                    (api.PyErr_Clear)();
                } else {
                    (api.PyDict_SetItemString)(globals, c"__loader__".as_ptr(), loader);
                    (api.Py_DecRef)(loader);
                }
                (api.Py_DecRef)(args);
                (api.Py_DecRef)(cls);
            }
        }
    }
    (api.Py_DecRef)(name);
}
