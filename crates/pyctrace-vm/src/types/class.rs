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
    pub dict: RefCell<AttrMap>,
    pub kind: Kind,
    pub is_builtin: bool,
    /// The metaclass when it is not `type`.
    pub meta: Option<Rc<Class>>,
    /// Names of `dict` in definition order (for `__dict__`; the map itself
    /// is unordered).
    pub dict_order: RefCell<Vec<String>>,
}

impl Class {
    /// A class the VM makes itself (builtin types, exception and library
    /// classes written in Rust): its qualname is its name, its MRO is
    /// computed from `bases` (which the VM chooses consistent).
    pub fn new_native(
        name: &str,
        module: &str,
        bases: Vec<Rc<Class>>,
        kind: Kind,
        is_builtin: bool,
        dict: AttrMap,
    ) -> Rc<Class> {
        let mro_rest = c3_mro(&bases).unwrap_or_default();
        Rc::new(Class {
            name: name.to_string(),
            qualname: name.to_string(),
            module: module.to_string(),
            bases,
            mro_rest,
            dict: RefCell::new(dict),
            kind,
            is_builtin,
            meta: None,
            dict_order: Default::default(),
        })
    }

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
    c3_merge(bases).ok()
}

/// C3 linearisation, or the distinct heads left when it fails (named by
/// CPython's error message).
pub fn c3_merge(bases: &[Rc<Class>]) -> Result<Vec<Rc<Class>>, Vec<Rc<Class>>> {
    let mut seqs: Vec<Vec<Rc<Class>>> = bases.iter().map(|b| b.mro()).collect();
    seqs.push(bases.to_vec());
    let mut out: Vec<Rc<Class>> = Vec::new();
    loop {
        seqs.retain(|s| !s.is_empty());
        if seqs.is_empty() {
            return Ok(out);
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
        let Some(c) = pick else {
            let mut heads: Vec<Rc<Class>> = Vec::new();
            for s in &seqs {
                if !heads.iter().any(|h| Rc::ptr_eq(h, &s[0])) {
                    heads.push(s[0].clone());
                }
            }
            return Err(heads);
        };
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
    /// The builtin value an instance of a subclass of int, str, tuple,
    /// list, dict, ... carries (its methods and operators work on it).
    pub base: Option<Value>,
    /// Once `__dict__` has been asked for, the attributes live in this dict
    /// (shared with the program, which may write to it).
    pub live: RefCell<Option<Rc<RefCell<Dict>>>>,
}

/// The slot of the string key `name` in `d`.
fn str_slot(d: &Dict, name: &str, h: i64) -> Option<usize> {
    d.candidates(h)
        .into_iter()
        .find(|(_, k)| k.as_str() == Some(name))
        .map(|(i, _)| i)
}

impl Instance {
    fn live_dict(&self) -> Option<Rc<RefCell<Dict>>> {
        self.live.borrow().clone()
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        if let Some(d) = self.live_dict() {
            let h = crate::protocol::str_hash(name);
            return d.borrow().get_str(name, h);
        }
        self.dict.borrow().get(name).cloned()
    }

    pub fn set(&self, name: &str, v: Value) {
        if let Some(d) = self.live_dict() {
            let h = crate::protocol::str_hash(name);
            let mut d = d.borrow_mut();
            match str_slot(&d, name, h) {
                Some(i) => d.set_at(i, v),
                None => d.push(Value::str(name), v, h),
            }
            return;
        }
        let mut d = self.dict.borrow_mut();
        if let Some(slot) = d.get_mut(name) {
            *slot = v;
            return;
        }
        d.insert(name.to_string(), v);
        self.order.borrow_mut().push(name.to_string());
    }

    pub fn del(&self, name: &str) -> bool {
        if let Some(d) = self.live_dict() {
            let h = crate::protocol::str_hash(name);
            let mut d = d.borrow_mut();
            return match str_slot(&d, name, h) {
                Some(i) => d.remove_at(i).is_some(),
                None => false,
            };
        }
        let removed = self.dict.borrow_mut().remove(name).is_some();
        if removed {
            self.order.borrow_mut().retain(|n| n != name);
        }
        removed
    }

    /// Attribute names in insertion order.
    pub fn attr_names(&self) -> Vec<String> {
        match self.live_dict() {
            Some(d) => d
                .borrow()
                .keys()
                .iter()
                .filter_map(|k| k.as_str().map(String::from))
                .collect(),
            None => self.order.borrow().clone(),
        }
    }

    /// `obj.__dict__`: the attributes move into a dict the program shares.
    pub fn dict_value(&self) -> Rc<RefCell<Dict>> {
        if let Some(d) = self.live_dict() {
            return d;
        }
        let mut d = Dict::new();
        let map = std::mem::take(&mut *self.dict.borrow_mut());
        for k in std::mem::take(&mut *self.order.borrow_mut()) {
            if let Some(v) = map.get(&k) {
                let h = crate::protocol::str_hash(&k);
                d.push(Value::string(k), v.clone(), h);
            }
        }
        let d = Rc::new(RefCell::new(d));
        *self.live.borrow_mut() = Some(d.clone());
        d
    }
}

impl Instance {
    /// A new instance with no attributes.
    pub fn plain(class: Rc<Class>, base: Option<Value>) -> Instance {
        Instance {
            class,
            dict: RefCell::new(AttrMap::default()),
            order: RefCell::new(Vec::new()),
            exc: None,
            base,
            live: RefCell::new(None),
        }
    }
}

/// The builtin value carried by an instance of a builtin-type subclass.
pub fn base_of(v: &Value) -> Option<Value> {
    match v {
        Value::Instance(i) => i.base.clone(),
        _ => None,
    }
}

/// The builtin value a conversion to `kind` (`int(x)`, `tuple(x)`, ...)
/// reads from a builtin-subclass instance that does not override the
/// conversion.
pub fn convertible_base(v: &Value, kind: Kind) -> Option<Value> {
    let Value::Instance(i) = v else { return None };
    let hooks: &[&str] = match kind {
        Kind::Int => &["__int__", "__index__"],
        Kind::Float => &["__float__"],
        Kind::Tuple | Kind::List | Kind::Set | Kind::FrozenSet => &["__iter__"],
        Kind::Bytes => &["__bytes__"],
        _ => return None,
    };
    if hooks.iter().any(|h| i.class.lookup(h).is_some()) {
        return None;
    }
    i.base.clone()
}

impl Class {
    /// The names instances may hold when every user class of the MRO
    /// declares `__slots__` (without `__dict__`); `None`: instances have a
    /// `__dict__`.
    pub fn slot_names(self: &Rc<Self>) -> Option<Vec<String>> {
        let mut names = Vec::new();
        for c in self.mro() {
            if c.is_builtin {
                continue;
            }
            let slots = c.dict.borrow().get("__slots__").cloned()?;
            let items = match slots {
                Value::Str(s) => vec![s.s.clone()],
                Value::Tuple(t) => t
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                Value::List(l) => l
                    .borrow()
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                _ => return None,
            };
            if items.iter().any(|n| n == "__dict__") {
                return None;
            }
            names.extend(items);
        }
        Some(names)
    }

    /// Sets a class attribute, keeping the definition order.
    pub fn set_attr(&self, name: &str, v: Value) {
        if self.dict.borrow_mut().insert(name.to_string(), v).is_none() {
            self.dict_order.borrow_mut().push(name.to_string());
        }
    }

    /// Removes a class attribute.
    pub fn del_attr(&self, name: &str) -> bool {
        let removed = self.dict.borrow_mut().remove(name).is_some();
        if removed {
            self.dict_order.borrow_mut().retain(|n| n != name);
        }
        removed
    }

    /// The attributes in definition order (names missing from the order,
    /// set by native code, follow sorted).
    pub fn attrs_in_order(&self) -> Vec<(String, Value)> {
        let d = self.dict.borrow();
        let order = self.dict_order.borrow();
        let mut out: Vec<(String, Value)> = order
            .iter()
            .filter_map(|k| d.get(k).map(|v| (k.clone(), v.clone())))
            .collect();
        let mut rest: Vec<&String> = d.keys().filter(|k| !order.contains(k)).collect();
        rest.sort();
        out.extend(rest.into_iter().map(|k| (k.clone(), d[k].clone())));
        out
    }

    /// A special method defined by a user metaclass.
    pub fn meta_lookup(&self, name: &str) -> Option<Value> {
        self.meta.as_ref().and_then(|m| m.lookup(name))
    }
}

// ---- class creation and instantiation (type.__new__, type.__call__) ----

use crate::interp::{Args, PyResult, Vm};
use crate::types::dict::Dict;
use crate::types::function::NativeMethod;

/// Kinds of builtin types a class statement may derive from.
fn subclassable(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Object
            | Kind::Exception
            | Kind::Type
            | Kind::Int
            | Kind::Float
            | Kind::Str
            | Kind::Bytes
            | Kind::Tuple
            | Kind::List
            | Kind::Dict
            | Kind::Set
            | Kind::FrozenSet
    )
}

/// The metaclass of a class value (`None`: `type`).
/// The most derived of the metaclasses of `bases` and `explicit`
/// (`None`: `type`), or CPython's "metaclass conflict" error.
fn winner_meta(
    vm: &mut Vm,
    explicit: Option<Rc<Class>>,
    bases: &[Rc<Class>],
) -> PyResult<Option<Rc<Class>>> {
    let ty = vm.class("type");
    let mut winner = explicit.unwrap_or_else(|| ty.clone());
    for b in bases {
        let m = b.meta.clone().unwrap_or_else(|| ty.clone());
        if winner.is_subclass(&m) {
            continue;
        }
        if m.is_subclass(&winner) {
            winner = m;
            continue;
        }
        return Err(vm.type_error(
            "metaclass conflict: the metaclass of a derived class must be a (non-strict) subclass of the metaclasses of all its bases".into(),
        ));
    }
    Ok(if Rc::ptr_eq(&winner, &ty) {
        None
    } else {
        Some(winner)
    })
}

fn class_list(vm: &mut Vm, bases: &[Value]) -> PyResult<Vec<Rc<Class>>> {
    let mut out = Vec::with_capacity(bases.len());
    for b in bases {
        match b {
            Value::Class(c) => out.push(c.clone()),
            // library classes the VM emulates with a native constructor
            Value::Native(n) => {
                return Err(vm.unsupported(&format!("subclassing the library class {}", n.name)))
            }
            other => {
                let t = vm.type_name(other);
                return Err(vm.type_error(format!("bases must be types, not {}", t)));
            }
        }
    }
    Ok(out)
}

/// `__build_class__(func, name, *bases, metaclass=..., **kw)`
pub fn build_class(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let Some(Value::Function(body)) = a.pos.first().cloned() else {
        return Err(vm.type_error("__build_class__: func must be a function".into()));
    };
    let name = match a.pos.get(1) {
        Some(Value::Str(s)) => s.s.clone(),
        _ => return Err(vm.type_error("__build_class__: name is not a string".into())),
    };
    let base_values: Vec<Value> = a.pos.iter().skip(2).cloned().collect();
    let mut kw = a.kw;
    let explicit = kw
        .iter()
        .position(|(k, _)| k == "metaclass")
        .map(|i| kw.remove(i).1);
    let bases = class_list(vm, &base_values)?;
    // a metaclass that is not a class (a function) is just called
    let meta = match explicit {
        Some(Value::Class(m)) => winner_meta(vm, Some(m), &bases)?,
        Some(other) => {
            let ns = Rc::new(RefCell::new(Dict::new()));
            init_namespace(vm, &body, &ns)?;
            let cell = vm.run_body(&body, ns.clone())?;
            let args = vec![
                Value::string(name),
                Value::tuple(base_values),
                Value::Dict(ns),
            ];
            let cls = vm.call(&other, args, kw)?;
            set_class_cell(&cell, &cls);
            return Ok(cls);
        }
        None => winner_meta(vm, None, &bases)?,
    };
    let prepare = match &meta {
        Some(m) if m.lookup("__prepare__").is_some() => {
            Some(vm.getattr(&Value::Class(m.clone()), "__prepare__")?)
        }
        _ => None,
    };
    let ns = match prepare {
        Some(f) => {
            let args = vec![
                Value::string(name.clone()),
                Value::tuple(base_values.clone()),
            ];
            match vm.call(&f, args, kw.clone())? {
                Value::Dict(d) => d,
                Value::Instance(i)
                    if i.class.kind == Kind::Dict && !i.class.has_user("__setitem__") =>
                {
                    match &i.base {
                        Some(Value::Dict(d)) => d.clone(),
                        _ => return Err(vm.unsupported("a __prepare__ namespace without a dict")),
                    }
                }
                _ => {
                    return Err(vm.unsupported(
                        "a class namespace from __prepare__ that is not a plain dict",
                    ))
                }
            }
        }
        None => Rc::new(RefCell::new(Dict::new())),
    };
    init_namespace(vm, &body, &ns)?;
    let cell = vm.run_body(&body, ns.clone())?;
    let args_ns = Value::Dict(ns.clone());
    let cls = match &meta {
        None => Value::Class(type_new(vm, None, &name, bases, &ns, kw)?),
        Some(m) => {
            let args = vec![Value::string(name), Value::tuple(base_values), args_ns];
            vm.call(&Value::Class(m.clone()), args, kw)?
        }
    };
    set_class_cell(&cell, &cls);
    Ok(cls)
}

fn init_namespace(
    vm: &mut Vm,
    body: &Rc<crate::types::function::Function>,
    ns: &Rc<RefCell<Dict>>,
) -> PyResult<()> {
    let module = body
        .globals
        .borrow()
        .get_str("__name__", crate::protocol::str_hash("__name__"))
        .unwrap_or_else(|| Value::str("__main__"));
    vm.dict_set(ns, Value::str("__module__"), module)?;
    vm.dict_set(ns, Value::str("__qualname__"), Value::str(&body.qualname))
}

fn set_class_cell(cell: &Value, cls: &Value) {
    if let Value::Cell(c) = cell {
        *c.borrow_mut() = Some(cls.clone());
    }
}

/// `type.__new__(meta, name, bases, ns, **kw)`: the class itself, its
/// `__set_name__` and `__init_subclass__` hooks.
pub fn type_new(
    vm: &mut Vm,
    meta: Option<Rc<Class>>,
    name: &str,
    mut bases: Vec<Rc<Class>>,
    ns: &Rc<RefCell<Dict>>,
    kw: Vec<(String, Value)>,
) -> PyResult<Rc<Class>> {
    for (i, b) in bases.iter().enumerate() {
        if bases[..i].iter().any(|c| Rc::ptr_eq(c, b)) {
            return Err(vm.type_error(format!("duplicate base class {}", b.name)));
        }
    }
    if bases.is_empty() {
        bases.push(vm.class("object"));
    }
    let mut kind = Kind::Object;
    for b in &bases {
        if !subclassable(b.kind) {
            if b.is_builtin
                && matches!(
                    b.kind,
                    Kind::Bool | Kind::Range | Kind::Slice | Kind::Function | Kind::Generator
                )
            {
                return Err(
                    vm.type_error(format!("type '{}' is not an acceptable base type", b.name))
                );
            }
            return Err(vm.unsupported(&format!("subclassing builtin type '{}'", b.name)));
        }
        if b.is_builtin && b.module != "builtins" {
            // VM-native library classes keep their state natively
            return Err(vm.unsupported(&format!("subclassing {}.{}", b.module, b.name)));
        }
        if b.kind == Kind::Object {
            continue;
        }
        if kind == Kind::Object {
            kind = b.kind;
        } else if kind != b.kind {
            return Err(vm.type_error("multiple bases have instance lay-out conflict".into()));
        }
    }
    let mro_rest = match c3_merge(&bases) {
        Ok(m) => m,
        Err(heads) => {
            let names: Vec<&str> = heads.iter().map(|c| c.name.as_str()).collect();
            let sep = if vm.version.at_least(3, 13) {
                " "
            } else {
                "\n"
            };
            return Err(vm.type_error(format!(
                "Cannot create a consistent method resolution{}order (MRO) for bases {}",
                sep,
                names.join(", ")
            )));
        }
    };
    if let Some(slots) = vm.dict_get(ns, &Value::str("__slots__"))? {
        let names = match slots {
            Value::Str(_) => vec![slots],
            other => vm.collect(other)?,
        };
        for n in &names {
            if !matches!(n, Value::Str(_)) {
                let t = vm.type_name(n);
                return Err(vm.type_error(format!("__slots__ items must be strings, not '{}'", t)));
            }
        }
    }
    let mut dict = AttrMap::default();
    let mut order = Vec::new();
    let mut qualname = name.to_string();
    let mut module = "__main__".to_string();
    let items = ns.borrow().items();
    for (k, v) in &items {
        let Value::Str(key) = k else { continue };
        let v = match (key.s.as_str(), v) {
            ("__qualname__", Value::Str(q)) => {
                qualname = q.s.clone();
                continue;
            }
            ("__classcell__", _) => continue,
            ("__module__", Value::Str(m)) => {
                module = m.s.clone();
                v.clone()
            }
            // implicitly static / class methods
            ("__new__", Value::Function(_)) => Value::StaticMethod(Rc::new(v.clone())),
            ("__init_subclass__" | "__class_getitem__", Value::Function(_)) => {
                Value::ClassMethod(Rc::new(v.clone()))
            }
            _ => v.clone(),
        };
        if dict.insert(key.s.clone(), v).is_none() {
            order.push(key.s.clone());
        }
    }
    vm.charge_memory(256)?;
    let cls = Rc::new(Class {
        name: name.to_string(),
        qualname,
        module,
        bases,
        mro_rest,
        dict: RefCell::new(dict),
        kind,
        is_builtin: false,
        meta,
        dict_order: RefCell::new(order),
    });
    if let Some(cell) = vm.dict_get(ns, &Value::str("__classcell__"))? {
        set_class_cell(&cell, &Value::Class(cls.clone()));
    }
    // __set_name__ on the attributes, in definition order
    for (k, v) in &items {
        if let Value::Instance(i) = v {
            if let Some(hook) = i.class.lookup("__set_name__") {
                vm.call(
                    &hook,
                    vec![v.clone(), Value::Class(cls.clone()), k.clone()],
                    Vec::new(),
                )?;
            }
        }
    }
    // super(cls, cls).__init_subclass__(**kw)
    let hook = cls
        .mro_rest
        .iter()
        .find_map(|c| c.dict.borrow().get("__init_subclass__").cloned());
    match hook {
        Some(h) => {
            let f = match h {
                Value::ClassMethod(f) => (*f).clone(),
                other => other,
            };
            vm.call(&f, vec![Value::Class(cls.clone())], kw)?;
        }
        None if !kw.is_empty() => {
            let msg = if vm.version.at_least(3, 9) {
                format!(
                    "{}.__init_subclass__() takes no keyword arguments",
                    cls.name
                )
            } else {
                "__init_subclass__() takes no keyword arguments".to_string()
            };
            return Err(vm.type_error(msg));
        }
        None => {}
    }
    Ok(cls)
}

/// `type.__call__(cls, *args, **kw)`: `__new__`, then `__init__` when the
/// result is an instance of `cls`.
pub fn type_call(
    vm: &mut Vm,
    cls: &Rc<Class>,
    args: Vec<Value>,
    kw: Vec<(String, Value)>,
) -> PyResult<Value> {
    if cls.is_builtin && cls.kind != Kind::Exception {
        if cls.kind == Kind::Type && args.len() == 3 {
            return type3(vm, args, kw);
        }
        return crate::builtins::construct_builtin(vm, cls, Args { pos: args, kw });
    }
    let user_new = cls.lookup("__new__");
    let obj = match &user_new {
        Some(n) => {
            let f = match n {
                Value::StaticMethod(f) => (**f).clone(),
                other => other.clone(),
            };
            let mut full = vec![Value::Class(cls.clone())];
            full.extend(args.iter().cloned());
            vm.call(&f, full, kw.clone())?
        }
        None => object_new(vm, cls, args.clone(), kw.clone())?,
    };
    let t = vm.type_of(&obj);
    if !t.is_subclass(cls) {
        return Ok(obj);
    }
    match t.lookup("__init__") {
        Some(init) => {
            let mut full = vec![obj.clone()];
            full.extend(args);
            let r = vm.call(&init, full, kw)?;
            if !r.is_none() {
                let t = vm.type_name(&r);
                return Err(vm.type_error(format!("__init__() should return None, not '{}'", t)));
            }
        }
        None => {
            if user_new.is_none()
                && cls.kind == Kind::Object
                && (!args.is_empty() || !kw.is_empty())
            {
                return Err(vm.type_error(format!("{}() takes no arguments", cls.name)));
            }
            builtin_init(vm, &obj, args, kw)?;
        }
    }
    Ok(obj)
}

/// The `(name, bases, ns)` arguments of `type.__new__`, checked.
fn type_args(vm: &mut Vm, args: &[Value]) -> PyResult<(String, Vec<Value>, Rc<RefCell<Dict>>)> {
    let wrong = |vm: &mut Vm, i: usize, want: &str| {
        let t = vm.type_name(&args[i]);
        Err(vm.type_error(format!(
            "type.__new__() argument {} must be {}, not {}",
            i + 1,
            want,
            t
        )))
    };
    if args.len() != 3 {
        return Err(vm.type_error("type.__new__() takes exactly 3 arguments".into()));
    }
    let Value::Str(name) = &args[0] else {
        return wrong(vm, 0, "str");
    };
    let Value::Tuple(bases) = &args[1] else {
        return wrong(vm, 1, "tuple");
    };
    let Value::Dict(ns) = &args[2] else {
        return wrong(vm, 2, "dict");
    };
    Ok((name.s.clone(), bases.to_vec(), ns.clone()))
}

/// `type(name, bases, ns)`, through the most derived metaclass of `bases`.
fn type3(vm: &mut Vm, args: Vec<Value>, kw: Vec<(String, Value)>) -> PyResult<Value> {
    let (name, bases, ns) = type_args(vm, &args)?;
    let bases_c = class_list(vm, &bases)?;
    match winner_meta(vm, None, &bases_c)? {
        Some(m) => vm.call(&Value::Class(m), args.clone(), kw),
        None => Ok(Value::Class(type_new(vm, None, &name, bases_c, &ns, kw)?)),
    }
}

/// The builtin `__new__` of the layout `cls` derives from: a plain
/// instance, an exception, a class (metaclasses), or an instance carrying
/// a builtin value.
pub fn object_new(
    vm: &mut Vm,
    cls: &Rc<Class>,
    args: Vec<Value>,
    kw: Vec<(String, Value)>,
) -> PyResult<Value> {
    vm.charge_memory(96)?;
    let base = match cls.kind {
        Kind::Object => return Ok(Value::Instance(Rc::new(Instance::plain(cls.clone(), None)))),
        Kind::Exception => return Ok(crate::protocol::new_exception(cls.clone(), args)),
        Kind::Type => {
            let (name, bases, ns) = type_args(vm, &args)?;
            let bases = class_list(vm, &bases)?;
            let meta = if cls.is_builtin {
                None
            } else {
                Some(cls.clone())
            };
            let meta = winner_meta(vm, meta, &bases)?;
            return Ok(Value::Class(type_new(vm, meta, &name, bases, &ns, kw)?));
        }
        Kind::List => Value::list(Vec::new()),
        Kind::Dict => Value::Dict(Rc::new(RefCell::new(Dict::new()))),
        Kind::Set => Value::Set(Rc::new(RefCell::new(Dict::new_set()))),
        kind => {
            let builtin = vm.class(crate::builtins::kind_type_name(kind));
            crate::builtins::construct_builtin(vm, &builtin, Args { pos: args, kw })?
        }
    };
    if cls.is_builtin {
        return Ok(base);
    }
    Ok(Value::Instance(Rc::new(Instance::plain(
        cls.clone(),
        Some(base),
    ))))
}

/// The builtin `__init__` of the layout: refills a list, dict or set value.
fn builtin_init(
    vm: &mut Vm,
    obj: &Value,
    args: Vec<Value>,
    kw: Vec<(String, Value)>,
) -> PyResult<()> {
    let Some(base) = base_of(obj) else {
        if let Value::Instance(i) = obj {
            if let Some(d) = &i.exc {
                d.borrow_mut().args = args;
            }
        }
        return Ok(());
    };
    match &base {
        Value::List(l) => {
            let items = match args.first() {
                Some(src) => vm.collect(src.clone())?,
                None => Vec::new(),
            };
            *l.borrow_mut() = items;
        }
        Value::Dict(d) => {
            d.borrow_mut().clear();
            if let Some(src) = args.first() {
                vm.dict_update(d, src)?;
            }
            for (k, v) in kw {
                vm.dict_set(d, Value::string(k), v)?;
            }
        }
        Value::Set(s) => {
            s.borrow_mut().clear();
            if let Some(src) = args.first() {
                crate::types::set::fill_from(vm, s, src)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `list[int]`, `dict[str, int]`, ...: a `types.GenericAlias` (3.9+) for
/// the builtin containers and `type`; `None` for other classes.
pub fn generic_alias(vm: &mut Vm, c: &Rc<Class>, key: &Value) -> PyResult<Option<Value>> {
    let generic = c.is_builtin
        && c.module == "builtins"
        && matches!(
            c.kind,
            Kind::List | Kind::Dict | Kind::Tuple | Kind::Set | Kind::FrozenSet | Kind::Type
        );
    if !generic || !vm.version.at_least(3, 9) {
        return Ok(None);
    }
    let cls = crate::sandbox::native_class(vm, "types", "GenericAlias");
    {
        let mut d = cls.dict.borrow_mut();
        if d.is_empty() {
            d.insert(
                "__repr__".into(),
                crate::sandbox::native_value("__repr__", alias_repr),
            );
        }
    }
    let args = match key {
        Value::Tuple(_) => key.clone(),
        other => Value::tuple(vec![other.clone()]),
    };
    let inst = Instance::plain(cls, None);
    inst.set("__origin__", Value::Class(c.clone()));
    inst.set("__args__", args);
    Ok(Some(Value::Instance(Rc::new(inst))))
}

/// `repr(list[int])`: `list[int]`; classes by qualified name, `...` for
/// Ellipsis.
fn alias_repr(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let this = a.pos.first().cloned().unwrap_or(Value::None);
    let origin = vm.getattr(&this, "__origin__")?;
    let args = vm.getattr(&this, "__args__")?;
    let mut parts = Vec::new();
    for arg in vm.collect(args)? {
        parts.push(match &arg {
            Value::Ellipsis => "...".to_string(),
            Value::Class(k) if k.module == "builtins" => k.qualname.clone(),
            Value::Class(k) => format!("{}.{}", k.module, k.qualname),
            other => vm.repr(other)?,
        });
    }
    let name = match &origin {
        Value::Class(k) => k.qualname.clone(),
        other => vm.repr(other)?,
    };
    Ok(Value::string(format!("{}[{}]", name, parts.join(", "))))
}

/// Special methods of `object` reachable by name (`object.__setattr__`,
/// `super().__init__`, ...).
const OBJECT_SLOTS: &[&str] = &[
    "__init__",
    "__setattr__",
    "__getattribute__",
    "__delattr__",
    "__init_subclass__",
    "__repr__",
    "__str__",
    "__eq__",
    "__ne__",
    "__hash__",
    "__format__",
];

/// Special methods a builtin value answers through the protocol.
const VALUE_SLOTS: &[&str] = &[
    "__getitem__",
    "__setitem__",
    "__delitem__",
    "__len__",
    "__contains__",
    "__iter__",
    "__repr__",
    "__str__",
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__hash__",
    "__bool__",
    "__neg__",
    "__pos__",
    "__invert__",
    "__abs__",
    "__int__",
    "__float__",
    "__index__",
    "__format__",
];

/// Whether `call_dunder` answers `name` for a builtin-subclass instance
/// (without a Python definition) from its builtin value: the numeric
/// conversions; the other special methods have their own fallbacks.
pub fn is_value_slot(name: &str) -> bool {
    matches!(name, "__abs__" | "__int__" | "__float__" | "__index__")
}

/// A dict subclass instance (not overriding `keys`) as its dict, for
/// `**mapping` unpacking; anything else unchanged.
pub fn mapping_base(v: Value) -> Value {
    match &v {
        Value::Instance(i) if i.class.lookup("keys").is_none() => match &i.base {
            Some(d @ Value::Dict(_)) => d.clone(),
            _ => v,
        },
        _ => v,
    }
}

fn binop_of(name: &str) -> Option<(crate::lift::BinOp, u8)> {
    use crate::lift::BinOp::*;
    for op in [
        Add, Sub, Mul, MatMul, TrueDiv, FloorDiv, Mod, Pow, LShift, RShift, And, Or, Xor,
    ] {
        let (f, r, i) = op.dunders();
        if name == f {
            return Some((op, 0));
        }
        if name == r {
            return Some((op, 1));
        }
        if name == i {
            return Some((op, 2));
        }
    }
    None
}

/// A special method of the builtin class `c` (reached along an MRO that
/// has no Python definition of `name`), bound to `obj` when given.
pub fn builtin_attr(c: &Rc<Class>, name: &str, obj: Option<&Value>) -> Option<Value> {
    let method = |self_: Option<Value>, n: &str| {
        Some(Value::NativeMethod(Rc::new(NativeMethod {
            self_,
            type_name: crate::builtins::kind_type_name(c.kind),
            name: n.to_string(),
        })))
    };
    if name == "__new__" {
        return method(Some(Value::Class(c.clone())), "__builtin_new__");
    }
    if c.kind == Kind::Type && name == "__call__" {
        return obj.and_then(|o| method(Some(o.clone()), "__type_call__"));
    }
    let payload_kind = !matches!(c.kind, Kind::Object | Kind::Exception | Kind::Type);
    if payload_kind && name != "__init__" {
        let sample = crate::builtins::sample_of(c.kind);
        let native = sample
            .as_ref()
            .is_some_and(|s| crate::types::has_native_method(s, name));
        if native || VALUE_SLOTS.contains(&name) || binop_of(name).is_some() {
            let this = obj.map(|o| base_of(o).unwrap_or_else(|| o.clone()));
            return method(this, name);
        }
    }
    if OBJECT_SLOTS.contains(&name) {
        let n = if name == "__init__" && c.kind == Kind::Exception {
            "__exc_init__".to_string()
        } else {
            format!("__object_{}__", name.trim_matches('_'))
        };
        return method(obj.cloned(), &n);
    }
    None
}

/// Runs a special method found by [`builtin_attr`]. `None`: not one.
pub fn call_slot(vm: &mut Vm, this: &Value, name: &str, a: &mut Args) -> Option<PyResult<Value>> {
    // object-level slots act on the instance, the others on its builtin value
    let object_level = name.starts_with("__object_") || name == "__type_call__";
    let this = &match base_of(this) {
        Some(b) if !object_level => b,
        _ => this.clone(),
    };
    let pos = std::mem::take(&mut a.pos);
    let kw = std::mem::take(&mut a.kw);
    let arg = |i: usize| pos.get(i).cloned().unwrap_or(Value::None);
    let r = match name {
        "__builtin_new__" => {
            let Value::Class(owner) = this else {
                return Some(Err(vm.type_error("__new__ of a non-type".into())));
            };
            let target = match pos.first() {
                Some(Value::Class(t)) => t.clone(),
                other => {
                    let t = vm.type_name(other.unwrap_or(&Value::None));
                    return Some(Err(vm.type_error(format!(
                        "{}.__new__(X): X is not a type object ({})",
                        owner.name, t
                    ))));
                }
            };
            if !target.is_subclass(owner) {
                return Some(Err(vm.type_error(format!(
                    "{}.__new__({}): {} is not a subtype of {}",
                    owner.name, target.name, target.name, owner.name
                ))));
            }
            let rest = pos[1..].to_vec();
            let rest = if owner.kind == Kind::Object {
                Vec::new()
            } else {
                rest
            };
            object_new(vm, &target, rest, kw)
        }
        "__type_call__" => match this {
            Value::Class(c) => type_call(vm, c, pos, kw),
            _ => Err(vm.type_error("type.__call__ of a non-type".into())),
        },
        "__object_init__" => builtin_init(vm, this, pos, kw).map(|_| Value::None),
        "__object_init_subclass__" => {
            if kw.is_empty() {
                Ok(Value::None)
            } else {
                let n = match this {
                    Value::Class(c) => c.name.clone(),
                    _ => String::new(),
                };
                Err(vm.type_error(format!(
                    "{}.__init_subclass__() takes no keyword arguments",
                    n
                )))
            }
        }
        "__object_setattr__" => match arg(0) {
            Value::Str(n) => vm.generic_setattr(this, &n.s, arg(1)).map(|_| Value::None),
            _ => Err(vm.type_error("attribute name must be string".into())),
        },
        "__object_getattribute__" => match arg(0) {
            Value::Str(n) => vm.generic_getattr(this, &n.s),
            _ => Err(vm.type_error("attribute name must be string".into())),
        },
        "__object_delattr__" => match arg(0) {
            Value::Str(n) => vm.generic_delattr(this, &n.s).map(|_| Value::None),
            _ => Err(vm.type_error("attribute name must be string".into())),
        },
        "__object_repr__" => Ok(Value::string(vm.default_repr(this))),
        "__object_str__" => vm.repr(this).map(Value::string),
        "__object_format__" => vm.str(this).map(Value::string),
        "__object_eq__" => Ok(if this.is(&arg(0)) {
            Value::Bool(true)
        } else {
            Value::NotImplemented
        }),
        "__object_ne__" => Ok(if this.is(&arg(0)) {
            Value::Bool(false)
        } else {
            Value::NotImplemented
        }),
        "__object_hash__" => Ok(Value::Int((this.identity() >> 4) as i64)),
        "__getitem__" => vm.getitem(this, &arg(0)),
        "__setitem__" => vm.setitem(this, arg(0), arg(1)).map(|_| Value::None),
        "__delitem__" => vm.delitem(this, &arg(0)).map(|_| Value::None),
        "__len__" => vm.len(this).map(|n| Value::Int(n as i64)),
        "__contains__" => vm.contains(this, &arg(0)).map(Value::Bool),
        "__iter__" => vm.iter(this),
        "__repr__" => vm.repr(this).map(Value::string),
        "__str__" => vm.str(this).map(Value::string),
        "__format__" => match arg(0) {
            Value::Str(s) => vm.format(this, &s.s).map(Value::string),
            _ => Err(vm.type_error("format spec must be a str".into())),
        },
        "__hash__" => vm.hash(this).map(Value::Int),
        "__bool__" => vm.truthy(this).map(Value::Bool),
        "__int__" | "__index__" => vm.to_index(this).map(Value::Int),
        "__float__" => {
            let float = vm.class("float");
            crate::builtins::construct_builtin(vm, &float, Args::new(vec![this.clone()]))
        }
        "__abs__" => {
            let f = vm
                .builtins
                .borrow()
                .get_str("abs", crate::protocol::str_hash("abs"));
            vm.call(&f.unwrap_or(Value::None), vec![this.clone()], Vec::new())
        }
        "__neg__" => vm.unary_op(crate::lift::UnaryOp::Neg, this),
        "__pos__" => vm.unary_op(crate::lift::UnaryOp::Pos, this),
        "__invert__" => vm.unary_op(crate::lift::UnaryOp::Invert, this),
        "__eq__" | "__ne__" | "__lt__" | "__le__" | "__gt__" | "__ge__" => {
            use crate::lift::CmpOp;
            let op = match name {
                "__eq__" => CmpOp::Eq,
                "__ne__" => CmpOp::Ne,
                "__lt__" => CmpOp::Lt,
                "__le__" => CmpOp::Le,
                "__gt__" => CmpOp::Gt,
                _ => CmpOp::Ge,
            };
            let other = arg(0);
            let other = base_of(&other).unwrap_or(other);
            if matches!(other, Value::Instance(_)) {
                Ok(Value::NotImplemented)
            } else {
                match vm.compare(op, this, &other) {
                    Err(e) if vm.exc_matches_name(&e, "TypeError") => Ok(Value::NotImplemented),
                    r => r,
                }
            }
        }
        _ => match binop_of(name) {
            Some((op, side)) => {
                let other = arg(0);
                let other = base_of(&other).unwrap_or(other);
                if matches!(other, Value::Instance(_)) {
                    return Some(Ok(Value::NotImplemented));
                }
                let r = if side == 1 {
                    vm.binary_op(op, &other, this)
                } else {
                    vm.binary_op(op, this, &other)
                };
                match r {
                    Err(e) if vm.exc_matches_name(&e, "TypeError") => Ok(Value::NotImplemented),
                    r => r,
                }
            }
            None => {
                a.pos = pos;
                a.kw = kw;
                return None;
            }
        },
    };
    Some(r)
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
