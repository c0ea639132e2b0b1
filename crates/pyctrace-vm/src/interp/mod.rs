//! The one interpreter loop, shared by every version: fetch a lifted
//! instruction, count it, run its family's handler, report it to the trace
//! sink if there is one, and unwind to a handler on exceptions (block stack
//! ≤3.10, exception table 3.11+).

pub mod frame;
mod hot;
pub mod pytrace;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use pyctrace_version::PyVersion;

use crate::code::CodeObj;
use crate::lift::{Op, Semantics};
use crate::types::class::Class;
use crate::types::dict::Dict;
use crate::types::exceptions::TbEntry;
use crate::types::function::Function;
use crate::types::generator::Generator;
use crate::value::Value;
use crate::{ExitStatus, FrameInfo, TraceSink, VmConfig, VmError, VmIo};

pub use frame::Frame;
use frame::{Block, BlockKind};

/// Non-local exits of Python operations.
pub enum Flow {
    /// A Python exception (an exception instance), catchable by the program.
    Exc(Value),
    /// The VM stops: unsupported feature, limit, bad code.
    Fatal(VmError),
}

pub type PyResult<T> = Result<T, Flow>;

/// Call arguments.
#[derive(Default)]
pub struct Args {
    pub pos: Vec<Value>,
    pub kw: Vec<(String, Value)>,
}

impl Args {
    pub fn new(pos: Vec<Value>) -> Args {
        Args {
            pos,
            kw: Vec::new(),
        }
    }

    pub fn kw_get(&self, name: &str) -> Option<&Value> {
        self.kw.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// How a frame stopped running.
pub enum FrameExit {
    Return(Value),
    Yield(Value),
    /// 3.11+ RETURN_GENERATOR: the caller wraps the frame in a generator.
    GeneratorCreated,
}

/// What resumes a generator.
pub enum Resume {
    Value(Value),
    Throw(Value),
}

pub enum GenStep {
    Yield(Value),
    Return(Value),
}

pub struct Vm<'io> {
    pub sem: Semantics,
    pub version: PyVersion,
    pub config: VmConfig,
    pub io: &'io mut dyn VmIo,
    pub tracer: Option<&'io mut dyn TraceSink>,
    /// Builtin classes by name (`int`, `str`, ..., every exception class).
    pub classes: HashMap<&'static str, Rc<Class>>,
    pub builtins: Rc<RefCell<Dict>>,
    pub executed: u64,
    pub depth: u32,
    pub memory: usize,
    /// The exception being handled (`sys.exc_info()`), or None.
    pub exc_info: Value,
    /// Set by re-raising instructions: no new traceback entry.
    pub reraising: bool,
    /// Virtual filesystem, recorded effects, native modules.
    pub sandbox: crate::sandbox::Sandbox,
    /// The running Python frames, innermost last (frame objects).
    pub frames: Vec<crate::types::frame::FrameSlot>,
    /// The program's own `sys.settrace` / `sys.setprofile` hooks.
    pub pytrace: pytrace::PyTrace,
    /// Instructions go through `exec_traced`: a trace sink or a program
    /// hook is set.
    pub slow_path: bool,
    /// Sees run-time code creation (dynamic unpacking).
    pub observer: Option<&'io mut dyn crate::observe::UnpackObserver>,
    pub observe: crate::observe::ObserveState,
}

impl<'io> Vm<'io> {
    pub fn new(
        version: PyVersion,
        config: VmConfig,
        io: &'io mut dyn VmIo,
        tracer: Option<&'io mut dyn TraceSink>,
    ) -> Vm<'io> {
        crate::protocol::SIP_ROUNDS.with(|r| r.set(if version.at_least(3, 11) { 1 } else { 2 }));
        let mut vm = Vm {
            sem: Semantics::of(version),
            version,
            config,
            io,
            tracer,
            classes: HashMap::new(),
            builtins: Rc::new(RefCell::new(Dict::new())),
            executed: 0,
            depth: 0,
            memory: 0,
            exc_info: Value::None,
            reraising: false,
            sandbox: crate::sandbox::Sandbox::default(),
            frames: Vec::new(),
            pytrace: pytrace::PyTrace::default(),
            slow_path: false,
            observer: None,
            observe: Default::default(),
        };
        vm.update_slow_path();
        for (path, data) in &vm.config.files {
            vm.sandbox
                .files
                .insert(crate::sandbox::guest_path(path), data.clone());
        }
        crate::builtins::install(&mut vm);
        vm
    }

