//! Fast paths of the hottest instructions, tried before the instruction
//! families of [`crate::ops`]: small ints, floats, bools and builtin
//! containers handled in place. A fast path either completes the
//! instruction or changes nothing and falls through to the family handler,
//! which has the general (and error) behaviour; so no semantics live here.

use std::rc::Rc;

use super::frame::pooled_locals;
use super::{Frame, FrameExit, PyResult, Vm};
use crate::code::{CO_ASYNC_GENERATOR, CO_COROUTINE, CO_GENERATOR};
use crate::lift::{BinOp, CmpOp, JumpCond, Op};
use crate::types::iter::IterState;
use crate::value::Value;

/// Deepest value stack a frame may build (the families' limit).
const STACK_LIMIT: usize = 100_000;

/// `x op y` on two small ints when the result is a small int.
#[inline]
fn int_op(op: BinOp, x: i64, y: i64) -> Option<i64> {
    match op {
        BinOp::Add => x.checked_add(y),
        BinOp::Sub => x.checked_sub(y),
        BinOp::Mul => x.checked_mul(y),
        BinOp::And => Some(x & y),
        BinOp::Or => Some(x | y),
        BinOp::Xor => Some(x ^ y),
        // floor division and modulo: Python rounds toward minus infinity
        BinOp::FloorDiv if y > 0 => Some(x.div_euclid(y)),
        BinOp::Mod if y > 0 => Some(x.rem_euclid(y)),
        BinOp::RShift if (0..64).contains(&y) => Some(x >> y),
        BinOp::LShift if (0..63).contains(&y) => {
            let r = x << y;
            (r >> y == x).then_some(r)
        }
        _ => None,
    }
}

/// `x op y` on two floats for the operators that cannot raise.
#[inline]
fn float_op(op: BinOp, x: f64, y: f64) -> Option<f64> {
    match op {
        BinOp::Add => Some(x + y),
        BinOp::Sub => Some(x - y),
        BinOp::Mul => Some(x * y),
        BinOp::TrueDiv if y != 0.0 => Some(x / y),
        _ => None,
    }
}

#[inline]
fn compare_ord<T: PartialOrd>(op: CmpOp, x: T, y: T) -> bool {
    match op {
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
    }
}

/// Index into a sequence of `len` items, Python style (negative from the end).
#[inline]
fn seq_index(i: i64, len: usize) -> Option<usize> {
    let j = if i < 0 { i + len as i64 } else { i };
    (0 <= j && (j as usize) < len).then_some(j as usize)
}

