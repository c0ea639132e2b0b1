//! `set` and `frozenset`, held as [`Dict`]s with unused values.
//!
//! Iteration order is CPython's table order: every set carries a
//! [`SetTable`] that mirrors `setobject.c`'s open-addressing table (linear
//! probes, perturbation, dummies left by deletions, resize at 3/5 full,
//! the `pop` finger), and the set operations follow CPython's algorithms
//! (which operand is iterated, what is copied, when a table is presized),
//! so the order matches for ints and for strings under PYTHONHASHSEED=0.
//! Set constants loaded from a .pyc have no table: theirs is rebuilt by
//! replaying marshal's order, as CPython's loader does.

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::lift::BinOp;
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
    "intersection_update",
    "difference_update",
    "symmetric_difference_update",
];

thread_local! {
    /// Whether `set_add_entry` reuses a dummy slot met on the probe path:
    /// 3.8 and 3.10+ do (the last one met), 3.9 does not. Set per run by
    /// [`new_set`].
    static REUSE_DUMMIES: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;
const MIN_SIZE: usize = 8;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Slot {
    Empty,
    Dummy,
    /// Entry index in the set's [`Dict`], and its hash.
    Active(usize, i64),
}

/// CPython's set hash table, holding indexes of the [`Dict`] entries.
#[derive(Clone, Debug)]
pub struct SetTable {
    slots: Vec<Slot>,
    fill: usize,
    used: usize,
    finger: usize,
}

impl Default for SetTable {
    fn default() -> Self {
        SetTable {
            slots: vec![Slot::Empty; MIN_SIZE],
            fill: 0,
            used: 0,
            finger: 0,
        }
    }
}

/// The probe sequence of `hash` in a table of `mask + 1` slots, calling
/// `visit` on each slot index until it returns true.
fn probe(mask: usize, hash: i64, mut visit: impl FnMut(usize) -> bool) {
    let mut perturb = hash as u64;
    let mut i = (hash as u64 as usize) & mask;
    // every slot is reached within a bounded number of rounds; the cap
    // only guards against a corrupted table
    for _ in 0..(mask + 1) * 4 + 64 {
        let probes = if i + LINEAR_PROBES <= mask {
            LINEAR_PROBES
        } else {
            0
        };
        for j in 0..=probes {
            if visit(i + j) {
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

impl SetTable {
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// `set_insert_clean`: first empty slot of the probe sequence.
    fn insert_clean(slots: &mut [Slot], hash: i64, idx: usize) {
        let mask = slots.len() - 1;
        probe(mask, hash, |k| {
            if slots[k] == Slot::Empty {
                slots[k] = Slot::Active(idx, hash);
                true
            } else {
                false
            }
        });
    }

    /// `set_add_entry` for a key known to be absent.
    pub fn add(&mut self, hash: i64, idx: usize) {
        let mask = self.mask();
        let mut freeslot = None;
        let mut empty = None;
        let slots = &self.slots;
        probe(mask, hash, |k| match slots[k] {
            Slot::Empty => {
                empty = Some(k);
                true
            }
            Slot::Dummy => {
                if REUSE_DUMMIES.with(|r| r.get()) {
                    freeslot = Some(k);
                }
                false
            }
            Slot::Active(..) => false,
        });
        if let Some(k) = freeslot {
            self.slots[k] = Slot::Active(idx, hash);
            self.used += 1;
            return;
        }
        let Some(k) = empty else { return };
        self.slots[k] = Slot::Active(idx, hash);
        self.fill += 1;
        self.used += 1;
        if self.fill * 5 >= mask * 3 {
            let minused = if self.used > 50000 {
                self.used * 2
            } else {
                self.used * 4
            };
            self.resize(minused);
        }
    }

    /// `set_discard_entry` of the entry `idx`.
    pub fn remove(&mut self, hash: i64, idx: usize) {
        let mask = self.mask();
        let mut at = None;
        let slots = &self.slots;
        probe(mask, hash, |k| match slots[k] {
            Slot::Active(i, _) if i == idx => {
                at = Some(k);
                true
            }
            Slot::Empty => true,
            _ => false,
        });
        let at = at.or_else(|| {
            self.slots
                .iter()
                .position(|s| matches!(s, Slot::Active(i, _) if *i == idx))
        });
        if let Some(k) = at {
            self.slots[k] = Slot::Dummy;
            self.used -= 1;
        }
    }

    /// `set_table_resize`
    fn resize(&mut self, minused: usize) {
        let mut size = MIN_SIZE;
        while size <= minused {
            size <<= 1;
        }
        let mut slots = vec![Slot::Empty; size];
        for s in &self.slots {
            if let Slot::Active(idx, hash) = *s {
                Self::insert_clean(&mut slots, hash, idx);
            }
        }
        self.slots = slots;
        self.fill = self.used;
    }

    /// Entry indexes in iteration order, with their hashes.
    fn active(&self) -> Vec<(usize, i64)> {
        self.slots
            .iter()
            .filter_map(|s| match s {
                Slot::Active(i, h) => Some((*i, *h)),
                _ => None,
            })
            .collect()
    }

    pub fn remap(&mut self, moved: &[Option<usize>]) {
        for s in self.slots.iter_mut() {
            if let Slot::Active(i, h) = *s {
                match moved.get(i).copied().flatten() {
                    Some(n) => *s = Slot::Active(n, h),
                    None => *s = Slot::Dummy,
                }
            }
        }
    }
}

/// The table of `d`, rebuilt by replaying insertions when it has none.
fn table_of(d: &Dict) -> SetTable {
    if let Some(t) = &d.set_table {
        return (**t).clone();
    }
    // replay the insertions, with the entry positions
    let mut t = SetTable::default();
    let mut pos = 0;
    while let Some((next, _, _)) = d.entry_from(pos) {
        if let Some((_, h)) = d.entry_at(next - 1) {
            t.add(h, next - 1);
        }
        pos = next;
    }
    t
}

/// The keys of a set in CPython's iteration order.
pub fn table_order(d: &Dict) -> Vec<Value> {
    let t = table_of(d);
    t.active()
        .into_iter()
        .filter_map(|(i, _)| d.entry_at(i).map(|e| e.0))
        .collect()
}

fn keyed(d: &Dict) -> Vec<(Value, i64)> {
    let t = table_of(d);
    t.active()
        .into_iter()
        .filter_map(|(i, _)| d.entry_at(i))
        .collect()
}

pub fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::Set(d) => table_order(&d.borrow()),
        Value::FrozenSet(d) => table_order(d),
        _ => Vec::new(),
    }
}

fn dict_of(v: &Value) -> Option<Dict> {
    match v {
        Value::Set(d) => Some(d.borrow().clone()),
        Value::FrozenSet(d) => Some((**d).clone()),
        _ => None,
    }
}

/// `set_merge` of the set or frozenset `src` into `s`.
fn merge(vm: &mut Vm, s: &Rc<RefCell<Dict>>, src: &Dict) -> PyResult<()> {
    let other = table_of(src);
    if other.used == 0 {
        return Ok(());
    }
    {
        let mut d = s.borrow_mut();
        let t = d.set_table.get_or_insert_with(Box::default);
        if (t.fill + other.used) * 5 >= t.mask() * 3 {
            let minused = (t.used + other.used) * 2;
            t.resize(minused);
        }
    }
    let (fill, mask) = {
        let d = s.borrow();
        let t = d.set_table.as_ref().map(|t| (t.fill, t.mask()));
        t.unwrap_or((0, 7))
    };
    if fill == 0 {
        vm.charge_memory(48 * other.used)?;
        let same_layout = mask == other.mask() && other.fill == other.used;
        let mut d = s.borrow_mut();
        let mut placed: Vec<(usize, usize, i64)> = Vec::new();
        for (slot, sl) in other.slots.iter().enumerate() {
            if let Slot::Active(i, h) = *sl {
                if let Some((k, _)) = src.entry_at(i) {
                    let idx = d.push_untracked(k, Value::None, h);
                    placed.push((slot, idx, h));
                }
            }
        }
        if let Some(t) = d.set_table.as_mut() {
            for (slot, idx, h) in placed {
                if same_layout {
                    t.slots[slot] = Slot::Active(idx, h);
                } else {
                    SetTable::insert_clean(&mut t.slots, h, idx);
                }
            }
            t.fill = other.used;
            t.used = other.used;
        }
        return Ok(());
    }
    for (k, _) in keyed(src) {
        vm.set_add(s, k)?;
    }
    Ok(())
}

/// `set_update_internal`: `s |= src` for any iterable `src`.
pub fn fill_from(vm: &mut Vm, s: &Rc<RefCell<Dict>>, src: &Value) -> PyResult<()> {
    match src {
        Value::Set(_) | Value::FrozenSet(_) => {
            if let Value::Set(o) = src {
                if Rc::ptr_eq(o, s) {
                    return Ok(());
                }
            }
            let d = dict_of(src).unwrap_or_default();
            merge(vm, s, &d)
        }
        Value::Dict(d) => {
            let keys = d.borrow().keys();
            {
                let mut sd = s.borrow_mut();
                let t = sd.set_table.get_or_insert_with(Box::default);
                if (t.fill + keys.len()) * 5 >= t.mask() * 3 {
                    let minused = (t.used + keys.len()) * 2;
                    t.resize(minused);
                }
            }
            for k in keys {
                vm.set_add(s, k)?;
            }
            Ok(())
        }
        other => {
            for it in vm.collect(other.clone())? {
                vm.set_add(s, it)?;
            }
            Ok(())
        }
    }
}

pub fn new_set(vm: &mut Vm, items: Vec<Value>) -> PyResult<Rc<RefCell<Dict>>> {
    let reuse = !(vm.version.major == 3 && vm.version.minor == 9);
    REUSE_DUMMIES.with(|r| r.set(reuse));
    let d = Rc::new(RefCell::new(Dict::new_set()));
    for it in items {
        vm.set_add(&d, it)?;
    }
    Ok(d)
}

/// `set_copy` / `make_new_set(type, so)`.
fn copy_of(vm: &mut Vm, v: &Value) -> PyResult<Rc<RefCell<Dict>>> {
    let s = new_set(vm, Vec::new())?;
    fill_from(vm, &s, v)?;
    Ok(s)
}

fn wrap(like: &Value, s: Rc<RefCell<Dict>>) -> Value {
    match like {
        Value::FrozenSet(_) => Value::FrozenSet(Rc::new(s.borrow().clone())),
        _ => Value::Set(s),
    }
}

fn len_of(v: &Value) -> usize {
    match v {
        Value::Set(d) => d.borrow().len(),
        Value::FrozenSet(d) => d.len(),
        _ => 0,
    }
}

/// Removes `key` from `s` if present (`set_discard_entry`).
fn discard(vm: &mut Vm, s: &Rc<RefCell<Dict>>, key: &Value) -> PyResult<bool> {
    Ok(vm.dict_del(s, key)?.is_some())
}

/// `set_intersection(so, other)`.
fn intersection(vm: &mut Vm, so: &Value, other: &Value) -> PyResult<Rc<RefCell<Dict>>> {
    let result = new_set(vm, Vec::new())?;
    if matches!(other, Value::Set(_) | Value::FrozenSet(_)) {
        let (big, small) = if len_of(other) > len_of(so) {
            (other, so)
        } else {
            (so, other)
        };
        for k in items(small) {
            if vm.contains(big, &k)? {
                vm.set_add(&result, k)?;
            }
        }
        return Ok(result);
    }
    for k in vm.collect(other.clone())? {
        if vm.contains(so, &k)? {
            vm.set_add(&result, k)?;
        }
    }
    Ok(result)
}

/// `set_difference_update_internal(s, other)`.
fn difference_update(vm: &mut Vm, s: &Rc<RefCell<Dict>>, other: &Value) -> PyResult<()> {
    if let Value::Set(o) = other {
        if Rc::ptr_eq(o, s) {
            s.borrow_mut().clear();
            return Ok(());
        }
    }
    let keys = match other {
        Value::Set(_) | Value::FrozenSet(_) => items(other),
        _ => vm.collect(other.clone())?,
    };
    for k in keys {
        discard(vm, s, &k)?;
    }
    Ok(())
}

/// `set_difference(so, other)`.
fn difference(vm: &mut Vm, so: &Value, other: &Value) -> PyResult<Rc<RefCell<Dict>>> {
    let other_size = match other {
        Value::Set(_) | Value::FrozenSet(_) => len_of(other),
        Value::Dict(d) => d.borrow().len(),
        _ => usize::MAX,
    };
    if other_size == usize::MAX || (len_of(so) >> 2) > other_size {
        let result = copy_of(vm, so)?;
        difference_update(vm, &result, other)?;
        return Ok(result);
    }
    let result = new_set(vm, Vec::new())?;
    for k in items(so) {
        if !vm.contains(other, &k)? {
            vm.set_add(&result, k)?;
        }
    }
    Ok(result)
}

/// `set_symmetric_difference_update(s, other)`.
fn symmetric_update(vm: &mut Vm, s: &Rc<RefCell<Dict>>, other: &Value) -> PyResult<()> {
    let keys = match other {
        Value::Set(o) if Rc::ptr_eq(o, s) => {
            s.borrow_mut().clear();
            return Ok(());
        }
        Value::Set(_) | Value::FrozenSet(_) => items(other),
        _ => {
            let tmp = copy_of(vm, other)?;
            let order = table_order(&tmp.borrow());
            order
        }
    };
    for k in keys {
        if !discard(vm, s, &k)? {
            vm.set_add(s, k)?;
        }
    }
    Ok(())
}

/// `a <op> b` for sets: `|`, `&`, `-`, `^`. The result has `a`'s type.
pub fn binary(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> PyResult<Option<Value>> {
    let is_set = |v: &Value| matches!(v, Value::Set(_) | Value::FrozenSet(_));
    if !is_set(a) || !is_set(b) {
        return Ok(None);
    }
    let result = match op {
        BinOp::Or => {
            let r = copy_of(vm, a)?;
            fill_from(vm, &r, b)?;
            r
        }
        BinOp::And => intersection(vm, a, b)?,
        BinOp::Sub => difference(vm, a, b)?,
        BinOp::Xor => {
            let r = copy_of(vm, b)?;
            symmetric_update(vm, &r, a)?;
            r
        }
        _ => return Ok(None),
    };
    Ok(Some(wrap(a, result)))
}

/// `a <op>= b` for a mutable set `a` (in place, as CPython does).
pub fn inplace(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> PyResult<Option<Value>> {
    let Value::Set(s) = a else { return Ok(None) };
    if !matches!(b, Value::Set(_) | Value::FrozenSet(_)) {
        return Ok(None);
    }
    match op {
        BinOp::Or => fill_from(vm, s, b)?,
        BinOp::Sub => difference_update(vm, s, b)?,
        BinOp::Xor => symmetric_update(vm, s, b)?,
        BinOp::And => {
            let r = intersection(vm, a, b)?;
            let body = r.borrow().clone();
            *s.borrow_mut() = body;
        }
        _ => return Ok(None),
    }
    Ok(Some(a.clone()))
}

/// `set.pop()`: the first active slot from the finger on.
fn pop(vm: &mut Vm, s: &Rc<RefCell<Dict>>) -> PyResult<Value> {
    let found = {
        let mut d = s.borrow_mut();
        let t = d.set_table.get_or_insert_with(Box::default);
        if t.used == 0 {
            None
        } else {
            let n = t.slots.len();
            let mut k = t.finger & (n - 1);
            let mut hit = None;
            for _ in 0..n {
                if let Slot::Active(i, _) = t.slots[k] {
                    hit = Some((k, i));
                    break;
                }
                k = (k + 1) % n;
            }
            hit
        }
    };
    let Some((slot, idx)) = found else {
        return Err(vm.new_exc("KeyError", "'pop from an empty set'"));
    };
    let key = s.borrow().entry_at(idx).map(|e| e.0).unwrap_or(Value::None);
    s.borrow_mut().remove_at(idx);
    if let Some(t) = s.borrow_mut().set_table.as_mut() {
        t.finger = slot + 1;
    }
    Ok(key)
}

/// CPython's `frozenset_hash` (the xor of shuffled entry hashes).
pub fn frozenset_hash(d: &Dict) -> i64 {
    let shuffle = |h: u64| ((h ^ 89869747) ^ (h << 16)).wrapping_mul(3644798167);
    let mut hash: u64 = 0;
    for (_, _, h) in d.hashes() {
        hash ^= shuffle(h as u64);
    }
    hash ^= (d.len() as u64 + 1).wrapping_mul(1927868237);
    hash ^= (hash >> 11) ^ (hash >> 25);
    hash = hash.wrapping_mul(69069).wrapping_add(907133923);
    if hash == u64::MAX {
        hash = 590923713;
    }
    hash as i64
}

pub fn call_method(vm: &mut Vm, this: &Value, name: &str, args: Args) -> PyResult<Value> {
    let arg = args.pos.first().cloned().unwrap_or(Value::None);
    let others = args.pos.clone();
    let mutable = match this {
        Value::Set(d) => Some(d.clone()),
        _ => None,
    };
    match (name, mutable) {
        ("union", _) => {
            let r = copy_of(vm, this)?;
            for o in &others {
                fill_from(vm, &r, o)?;
            }
            Ok(wrap(this, r))
        }
        ("intersection", _) => {
            let mut r = Value::Set(copy_of(vm, this)?);
            if let Some((first, rest)) = others.split_first() {
                r = Value::Set(intersection(vm, this, first)?);
                for o in rest {
                    r = Value::Set(intersection(vm, &r, o)?);
                }
            }
            let Value::Set(d) = r else { unreachable!() };
            Ok(wrap(this, d))
        }
        ("difference", _) => {
            let r = match others.split_first() {
                None => copy_of(vm, this)?,
                Some((first, rest)) => {
                    let r = difference(vm, this, first)?;
                    for o in rest {
                        difference_update(vm, &r, o)?;
                    }
                    r
                }
            };
            Ok(wrap(this, r))
        }
        ("symmetric_difference", _) => {
            let r = copy_of(vm, &arg)?;
            symmetric_update(vm, &r, this)?;
            Ok(wrap(this, r))
        }
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
        ("pop", Some(d)) => pop(vm, &d),
        ("update", Some(d)) => {
            for o in &others {
                fill_from(vm, &d, o)?;
            }
            Ok(Value::None)
        }
        ("intersection_update", Some(d)) => {
            let mut r = this.clone();
            for o in &others {
                r = Value::Set(intersection(vm, &r, o)?);
            }
            if let Value::Set(n) = r {
                if !Rc::ptr_eq(&n, &d) {
                    let body = n.borrow().clone();
                    *d.borrow_mut() = body;
                }
            }
            Ok(Value::None)
        }
        ("difference_update", Some(d)) => {
            for o in &others {
                difference_update(vm, &d, o)?;
            }
            Ok(Value::None)
        }
        ("symmetric_difference_update", Some(d)) => {
            symmetric_update(vm, &d, &arg)?;
            Ok(Value::None)
        }
        ("clear", Some(d)) => {
            d.borrow_mut().clear();
            Ok(Value::None)
        }
        ("copy", Some(_)) => Ok(Value::Set(copy_of(vm, this)?)),
        ("copy", None) => Ok(this.clone()),
        ("issubset", _) | ("issuperset", _) | ("isdisjoint", _) => {
            let other = match &arg {
                Value::Set(_) | Value::FrozenSet(_) => arg.clone(),
                o => Value::Set(copy_of(vm, o)?),
            };
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