    pub fn class(&self, name: &str) -> Rc<Class> {
        match self.classes.get(name) {
            Some(c) => c.clone(),
            None => self.classes["object"].clone(),
        }
    }

    /// Runs a module code object as `__main__`; prints the traceback of an
    /// uncaught exception.
    pub fn run_module(&mut self, code: Rc<CodeObj>) -> Result<ExitStatus, VmError> {
        let globals = Rc::new(RefCell::new(Dict::new()));
        for (k, v) in [
            ("__name__", Value::str("__main__")),
            ("__builtins__", Value::Dict(self.builtins.clone())),
            ("__doc__", Value::None),
        ] {
            let h = crate::protocol::str_hash(k);
            globals.borrow_mut().push(Value::str(k), v, h);
        }
        crate::types::generator::discard_abandoned();
        let mut frame = Frame::new(code, globals.clone(), Some(globals), Vec::new(), Vec::new());
        let r = self.run_frame(&mut frame, None);
        drop(frame);
        crate::types::generator::discard_abandoned();
        match r {
            Ok(_) => Ok(ExitStatus::Ok),
            Err(Flow::Fatal(e)) => Err(e),
            Err(Flow::Exc(e)) => Ok(self.report_uncaught(&e)),
        }
    }

    fn report_uncaught(&mut self, exc: &Value) -> ExitStatus {
        let type_name = self.type_name(exc);
        if type_name == "SystemExit" {
            let arg = crate::protocol::exc_args(exc)
                .into_iter()
                .next()
                .unwrap_or(Value::None);
            let code = match &arg {
                Value::None => 0,
                Value::Int(i) => *i as i32,
                Value::Bool(b) => *b as i32,
                other => {
                    let text = self.str(other).unwrap_or_default();
                    self.io.write_stderr(&format!("{}\n", text));
                    1
                }
            };
            return if code == 0 {
                ExitStatus::Ok
            } else {
                ExitStatus::Raised { type_name, code }
            };
        }
        let text = crate::protocol::format_exception(self, exc);
        self.io.write_stderr(&text);
        ExitStatus::Raised { type_name, code: 1 }
    }

