//! pyctrace's own Python virtual machine.
//!
//! * [`code`] converts a marshalled code object; [`lift`] turns each
//!   version's instructions, one to one, into a common form that keeps the
//!   original offset, opcode name and argument.
//! * [`interp`] is the one interpreter loop; the instruction families live
//!   in [`ops`], the builtin types in [`types`], generic object protocols in
//!   [`protocol`], builtin functions in [`builtins`].
//! * Version differences beyond decoding are the named switches of
//!   [`lift::Semantics`].
//! * Frame objects ([`types::frame`]) and the program's own
//!   `sys.settrace`/`sys.setprofile` ([`interp::pytrace`]) are made only
//!   when the program asks; pyctrace's own tracing stays invisible to it.
//!
//! The VM is sandboxed by construction: no builtin touches the host's
//! files, network, processes or environment. Program I/O goes through
//! [`VmIo`]; tracing through [`TraceSink`], which costs one branch per
//! instruction when absent.
//!
//! # Speed
//!
//! The hottest instructions have fast paths (`interp/hot.rs`: small ints,
//! floats, bools, range/list iteration, globals, positional calls of Python
//! functions straight into the new frame) that fall back to their family
//! for anything else. `python3 scripts/bench/vm_speed.py` measures the
//! programs of `scripts/bench/vm/` beside CPython 3.11. On a shared 2-core
//! machine (user+sys CPU, best of 3, start-up subtracted), vm / CPython 3.11
//! untraced: loops 2.3x, dicts 2.7x, strings 3.7x, calls 4.8x, classes
//! 6.3x (before this work: 5.5-8.3x, and strings stopped on the memory
//! limit). Traced with values (sizes / 50), the vm engine takes 0.63-0.84x
//! the cpython engine's time for text and JSONL on every program (0.12x on
//! dicts); counting only, 1.0-2.0x. The trace branch costs 0-6%, within
//! the noise of that machine (`--untraced-pyctrace`: a build with the
//! `untraced` feature, which compiles the branch out).

pub mod builtins;
pub mod code;
pub mod format;
pub mod interp;
pub mod lift;
pub mod observe;
pub mod ops;
pub mod protocol;
pub mod sandbox;
pub mod stdlib;
pub mod types;
pub mod value;

use pyctrace_marshal::{Obj, Pyc};
use pyctrace_version::PyVersion;

pub use interp::Vm;
pub use value::Value;

/// Limits and options of one run.
#[derive(Clone, Debug)]
pub struct VmConfig {
    /// Instructions executed before the run stops (`None`: unlimited).
    pub max_instructions: Option<u64>,
    /// Approximate bytes of heap the program may allocate.
    pub max_memory: usize,
    /// Python frames deep before `RecursionError` (CPython's default is 1000).
    pub recursion_limit: u32,
    /// `sys.argv[1:]`.
    pub argv: Vec<String>,
    /// `sys.argv[0]`.
    pub program: String,
    /// The virtual filesystem: (guest path, contents). Relative guest paths
    /// are under [`sandbox::CWD`].
    pub files: Vec<(String, Vec<u8>)>,
}

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            max_instructions: None,
            max_memory: 1 << 30,
            recursion_limit: 1000,
            argv: Vec::new(),
            program: "program.pyc".into(),
            files: Vec::new(),
        }
    }
}

/// The program's standard streams.
pub trait VmIo {
    fn write_stdout(&mut self, text: &str);
    fn write_stderr(&mut self, text: &str);
    /// One line of stdin without its newline; `None` at end of input.
    fn read_line(&mut self) -> Option<String>;
}

/// In-memory streams (tests, embedding).
#[derive(Default, Debug, Clone)]
pub struct BufferIo {
    pub stdout: String,
    pub stderr: String,
    pub stdin: Vec<String>,
}

impl VmIo for BufferIo {
    fn write_stdout(&mut self, text: &str) {
        self.stdout.push_str(text);
    }
    fn write_stderr(&mut self, text: &str) {
        self.stderr.push_str(text);
    }
    fn read_line(&mut self) -> Option<String> {
        if self.stdin.is_empty() {
            None
        } else {
            Some(self.stdin.remove(0))
        }
    }
}

/// Where the traced frame is.
#[derive(Clone, Copy, Debug)]
pub struct FrameInfo<'a> {
    /// Frames below this one; the module frame is 0.
    pub depth: u32,
    pub code_name: &'a str,
    pub filename: &'a str,
    pub line: Option<i32>,
    /// `co_firstlineno` of the frame's code (tells same-named codes apart).
    pub first_line: i32,
    /// Offset of the instruction running or last run (CPython's `f_lasti`
    /// in bytes): for a frame that has not run an instruction yet, -1 up to
    /// 3.10 and 0 (its RESUME) from 3.11.
    pub offset: i64,
}

