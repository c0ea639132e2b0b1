//! `--engine vm`: runs the program in pyctrace's own sandboxed VM.
//!
//! * [`VmArgs`]: the options only this engine has (limits, the virtual
//!   filesystem, the effects report).
//! * [`Adapter`]: pairs the VM's `on_op` (before, with the popped values)
//!   and `on_op_end` (after, with the pushed values) into one op record of
//!   `pyctrace-trace`, in the order the cpython engine writes them: an op
//!   record is written when its instruction ends, or, when the instruction
//!   runs Python code first (a call), before that code's records, with an
//!   empty `push`. Values are always read (the VM shows them without
//!   running program code).
//! * [`StdIo`]: the program's streams are the user's.
//!
//! Exit status: the program's (`sys.exit`), 1 for an uncaught exception
//! (CPython-style traceback on stderr), 1 when the VM stops on an
//! unsupported instruction or feature (the message names it and the
//! offset) or on a limit, 2 for bad usage or unreadable input.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::anyhow;
use clap::{Args as ClapArgs, ValueEnum};
use pyctrace_cpython::TraceOptions;
use pyctrace_trace::{Event, Record, Sink};
use pyctrace_vm::sandbox::Effect;
use pyctrace_vm::{ExitStatus, FrameInfo, TraceSink, Value, VmConfig, VmError, VmIo};

use super::run::ProgramArgs;
use crate::load::read_file;
use crate::Failure;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EffectsFormat {
    /// One line per effect.
    Text,
    /// A JSON array of `{"kind","target","detail"}` objects.
    Json,
}

/// Options of the `vm` engine.
#[derive(ClapArgs, Debug, Clone, Default)]
pub struct VmArgs {
    /// vm engine: stop (exit 1) after N instructions.
    #[arg(long, value_name = "N")]
    pub max_instructions: Option<u64>,
    /// vm engine: stop (exit 1) when the program has allocated about BYTES.
    #[arg(long, value_name = "BYTES")]
    pub max_memory: Option<usize>,
    /// vm engine: Python frames deep before RecursionError (default 1000).
    #[arg(long, value_name = "N")]
    pub recursion_limit: Option<u32>,
    /// vm engine: make the host file HOST readable by the program as GUEST
    /// (relative guest paths are under /sandbox, the program's working
    /// directory). Nothing else of the host is visible. Repeatable.
    #[arg(long = "map-file", value_name = "HOST=GUEST")]
    pub map_file: Vec<String>,
    /// vm engine: how to list the effects the program attempted (writes,
    /// deletes, directory listings, spawns, connects, environment reads),
    /// at the end, on stderr or into --effects-output. Default: text, only
    /// when there were some.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub effects: Option<EffectsFormat>,
    /// vm engine: write the effects list here instead of stderr.
    #[arg(long, value_name = "FILE")]
    pub effects_output: Option<PathBuf>,
}

/// The program's streams: the process's own.
pub struct StdIo {
    stdin: std::io::Stdin,
    out: std::io::BufWriter<std::io::Stdout>,
}

impl StdIo {
    pub fn new() -> StdIo {
        StdIo {
            stdin: std::io::stdin(),
            out: std::io::BufWriter::new(std::io::stdout()),
        }
    }
}

impl Default for StdIo {
    fn default() -> Self {
        StdIo::new()
    }
}

impl VmIo for StdIo {
    fn write_stdout(&mut self, text: &str) {
        let _ = self.out.write_all(text.as_bytes());
    }
    fn write_stderr(&mut self, text: &str) {
        let _ = self.out.flush();
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
    fn read_line(&mut self) -> Option<String> {
        let _ = self.out.flush();
        let mut line = String::new();
        match self.stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                if line.ends_with('\n') {
                    line.pop();
                    if line.ends_with('\r') {
                        line.pop();
                    }
                }
                Some(line)
            }
        }
    }
}