    /// Runs (or resumes) a frame until it returns, yields, or raises.
    pub fn run_frame(&mut self, f: &mut Frame, resume: Option<Resume>) -> PyResult<FrameExit> {
        if self.depth >= self.config.recursion_limit {
            return Err(self.new_exc("RecursionError", "maximum recursion depth exceeded"));
        }
        self.depth += 1;
        f.depth = self.depth - 1;
        self.push_frame_slot(f);
        // 3.11+: the call event of a new frame, and of a generator resumed
        // by send/next, comes from its RESUME instruction
        let fresh_311 = self.sem.return_generator
            && (f.ip == 0 || (f.code.is_generator() && !matches!(resume, Some(Resume::Throw(_)))));
        let past_loop = std::mem::take(&mut f.resumes_past_yield_from);
        if past_loop && !matches!(resume, Some(Resume::Throw(_))) {
            // 3.11: a throw() moved it past its yield-from loop: there is
            // no RESUME to give the call event, so there is none
        } else if fresh_311 && self.slow_path {
            f.call_pending = true;
        } else if self.slow_path {
            if let Err(e) = self.call_events(f) {
                self.depth -= 1;
                self.pop_frame_slot(f);
                return Err(e);
            }
        }
        let mut r = self.run_loop(f, resume);
        self.depth -= 1;
        if f.call_pending {
            // left during its untraced prologue (a generator was created)
            f.call_pending = false;
            self.pop_frame_slot(f);
            return r;
        }
        let offset = self.lasti_of(f);
        if let Some(t) = self.tracer.as_deref_mut() {
            let info = FrameInfo {
                depth: f.depth,
                code_name: &f.code.name,
                filename: &f.code.filename,
                line: if offset < 0 {
                    Some(f.code.firstlineno)
                } else {
                    f.line()
                },
                first_line: f.code.firstlineno,
                offset,
            };
            match &r {
                Ok(FrameExit::Return(v)) | Ok(FrameExit::Yield(v)) => t.on_return(&info, v),
                Ok(FrameExit::GeneratorCreated) => t.on_return(&info, &Value::None),
                Err(_) => t.on_return(&info, &Value::None),
            }
        }
        if self.slow_path {
            let value = match &r {
                Ok(FrameExit::Return(v)) | Ok(FrameExit::Yield(v)) => v.clone(),
                _ => Value::None,
            };
            if let Err(e) = pytrace::frame_exit(self, f, value) {
                r = Err(e);
            }
        }
        self.pop_frame_slot(f);
        r
    }

    /// The call events of a frame starting (or resuming) to run.
    fn call_events(&mut self, f: &mut Frame) -> PyResult<()> {
        if let Some(t) = self.tracer.as_deref_mut() {
            let info = FrameInfo {
                depth: f.depth,
                code_name: &f.code.name,
                filename: &f.code.filename,
                // a frame not started yet (f_lasti -1) is at its first line
                line: if f.ip == 0 {
                    Some(f.code.firstlineno)
                } else {
                    f.line()
                },
                first_line: f.code.firstlineno,
                offset: if f.ip == 0 { -1 } else { f.offset() as i64 },
            };
            t.on_call(&info);
        }
        pytrace::frame_enter(self, f, f.ip != 0)
    }

    fn run_loop(&mut self, f: &mut Frame, resume: Option<Resume>) -> PyResult<FrameExit> {
        let code = f.code.clone();
        if let Some(Resume::Throw(exc)) = resume {
            // the exception appears at the suspended instruction
            self.add_traceback(f, &exc);
            self.trace_exception(f, &exc);
            if self.slow_path {
                pytrace::exception(self, f, &exc)?;
            }
            if !self.handle_exception(f, exc.clone())? {
                return Err(Flow::Exc(exc));
            }
        }
        let limit = self.config.max_instructions.unwrap_or(u64::MAX);
        loop {
            if crate::types::generator::any_abandoned() {
                crate::types::generator::finalize_abandoned(self)?;
            }
            let idx = f.ip;
            let Some(instr) = code.instrs.get(idx) else {
                return Err(self.fatal(format!(
                    "execution ran past the end of {} (instruction index {})",
                    code.name, idx
                )));
            };
            self.executed += 1;
            if self.executed > limit {
                return Err(Flow::Fatal(VmError::InstructionLimit(self.executed - 1)));
            }
            f.lasti = idx;
            f.lasti_delta = 0;
            f.running = idx;
            f.ip = instr.next;
            // the `untraced` feature (benchmarks only) compiles the branch out
            let result = if cfg!(feature = "untraced") || !self.slow_path {
                self.exec(f, &instr.op)
            } else {
                self.exec_traced(f, idx)
            };
            match result {
                Ok(None) => {}
                Ok(Some(exit)) => return Ok(exit),
                Err(Flow::Exc(exc)) => {
                    // a re-raise (RERAISE, END_FINALLY, bare `raise`) goes
                    // straight to unwinding in CPython: no traceback entry
                    // and no exception event
                    let reraised = std::mem::take(&mut self.reraising);
                    if !reraised {
                        self.chain_context(&exc);
                        self.add_traceback(f, &exc);
                        self.trace_exception(f, &exc);
                    }
                    let exc = match (reraised || !self.slow_path, exc) {
                        (false, exc) => match pytrace::exception(self, f, &exc) {
                            Ok(()) => exc,
                            Err(Flow::Exc(e)) => e,
                            Err(fatal) => return Err(fatal),
                        },
                        (true, exc) => exc,
                    };
                    if !self.handle_exception(f, exc.clone())? {
                        return Err(Flow::Exc(exc));
                    }
                }
                Err(fatal) => return Err(fatal),
            }
        }
    }

