//! `set` and `frozenset`, held as [`Dict`]s with unused values.
//!
//! Iteration order is CPython's table order: [`table_order`] replays the
//! set's live keys, in insertion order, into a CPython `setobject.c` hash
//! table (linear probes, perturbation, resize at 3/5 full). Exact for sets
//! grown by adding; sets that CPython built by merging tables or that had
//! deletions can differ.

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::types::dict::Dict;
use crate::value::Value;

pub const METHODS: &[&str] = &[
    "add",
    "discard",
    "remove",
    "pop",
    "union",
    "intersection",
    "difference",
    "symmetric_difference",
    "issubset",
    "issuperset",
    "copy",
    "clear",
    "update",
    "isdisjoint",
];

pub fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::Set(d) => table_order(&d.borrow()),
        Value::FrozenSet(d) => table_order(d),
        _ => Vec::new(),
    }
}

/// The table size CPython's `set_merge` (and `set_update_internal` for a
/// dict) gives an empty set before taking `n` entries from another table:
/// 0 when it keeps its initial 8 slots.
pub fn merge_presize(n: usize) -> usize {
    if n * 5 < 7 * 3 {
        return 0;
    }
    let mut size = 8;
    while size <= n * 2 {
        size <<= 1;
    }
    size
}

/// Fills an empty set from `src` as CPython does (one table merged into
/// another when `src` is a set, frozenset or dict).
pub fn fill_from(vm: &mut Vm, s: &Rc<RefCell<Dict>>, src: &Value) -> PyResult<()> {
    let merged = matches!(src, Value::Set(_) | Value::FrozenSet(_) | Value::Dict(_));
    let items = vm.collect(src.clone())?;
    if merged && s.borrow().is_empty() {
        s.borrow_mut().presize = merge_presize(items.len());
    }
    for it in items {
        vm.set_add(s, it)?;
    }
    Ok(())
}

const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;

fn insert_clean(table: &mut [Option<usize>], hash: i64, idx: usize) {
    let mask = table.len() - 1;
    let mut perturb = hash as u64;
    let mut i = (hash as u64 as usize) & mask;
    loop {
        let probes = if i + LINEAR_PROBES <= mask {
            LINEAR_PROBES
        } else {
            0
        };
        for j in 0..=probes {
            if table[i + j].is_none() {
                table[i + j] = Some(idx);
                return;
            }
        }
        perturb >>= PERTURB_SHIFT;
        i = (i
            .wrapping_mul(5)
            .wrapping_add(1)
            .wrapping_add(perturb as usize))
            & mask;
    }
}

/// The keys of a set in CPython's iteration order.
pub fn table_order(d: &Dict) -> Vec<Value> {
    let entries = d.hashes();
    if entries.len() < 2 {
        return entries.into_iter().map(|(k, _, _)| k).collect();
    }
    let mut table: Vec<Option<usize>> = vec![None; d.presize.max(8)];
    let mut used = 0usize;
    for (idx, (_, _, h)) in entries.iter().enumerate() {
        insert_clean(&mut table, *h, idx);
        used += 1;
        let mask = table.len() - 1;
        if used * 5 >= mask * 3 {
            let minused = if used > 50000 { used * 2 } else { used * 4 };
            let mut size = 8;
            while size <= minused {
                size <<= 1;
            }
            let old = std::mem::replace(&mut table, vec![None; size]);
            for i in old.into_iter().flatten() {
                insert_clean(&mut table, entries[i].2, i);
            }
        }
    }
    table
        .into_iter()
        .flatten()
        .map(|i| entries[i].0.clone())
        .collect()
}

pub fn new_set(vm: &mut Vm, items: Vec<Value>) -> PyResult<Rc<RefCell<Dict>>> {
    let d = Rc::new(RefCell::new(Dict::new()));
    for it in items {
        vm.set_add(&d, it)?;
    }
    Ok(d)
}

