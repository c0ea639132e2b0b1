//! Frames: one activation of a code object.

use std::cell::RefCell;
use std::rc::Rc;

use crate::code::CodeObj;
use crate::types::dict::Dict;
use crate::value::{Cell, Value};

/// ≤3.10 block stack entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// SETUP_FINALLY (also used by `except` clauses).
    Finally,
    /// Pushed when a handler starts: unwinding it restores the exception state.
    ExceptHandler,
}

#[derive(Clone, Copy, Debug)]
pub struct Block {
    pub kind: BlockKind,
    pub handler: usize,
    pub level: usize,
}

pub struct Frame {
    pub code: Rc<CodeObj>,
    pub stack: Vec<Value>,
    /// Fast locals, then cells and free variables (localsplus).
    pub locals: Vec<Option<Value>>,
    /// The locals dict of module and class bodies.
    pub names: Option<Rc<RefCell<Dict>>>,
    pub globals: Rc<RefCell<Dict>>,
    pub closure: Vec<Cell>,
    /// Next instruction index.
    pub ip: usize,
    /// Index of the instruction running (or last run); RERAISE may move it
    /// (it feeds tracebacks and the pushed lasti).
    pub lasti: usize,
    /// Bytes from the start of instruction `lasti` to where CPython's
    /// `f_lasti` points: a CACHE unit (3.11/3.12 calls), the instruction
    /// after a yield (3.13), the one before a suspended YIELD_FROM (≤3.10).
    /// Reset by every instruction.
    pub lasti_delta: i32,
    /// Index of the instruction running, for the handler lookup.
    pub running: usize,
    pub blocks: Vec<Block>,
    /// 3.11/3.12 KW_NAMES for the next CALL.
    pub kw_names: Option<Value>,
    /// Python frames below this one.
    pub depth: u32,
    /// 3.11+: the call event waits for the frame's first RESUME (the
    /// prologue before it is not traced, as in CPython).
    pub call_pending: bool,
    /// The frame object, once the program asked for it (kept across a
    /// generator's suspensions; `Vm::frames` holds it while running).
    pub obj: Option<Rc<crate::types::frame::FrameObj>>,
    /// 3.11: a throw() ended the delegate of `yield from` and moved the
    /// frame past the loop; its resumption has no RESUME to wait for.
    pub resumes_past_yield_from: bool,
}

impl Frame {
    #[inline]
    pub fn new(
        code: Rc<CodeObj>,
        globals: Rc<RefCell<Dict>>,
        names: Option<Rc<RefCell<Dict>>>,
        locals: Vec<Option<Value>>,
        closure: Vec<Cell>,
    ) -> Frame {
        let mut locals = locals;
        locals.resize(code.nlocalsplus(), None);
        let mut f = Frame {
            code,
            stack: pooled_stack(),
            locals,
            names,
            globals,
            closure,
            ip: 0,
            lasti: 0,
            lasti_delta: 0,
            running: 0,
            blocks: Vec::new(),
            kw_names: None,
            depth: 0,
            call_pending: false,
            obj: None,
            resumes_past_yield_from: false,
        };
        if f.code.sem.cells_on_entry {
            // ≤3.10: cells for cellvars (initialised from an argument of the
            // same name) and the closure into the free-variable slots.
            let code = f.code.clone();
            for &(slot, arg) in &code.cell_slots {
                let init = arg.and_then(|a| f.locals.get(a).cloned().flatten());
                if slot < f.locals.len() {
                    f.locals[slot] = Some(Value::Cell(Rc::new(RefCell::new(init))));
                }
            }
            let n = f.locals.len();
            let nfree = code.nfree.min(f.closure.len()).min(n);
            for i in 0..nfree {
                f.locals[n - code.nfree + i] = Some(Value::Cell(f.closure[i].clone()));
            }
        }
        f
    }

    pub fn line(&self) -> Option<i32> {
        self.code.lines.get(self.lasti).copied().flatten()
    }

    pub fn offset(&self) -> u32 {
        self.code
            .instrs
            .get(self.lasti)
            .map_or(0, |i| i.offset.saturating_add_signed(self.lasti_delta))
    }

    /// Points `f_lasti` at byte `offset`: the instruction starting there, or
    /// a CACHE unit inside the instruction before it (RERAISE restoring a
    /// pushed lasti).
    pub fn set_lasti_offset(&mut self, offset: u32) {
        if let Some(i) = self.code.index_of(offset) {
            self.lasti = i;
            self.lasti_delta = 0;
            return;
        }
        let instrs = &self.code.instrs;
        let Some(i) = instrs.partition_point(|x| x.offset < offset).checked_sub(1) else {
            return;
        };
        let extra = offset - instrs[i].offset;
        if extra <= 2 * instrs[i].caches as u32 {
            self.lasti = i;
            self.lasti_delta = extra as i32;
        }
    }
}

/// Vectors of finished frames kept for new ones: a call then allocates no
/// value stack and no locals.
struct Pool {
    stacks: Vec<Vec<Value>>,
    locals: Vec<Vec<Option<Value>>>,
}

/// Vectors kept at most, and the largest capacity kept.
const POOL_SIZE: usize = 64;
const POOL_CAPACITY: usize = 256;

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool {
            stacks: Vec::new(),
            locals: Vec::new(),
        })
    };
}

fn pooled_stack() -> Vec<Value> {
    POOL.with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.stacks.pop()))
        .unwrap_or_else(|| Vec::with_capacity(16))
}

/// An empty locals vector with room for `n` slots.
pub fn pooled_locals(n: usize) -> Vec<Option<Value>> {
    POOL.with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.locals.pop()))
        .map(|mut v| {
            v.reserve(n);
            v
        })
        .unwrap_or_else(|| Vec::with_capacity(n))
}

impl Drop for Frame {
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.stack);
        let mut locals = std::mem::take(&mut self.locals);
        // values are dropped before the pool is borrowed: dropping one may
        // drop another frame (a generator's)
        stack.clear();
        locals.clear();
        POOL.with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                if p.stacks.len() < POOL_SIZE && stack.capacity() <= POOL_CAPACITY {
                    p.stacks.push(stack);
                }
                if p.locals.len() < POOL_SIZE && locals.capacity() <= POOL_CAPACITY {
                    p.locals.push(locals);
                }
            }
        });
    }
}
