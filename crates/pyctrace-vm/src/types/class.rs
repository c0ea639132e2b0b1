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
    Frame,
    Complex,
    ByteArray,
}

pub struct Class {
    pub name: String,
    pub qualname: String,
    pub module: String,
    pub bases: Vec<Rc<Class>>,
    /// The MRO without the class itself (held separately to avoid a cycle).
    pub mro_rest: Vec<Rc<Class>>,
    pub dict: RefCell<HashMap<String, Value>>,
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
    pub dict: RefCell<HashMap<String, Value>>,
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
        if d.insert(name.to_string(), v).is_none() {
            self.order.borrow_mut().push(name.to_string());
        }
    }

    pub fn del(&self, name: &str) -> bool {
        let removed = self.dict.borrow_mut().remove(name).is_some();
        if removed {
            self.order.borrow_mut().retain(|n| n != name);
        }
        removed
    }
}