    /// `f_lasti` of `f` in bytes: -1 for a frame that has not started (up
    /// to 3.10; from 3.11 the prologue has run).
    fn lasti_of(&self, f: &Frame) -> i64 {
        if f.ip == 0 && !self.sem.return_generator {
            -1
        } else {
            f.offset() as i64
        }
    }

    /// The exception event of frame `f` for `exc`, at its `f_lasti`.
    pub fn trace_exception(&mut self, f: &Frame, exc: &Value) {
        if self.tracer.is_none() {
            return;
        }
        let name = crate::protocol::class_name_of_exc(exc);
        // up to 3.10, f_lasti of an instruction with EXTENDED_ARG prefixes
        // stays at the first prefix
        let mut offset = self.lasti_of(f);
        if !self.version.at_least(3, 11) && offset >= 0 && f.lasti_delta == 0 {
            let mut i = f.lasti;
            while i > 0 && f.code.instrs.get(i).is_some_and(|x| x.after_ext) {
                i -= 1;
            }
            if let Some(x) = f.code.instrs.get(i) {
                offset = x.offset as i64;
            }
        }
        let info = FrameInfo {
            depth: f.depth,
            code_name: &f.code.name,
            filename: &f.code.filename,
            line: if offset < 0 {
                Some(f.code.firstlineno)
            } else {
                f.line()
            },
            first_line: f.code.firstlineno,
            offset,
        };
        if let Some(t) = self.tracer.as_deref_mut() {
            t.on_exception(&info, &name);
        }
    }

    /// Runs one instruction and reports it: before (with the values it will
    /// pop) and after (with the values it pushed).
    fn exec_traced(&mut self, f: &mut Frame, idx: usize) -> PyResult<Option<FrameExit>> {
        let code = f.code.clone();
        let instr = &code.instrs[idx];
        let npop = crate::lift::pops(&instr.op).min(f.stack.len());
        let base = f.stack.len() - npop;
        let line = code.lines.get(idx).copied().flatten();
        let info = FrameInfo {
            depth: f.depth,
            code_name: &code.name,
            filename: &code.filename,
            line,
            first_line: code.firstlineno,
            offset: instr.offset as i64,
        };
        // 3.11+: the prologue before the first RESUME is not traced, and
        // RESUME gives the call event, never an opcode event
        if self.sem.return_generator {
            if instr.mnemonic == Some(pyctrace_bytecode::Mnemonic::RESUME) {
                if f.call_pending {
                    f.call_pending = false;
                    if let Some(t) = self.tracer.as_deref_mut() {
                        t.on_call(&info);
                    }
                    pytrace::frame_enter(self, f, instr.arg != Some(0))?;
                }
                return self.exec(f, &instr.op);
            }
            if f.call_pending {
                return self.exec(f, &instr.op);
            }
        }
        // up to 3.11 the instruction after EXTENDED_ARG has no event of its own
        if !self.version.at_least(3, 12) && instr.after_ext {
            return self.exec(f, &instr.op);
        }
        pytrace::instruction(self, f, idx)?;
        let Some(t) = self.tracer.as_deref_mut() else {
            return self.exec(f, &instr.op);
        };
        {
            let opname = match instr.mnemonic {
                Some(m) => std::borrow::Cow::Borrowed(m.name()),
                None => std::borrow::Cow::Owned(instr.opname()),
            };
            t.on_op(&info, instr.offset, &opname, instr.arg, &f.stack[base..]);
        }
        let r = self.exec(f, &instr.op);
        let pushed: &[Value] = match &r {
            Ok(None) if f.stack.len() >= base => &f.stack[base..],
            Ok(Some(FrameExit::Yield(v))) | Ok(Some(FrameExit::Return(v))) => {
                std::slice::from_ref(v)
            }
            _ => return r,
        };
        if let Some(t) = self.tracer.as_deref_mut() {
            t.on_op_end(&info, instr.offset, pushed);
        }
        r
    }

