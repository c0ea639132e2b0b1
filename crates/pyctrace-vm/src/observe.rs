//! Run-time code creation: `exec`, `eval`, `compile`, `globals`, `locals`,
//! and the [`UnpackObserver`] hook that sees every code object and source
//! string the program makes (for dynamic unpacking).
//!
//! The VM never compiles Python source itself: `compile()` (and `exec`/`eval`
//! of a string) asks the observer, which may delegate to a real interpreter
//! of the same version (compile only). Without an observer, or when it has
//! no compiler, the run stops with a message naming what is missing.
//!
//! Code objects are identified by a number ([`CodeId`], the address of the
//! VM's code object); the VM keeps every reported code alive for the whole
//! run so that a number never names two codes.

use std::cell::RefCell;
use std::rc::Rc;

use crate::code::CodeObj;
use crate::interp::{Args, Flow, Frame, FrameExit, PyResult, Vm};
use crate::types::dict::Dict;
use crate::value::Value;
use crate::VmError;

/// Identity of a code object during one run.
pub type CodeId = usize;

pub fn code_id(code: &Rc<CodeObj>) -> CodeId {
    Rc::as_ptr(code) as usize
}

/// The instruction that made a call.
#[derive(Clone, Debug)]
pub struct Site {
    pub code_id: CodeId,
    pub code_name: String,
    pub qualname: String,
    pub filename: String,
    pub first_line: i32,
    /// Byte offset of the calling instruction.
    pub offset: u32,
}

/// A code object that came into existence at run time.
#[derive(Debug)]
pub struct CodeEvent<'a> {
    /// `marshal.loads` or `compile` (also for `exec`/`eval` of a string).
    pub how: &'static str,
    /// The marshal data the code was loaded from (for `compile`, what the
    /// real compiler returned).
    pub marshal: &'a [u8],
    /// The new code first, then every code nested in its constants.
    pub code_ids: &'a [CodeId],
    pub code_name: &'a str,
    /// The caller, when the call came straight from an instruction.
    pub site: Option<&'a Site>,
}

/// A source string given to `exec`, `eval` or `compile`.
#[derive(Debug)]
pub struct SourceEvent<'a> {
    /// `exec`, `eval` or `compile`.
    pub sink: &'static str,
    pub text: &'a [u8],
    pub filename: &'a str,
    /// `exec`, `eval` or `single`.
    pub mode: &'a str,
    pub site: Option<&'a Site>,
}

/// An intermediate buffer: the input and output of one decoder call
/// (`zlib.decompress`, `base64.b64decode`, ...).
#[derive(Debug)]
pub struct BufferEvent<'a> {
    /// Decoder name (`zlib`, `base64`, `base32`, `base85`, `hex`, `lzma`, `bz2`).
    pub step: &'static str,
    pub input: &'a [u8],
    pub output: &'a [u8],
}

/// What the observer wants after an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// Stop the run (a limit of the observer): [`VmError::Stopped`].
    Stop(String),
}

/// Why a source string did not become code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// No compiler for this version: the run stops with this message.
    Unavailable(String),
    /// The compiler rejected the source: `SyntaxError(message)` in the program.
    Syntax(String),
}

/// Receives run-time code creation. Implemented by the unpacker.
pub trait UnpackObserver {
    /// Whether code, source, buffer and exec events are wanted (an
    /// observer that only compiles says no: nothing is kept for it).
    fn wants_events(&self) -> bool {
        true
    }
    fn on_source(&mut self, _event: &SourceEvent<'_>) -> Control {
        Control::Continue
    }
    fn on_code(&mut self, _event: &CodeEvent<'_>) -> Control {
        Control::Continue
    }
    fn on_buffer(&mut self, _event: &BufferEvent<'_>) -> Control {
        Control::Continue
    }
    /// `exec`/`eval` is about to run `code`.
    fn on_exec(&mut self, _code: CodeId, _site: Option<&Site>) -> Control {
        Control::Continue
    }
    /// `compile(text, filename, mode)` with a real compiler of the run's
    /// version: the marshal data of the resulting code object.
    fn compile_source(
        &mut self,
        _text: &[u8],
        _filename: &str,
        _mode: &str,
    ) -> Result<Vec<u8>, CompileError> {
        Err(CompileError::Unavailable(
            "no compiler for source text is attached to this run".into(),
        ))
    }
}

