//! Builtin iterators (over lists, tuples, strings, ranges, dicts; and the
//! lazy ones built by `enumerate`, `zip`, `map`, `filter`, `reversed`).

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::{PyResult, Vm};
use crate::types::dict::Dict;
use crate::types::str::PyStr;
use crate::value::Value;

pub enum IterState {
    Seq {
        items: Rc<Vec<Value>>,
        pos: usize,
    },
    List {
        list: Rc<RefCell<Vec<Value>>>,
        pos: usize,
    },
    Str {
        s: Rc<PyStr>,
        byte: usize,
    },
    Range {
        next: i64,
        step: i64,
        left: i64,
    },
    DictKeys {
        dict: Rc<RefCell<Dict>>,
        pos: usize,
    },
    FrozenKeys {
        dict: Rc<Dict>,
        pos: usize,
    },
    Enumerate {
        inner: Value,
        count: Value,
    },
    Zip {
        inners: Vec<Value>,
    },
    Map {
        func: Value,
        inners: Vec<Value>,
    },
    Filter {
        func: Value,
        inner: Value,
    },
    /// A user object with `__getitem__` only (the old sequence protocol).
    GetItem {
        obj: Value,
        pos: i64,
    },
    /// A lazy iterator implemented in Rust (`itertools`): `step` advances
    /// `state` and yields the next value.
    Native {
        name: &'static str,
        state: Vec<Value>,
        step: NativeStep,
    },
    Done,
}

/// One step of an [`IterState::Native`] iterator.
pub type NativeStep = fn(&mut Vm, &mut Vec<Value>) -> PyResult<Option<Value>>;

impl IterState {
    pub fn type_name(&self) -> &'static str {
        match self {
            IterState::Seq { .. } => "tuple_iterator",
            IterState::List { .. } => "list_iterator",
            IterState::Str { .. } => "str_ascii_iterator",
            IterState::Range { .. } => "range_iterator",
            IterState::DictKeys { .. } | IterState::FrozenKeys { .. } => "dict_keyiterator",
            IterState::Enumerate { .. } => "enumerate",
            IterState::Zip { .. } => "zip",
            IterState::Map { .. } => "map",
            IterState::Filter { .. } => "filter",
            IterState::GetItem { .. } => "iterator",
            IterState::Native { name, .. } => name,
            IterState::Done => "iterator",
        }
    }
}

pub fn new(state: IterState) -> Value {
    Value::Iter(Rc::new(RefCell::new(state)))
}

/// One step of a builtin iterator; `None` when exhausted.
pub fn next(vm: &mut Vm, it: &Rc<RefCell<IterState>>) -> PyResult<Option<Value>> {
    // Steps that need the VM (calls, nested iterators) release the borrow first.
    enum Then {
        Enumerate(Value, Value),
        Zip(Vec<Value>),
        Map(Value, Vec<Value>),
        Filter(Value, Value),
        GetItem(Value, i64),
        Native(NativeStep, Vec<Value>),
    }
    let then = {
        let mut st = it.borrow_mut();
        match &mut *st {
            IterState::Seq { items, pos } => {
                let v = items.get(*pos).cloned();
                *pos += 1;
                return Ok(v);
            }
            IterState::List { list, pos } => {
                let v = list.borrow().get(*pos).cloned();
                *pos += 1;
                return Ok(v);
            }
            IterState::Str { s, byte } => {
                let c = s.s[*byte..].chars().next();
                return Ok(c.map(|c| {
                    *byte += c.len_utf8();
                    Value::string(c.to_string())
                }));
            }
            IterState::Range { next, step, left } => {
                if *left <= 0 {
                    return Ok(None);
                }
                let v = *next;
                *left -= 1;
                *next = next.wrapping_add(*step);
                return Ok(Some(Value::Int(v)));
            }
            IterState::DictKeys { dict, pos } => {
                let e = dict.borrow().entry_from(*pos);
                return Ok(e.map(|(p, k, _)| {
                    *pos = p;
                    k
                }));
            }
            IterState::FrozenKeys { dict, pos } => {
                let e = dict.entry_from(*pos);
                return Ok(e.map(|(p, k, _)| {
                    *pos = p;
                    k
                }));
            }
            IterState::Enumerate { inner, count } => Then::Enumerate(inner.clone(), count.clone()),
            IterState::Zip { inners } => Then::Zip(inners.clone()),
            IterState::Map { func, inners } => Then::Map(func.clone(), inners.clone()),
            IterState::Filter { func, inner } => Then::Filter(func.clone(), inner.clone()),
            IterState::GetItem { obj, pos } => {
                *pos += 1;
                Then::GetItem(obj.clone(), *pos - 1)
            }
            IterState::Native { state, step, .. } => Then::Native(*step, std::mem::take(state)),
            IterState::Done => return Ok(None),
        }
    };
    match then {
        Then::Native(step, mut state) => {
            let r = step(vm, &mut state);
            if let IterState::Native { state: s, .. } = &mut *it.borrow_mut() {
                *s = state;
            }
            match r {
                Ok(None) => {
                    *it.borrow_mut() = IterState::Done;
                    Ok(None)
                }
                other => other,
            }
        }
        Then::Enumerate(inner, count) => match vm.next(&inner)? {
            Some(v) => {
                let nc = vm.binary_op(crate::lift::BinOp::Add, &count, &Value::Int(1))?;
                if let IterState::Enumerate { count, .. } = &mut *it.borrow_mut() {
                    *count = nc;
                }
                Ok(Some(Value::tuple(vec![count, v])))
            }
            None => Ok(None),
        },
        Then::Zip(inners) => {
            if inners.is_empty() {
                return Ok(None);
            }
            let mut out = Vec::with_capacity(inners.len());
            for i in inners {
                match vm.next(&i)? {
                    Some(v) => out.push(v),
                    None => {
                        *it.borrow_mut() = IterState::Done;
                        return Ok(None);
                    }
                }
            }
            Ok(Some(Value::tuple(out)))
        }
        Then::Map(func, inners) => {
            let mut args = Vec::with_capacity(inners.len());
            for i in inners {
                match vm.next(&i)? {
                    Some(v) => args.push(v),
                    None => return Ok(None),
                }
            }
            vm.call(&func, args, Vec::new()).map(Some)
        }
        Then::Filter(func, inner) => loop {
            let Some(v) = vm.next(&inner)? else {
                return Ok(None);
            };
            let keep = if func.is_none() {
                vm.truthy(&v)?
            } else {
                let r = vm.call(&func, vec![v.clone()], Vec::new())?;
                vm.truthy(&r)?
            };
            if keep {
                return Ok(Some(v));
            }
        },
        Then::GetItem(obj, pos) => match vm.getitem(&obj, &Value::Int(pos)) {
            Ok(v) => Ok(Some(v)),
            Err(e)
                if vm.exc_matches_name(&e, "IndexError")
                    || vm.exc_matches_name(&e, "StopIteration") =>
            {
                *it.borrow_mut() = IterState::Done;
                Ok(None)
            }
            Err(e) => Err(e),
        },
    }
}