    /// One instruction: dispatch to its family (after the fast paths of
    /// [`hot`]).
    fn exec_family(&mut self, f: &mut Frame, op: &Op) -> PyResult<Option<FrameExit>> {
        use crate::ops::*;
        match op {
            Op::Nop => {}
            Op::PopTop
            | Op::RotTwo
            | Op::RotThree
            | Op::RotFour
            | Op::RotN(_)
            | Op::DupTop
            | Op::DupTopTwo
            | Op::Copy(_)
            | Op::Swap(_)
            | Op::PushNull
            | Op::EndFor(_) => stack::exec(self, f, op)?,
            Op::LoadConst(_)
            | Op::LoadFast(_)
            | Op::LoadFastAndClear(_)
            | Op::LoadFastLoadFast(..)
            | Op::StoreFast(_)
            | Op::StoreFastStoreFast(..)
            | Op::StoreFastLoadFast(..)
            | Op::DeleteFast(_)
            | Op::LoadName(_)
            | Op::StoreName(_)
            | Op::DeleteName(_)
            | Op::LoadGlobal { .. }
            | Op::StoreGlobal(_)
            | Op::DeleteGlobal(_)
            | Op::LoadDeref(_)
            | Op::StoreDeref(_)
            | Op::DeleteDeref(_)
            | Op::LoadClosure(_)
            | Op::LoadClassDeref { .. }
            | Op::LoadFromDictOrGlobals(_)
            | Op::LoadLocals
            | Op::SetupAnnotations
            | Op::MakeCell(_)
            | Op::CopyFreeVars(_)
            | Op::LoadAttr { .. }
            | Op::StoreAttr(_)
            | Op::DeleteAttr(_)
            | Op::LoadSuperAttr { .. }
            | Op::LoadAssertionError
            | Op::LoadBuildClass => load_store::exec(self, f, op)?,
            Op::Unary(_) | Op::Binary(..) => arith::exec(self, f, op)?,
            Op::Compare { .. }
            | Op::CompareLegacy(_)
            | Op::IsOp(_)
            | Op::ContainsOp(_)
            | Op::ToBool => compare::exec(self, f, op)?,
            Op::BinarySubscr
            | Op::StoreSubscr
            | Op::DeleteSubscr
            | Op::BinarySlice
            | Op::StoreSlice
            | Op::BuildSlice(_)
            | Op::BuildTuple(_)
            | Op::BuildSeqUnpack(..)
            | Op::BuildMapUnpack(..)
            | Op::BuildList(_)
            | Op::BuildSet(_)
            | Op::BuildMap(_)
            | Op::BuildConstKeyMap(_)
            | Op::BuildString(_)
            | Op::ListAppend(_)
            | Op::SetAdd(_)
            | Op::MapAdd(_)
            | Op::ListExtend(_)
            | Op::SetUpdate(_)
            | Op::DictUpdate(_)
            | Op::DictMerge(_)
            | Op::ListToTuple
            | Op::UnpackSequence(_)
            | Op::UnpackEx(_)
            | Op::FormatValue(_)
            | Op::ConvertValue(_)
            | Op::FormatSimple
            | Op::FormatWithSpec => build::exec(self, f, op)?,
            Op::GetIter | Op::ForIter { .. } => iteration::exec(self, f, op)?,
            Op::Jump(_) | Op::PopJumpIf { .. } | Op::JumpIfOrPop { .. } => {
                control::exec(self, f, op)?
            }
            Op::ReturnValue | Op::ReturnConst(_) => return control::ret(self, f, op).map(Some),
            Op::CallFunction(_)
            | Op::CallFunctionKw(_)
            | Op::CallMethod(_)
            | Op::Call { .. }
            | Op::CallFunctionEx { .. }
            | Op::KwNames(_)
            | Op::CallIntrinsic1(_) => calls::exec(self, f, op)?,
            Op::MakeFunction { .. } | Op::SetFunctionAttribute(_) => functions::exec(self, f, op)?,
            Op::ReturnGenerator
            | Op::GenStart
            | Op::YieldValue
            | Op::YieldFrom
            | Op::GetYieldFromIter
            | Op::Send(_)
            | Op::EndSend
            | Op::CleanupThrow => return generators::exec(self, f, op),
            Op::RaiseVarargs(_)
            | Op::Reraise(_)
            | Op::SetupFinally(_)
            | Op::PopBlock
            | Op::PopExcept
            | Op::PushExcInfo
            | Op::CheckExcMatch
            | Op::JumpIfNotExcMatch(_)
            | Op::BeginFinally
            | Op::EndFinally
            | Op::CallFinally(_)
            | Op::PopFinally(_) => exceptions::exec(self, f, op)?,
            Op::SetupWith(_)
            | Op::BeforeWith
            | Op::WithCleanupStart
            | Op::WithCleanupFinish
            | Op::WithExceptStart => context::exec(self, f, op)?,
            Op::ImportName(_) | Op::ImportFrom(_) | Op::ImportStar => {
                crate::ops::imports::exec(self, f, op)?
            }
            Op::MatchClass { .. }
            | Op::MatchMapping
            | Op::MatchSequence
            | Op::MatchKeys { .. }
            | Op::GetLen
            | Op::CopyDictWithoutKeys => crate::ops::matching::exec(self, f, op)?,
            Op::Invalid { reason } => return Err(self.fatal_at(f, reason.to_string())),
            Op::Unsupported => {
                let instr = &f.code.instrs[f.lasti];
                return Err(Flow::Fatal(VmError::Unsupported {
                    what: format!("instruction {}", instr.opname()),
                    offset: Some(instr.offset),
                }));
            }
        }
        Ok(None)
    }

