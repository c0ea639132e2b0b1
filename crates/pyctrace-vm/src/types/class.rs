//! Classes (builtin and user-defined), instances, MRO (C3) and attribute
//! lookup through the MRO.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::types::exceptions::ExcData;
use crate::value::Value;

/// Which builtin type a class is, or derives its instances' layout from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Object,
    Type,
    NoneType,
    Bool,
    Int,
    Float,
    Str,
    Bytes,
    Tuple,
    List,
    Dict,
    Set,
    FrozenSet,
    Range,
    Slice,
    Function,
    BuiltinFunction,
    Method,
    Code,
    Cell,
    Iterator,
    Generator,
    Property,
    ClassMethod,
    StaticMethod,
    Super,
    NotImplementedType,
    Ellipsis,
    Exception,
}

pub struct Class {
    pub name: String,
    pub qualname: String,
    pub module: String,
    pub bases: Vec<Rc<Class>>,
    /// The MRO without the class itself (held separately to avoid a cycle).
    pub mro_rest: Vec<Rc<Class>>,
    pub dict: RefCell<AttrMap>,
    pub kind: Kind,
    pub is_builtin: bool,
}

impl Class {
    /// Looks `name` up along the MRO.
    pub fn lookup(self: &Rc<Self>, name: &str) -> Option<Value> {
        if let Some(v) = self.dict.borrow().get(name) {
            return Some(v.clone());
        }
        for c in &self.mro_rest {
            if let Some(v) = c.dict.borrow().get(name) {
                return Some(v.clone());
            }
        }
        None
    }

    /// `(self.lookup(a), self.lookup(b))` in one walk of the MRO.
    pub fn lookup_with(self: &Rc<Self>, a: &str, b: &str) -> (Option<Value>, Option<Value>) {
        let (mut found_a, mut found_b) = (None, None);
        for c in std::iter::once(self).chain(self.mro_rest.iter()) {
            let d = c.dict.borrow();
            if found_a.is_none() {
                found_a = d.get(a).cloned();
            }
            if found_b.is_none() {
                found_b = d.get(b).cloned();
            }
            if found_a.is_some() && found_b.is_some() {
                break;
            }
        }
        (found_a, found_b)
    }

    /// The full MRO, the class first.
    pub fn mro(self: &Rc<Self>) -> Vec<Rc<Class>> {
        let mut v = vec![self.clone()];
        v.extend(self.mro_rest.iter().cloned());
        v
    }

    pub fn is_subclass(self: &Rc<Self>, other: &Rc<Class>) -> bool {
        Rc::ptr_eq(self, other) || self.mro_rest.iter().any(|c| Rc::ptr_eq(c, other))
    }

    /// Whether the class or a base defines `name` outside the builtin `object`.
    pub fn has_user(self: &Rc<Self>, name: &str) -> bool {
        self.mro()
            .iter()
            .any(|c| !c.is_builtin && c.dict.borrow().contains_key(name))
    }
}

/// C3 linearisation of `bases` (without the new class itself). `None` when
/// no consistent order exists.
pub fn c3_mro(bases: &[Rc<Class>]) -> Option<Vec<Rc<Class>>> {
    let mut seqs: Vec<Vec<Rc<Class>>> = bases.iter().map(|b| b.mro()).collect();
    seqs.push(bases.to_vec());
    let mut out: Vec<Rc<Class>> = Vec::new();
    loop {
        seqs.retain(|s| !s.is_empty());
        if seqs.is_empty() {
            return Some(out);
        }
        let mut pick = None;
        for s in &seqs {
            let cand = &s[0];
            let in_tail = seqs
                .iter()
                .any(|t| t[1..].iter().any(|c| Rc::ptr_eq(c, cand)));
            if !in_tail {
                pick = Some(cand.clone());
                break;
            }
        }
        let c = pick?;
        for s in seqs.iter_mut() {
            if Rc::ptr_eq(&s[0], &c) {
                s.remove(0);
            }
        }
        out.push(c);
    }
}

pub struct Instance {
    pub class: Rc<Class>,
    pub dict: RefCell<AttrMap>,
    /// Attribute names in insertion order (for `vars()` and reprs).
    pub order: RefCell<Vec<String>>,
    /// Exception state, for instances of BaseException subclasses.
    pub exc: Option<RefCell<ExcData>>,
}

impl Instance {
    pub fn get(&self, name: &str) -> Option<Value> {
        self.dict.borrow().get(name).cloned()
    }

    pub fn set(&self, name: &str, v: Value) {
        let mut d = self.dict.borrow_mut();
        if let Some(slot) = d.get_mut(name) {
            *slot = v;
            return;
        }
        d.insert(name.to_string(), v);
        self.order.borrow_mut().push(name.to_string());
    }

    pub fn del(&self, name: &str) -> bool {
        let removed = self.dict.borrow_mut().remove(name).is_some();
        if removed {
            self.order.borrow_mut().retain(|n| n != name);
        }
        removed
    }
}

/// Attribute dicts of classes and instances: keyed by name, hashed with
/// FxHash (attribute names are short; SipHash dominated attribute access).
pub type AttrMap = HashMap<String, Value, std::hash::BuildHasherDefault<FxHasher>>;

/// The Fx hash of rustc: a multiply-rotate over 8-byte words. Not
/// collision resistant; attribute names are few per object.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}
