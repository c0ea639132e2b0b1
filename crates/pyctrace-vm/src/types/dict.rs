//! `dict`: insertion-ordered hash table. Hashing and key equality go
//! through the VM (user `__hash__`/`__eq__`); the table itself is plain data.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::value::Value;

#[derive(Clone, Default)]
pub struct Dict {
    entries: Vec<Option<(Value, Value, i64)>>,
    index: HashMap<i64, Vec<usize>>,
    len: usize,
    /// For sets: CPython's hash table layout, which is their iteration
    /// order (`None` for dicts and for set constants).
    pub set_table: Option<Box<crate::types::set::SetTable>>,
}

impl Dict {
    pub fn new() -> Dict {
        Dict::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots whose key has hash `h`, with their keys.
    pub fn candidates(&self, h: i64) -> Vec<(usize, Value)> {
        match self.index.get(&h) {
            Some(slots) => slots
                .iter()
                .filter_map(|&i| self.entries[i].as_ref().map(|e| (i, e.0.clone())))
                .collect(),
            None => Vec::new(),
        }
    }

    /// Fast lookup for a string key (no user code can be involved).
    pub fn get_str(&self, key: &str, h: i64) -> Option<Value> {
        let slots = self.index.get(&h)?;
        for &i in slots {
            if let Some((Value::Str(k), v, _)) = &self.entries[i] {
                if k.s == key {
                    return Some(v.clone());
                }
            }
        }
        None
    }

    pub fn value_at(&self, i: usize) -> Option<Value> {
        self.entries.get(i)?.as_ref().map(|e| e.1.clone())
    }

    pub fn set_at(&mut self, i: usize, v: Value) {
        if let Some(Some(e)) = self.entries.get_mut(i) {
            e.1 = v;
        }
    }

    pub fn push(&mut self, key: Value, value: Value, h: i64) {
        let i = self.entries.len();
        self.entries.push(Some((key, value, h)));
        self.index.entry(h).or_default().push(i);
        self.len += 1;
        if let Some(t) = self.set_table.as_mut() {
            t.add(h, i);
        }
    }

    pub fn remove_at(&mut self, i: usize) -> Option<(Value, Value)> {
        let (k, v, h) = self.entries.get_mut(i)?.take()?;
        if let Some(t) = self.set_table.as_mut() {
            t.remove(h, i);
        }
        if let Some(slots) = self.index.get_mut(&h) {
            slots.retain(|&s| s != i);
            if slots.is_empty() {
                self.index.remove(&h);
            }
        }
        self.len -= 1;
        if self.entries.len() > 32 && self.len * 2 < self.entries.len() {
            self.compact();
        }
        Some((k, v))
    }

    fn compact(&mut self) {
        let old = std::mem::take(&mut self.entries);
        let table = self.set_table.take();
        self.index.clear();
        self.len = 0;
        let mut moved = vec![None; old.len()];
        for (i, e) in old.into_iter().enumerate() {
            if let Some((k, v, h)) = e {
                moved[i] = Some(self.entries.len());
                self.push(k, v, h);
            }
        }
        self.set_table = table.map(|mut t| {
            t.remap(&moved);
            t
        });
    }

    pub fn clear(&mut self) {
        let is_set = self.set_table.is_some();
        *self = Dict::default();
        if is_set {
            self.set_table = Some(Box::default());
        }
    }

    /// An empty set (a dict that keeps CPython's set table layout).
    pub fn new_set() -> Dict {
        Dict {
            set_table: Some(Box::default()),
            ..Dict::default()
        }
    }

    /// Appends an entry without touching the set table (the caller places
    /// it); returns its index.
    pub fn push_untracked(&mut self, key: Value, value: Value, h: i64) -> usize {
        let table = self.set_table.take();
        let i = self.entries.len();
        self.push(key, value, h);
        self.set_table = table;
        i
    }

    /// Key and hash of entry `i`.
    pub fn entry_at(&self, i: usize) -> Option<(Value, i64)> {
        self.entries.get(i)?.as_ref().map(|e| (e.0.clone(), e.2))
    }

    pub fn keys(&self) -> Vec<Value> {
        self.entries.iter().flatten().map(|e| e.0.clone()).collect()
    }

    pub fn values(&self) -> Vec<Value> {
        self.entries.iter().flatten().map(|e| e.1.clone()).collect()
    }

    pub fn items(&self) -> Vec<(Value, Value)> {
        self.entries
            .iter()
            .flatten()
            .map(|e| (e.0.clone(), e.1.clone()))
            .collect()
    }

    /// Entry at slot position `pos` or later: `(next position, key, value)`,
    /// for iterators that tolerate nothing but must not panic.
    pub fn entry_from(&self, pos: usize) -> Option<(usize, Value, Value)> {
        let mut p = pos;
        while p < self.entries.len() {
            if let Some((k, v, _)) = &self.entries[p] {
                return Some((p + 1, k.clone(), v.clone()));
            }
            p += 1;
        }
        None
    }

    pub fn hashes(&self) -> Vec<(Value, Value, i64)> {
        self.entries.iter().flatten().cloned().collect()
    }
}

pub const METHODS: &[&str] = &[
    "get",
    "keys",
    "values",
    "items",
    "pop",
    "update",
    "setdefault",
    "copy",
    "clear",
    "popitem",
];

pub fn call_method(vm: &mut Vm, d: &Rc<RefCell<Dict>>, name: &str, args: Args) -> PyResult<Value> {
    let a = &args.pos;
    match name {
        "get" => {
            let key = a.first().cloned().unwrap_or(Value::None);
            Ok(vm
                .dict_get(d, &key)?
                .unwrap_or_else(|| a.get(1).cloned().unwrap_or(Value::None)))
        }
        "keys" => Ok(Value::list(d.borrow().keys())),
        "values" => Ok(Value::list(d.borrow().values())),
        "items" => {
            let items = d.borrow().items();
            Ok(Value::list(
                items
                    .into_iter()
                    .map(|(k, v)| Value::tuple(vec![k, v]))
                    .collect(),
            ))
        }
        "pop" => {
            let key = a.first().cloned().unwrap_or(Value::None);
            match vm.dict_del(d, &key)? {
                Some(v) => Ok(v),
                None => match a.get(1) {
                    Some(dflt) => Ok(dflt.clone()),
                    None => Err(vm.key_error(key)),
                },
            }
        }
        "popitem" => {
            let last = d.borrow().items().pop();
            match last {
                Some((k, v)) => {
                    vm.dict_del(d, &k)?;
                    Ok(Value::tuple(vec![k, v]))
                }
                None => Err(vm.new_exc("KeyError", "'popitem(): dictionary is empty'")),
            }
        }
        "setdefault" => {
            let key = a.first().cloned().unwrap_or(Value::None);
            if let Some(v) = vm.dict_get(d, &key)? {
                return Ok(v);
            }
            let v = a.get(1).cloned().unwrap_or(Value::None);
            vm.dict_set(d, key, v.clone())?;
            Ok(v)
        }
        "update" => {
            if let Some(src) = a.first() {
                vm.dict_update(d, src)?;
            }
            for (k, v) in args.kw.iter() {
                vm.dict_set(d, Value::str(k), v.clone())?;
            }
            Ok(Value::None)
        }
        "copy" => Ok(Value::Dict(Rc::new(RefCell::new(d.borrow().clone())))),
        "clear" => {
            d.borrow_mut().clear();
            Ok(Value::None)
        }
        _ => Err(vm.attr_error(&Value::Dict(d.clone()), name)),
    }
}