    /// Finds a handler in the frame for `exc`; `Ok(true)` when execution
    /// continues there.
    fn handle_exception(&mut self, f: &mut Frame, exc: Value) -> PyResult<bool> {
        if self.sem.block_stack {
            crate::ops::exceptions::unwind_blocks(self, f, exc)
        } else {
            // the handler is looked up at the instruction running (RERAISE may
            // have moved `lasti`, which only feeds tracebacks and the pushed lasti)
            let running = f.running;
            let offset = f.code.instrs.get(running).map_or(0, |i| i.offset);
            let lasti_offset = f.offset();
            let Some(h) = f.code.handler_for(offset).cloned() else {
                return Ok(false);
            };
            let depth = h.depth as usize;
            if f.stack.len() < depth {
                return Err(self.fatal_at(f, "exception table depth above the stack".into()));
            }
            f.stack.truncate(depth);
            if h.lasti {
                f.stack.push(Value::Int((lasti_offset / 2) as i64));
            }
            f.stack.push(exc);
            f.ip = h.target;
            Ok(true)
        }
    }

    fn add_traceback(&mut self, f: &Frame, exc: &Value) {
        if let Value::Instance(i) = exc {
            if let Some(data) = &i.exc {
                data.borrow_mut().traceback.push(TbEntry {
                    file: f.code.filename.clone(),
                    line: f.line(),
                    name: f.code.name.clone(),
                });
            }
        }
    }