/// The calling frame of a native call made straight by an instruction.
pub struct Caller {
    pub site: Site,
    pub globals: Rc<RefCell<Dict>>,
    /// The frame's locals: its names dict, or a snapshot of its fast locals.
    pub locals: Rc<RefCell<Dict>>,
}

/// Per-run state of this module.
#[derive(Default)]
pub struct ObserveState {
    pub caller: Option<Caller>,
    /// Every code reported to the observer (keeps [`CodeId`]s unique).
    pub keep: Vec<Rc<CodeObj>>,
}

/// Native functions that read their calling frame.
pub fn wants_frame(name: &str) -> bool {
    matches!(
        name,
        "exec" | "eval" | "compile" | "globals" | "locals" | "loads"
    )
}

fn str_key(d: &Rc<RefCell<Dict>>, key: &str, v: Value) {
    let h = crate::protocol::str_hash(key);
    let mut b = d.borrow_mut();
    if b.get_str(key, h).is_none() {
        b.push(Value::str(key), v, h);
    }
}

/// Records the calling frame `f` for the native `name` about to run.
pub fn enter_from_frame(vm: &mut Vm, f: &Frame, name: &str) {
    let offset = f.code.instrs.get(f.lasti).map(|i| i.offset).unwrap_or(0);
    let locals = match (&f.names, name) {
        (Some(n), _) => n.clone(),
        (None, "locals" | "exec" | "eval") => {
            let d = Rc::new(RefCell::new(Dict::new()));
            for (slot, name) in f.code.localsplus_names.iter().enumerate() {
                let v = match f.locals.get(slot).cloned().flatten() {
                    Some(Value::Cell(c)) => c.borrow().clone(),
                    other => other,
                };
                if let Some(v) = v {
                    if !v.is_null() {
                        str_key(&d, name, v);
                    }
                }
            }
            d
        }
        (None, _) => Rc::new(RefCell::new(Dict::new())),
    };
    vm.observe.caller = Some(Caller {
        site: Site {
            code_id: code_id(&f.code),
            code_name: f.code.name.clone(),
            qualname: f.code.qualname.clone(),
            filename: f.code.filename.clone(),
            first_line: f.code.firstlineno,
            offset,
        },
        globals: f.globals.clone(),
        locals,
    });
}

fn stop(c: Control) -> PyResult<()> {
    match c {
        Control::Continue => Ok(()),
        Control::Stop(why) => Err(Flow::Fatal(VmError::Stopped(why))),
    }
}

/// Reports one decoder call (no-op without an observer).
pub fn buffer(vm: &mut Vm, step: &'static str, input: &[u8], output: &[u8]) -> PyResult<()> {
    match vm.observer.as_deref_mut() {
        Some(o) if o.wants_events() => stop(o.on_buffer(&BufferEvent {
            step,
            input,
            output,
        })),
        _ => Ok(()),
    }
}

/// `code` and every code in its constants, each once (hostile marshal
/// data can share one code many times through references).
fn collect_codes(code: &Rc<CodeObj>, out: &mut Vec<Rc<CodeObj>>) {
    let mut seen = std::collections::HashSet::new();
    let mut todo = vec![code.clone()];
    while let Some(c) = todo.pop() {
        if !seen.insert(code_id(&c)) {
            continue;
        }
        for k in &c.consts {
            if let Value::Code(inner) = k {
                todo.push(inner.clone());
            }
        }
        out.push(c);
    }
}

/// Reports a code object made from `marshal` data (no-op without an observer).
pub fn code_created(
    vm: &mut Vm,
    how: &'static str,
    marshal: &[u8],
    code: &Rc<CodeObj>,
    site: Option<&Site>,
) -> PyResult<()> {
    if !vm.observer.as_deref().is_some_and(|o| o.wants_events()) {
        return Ok(());
    }
    let mut all = Vec::new();
    collect_codes(code, &mut all);
    let ids: Vec<CodeId> = all.iter().map(code_id).collect();
    vm.observe.keep.extend(all);
    let o = vm.observer.as_deref_mut().expect("checked");
    stop(o.on_code(&CodeEvent {
        how,
        marshal,
        code_ids: &ids,
        code_name: &code.name,
        site,
    }))
}