impl Vm<'_> {
    /// One instruction: a fast path if there is one, else its family.
    #[inline(always)]
    pub(super) fn exec(&mut self, f: &mut Frame, op: &Op) -> PyResult<Option<FrameExit>> {
        match *op {
            Op::LoadFast(i) => {
                if let Some(Some(v)) = f.locals.get(i as usize) {
                    if f.stack.len() < STACK_LIMIT {
                        let v = v.clone();
                        f.stack.push(v);
                        return Ok(None);
                    }
                }
            }
            Op::StoreFast(i) => {
                let slot = i as usize;
                if slot < f.locals.len() && f.stack.last().is_some_and(|v| !v.is_null()) {
                    f.locals[slot] = f.stack.pop();
                    return Ok(None);
                }
            }
            Op::LoadConst(i) => {
                if let Some(v) = f.code.consts.get(i as usize) {
                    if f.stack.len() < STACK_LIMIT {
                        let v = v.clone();
                        f.stack.push(v);
                        return Ok(None);
                    }
                }
            }
            Op::PopTop if !f.stack.is_empty() => {
                f.stack.pop();
                return Ok(None);
            }
            Op::PushNull if f.stack.len() < STACK_LIMIT => {
                f.stack.push(Value::Null);
                return Ok(None);
            }
            Op::ReturnValue => {
                if let Some(v) = f.stack.pop() {
                    return Ok(Some(FrameExit::Return(v)));
                }
            }
            Op::ReturnConst(i) => {
                if let Some(v) = f.code.consts.get(i as usize) {
                    return Ok(Some(FrameExit::Return(v.clone())));
                }
            }
            Op::Jump(target) => {
                f.ip = target;
                return Ok(None);
            }
            Op::PopJumpIf { cond, target } => {
                let take = match (cond, f.stack.last()) {
                    (JumpCond::False, Some(Value::Bool(b))) => Some(!*b),
                    (JumpCond::True, Some(Value::Bool(b))) => Some(*b),
                    (JumpCond::False, Some(Value::Int(i))) => Some(*i == 0),
                    (JumpCond::True, Some(Value::Int(i))) => Some(*i != 0),
                    (JumpCond::None, Some(v)) => Some(v.is_none()),
                    (JumpCond::NotNone, Some(v)) => Some(!v.is_none()),
                    _ => None,
                };
                if let Some(take) = take {
                    f.stack.pop();
                    if take {
                        f.ip = target;
                    }
                    return Ok(None);
                }
            }
            Op::Binary(bop, _) => match self.binary_fast(f, bop) {
                Ok(true) => return Ok(None),
                Ok(false) => {}
                Err(e) => return Err(e),
            },
            Op::Compare { op: cop, .. } => {
                let n = f.stack.len();
                if n >= 2 {
                    let r = match (&f.stack[n - 2], &f.stack[n - 1]) {
                        (Value::Int(x), Value::Int(y)) => Some(compare_ord(cop, x, y)),
                        (Value::Float(x), Value::Float(y)) => Some(compare_ord(cop, x, y)),
                        (Value::Str(x), Value::Str(y)) => Some(compare_ord(cop, &x.s, &y.s)),
                        _ => None,
                    };
                    if let Some(r) = r {
                        f.stack.pop();
                        f.stack[n - 2] = Value::Bool(r);
                        return Ok(None);
                    }
                }
            }
            Op::IsOp(invert) => {
                let n = f.stack.len();
                if n >= 2 {
                    let r = f.stack[n - 2].is(&f.stack[n - 1]) != invert;
                    f.stack.pop();
                    f.stack[n - 2] = Value::Bool(r);
                    return Ok(None);
                }
            }
            Op::ForIter { exhausted, .. } => {
                if let Some(step) = for_iter_fast(f) {
                    match step {
                        Some(v) => f.stack.push(v),
                        None => {
                            f.stack.pop();
                            f.ip = exhausted;
                        }
                    }
                    return Ok(None);
                }
            }
            Op::LoadGlobal { name, push_null } => {
                if let Some(Value::Str(n)) = f.code.names.get(name as usize) {
                    let h = n.hash();
                    let found = f.globals.borrow().get_str(&n.s, h);
                    let found = found.or_else(|| self.builtins.borrow().get_str(&n.s, h));
                    if let Some(v) = found {
                        if f.stack.len() < STACK_LIMIT {
                            if !push_null {
                                f.stack.push(v);
                            } else if self.sem.null_after_callable {
                                f.stack.push(v);
                                f.stack.push(Value::Null);
                            } else {
                                f.stack.push(Value::Null);
                                f.stack.push(v);
                            }
                            return Ok(None);
                        }
                    }
                }
            }
            Op::LoadAttr { name, method } => {
                if let (Some(Value::Str(n)), Some(_)) =
                    (f.code.names.get(name as usize), f.stack.last())
                {
                    let n = Rc::clone(n);
                    let obj = f.stack.pop().unwrap_or(Value::None);
                    if method {
                        let (callable, self_) = self.load_method(&obj, &n.s)?;
                        crate::ops::load_store::push_method_pair(self, f, callable, self_)?;
                    } else {
                        let v = self.getattr(&obj, &n.s)?;
                        crate::ops::push(self, f, v)?;
                    }
                    return Ok(None);
                }
            }
            Op::StoreAttr(name) => {
                if let (Some(Value::Str(n)), true) =
                    (f.code.names.get(name as usize), f.stack.len() >= 2)
                {
                    let n = Rc::clone(n);
                    let obj = f.stack.pop().unwrap_or(Value::None);
                    let v = f.stack.pop().unwrap_or(Value::None);
                    self.setattr(&obj, &n.s, v)?;
                    return Ok(None);
                }
            }
            Op::BinarySubscr => {
                let n = f.stack.len();
                if n >= 2 {
                    let r = match (&f.stack[n - 2], &f.stack[n - 1]) {
                        (Value::List(l), Value::Int(i)) => {
                            let l = l.borrow();
                            seq_index(*i, l.len()).map(|j| l[j].clone())
                        }
                        (Value::Tuple(t), Value::Int(i)) => {
                            seq_index(*i, t.len()).map(|j| t[j].clone())
                        }
                        _ => None,
                    };
                    if let Some(r) = r {
                        f.stack.pop();
                        f.stack[n - 2] = r;
                        return Ok(None);
                    }
                }
            }
            Op::UnpackSequence(n) => {
                let fits = matches!(f.stack.last(), Some(Value::Tuple(t)) if t.len() == n as usize)
                    && f.stack.len() + (n as usize) < STACK_LIMIT;
                if fits {
                    if let Some(Value::Tuple(t)) = f.stack.pop() {
                        f.stack.extend(t.iter().rev().cloned());
                        return Ok(None);
                    }
                }
            }
            Op::CallFunction(argc) => {
                return self.call_fast(f, argc as usize, false).map(|_| None);
            }
            Op::CallMethod(argc) => {
                return self.call_fast(f, argc as usize, true).map(|_| None);
            }
            Op::Call {
                argc,
                kw_on_stack: false,
            } if f.kw_names.is_none() => {
                return self.call_fast(f, argc as usize, true).map(|_| None);
            }
            _ => {}
        }
        self.exec_family(f, op)
    }

    /// BINARY_OP on two small ints or floats, and `str + str` (in place
    /// when the result goes back to the variable that held the only other
    /// reference, as CPython does). `false`: nothing done.
    #[inline(always)]
    fn binary_fast(&mut self, f: &mut Frame, op: BinOp) -> PyResult<bool> {
        let n = f.stack.len();
        if n < 2 {
            return Ok(false);
        }
        let r = match (&f.stack[n - 2], &f.stack[n - 1]) {
            (Value::Int(x), Value::Int(y)) => int_op(op, *x, *y).map(Value::Int),
            (Value::Float(x), Value::Float(y)) => float_op(op, *x, *y).map(Value::Float),
            (Value::Float(x), Value::Int(y)) if y.unsigned_abs() < (1 << 53) => {
                float_op(op, *x, *y as f64).map(Value::Float)
            }
            (Value::Int(x), Value::Float(y)) if x.unsigned_abs() < (1 << 53) => {
                float_op(op, *x as f64, *y).map(Value::Float)
            }
            (Value::Str(_), Value::Str(_)) if op == BinOp::Add => {
                return self.concat_in_place(f);
            }
            _ => None,
        };
        match r {
            Some(r) => {
                f.stack.pop();
                f.stack[n - 2] = r;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// `s + t` / `s += t` followed by a store of the result into the local
    /// that holds `s`: when that local and the stack hold the only
    /// references, `s` is extended in place instead of copied.
    fn concat_in_place(&mut self, f: &mut Frame) -> PyResult<bool> {
        let n = f.stack.len();
        let slot = match f.code.instrs.get(f.ip).map(|i| &i.op) {
            Some(Op::StoreFast(s) | Op::StoreFastLoadFast(s, _) | Op::StoreFastStoreFast(s, _)) => {
                *s as usize
            }
            _ => return Ok(false),
        };
        let (Value::Str(lhs), Value::Str(rhs)) = (&f.stack[n - 2], &f.stack[n - 1]) else {
            return Ok(false);
        };
        let alone = match f.locals.get(slot) {
            Some(Some(Value::Str(held))) => {
                Rc::ptr_eq(held, lhs) && Rc::strong_count(lhs) == 2 && Rc::weak_count(lhs) == 0
            }
            _ => false,
        };
        if !alone {
            return Ok(false);
        }
        self.charge_memory(rhs.s.len())?;
        // the variable is overwritten by the store that follows
        f.locals[slot] = None;
        let rhs = f.stack.pop().unwrap_or(Value::None);
        let Some(Value::Str(lhs)) = f.stack.last_mut() else {
            return Ok(false);
        };
        let Value::Str(rhs) = rhs else {
            return Ok(false);
        };
        match Rc::get_mut(lhs) {
            Some(s) => s.push_str(&rhs),
            None => {
                let mut s = String::with_capacity(lhs.s.len() + rhs.s.len());
                s.push_str(&lhs.s);
                s.push_str(&rhs.s);
                *lhs = Rc::new(crate::types::str::PyStr::new(s));
            }
        }
        Ok(true)
    }

    /// Calls through the callable (and method pair) under `argc` arguments,
    /// pushing the result; like the call families without keywords.
    /// `pair`: a method pair `[a, b]` is under the arguments (see
    /// `ops::calls`); else a lone callable.
    fn call_fast(&mut self, f: &mut Frame, argc: usize, pair: bool) -> PyResult<()> {
        let below = argc + 1 + pair as usize;
        if f.stack.len() < below {
            return Err(self.fatal_at(f, "stack underflow".into()));
        }
        let at = f.stack.len() - argc;
        // the caller's frame object (sys._getframe) shows the calling line
        if let Some(slot) = self.frames.last_mut() {
            slot.lasti = f.lasti;
        }
        if self.call_python_fast(f, argc, pair)? {
            return Ok(());
        }
        let (callable, self_) = if pair {
            let (a, b) = (&f.stack[at - 2], &f.stack[at - 1]);
            if a.is_null() {
                (b.clone(), None)
            } else if b.is_null() {
                (a.clone(), None)
            } else {
                (a.clone(), Some(b.clone()))
            }
        } else {
            (f.stack[at - 1].clone(), None)
        };
        let mut args = Vec::with_capacity(argc + self_.is_some() as usize);
        args.extend(self_);
        args.extend(f.stack.drain(at..));
        f.stack.truncate(at - 1 - pair as usize);
        let r = match &callable {
            Value::Function(func) => self.call_function(func, args, Vec::new())?,
            _ => crate::ops::calls::call_in_frame(self, f, &callable, args, Vec::new())?,
        };
        crate::ops::push(self, f, r)
    }
}

/// Flags that need the general argument binding or a generator.
const NOT_SIMPLE: u32 = 0x04 | 0x08 | CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR;

impl Vm<'_> {
    /// A call of a Python function with positional arguments only (and
    /// defaults for the rest): the arguments go from the stack straight into
    /// the new frame's locals. `false`: not such a call, nothing done.
    #[inline]
    fn call_python_fast(&mut self, f: &mut Frame, argc: usize, pair: bool) -> PyResult<bool> {
        let at = f.stack.len() - argc;
        let (callee, self_at) = if !pair || f.stack[at - 2].is_null() {
            (at - 1, None)
        } else if f.stack[at - 1].is_null() {
            (at - 2, None)
        } else {
            (at - 2, Some(at - 1))
        };
        let Value::Function(func) = &f.stack[callee] else {
            return Ok(false);
        };
        // which calls CPython 3.11/3.12 run inline (see
        // ops::calls::call_pair_inline): not `[callable, NULL]`
        let inline =
            self.sem.inline_call_lasti_at_cache && !(pair && self_at.is_none() && callee == at - 2);
        let code = &func.code;
        let nargs = argc + self_at.is_some() as usize;
        let argcount = code.argcount as usize;
        let nlocals = code.nlocalsplus();
        if code.flags & NOT_SIMPLE != 0
            || code.kwonlyargcount != 0
            || nargs > argcount
            || nargs + func.defaults.len() < argcount
            || nlocals < argcount
        {
            return Ok(false);
        }
        let func = Rc::clone(func);
        let mut locals = pooled_locals(nlocals);
        if let Some(s) = self_at {
            locals.push(Some(std::mem::replace(&mut f.stack[s], Value::Null)));
        }
        locals.extend(f.stack.drain(at..).map(Some));
        f.stack.truncate(at - 1 - pair as usize);
        let first_default = argcount - func.defaults.len();
        for i in nargs..argcount {
            locals.push(Some(func.defaults[i - first_default].clone()));
        }
        locals.resize(nlocals, None);
        let mut frame = Frame::new(
            func.code.clone(),
            func.globals.clone(),
            None,
            locals,
            func.closure.clone(),
        );
        let r = match self.run_frame(&mut frame, None) {
            Ok(FrameExit::Return(v)) => v,
            Ok(FrameExit::Yield(_)) | Ok(FrameExit::GeneratorCreated) => {
                return Err(self.fatal(format!("{} yielded but is not a generator", func.name)))
            }
            Err(e) => {
                // as ops::calls::call_inline: the callee raised, so 3.11/3.12
                // report the exception at the CALL's last CACHE unit
                if inline {
                    let caches = f.code.instrs.get(f.lasti).map_or(0, |i| i.caches as i32);
                    f.lasti_delta = 2 * caches;
                }
                return Err(e);
            }
        };
        crate::ops::push(self, f, r)?;
        Ok(true)
    }
}

/// FOR_ITER over a range, list or tuple iterator: `Some(Some(item))`,
/// `Some(None)` when exhausted, `None` for other iterators.
#[inline(always)]
fn for_iter_fast(f: &Frame) -> Option<Option<Value>> {
    let Some(Value::Iter(it)) = f.stack.last() else {
        return None;
    };
    if f.stack.len() >= STACK_LIMIT {
        return None;
    }
    let mut st = it.try_borrow_mut().ok()?;
    match &mut *st {
        IterState::Range { next, step, left } => {
            if *left <= 0 {
                return Some(None);
            }
            let v = *next;
            *left -= 1;
            *next = next.wrapping_add(*step);
            Some(Some(Value::Int(v)))
        }
        IterState::List { list, pos } => {
            let v = list.try_borrow().ok()?.get(*pos).cloned();
            *pos += 1;
            Some(v)
        }
        IterState::Seq { items, pos } => {
            let v = items.get(*pos).cloned();
            *pos += 1;
            Some(v)
        }
        _ => None,
    }
}