    /// Implicit chaining: the exception being handled becomes `__context__`.
    fn chain_context(&mut self, exc: &Value) {
        let current = self.exc_info.clone();
        if current.is_none() || current.is(exc) {
            return;
        }
        let Value::Instance(i) = exc else { return };
        let Some(data) = &i.exc else { return };
        if data.borrow().context.is_some() {
            return;
        }
        // no cycles: `exc` must not already be in current's context chain
        let mut walk = current.clone();
        for _ in 0..100 {
            if walk.is(exc) {
                return;
            }
            let next = match &walk {
                Value::Instance(w) => w.exc.as_ref().and_then(|d| d.borrow().context.clone()),
                _ => None,
            };
            match next {
                Some(n) => walk = n,
                None => break,
            }
        }
        data.borrow_mut().context = Some(current);
    }

    pub fn fatal(&self, msg: String) -> Flow {
        Flow::Fatal(VmError::BadCode(msg))
    }

    pub fn fatal_at(&self, f: &Frame, msg: String) -> Flow {
        Flow::Fatal(VmError::BadCode(format!(
            "{} (at offset {} in {})",
            msg,
            f.offset(),
            f.code.name
        )))
    }

    pub fn unsupported(&self, what: &str) -> Flow {
        Flow::Fatal(VmError::Unsupported {
            what: what.to_string(),
            offset: None,
        })
    }

    pub fn fatal_memory(&self) -> Flow {
        Flow::Fatal(VmError::MemoryLimit(self.config.max_memory))
    }

    /// Accounts `bytes` of new heap data against the memory limit.
    pub fn charge_memory(&mut self, bytes: usize) -> PyResult<()> {
        self.memory = self.memory.saturating_add(bytes);
        if self.memory > self.config.max_memory {
            return Err(Flow::Fatal(VmError::MemoryLimit(self.memory)));
        }
        Ok(())
    }

    // ---- calls into Python code ----

    /// Calls a Python function.
    pub fn call_function(
        &mut self,
        func: &Rc<Function>,
        pos: Vec<Value>,
        kw: Vec<(String, Value)>,
    ) -> PyResult<Value> {
        let locals = func.bind(self, pos, kw)?;
        self.run_function(func, locals)
    }

    /// Runs a Python function whose arguments `func.bind` has placed in
    /// `locals` (a generator function gives its generator).
    pub fn run_function(
        &mut self,
        func: &Rc<Function>,
        locals: Vec<Option<Value>>,
    ) -> PyResult<Value> {
        let mut frame = Frame::new(
            func.code.clone(),
            func.globals.clone(),
            None,
            locals,
            func.closure.clone(),
        );
        if func.code.is_generator() {
            if self.sem.return_generator {
                match self.run_frame(&mut frame, None)? {
                    FrameExit::GeneratorCreated => {}
                    FrameExit::Return(v) => return Ok(v),
                    FrameExit::Yield(_) => {
                        return Err(self.fatal("yield before RETURN_GENERATOR".into()))
                    }
                }
            }
            let gen = Generator {
                frame: Some(Box::new(frame)),
                name: func.name.clone(),
                qualname: func.qualname.clone(),
                running: false,
                finished: false,
                started: false,
            };
            return Ok(Value::Generator(Rc::new(RefCell::new(gen))));
        }
        match self.run_frame(&mut frame, None)? {
            FrameExit::Return(v) => Ok(v),
            FrameExit::Yield(_) | FrameExit::GeneratorCreated => {
                Err(self.fatal(format!("{} yielded but is not a generator", func.name)))
            }
        }
    }

    /// Runs a class body (or any code) with `names` as its locals dict.
    pub fn run_body(&mut self, func: &Rc<Function>, names: Rc<RefCell<Dict>>) -> PyResult<Value> {
        let mut frame = Frame::new(
            func.code.clone(),
            func.globals.clone(),
            Some(names),
            Vec::new(),
            func.closure.clone(),
        );
        match self.run_frame(&mut frame, None)? {
            FrameExit::Return(v) => Ok(v),
            _ => Err(self.fatal("class body yielded".into())),
        }
    }