/// Installs `exec`, `eval`, `compile`, `globals` and `locals`.
pub fn install(vm: &mut Vm) {
    for (name, f) in [
        ("exec", b_exec as crate::types::function::NativeImpl),
        ("eval", b_eval),
        ("compile", b_compile),
        ("globals", b_globals),
        ("locals", b_locals),
    ] {
        let v = crate::sandbox::native_value(name, f);
        let h = crate::protocol::str_hash(name);
        vm.builtins.borrow_mut().push(Value::str(name), v, h);
    }
}

fn b_globals(vm: &mut Vm, _a: Args) -> PyResult<Value> {
    match vm.observe.caller.take() {
        Some(c) => Ok(Value::Dict(c.globals)),
        None => Err(vm.unsupported("globals() called indirectly (not from an instruction)")),
    }
}

fn b_locals(vm: &mut Vm, _a: Args) -> PyResult<Value> {
    match vm.observe.caller.take() {
        Some(c) => Ok(Value::Dict(c.locals)),
        None => Err(vm.unsupported("locals() called indirectly (not from an instruction)")),
    }
}

fn arg(a: &Args, i: usize, kw: &str) -> Option<Value> {
    a.pos.get(i).cloned().or_else(|| a.kw_get(kw).cloned())
}

/// The text of a source argument (`str`, `bytes`, `bytearray`).
fn source_text(vm: &mut Vm, v: &Value, who: &str) -> PyResult<Option<Vec<u8>>> {
    Ok(match v {
        Value::Str(s) => Some(s.s.as_bytes().to_vec()),
        Value::Bytes(b) => Some(b.to_vec()),
        Value::Code(_) => None,
        other => {
            let t = vm.type_name(other);
            if t == "bytearray" {
                Some(crate::stdlib::bytes_arg(vm, other, false).or_else(|_| {
                    let items = vm.collect(other.clone())?;
                    let mut out = Vec::with_capacity(items.len());
                    for i in items {
                        out.push(vm.to_i64(&i)? as u8);
                    }
                    Ok::<_, Flow>(out)
                })?)
            } else {
                let msg = if who == "compile" {
                    "compile() arg 1 must be a string, bytes or AST object".to_string()
                } else {
                    format!("{}() arg 1 must be a string, bytes or code object", who)
                };
                return Err(vm.type_error(msg));
            }
        }
    })
}

/// Compiles `text` through the observer and reports the source and the code.
fn compile_text(
    vm: &mut Vm,
    sink: &'static str,
    text: &[u8],
    filename: &str,
    mode: &str,
    site: Option<&Site>,
) -> PyResult<Rc<CodeObj>> {
    let version = vm.version;
    let Some(o) = vm.observer.as_deref_mut() else {
        return Err(Flow::Fatal(VmError::Unsupported {
            what: format!(
                "{sink}() of source text: the vm engine compiles source only through a real \
                 Python {version} (`pyctrace unpack --engine vm` delegates compile() to it)"
            ),
            offset: site.map(|s| s.offset),
        }));
    };
    stop(o.on_source(&SourceEvent {
        sink,
        text,
        filename,
        mode,
        site,
    }))?;
    let o = vm.observer.as_deref_mut().expect("checked");
    let marshal = match o.compile_source(text, filename, mode) {
        Ok(m) => m,
        Err(CompileError::Syntax(msg)) => return Err(vm.new_exc("SyntaxError", &msg)),
        Err(CompileError::Unavailable(msg)) => {
            return Err(Flow::Fatal(VmError::Stopped(format!(
                "{sink}() of source text at {}: {msg}",
                site.map(|s| format!("{}+{}", s.code_name, s.offset))
                    .unwrap_or_else(|| "an indirect call".into())
            ))))
        }
    };
    vm.charge_memory(marshal.len() * 8)?;
    let opts = pyctrace_marshal::ReadOptions::default();
    let pyc = pyctrace_marshal::read_marshal(&marshal, version, &opts).map_err(|e| {
        Flow::Fatal(VmError::BadCode(format!(
            "the compiler's output is not marshal data: {e}"
        )))
    })?;
    let mut loader = crate::code::Loader::new(&pyc.root, version);
    let code = match loader.value(&pyc.root).map_err(Flow::Fatal)? {
        Value::Code(c) => c,
        _ => {
            return Err(Flow::Fatal(VmError::BadCode(
                "the compiler did not return a code object".into(),
            )))
        }
    };
    code_created(vm, "compile", &marshal, &code, site)?;
    Ok(code)
}