impl Drop for StdIo {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

/// `argrepr` of every instruction: one offset map per code object, found
/// by (code name, first line).
struct ArgreprIndex {
    maps: Vec<HashMap<u32, String>>,
    by_code: HashMap<(String, i32), usize>,
}

fn argrepr_index(pyc: &pyctrace_marshal::Pyc<'_>) -> ArgreprIndex {
    let mut out = ArgreprIndex {
        maps: Vec::new(),
        by_code: HashMap::new(),
    };
    for listing in pyctrace_dis::disassemble_pyc(pyc).codes {
        let key = (listing.name.clone(), listing.first_line);
        let at = *out.by_code.entry(key).or_insert_with(|| {
            out.maps.push(HashMap::new());
            out.maps.len() - 1
        });
        for i in &listing.instructions {
            if !i.argrepr.is_empty() {
                out.maps[at].insert(i.offset as u32, i.argrepr.clone());
            }
        }
    }
    out
}

/// The op record waiting for its instruction's end; its code name, file,
/// op name and popped values are in the adapter's reused buffers.
struct Pending {
    depth: u32,
    first_line: i32,
    offset: u32,
    line: Option<i32>,
    arg: Option<u32>,
}

/// A VM [`TraceSink`] writing `pyctrace-trace` records. Per instruction it
/// allocates only the rendered values.
pub struct Adapter {
    sink: Box<dyn Sink>,
    values: bool,
    argrepr: ArgreprIndex,
    pending: Option<Pending>,
    code: String,
    file: String,
    op: String,
    pop: Vec<String>,
    push: Vec<String>,
    /// The argrepr map of the last code traced: (code name, first line, map).
    last_map: Option<(String, i32, usize)>,
    failed: bool,
}

// SAFETY: the adapter is used by the VM's worker thread while the thread
// that created it waits for that worker (`std::thread::scope`); it is never
// used from two threads at once. The sinks the CLI makes write to files or
// stderr, which may be used from any thread.
unsafe impl Send for Adapter {}

/// Sets `buf` to `text`, reusing its allocation.
fn set_text(buf: &mut String, text: &str) {
    if buf != text {
        buf.clear();
        buf.push_str(text);
    }
}

impl Adapter {
    pub fn new(sink: Box<dyn Sink>, pyc: &pyctrace_marshal::Pyc<'_>) -> Adapter {
        Adapter {
            values: sink.wants_values(),
            sink,
            argrepr: argrepr_index(pyc),
            pending: None,
            code: String::new(),
            file: String::new(),
            op: String::new(),
            pop: Vec::new(),
            push: Vec::new(),
            last_map: None,
            failed: false,
        }
    }

    fn write(&mut self, r: &Record<'_>) {
        if !self.failed && self.sink.record(r).is_err() {
            self.failed = true;
        }
    }

    /// Writes the pending op record, with the values in `self.push` when
    /// `with_push`.
    fn flush_pending(&mut self, with_push: bool) {
        let Some(p) = self.pending.take() else { return };
        if !self.values {
            // only counting sinks decline values: they get no argrepr either
            let r = Record {
                ev: Event::Op,
                depth: p.depth,
                code: &self.code,
                file: &self.file,
                offset: p.offset as i64,
                line: p.line,
                op: Some(&self.op),
                arg: p.arg.map(i64::from),
                argrepr: "",
                push: &[],
                pop: &[],
                exc: None,
            };
            if !self.failed && self.sink.record(&r).is_err() {
                self.failed = true;
            }
            return;
        }
        let same = self
            .last_map
            .as_ref()
            .is_some_and(|(c, l, _)| *l == p.first_line && *c == self.code);
        if !same {
            let at = self
                .argrepr
                .by_code
                .get(&(self.code.clone(), p.first_line))
                .copied()
                .unwrap_or(usize::MAX);
            self.last_map = Some((self.code.clone(), p.first_line, at));
        }
        let at = self.last_map.as_ref().map_or(usize::MAX, |m| m.2);
        let argrepr = self
            .argrepr
            .maps
            .get(at)
            .and_then(|m| m.get(&p.offset))
            .map(String::as_str)
            .unwrap_or("");
        let r = Record {
            ev: Event::Op,
            depth: p.depth,
            code: &self.code,
            file: &self.file,
            offset: p.offset as i64,
            line: p.line,
            op: Some(&self.op),
            arg: p.arg.map(i64::from),
            argrepr,
            push: if with_push { &self.push } else { &[] },
            pop: &self.pop,
            exc: None,
        };
        if !self.failed && self.sink.record(&r).is_err() {
            self.failed = true;
        }
    }