/// Receives trace events. Values are given as VM values; render them with
/// [`Value`]'s [`protocol::trace_repr`], which never runs program code.
pub trait TraceSink {
    /// One instruction is about to run (CPython's order: before any frame
    /// it calls), with the values it will pop (bottom first; for ops whose
    /// pop count depends on the outcome, the usual count).
    fn on_op(
        &mut self,
        frame: &FrameInfo<'_>,
        offset: u32,
        opname: &str,
        arg: Option<u32>,
        pops: &[Value],
    );
    /// The instruction last reported by `on_op` at this frame depth finished
    /// normally and left `pushes` (bottom first) on the stack.
    fn on_op_end(&mut self, _frame: &FrameInfo<'_>, _offset: u32, _pushes: &[Value]) {}
    fn on_call(&mut self, _frame: &FrameInfo<'_>) {}
    fn on_return(&mut self, _frame: &FrameInfo<'_>, _value: &Value) {}
    fn on_exception(&mut self, _frame: &FrameInfo<'_>, _type_name: &str) {}
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Normal end (or `sys.exit(0)`): status 0.
    Ok,
    /// An uncaught exception (its traceback was written to stderr) or
    /// `SystemExit` with a non-zero code.
    Raised { type_name: String, code: i32 },
}

impl ExitStatus {
    pub fn code(&self) -> i32 {
        match self {
            ExitStatus::Ok => 0,
            ExitStatus::Raised { code, .. } => *code,
        }
    }
}

/// Why the VM stopped without running the program to its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VmError {
    /// An instruction or feature not implemented yet.
    Unsupported {
        what: String,
        offset: Option<u32>,
    },
    /// Malformed code (bad jump target, stack underflow, bad constant...).
    BadCode(String),
    InstructionLimit(u64),
    MemoryLimit(usize),
    /// The version is outside what the VM runs.
    Version(PyVersion),
    /// The run's observer stopped it (a limit, or a missing compiler).
    Stopped(String),
}

impl std::fmt::Display for VmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VmError::Unsupported {
                what,
                offset: Some(o),
            } => {
                write!(
                    f,
                    "unsupported by the vm engine: {} (at offset {})",
                    what, o
                )
            }
            VmError::Unsupported { what, offset: None } => {
                write!(f, "unsupported by the vm engine: {}", what)
            }
            VmError::BadCode(m) => write!(f, "bad code: {}", m),
            VmError::InstructionLimit(n) => write!(f, "instruction limit reached ({} executed)", n),
            VmError::MemoryLimit(n) => write!(f, "memory limit reached (about {} bytes)", n),
            VmError::Stopped(why) => write!(f, "stopped: {}", why),
            VmError::Version(v) => {
                write!(f, "the vm engine does not run Python {} bytecode yet", v)
            }
        }
    }
}

impl std::error::Error for VmError {}

/// Release lines the VM runs.
pub fn supports(version: PyVersion) -> bool {
    version.major == 3 && (8..=13).contains(&version.minor)
}

/// Runs the module code of `pyc` as `__main__`.
pub fn run(
    pyc: &Pyc<'_>,
    config: &VmConfig,
    io: &mut (dyn VmIo + Send),
) -> Result<ExitStatus, VmError> {
    run_traced(pyc, config, io, None)
}

/// Stack of the thread the interpreter runs on: Python calls recurse in
/// Rust, and the recursion limit must be reached before the Rust stack ends.
const VM_STACK_BYTES: usize = 1 << 29;

/// Like [`run`], reporting every instruction to `trace`.
pub fn run_traced(
    pyc: &Pyc<'_>,
    config: &VmConfig,
    io: &mut (dyn VmIo + Send),
    trace: Option<&mut (dyn TraceSink + Send)>,
) -> Result<ExitStatus, VmError> {
    run_sandboxed(pyc, config, io, trace).status
}

/// A run's end and what the program tried to do outside the sandbox.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub status: Result<ExitStatus, VmError>,
    /// Attempted effects, in order (see [`sandbox::Effect`]).
    pub effects: Vec<sandbox::Effect>,
    /// Instructions executed.
    pub executed: u64,
}

/// Like [`run_traced`], also returning the recorded effects.
pub fn run_sandboxed(
    pyc: &Pyc<'_>,
    config: &VmConfig,
    io: &mut (dyn VmIo + Send),
    trace: Option<&mut (dyn TraceSink + Send)>,
) -> Outcome {
    run_observed(pyc, config, io, trace, None)
}

/// Like [`run_sandboxed`], reporting run-time code creation to `observer`.
pub fn run_observed(
    pyc: &Pyc<'_>,
    config: &VmConfig,
    io: &mut (dyn VmIo + Send),
    trace: Option<&mut (dyn TraceSink + Send)>,
    observer: Option<&mut (dyn observe::UnpackObserver + Send)>,
) -> Outcome {
    let fail = |e| Outcome {
        status: Err(e),
        effects: Vec::new(),
        executed: 0,
    };
    if !supports(pyc.version) {
        return fail(VmError::Version(pyc.version));
    }
    let Obj::Code(code) = &pyc.root.obj else {
        return fail(VmError::BadCode(
            "the .pyc does not hold a code object".into(),
        ));
    };
    let version = pyc.version;
    let root = &pyc.root;
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("pyctrace-vm".into())
            .stack_size(VM_STACK_BYTES)
            .spawn_scoped(scope, move || {
                // str hashes are cached from the first use, which may be a
                // constant of the loader: the version's hash comes first
                let rounds = if version.at_least(3, 11) { 1 } else { 2 };
                protocol::SIP_ROUNDS.with(|r| r.set(rounds));
                let mut loader = code::Loader::new(root, version);
                let module = match loader.code(code) {
                    Ok(m) => m,
                    Err(e) => return fail(e),
                };
                let trace: Option<&mut dyn TraceSink> = match trace {
                    Some(t) => Some(t),
                    None => None,
                };
                let mut vm = Vm::new(version, config.clone(), io, trace);
                vm.observer = match observer {
                    Some(o) => Some(o),
                    None => None,
                };
                let status = vm.run_module(std::rc::Rc::new(module));
                Outcome {
                    status,
                    effects: std::mem::take(&mut vm.sandbox.effects),
                    executed: vm.executed,
                }
            });
        match worker {
            Err(e) => fail(VmError::BadCode(format!(
                "cannot start the vm thread: {}",
                e
            ))),
            Ok(w) => w
                .join()
                .unwrap_or_else(|_| fail(VmError::BadCode("the vm thread panicked".into()))),
        }
    })
}