    /// Resumes a generator.
    pub fn gen_resume(&mut self, g: &Rc<RefCell<Generator>>, resume: Resume) -> PyResult<GenStep> {
        let (mut frame, started) = {
            let mut gb = g.borrow_mut();
            if gb.running {
                drop(gb);
                return Err(self.value_error("generator already executing"));
            }
            if gb.finished {
                drop(gb);
                return match resume {
                    Resume::Throw(e) => Err(Flow::Exc(e)),
                    Resume::Value(_) => Err(self.stop_iteration(Value::None)),
                };
            }
            let Some(frame) = gb.frame.take() else {
                drop(gb);
                return Err(self.stop_iteration(Value::None));
            };
            gb.running = true;
            (frame, gb.started)
        };
        let resume = match resume {
            Resume::Value(v) => {
                if !started && !v.is_none() {
                    let mut gb = g.borrow_mut();
                    gb.running = false;
                    gb.frame = Some(frame);
                    drop(gb);
                    return Err(self.type_error(
                        "can't send non-None value to a just-started generator".into(),
                    ));
                }
                if started || self.sem.first_send_pushes {
                    frame.stack.push(v);
                }
                None
            }
            // a generator that never ran takes it before its first
            // instruction (f_lasti -1 up to 3.10); a suspended one gets the
            // None that every resumption pushes (the yield-from loop's
            // handler depth counts it, 3.12+)
            Resume::Throw(e) => {
                if started {
                    frame.stack.push(Value::None);
                }
                Some(Resume::Throw(e))
            }
        };
        let saved_exc = std::mem::replace(&mut self.exc_info, Value::None);
        let r = self.run_frame(&mut frame, resume);
        self.exc_info = saved_exc;
        let mut gb = g.borrow_mut();
        gb.running = false;
        gb.started = true;
        match r {
            Ok(FrameExit::Yield(v)) => {
                gb.frame = Some(frame);
                Ok(GenStep::Yield(v))
            }
            Ok(FrameExit::Return(v)) => {
                gb.finished = true;
                Ok(GenStep::Return(v))
            }
            Ok(FrameExit::GeneratorCreated) => {
                gb.finished = true;
                drop(gb);
                Err(self.fatal("RETURN_GENERATOR inside a running generator".into()))
            }
            Err(Flow::Exc(e)) => {
                gb.finished = true;
                drop(gb);
                // PEP 479: StopIteration escaping a generator becomes RuntimeError
                if self.exc_matches_name(&Flow::Exc(e.clone()), "StopIteration") {
                    let r = self.new_exc_value("RuntimeError", "generator raised StopIteration");
                    if let Value::Instance(i) = &r {
                        if let Some(d) = &i.exc {
                            d.borrow_mut().cause = Some(e.clone());
                            d.borrow_mut().context = Some(e);
                            d.borrow_mut().suppress_context = true;
                        }
                    }
                    return Err(Flow::Exc(r));
                }
                Err(Flow::Exc(e))
            }
            Err(fatal) => {
                gb.finished = true;
                Err(fatal)
            }
        }
    }

    /// `gen.send(v)`: the yielded value, or StopIteration carrying the return value.
    pub fn gen_send_or_stop(&mut self, g: &Rc<RefCell<Generator>>, v: Value) -> PyResult<Value> {
        match self.gen_resume(g, Resume::Value(v))? {
            GenStep::Yield(v) => Ok(v),
            GenStep::Return(v) => Err(self.stop_iteration(v)),
        }
    }

    pub fn push_block(&mut self, f: &mut Frame, kind: BlockKind, handler: usize) -> PyResult<()> {
        if f.blocks.len() >= 20 {
            return Err(self.fatal_at(f, "block stack overflow".into()));
        }
        f.blocks.push(Block {
            kind,
            handler,
            level: f.stack.len(),
        });
        Ok(())
    }
}