    fn frame_event(&mut self, ev: Event, frame: &FrameInfo<'_>, exc: Option<&str>) {
        self.flush_pending(false);
        let r = Record {
            ev,
            depth: frame.depth,
            code: frame.code_name,
            file: frame.filename,
            offset: frame.offset,
            line: frame.line,
            op: None,
            arg: None,
            argrepr: "",
            push: &[],
            pop: &[],
            exc,
        };
        self.write(&r);
    }

    pub fn finish(&mut self) -> std::io::Result<()> {
        self.flush_pending(false);
        self.sink.finish()
    }
}

/// `out` becomes the trace reprs of `values` (nothing when values are not
/// wanted).
fn render(wanted: bool, values: &[Value], out: &mut Vec<String>) {
    out.clear();
    if wanted {
        out.extend(values.iter().map(pyctrace_vm::protocol::trace_repr));
    }
}

impl TraceSink for Adapter {
    fn on_op(
        &mut self,
        frame: &FrameInfo<'_>,
        offset: u32,
        opname: &str,
        arg: Option<u32>,
        pops: &[Value],
    ) {
        self.flush_pending(false);
        set_text(&mut self.code, frame.code_name);
        set_text(&mut self.file, frame.filename);
        set_text(&mut self.op, opname);
        render(self.values, pops, &mut self.pop);
        self.pending = Some(Pending {
            depth: frame.depth,
            first_line: frame.first_line,
            offset,
            line: frame.line,
            arg,
        });
    }

    fn on_op_end(&mut self, frame: &FrameInfo<'_>, offset: u32, pushes: &[Value]) {
        let ours = self
            .pending
            .as_ref()
            .is_some_and(|p| p.depth == frame.depth && p.offset == offset);
        if ours {
            render(self.values, pushes, &mut self.push);
            self.flush_pending(true);
        }
    }

    fn on_call(&mut self, frame: &FrameInfo<'_>) {
        self.frame_event(Event::Call, frame, None);
    }

    fn on_return(&mut self, frame: &FrameInfo<'_>, _value: &Value) {
        self.frame_event(Event::Return, frame, None);
    }

    fn on_exception(&mut self, frame: &FrameInfo<'_>, type_name: &str) {
        self.frame_event(Event::Exception, frame, Some(type_name));
    }
}

/// `guest` paths of `--map-file HOST=GUEST` options, read from the host.
fn mapped_files(specs: &[String]) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let mut out = Vec::new();
    for spec in specs {
        let (host, guest) = spec
            .split_once('=')
            .ok_or_else(|| Failure::Input(anyhow!("--map-file {spec:?}: expected HOST=GUEST")))?;
        let data = std::fs::read(host)
            .map_err(|e| Failure::Input(anyhow!("--map-file: cannot read {host}: {e}")))?;
        out.push((guest.to_string(), data));
    }
    Ok(out)
}

fn json_str(text: &str) -> String {
    let mut out = Vec::new();
    let _ = pyctrace_trace::write_json_str(&mut out, text);
    String::from_utf8_lossy(&out).into_owned()
}

/// The effects list as `format`.
pub fn render_effects(effects: &[Effect], format: EffectsFormat) -> String {
    match format {
        EffectsFormat::Json => {
            let items: Vec<String> = effects
                .iter()
                .map(|e| {
                    format!(
                        "{{\"kind\":{},\"target\":{},\"detail\":{}}}",
                        json_str(e.kind),
                        json_str(&e.target),
                        json_str(&e.detail)
                    )
                })
                .collect();
            format!("[{}]\n", items.join(",\n "))
        }
        EffectsFormat::Text => {
            let mut out = format!(
                "pyctrace: the program attempted {} effect(s) (none reached the host):\n",
                effects.len()
            );
            for e in effects {
                out.push_str(&format!("  {:<12} {}", e.kind, e.target));
                if !e.detail.is_empty() {
                    out.push_str(&format!("  ({})", e.detail));
                }
                out.push('\n');
            }
            out
        }
    }
}