fn b_compile(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let caller = vm.observe.caller.take();
    let source = arg(&a, 0, "source").unwrap_or(Value::None);
    let filename = match arg(&a, 1, "filename") {
        Some(Value::Str(s)) => s.s.clone(),
        Some(Value::Bytes(b)) => String::from_utf8_lossy(&b).into_owned(),
        _ => return Err(vm.type_error("compile() missing required argument 'filename'".into())),
    };
    let mode = match arg(&a, 2, "mode") {
        Some(Value::Str(s)) => s.s.clone(),
        _ => return Err(vm.type_error("compile() missing required argument 'mode'".into())),
    };
    if !matches!(mode.as_str(), "exec" | "eval" | "single") {
        return Err(vm.value_error("compile() mode must be 'exec', 'eval' or 'single'"));
    }
    match source_text(vm, &source, "compile")? {
        None => Ok(source),
        Some(text) => {
            let site = caller.as_ref().map(|c| &c.site);
            let code = compile_text(vm, "compile", &text, &filename, &mode, site)?;
            Ok(Value::Code(code))
        }
    }
}

fn b_exec(vm: &mut Vm, a: Args) -> PyResult<Value> {
    run_code(vm, a, "exec")
}

fn b_eval(vm: &mut Vm, a: Args) -> PyResult<Value> {
    run_code(vm, a, "eval")
}

fn dict_arg(vm: &mut Vm, v: Option<Value>, what: &str) -> PyResult<Option<Rc<RefCell<Dict>>>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Dict(d)) => Ok(Some(d)),
        Some(other) => {
            let t = vm.type_name(&other);
            Err(vm.type_error(format!("{what} must be a dict, not {t}")))
        }
    }
}

fn run_code(vm: &mut Vm, a: Args, sink: &'static str) -> PyResult<Value> {
    let caller = vm.observe.caller.take();
    let source = arg(&a, 0, "source").unwrap_or(Value::None);
    let globals = dict_arg(vm, arg(&a, 1, "globals"), "globals")?;
    let locals = dict_arg(vm, arg(&a, 2, "locals"), "locals")?;
    let (globals, locals) = match (globals, locals, &caller) {
        (Some(g), Some(l), _) => (g, l),
        (Some(g), None, _) => (g.clone(), g),
        (None, l, Some(c)) => (c.globals.clone(), l.unwrap_or_else(|| c.locals.clone())),
        (None, l, None) => {
            let g = Rc::new(RefCell::new(Dict::new()));
            (g.clone(), l.unwrap_or(g))
        }
    };
    str_key(&globals, "__builtins__", Value::Dict(vm.builtins.clone()));
    let site = caller.as_ref().map(|c| c.site.clone());
    let code = match source_text(vm, &source, sink)? {
        None => match source {
            Value::Code(c) => c,
            _ => unreachable!("source_text returns None only for code"),
        },
        Some(text) => {
            // eval() of a string ignores leading spaces and tabs, as CPython does.
            let text: &[u8] = if sink == "eval" {
                let start = text
                    .iter()
                    .position(|b| *b != b' ' && *b != b'\t')
                    .unwrap_or(text.len());
                &text[start..]
            } else {
                &text
            };
            compile_text(vm, sink, text, "<string>", sink, site.as_ref())?
        }
    };
    if code.nfree > 0 {
        return Err(vm.type_error(format!(
            "code object passed to {sink}() may not contain free variables"
        )));
    }
    if let Some(o) = vm.observer.as_deref_mut() {
        stop(o.on_exec(code_id(&code), site.as_ref()))?;
    }
    let mut frame = Frame::new(code, globals, Some(locals), Vec::new(), Vec::new());
    match vm.run_frame(&mut frame, None)? {
        FrameExit::Return(v) if sink == "eval" => Ok(v),
        _ => Ok(Value::None),
    }
}
