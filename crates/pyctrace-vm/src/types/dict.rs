//! `dict`: insertion-ordered hash table. Hashing and key equality go
//! through the VM (user `__hash__`/`__eq__`); the table itself is plain data.

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::value::Value;

#[derive(Clone, Default)]
pub struct Dict {
    /// Entries in insertion order (`None`: deleted).
    entries: Vec<Option<(Value, Value, i64)>>,
    /// Open-addressed index into `entries` (CPython's probe sequence);
    /// its length is 0 or a power of two.
    index: Vec<u32>,
    /// Index slots holding [`DELETED`].
    deleted: usize,
    len: usize,
    /// For sets: CPython's hash table layout, which is their iteration
    /// order (`None` for dicts and for set constants).
    pub set_table: Option<Box<crate::types::set::SetTable>>,
}

const EMPTY: u32 = u32::MAX;
const DELETED: u32 = u32::MAX - 1;

/// CPython's probe sequence over a table of `mask + 1` slots.
struct Probe {
    i: usize,
    perturb: u64,
    mask: usize,
}

impl Probe {
    fn new(h: i64, mask: usize) -> Probe {
        Probe {
            i: (h as u64 as usize) & mask,
            perturb: h as u64,
            mask,
        }
    }

    fn advance(&mut self) {
        self.perturb >>= 5;
        self.i = (self.i.wrapping_mul(5) + 1 + self.perturb as usize) & self.mask;
    }
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

    /// Calls `visit(entry position, key)` for every live entry whose hash is
    /// `h`, until it returns `Some`.
    #[inline]
    pub fn probe<T>(&self, h: i64, mut visit: impl FnMut(usize, &Value) -> Option<T>) -> Option<T> {
        if self.index.is_empty() {
            return None;
        }
        let mut p = Probe::new(h, self.index.len() - 1);
        loop {
            match self.index[p.i] {
                EMPTY => return None,
                DELETED => {}
                e => {
                    if let Some(Some((k, _, kh))) = self.entries.get(e as usize) {
                        if *kh == h {
                            if let Some(r) = visit(e as usize, k) {
                                return Some(r);
                            }
                        }
                    }
                }
            }
            p.advance();
        }
    }

    /// Slots whose key has hash `h`, with their keys.
    pub fn candidates(&self, h: i64) -> Vec<(usize, Value)> {
        let mut out = Vec::new();
        self.probe(h, |i, k| -> Option<()> {
            out.push((i, k.clone()));
            None
        });
        out
    }

    /// Fast lookup for a string key (no user code can be involved).
    pub fn get_str(&self, key: &str, h: i64) -> Option<Value> {
        let i = self.probe(h, |i, k| match k {
            Value::Str(k) if k.s == key => Some(i),
            _ => None,
        })?;
        self.value_at(i)
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
        // the index stays at most 2/3 full (deleted slots included)
        if (self.entries.len() + self.deleted + 1) * 3 > self.index.len() * 2 {
            self.rebuild_index();
        }
        let i = self.entries.len();
        self.entries.push(Some((key, value, h)));
        let mut p = Probe::new(h, self.index.len() - 1);
        while self.index[p.i] != EMPTY {
            p.advance();
        }
        self.index[p.i] = i as u32;
        self.len += 1;
        if let Some(t) = self.set_table.as_mut() {
            t.add(h, i);
        }
    }

    /// A new index for the entries (and room for as many again).
    fn rebuild_index(&mut self) {
        let mut size = 8;
        while size * 2 < (self.entries.len() + 1) * 3 {
            size *= 2;
        }
        self.index.clear();
        self.index.resize(size, EMPTY);
        self.deleted = 0;
        let mask = size - 1;
        for (i, e) in self.entries.iter().enumerate() {
            if let Some((_, _, h)) = e {
                let mut p = Probe::new(*h, mask);
                while self.index[p.i] != EMPTY {
                    p.advance();
                }
                self.index[p.i] = i as u32;
            }
        }
    }

    pub fn remove_at(&mut self, i: usize) -> Option<(Value, Value)> {
        let (k, v, h) = self.entries.get_mut(i)?.take()?;
        if let Some(t) = self.set_table.as_mut() {
            t.remove(h, i);
        }
        if !self.index.is_empty() {
            let mut p = Probe::new(h, self.index.len() - 1);
            loop {
                match self.index[p.i] {
                    EMPTY => break,
                    e if e as usize == i => {
                        self.index[p.i] = DELETED;
                        self.deleted += 1;
                        break;
                    }
                    _ => p.advance(),
                }
            }
        }
        self.len -= 1;
        if self.entries.len() > 32 && self.len * 2 < self.entries.len() {
            self.compact();
        }
        Some((k, v))
    }

    fn compact(&mut self) {
        if let Some(t) = self.set_table.as_mut() {
            let mut moved = vec![None; self.entries.len()];
            let mut next = 0;
            for (i, e) in self.entries.iter().enumerate() {
                if e.is_some() {
                    moved[i] = Some(next);
                    next += 1;
                }
            }
            t.remap(&moved);
        }
        self.entries.retain(Option::is_some);
        self.rebuild_index();
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