/// Runs `program` in the VM, traced into `trace` if given.
pub fn execute(program: &ProgramArgs, trace: Option<TraceOptions>) -> Result<(), Failure> {
    let vm_args = &program.vm;
    let bytes = read_file(&program.file)?;
    let pyc = pyctrace_marshal::read_pyc(&bytes, &Default::default()).map_err(|e| {
        Failure::Input(anyhow!(
            "{}: {e} (offset {:#x})",
            program.file.display(),
            e.offset()
        ))
    })?;
    if !pyctrace_vm::supports(pyc.version) {
        return Err(Failure::Input(anyhow!(
            "{}: the vm engine runs Python 3.8-3.13 bytecode; this is {} (use --engine cpython)",
            program.file.display(),
            pyc.version
        )));
    }
    let defaults = VmConfig::default();
    let config = VmConfig {
        max_instructions: vm_args.max_instructions,
        max_memory: vm_args.max_memory.unwrap_or(defaults.max_memory),
        recursion_limit: vm_args.recursion_limit.unwrap_or(defaults.recursion_limit),
        argv: program
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        program: program.file.display().to_string(),
        files: mapped_files(&vm_args.map_file)?,
    };
    let mut io = StdIo::new();
    let mut adapter = trace.map(|t| Adapter::new(t.sink, &pyc));
    let outcome = {
        let sink: Option<&mut (dyn TraceSink + Send)> = match adapter.as_mut() {
            Some(a) => Some(a),
            None => None,
        };
        // compile() of source text goes to a real interpreter (compile only)
        let mut compiler = pyctrace_unpack::dynamic::SourceCompiler {
            version: pyc.version,
        };
        pyctrace_vm::run_observed(&pyc, &config, &mut io, sink, Some(&mut compiler))
    };
    drop(io);
    if let Some(a) = adapter.as_mut() {
        a.finish()
            .map_err(|e| Failure::Input(anyhow!("writing the trace: {e}")))?;
    }
    let effects_format = vm_args.effects.or(if outcome.effects.is_empty() {
        None
    } else {
        Some(EffectsFormat::Text)
    });
    if let Some(format) = effects_format {
        let text = render_effects(&outcome.effects, format);
        match &vm_args.effects_output {
            Some(path) => std::fs::write(path, text)
                .map_err(|e| Failure::Input(anyhow!("cannot write {}: {e}", path.display())))?,
            None => {
                let _ = std::io::stderr().write_all(text.as_bytes());
            }
        }
    }
    match outcome.status {
        Ok(ExitStatus::Ok) => Ok(()),
        Ok(ExitStatus::Raised { code, .. }) => Err(Failure::Program(code.clamp(1, 255) as u8)),
        Err(VmError::Version(v)) => Err(Failure::Input(anyhow!(
            "the vm engine does not run Python {v} bytecode"
        ))),
        Err(e) => {
            eprintln!("pyctrace: {e}");
            Err(Failure::Program(1))
        }
    }
}

/// The VM configuration of `--max-*`, `--recursion-limit` and `--map-file`
/// for running `file` with `args`.
pub fn vm_config(
    file: &std::path::Path,
    vm_args: &VmArgs,
    args: &[std::ffi::OsString],
) -> Result<VmConfig, Failure> {
    let defaults = VmConfig::default();
    Ok(VmConfig {
        max_instructions: vm_args.max_instructions,
        max_memory: vm_args.max_memory.unwrap_or(defaults.max_memory),
        recursion_limit: vm_args.recursion_limit.unwrap_or(defaults.recursion_limit),
        argv: args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        program: file.display().to_string(),
        files: mapped_files(&vm_args.map_file)?,
    })
}