/// `a <op> b` for sets: `|`, `&`, `-`, `^`. The result has `a`'s type.
pub fn binary(
    vm: &mut Vm,
    op: crate::lift::BinOp,
    a: &Value,
    b: &Value,
) -> PyResult<Option<Value>> {
    use crate::lift::BinOp::*;
    let is_set = |v: &Value| matches!(v, Value::Set(_) | Value::FrozenSet(_));
    if !is_set(a) || !is_set(b) || !matches!(op, Or | And | Sub | Xor) {
        return Ok(None);
    }
    let (xa, xb) = (items(a), items(b));
    let mut out = Vec::new();
    match op {
        Or => {
            out.extend(xa);
            out.extend(xb);
        }
        And => {
            for x in xa {
                if vm.contains(b, &x)? {
                    out.push(x);
                }
            }
        }
        Sub => {
            for x in xa {
                if !vm.contains(b, &x)? {
                    out.push(x);
                }
            }
        }
        _ => {
            for x in xa.iter() {
                if !vm.contains(b, x)? {
                    out.push(x.clone());
                }
            }
            for x in xb {
                if !vm.contains(a, &x)? {
                    out.push(x);
                }
            }
        }
    }
    let d = new_set(vm, out)?;
    Ok(Some(match a {
        Value::FrozenSet(_) => Value::FrozenSet(Rc::new(d.borrow().clone())),
        _ => Value::Set(d),
    }))
}

pub fn call_method(vm: &mut Vm, this: &Value, name: &str, args: Args) -> PyResult<Value> {
    let arg = args.pos.first().cloned().unwrap_or(Value::None);
    let mutable = match this {
        Value::Set(d) => Some(d.clone()),
        _ => None,
    };
    let as_set = |vm: &mut Vm, v: &Value| -> PyResult<Value> {
        match v {
            Value::Set(_) | Value::FrozenSet(_) => Ok(v.clone()),
            other => {
                let items = vm.collect(other.clone())?;
                Ok(Value::Set(new_set(vm, items)?))
            }
        }
    };
    use crate::lift::BinOp;
    let binop = match name {
        "union" => Some(BinOp::Or),
        "intersection" => Some(BinOp::And),
        "difference" => Some(BinOp::Sub),
        "symmetric_difference" => Some(BinOp::Xor),
        _ => None,
    };
    if let Some(op) = binop {
        let other = as_set(vm, &arg)?;
        return Ok(binary(vm, op, this, &other)?.unwrap_or(Value::None));
    }
    match (name, mutable) {
        ("add", Some(d)) => {
            vm.set_add(&d, arg)?;
            Ok(Value::None)
        }
        ("discard", Some(d)) => {
            vm.dict_del(&d, &arg)?;
            Ok(Value::None)
        }
        ("remove", Some(d)) => match vm.dict_del(&d, &arg)? {
            Some(_) => Ok(Value::None),
            None => Err(vm.key_error(arg)),
        },
        ("pop", Some(d)) => {
            let first = d.borrow().keys().into_iter().next();
            match first {
                Some(k) => {
                    vm.dict_del(&d, &k)?;
                    Ok(k)
                }
                None => Err(vm.new_exc("KeyError", "'pop from an empty set'")),
            }
        }
        ("update", Some(d)) => {
            for v in vm.collect(arg)? {
                vm.set_add(&d, v)?;
            }
            Ok(Value::None)
        }
        ("clear", Some(d)) => {
            d.borrow_mut().clear();
            Ok(Value::None)
        }
        ("copy", _) => Ok(match this {
            Value::Set(d) => Value::Set(Rc::new(RefCell::new(d.borrow().clone()))),
            other => other.clone(),
        }),
        ("issubset", _) | ("issuperset", _) | ("isdisjoint", _) => {
            let other = as_set(vm, &arg)?;
            let (small, big) = if name == "issuperset" {
                (other, this.clone())
            } else {
                (this.clone(), other)
            };
            let mut all = true;
            let mut none = true;
            for x in items(&small) {
                if vm.contains(&big, &x)? {
                    none = false;
                } else {
                    all = false;
                }
            }
            Ok(Value::Bool(if name == "isdisjoint" { none } else { all }))
        }
        _ => Err(vm.attr_error(this, name)),
    }
}
