//! `collections`: `namedtuple`, `deque`, `defaultdict`, `OrderedDict`,
//! `Counter`. Each is a VM-native class whose instances keep their data in
//! a builtin value (`_t` tuple, `_items` list, `_d` dict) and expose the
//! dunders through the class and the methods through the instance.

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::lift::BinOp;
use crate::sandbox::{a0, ai, func, method, module, native_class, native_value, new_instance};
use crate::types::class::{Class, Instance, Kind};
use crate::types::dict::Dict;
use crate::types::function::NativeImpl;
use crate::value::Value;

fn this(vm: &mut Vm, a: &Args) -> PyResult<Rc<Instance>> {
    match a.pos.first() {
        Some(Value::Instance(i)) => Ok(i.clone()),
        _ => Err(vm.type_error("descriptor needs an instance".into())),
    }
}

fn slot(vm: &mut Vm, a: &Args, name: &str) -> PyResult<Value> {
    let i = this(vm, a)?;
    match i.get(name) {
        Some(v) => Ok(v),
        None => Err(vm.type_error("uninitialised collections object".into())),
    }
}

fn arg(a: &Args, i: usize) -> Value {
    a.pos.get(i).cloned().unwrap_or(Value::None)
}

fn set_dunders(cls: &Rc<Class>, items: &[(&str, NativeImpl)]) {
    let mut d = cls.dict.borrow_mut();
    if d.is_empty() {
        for (k, f) in items {
            d.insert((*k).to_string(), native_value("method", *f));
        }
    }
}

// ---- deque ----

fn dq_items(vm: &mut Vm, a: &Args) -> PyResult<Rc<RefCell<Vec<Value>>>> {
    match slot(vm, a, "_items")? {
        Value::List(l) => Ok(l),
        _ => Err(vm.type_error("bad deque".into())),
    }
}

fn dq_trim(vm: &mut Vm, a: &Args, l: &Rc<RefCell<Vec<Value>>>, front: bool) -> PyResult<()> {
    if let Value::Int(max) = slot(vm, a, "maxlen")? {
        let mut v = l.borrow_mut();
        while v.len() as i64 > max {
            if front {
                v.pop();
            } else {
                v.remove(0);
            }
        }
    }
    Ok(())
}

fn new_deque(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let cls = native_class(vm, "collections", "deque");
    set_dunders(
        &cls,
        &[
            ("__len__", |vm, a| {
                Ok(Value::Int(dq_items(vm, &a)?.borrow().len() as i64))
            }),
            ("__iter__", |vm, a| {
                let l = dq_items(vm, &a)?;
                vm.iter(&Value::List(l))
            }),
            ("__getitem__", |vm, a| {
                let l = dq_items(vm, &a)?;
                if matches!(arg(&a, 1), Value::Slice(_)) {
                    return Err(vm.type_error("sequence index must be integer, not 'slice'".into()));
                }
                match vm.getitem(&Value::List(l), &arg(&a, 1)) {
                    Err(e) if vm.exc_matches_name(&e, "IndexError") => {
                        Err(vm.new_exc("IndexError", "deque index out of range"))
                    }
                    r => r,
                }
            }),
            ("__setitem__", |vm, a| {
                let l = dq_items(vm, &a)?;
                vm.setitem(&Value::List(l), arg(&a, 1), arg(&a, 2))?;
                Ok(Value::None)
            }),
            ("__delitem__", |vm, a| {
                let l = dq_items(vm, &a)?;
                vm.delitem(&Value::List(l), &arg(&a, 1))?;
                Ok(Value::None)
            }),
            ("__contains__", |vm, a| {
                let l = dq_items(vm, &a)?;
                Ok(Value::Bool(vm.contains(&Value::List(l), &arg(&a, 1))?))
            }),
            ("__eq__", |vm, a| {
                let l = dq_items(vm, &a)?;
                let other = arg(&a, 1);
                let Value::Instance(o) = &other else {
                    return Ok(Value::NotImplemented);
                };
                match o.get("_items") {
                    Some(ol) if o.class.name == "deque" => {
                        Ok(Value::Bool(vm.eq(&Value::List(l), &ol)?))
                    }
                    _ => Ok(Value::NotImplemented),
                }
            }),
            ("__repr__", |vm, a| {
                let l = dq_items(vm, &a)?;
                let inner = vm.repr(&Value::List(l))?;
                Ok(Value::string(match slot(vm, &a, "maxlen")? {
                    Value::Int(m) => format!("deque({}, maxlen={})", inner, m),
                    _ => format!("deque({})", inner),
                }))
            }),
        ],
    );
    let d = new_instance(cls);
    let items = match ai(&a, 0, "iterable") {
        None | Some(Value::None) => Vec::new(),
        Some(v) => vm.collect(v)?,
    };
    let maxlen = match ai(&a, 1, "maxlen") {
        None | Some(Value::None) => Value::None,
        Some(v) => {
            let n = vm.to_index(&v)?;
            if n < 0 {
                return Err(vm.value_error("maxlen must be non-negative"));
            }
            Value::Int(n)
        }
    };
    let l = Rc::new(RefCell::new(items));
    d.set("_items", Value::List(l.clone()));
    d.set("maxlen", maxlen);
    let args = Args::new(vec![Value::Instance(d.clone())]);
    dq_trim(vm, &args, &l, false)?;
    method(&d, "append", |vm, a| {
        let l = dq_items(vm, &a)?;
        l.borrow_mut().push(arg(&a, 1));
        dq_trim(vm, &a, &l, false)?;
        Ok(Value::None)
    });
    method(&d, "appendleft", |vm, a| {
        let l = dq_items(vm, &a)?;
        l.borrow_mut().insert(0, arg(&a, 1));
        dq_trim(vm, &a, &l, true)?;
        Ok(Value::None)
    });
    method(&d, "extend", |vm, a| {
        let l = dq_items(vm, &a)?;
        let more = vm.collect(arg(&a, 1))?;
        l.borrow_mut().extend(more);
        dq_trim(vm, &a, &l, false)?;
        Ok(Value::None)
    });
    method(&d, "extendleft", |vm, a| {
        let l = dq_items(vm, &a)?;
        let more = vm.collect(arg(&a, 1))?;
        for v in more {
            l.borrow_mut().insert(0, v);
        }
        dq_trim(vm, &a, &l, true)?;
        Ok(Value::None)
    });
    method(&d, "pop", |vm, a| {
        let l = dq_items(vm, &a)?;
        let v = l.borrow_mut().pop();
        v.ok_or_else(|| vm.new_exc("IndexError", "pop from an empty deque"))
    });
    method(&d, "popleft", |vm, a| {
        let l = dq_items(vm, &a)?;
        let mut b = l.borrow_mut();
        if b.is_empty() {
            drop(b);
            return Err(vm.new_exc("IndexError", "pop from an empty deque"));
        }
        Ok(b.remove(0))
    });
    method(&d, "rotate", |vm, a| {
        let l = dq_items(vm, &a)?;
        let n = match a.pos.get(1) {
            Some(v) => vm.to_index(v)?,
            None => 1,
        };
        let mut b = l.borrow_mut();
        let len = b.len() as i64;
        if len > 0 {
            let k = n.rem_euclid(len) as usize;
            b.rotate_right(k);
        }
        Ok(Value::None)
    });
    method(&d, "clear", |vm, a| {
        dq_items(vm, &a)?.borrow_mut().clear();
        Ok(Value::None)
    });
    method(&d, "reverse", |vm, a| {
        dq_items(vm, &a)?.borrow_mut().reverse();
        Ok(Value::None)
    });
    method(&d, "copy", |vm, a| {
        let l = dq_items(vm, &a)?;
        let items = Value::list(l.borrow().clone());
        let maxlen = slot(vm, &a, "maxlen")?;
        new_deque(vm, Args::new(vec![items, maxlen]))
    });
    for name in ["count", "index", "remove"] {
        let f: NativeImpl = match name {
            "count" => |vm, a| {
                let l = dq_items(vm, &a)?;
                crate::types::call_native_method(
                    vm,
                    &Value::List(l),
                    "count",
                    Args::new(a.pos[1..].to_vec()),
                )
            },
            "index" => |vm, a| {
                let l = dq_items(vm, &a)?;
                crate::types::call_native_method(
                    vm,
                    &Value::List(l),
                    "index",
                    Args::new(a.pos[1..].to_vec()),
                )
            },
            _ => |vm, a| {
                let l = dq_items(vm, &a)?;
                crate::types::call_native_method(
                    vm,
                    &Value::List(l),
                    "remove",
                    Args::new(a.pos[1..].to_vec()),
                )
            },
        };
        let bound = Value::BoundMethod(Rc::new(crate::types::function::BoundMethod {
            func: native_value(name, f),
            self_: Value::Instance(d.clone()),
        }));
        d.set(name, bound);
    }
    Ok(Value::Instance(d))
}

// ---- dict wrappers: defaultdict, OrderedDict, Counter ----

fn inner(vm: &mut Vm, a: &Args) -> PyResult<Rc<RefCell<Dict>>> {
    match slot(vm, a, "_d")? {
        Value::Dict(d) => Ok(d),
        _ => Err(vm.type_error("bad mapping".into())),
    }
}

fn kind_of(a: &Args) -> String {
    match a.pos.first() {
        Some(Value::Instance(i)) => i.class.name.clone(),
        _ => String::new(),
    }
}

fn counter_sorted(vm: &mut Vm, d: &Rc<RefCell<Dict>>) -> PyResult<Vec<(Value, Value)>> {
    let items = d.borrow().items();
    // stable sort by count, descending (insertion order among equals)
    let mut idx: Vec<usize> = (0..items.len()).collect();
    let mut err = None;
    let mut cmp_pairs = Vec::new();
    for (i, (_, v)) in items.iter().enumerate() {
        cmp_pairs.push((i, v.clone()));
    }
    // insertion sort with the VM's comparison (small counters)
    for i in 1..idx.len() {
        let mut j = i;
        while j > 0 {
            let (a, b) = (&items[idx[j - 1]].1, &items[idx[j]].1);
            match vm.lt(a, b) {
                Ok(true) => {
                    idx.swap(j - 1, j);
                    j -= 1;
                }
                Ok(false) => break,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
    }
    if let Some(e) = err {
        return Err(e);
    }
    Ok(idx.into_iter().map(|i| items[i].clone()).collect())
}

fn mapping_repr(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let d = inner(vm, &a)?;
    let kind = kind_of(&a);
    let empty = d.borrow().is_empty();
    let body = vm.repr(&Value::Dict(d.clone()))?;
    Ok(Value::string(match kind.as_str() {
        "defaultdict" => {
            let f = slot(vm, &a, "default_factory")?;
            let fr = vm.repr(&f)?;
            format!("defaultdict({}, {})", fr, body)
        }
        "Counter" => {
            if empty {
                "Counter()".into()
            } else {
                let items = counter_sorted(vm, &d)?;
                let mut parts = Vec::new();
                for (k, v) in items {
                    parts.push(format!("{}: {}", vm.repr(&k)?, vm.repr(&v)?));
                }
                format!("Counter({{{}}})", parts.join(", "))
            }
        }
        _ => {
            if empty {
                format!("{}()", kind)
            } else if vm.version.at_least(3, 12) {
                format!("{}({})", kind, body)
            } else {
                let items = Value::list(
                    d.borrow()
                        .items()
                        .into_iter()
                        .map(|(k, v)| Value::tuple(vec![k, v]))
                        .collect(),
                );
                format!("{}({})", kind, vm.repr(&items)?)
            }
        }
    }))
}

fn mapping_getitem(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let d = inner(vm, &a)?;
    let key = arg(&a, 1);
    if let Some(v) = vm.dict_get(&d, &key)? {
        return Ok(v);
    }
    match kind_of(&a).as_str() {
        "Counter" => Ok(Value::Int(0)),
        "defaultdict" => {
            let f = slot(vm, &a, "default_factory")?;
            if f.is_none() {
                return Err(vm.key_error(key));
            }
            let v = vm.call(&f, Vec::new(), Vec::new())?;
            vm.dict_set(&d, key, v.clone())?;
            Ok(v)
        }
        _ => Err(vm.key_error(key)),
    }
}

fn counter_update(vm: &mut Vm, d: &Rc<RefCell<Dict>>, src: &Value, sign: i64) -> PyResult<()> {
    let pairs: Vec<(Value, Value)> = match src {
        Value::None => return Ok(()),
        Value::Dict(s) => s.borrow().items(),
        Value::Instance(i) if matches!(i.get("_d"), Some(Value::Dict(_))) => match i.get("_d") {
            Some(Value::Dict(s)) => s.borrow().items(),
            _ => Vec::new(),
        },
        other => vm
            .collect(other.clone())?
            .into_iter()
            .map(|k| (k, Value::Int(1)))
            .collect(),
    };
    for (k, n) in pairs {
        let cur = vm.dict_get(d, &k)?.unwrap_or(Value::Int(0));
        let new = if sign > 0 {
            vm.binary_op(BinOp::Add, &cur, &n)?
        } else {
            vm.binary_op(BinOp::Sub, &cur, &n)?
        };
        vm.dict_set(d, k, new)?;
    }
    Ok(())
}

fn new_mapping(
    vm: &mut Vm,
    kind: &'static str,
    factory: Value,
    src: Value,
    kw: Vec<(String, Value)>,
) -> PyResult<Value> {
    let cls = native_class(vm, "collections", kind);
    set_dunders(
        &cls,
        &[
            ("__getitem__", mapping_getitem),
            ("__setitem__", |vm, a| {
                let d = inner(vm, &a)?;
                vm.dict_set(&d, arg(&a, 1), arg(&a, 2))?;
                Ok(Value::None)
            }),
            ("__delitem__", |vm, a| {
                let d = inner(vm, &a)?;
                let k = arg(&a, 1);
                match vm.dict_del(&d, &k)? {
                    Some(_) => Ok(Value::None),
                    None if kind_of(&a) == "Counter" => Ok(Value::None),
                    None => Err(vm.key_error(k)),
                }
            }),
            ("__len__", |vm, a| {
                Ok(Value::Int(inner(vm, &a)?.borrow().len() as i64))
            }),
            ("__iter__", |vm, a| {
                let d = inner(vm, &a)?;
                vm.iter(&Value::Dict(d))
            }),
            ("__contains__", |vm, a| {
                let d = inner(vm, &a)?;
                Ok(Value::Bool(vm.contains(&Value::Dict(d), &arg(&a, 1))?))
            }),
            ("__eq__", |vm, a| {
                let d = inner(vm, &a)?;
                let other = match arg(&a, 1) {
                    Value::Instance(o) => match o.get("_d") {
                        Some(v) => v,
                        None => return Ok(Value::NotImplemented),
                    },
                    v @ Value::Dict(_) => v,
                    _ => return Ok(Value::NotImplemented),
                };
                let eq = vm.eq(&Value::Dict(d.clone()), &other)?;
                if eq && kind_of(&a) == "OrderedDict" {
                    if let (Value::Instance(o), Value::Dict(od)) = (arg(&a, 1), &other) {
                        if o.class.name == "OrderedDict" {
                            let (k1, k2) = (d.borrow().keys(), od.borrow().keys());
                            for (x, y) in k1.iter().zip(k2.iter()) {
                                if !vm.eq(x, y)? {
                                    return Ok(Value::Bool(false));
                                }
                            }
                        }
                    }
                }
                Ok(Value::Bool(eq))
            }),
            ("__repr__", mapping_repr),
        ],
    );
    let obj = new_instance(cls);
    let d = Rc::new(RefCell::new(Dict::new()));
    obj.set("_d", Value::Dict(d.clone()));
    if kind == "Counter" {
        counter_update(vm, &d, &src, 1)?;
        for (k, v) in kw {
            vm.dict_set(&d, Value::string(k), v)?;
        }
    } else {
        if !src.is_none() {
            let src = match &src {
                Value::Instance(i) => i.get("_d").unwrap_or(src.clone()),
                _ => src,
            };
            vm.dict_update(&d, &src)?;
        }
        for (k, v) in kw {
            vm.dict_set(&d, Value::string(k), v)?;
        }
    }
    if kind == "defaultdict" {
        obj.set("default_factory", factory);
    }
    let dv = Value::Dict(d.clone());
    for name in [
        "keys",
        "values",
        "items",
        "get",
        "pop",
        "setdefault",
        "clear",
        "popitem",
    ] {
        let m = vm.getattr(&dv, name)?;
        obj.set(name, m);
    }
    method(&obj, "copy", |vm, a| {
        let d = inner(vm, &a)?;
        let kind: &'static str = match kind_of(&a).as_str() {
            "defaultdict" => "defaultdict",
            "Counter" => "Counter",
            _ => "OrderedDict",
        };
        let f = slot(vm, &a, "default_factory").unwrap_or(Value::None);
        let copy = Value::Dict(Rc::new(RefCell::new(d.borrow().clone())));
        new_mapping(vm, kind, f, copy, Vec::new())
    });
    match kind {
        "Counter" => {
            method(&obj, "update", |vm, a| {
                let d = inner(vm, &a)?;
                counter_update(vm, &d, &arg(&a, 1), 1)?;
                for (k, v) in a.kw.clone() {
                    counter_update(vm, &d, &Value::Dict(Rc::new(RefCell::new(Dict::new()))), 1)?;
                    let cur = vm
                        .dict_get(&d, &Value::string(k.clone()))?
                        .unwrap_or(Value::Int(0));
                    let new = vm.binary_op(BinOp::Add, &cur, &v)?;
                    vm.dict_set(&d, Value::string(k), new)?;
                }
                Ok(Value::None)
            });
            method(&obj, "subtract", |vm, a| {
                let d = inner(vm, &a)?;
                counter_update(vm, &d, &arg(&a, 1), -1)?;
                Ok(Value::None)
            });
            method(&obj, "most_common", |vm, a| {
                let d = inner(vm, &a)?;
                let mut items = counter_sorted(vm, &d)?;
                if let Some(n) = a.pos.get(1).filter(|v| !v.is_none()) {
                    let n = vm.to_index(n)?.max(0) as usize;
                    items.truncate(n);
                }
                Ok(Value::list(
                    items
                        .into_iter()
                        .map(|(k, v)| Value::tuple(vec![k, v]))
                        .collect(),
                ))
            });
            method(&obj, "elements", |vm, a| {
                let d = inner(vm, &a)?;
                let mut out = Vec::new();
                for (k, v) in d.borrow().items() {
                    if let Value::Int(n) = v {
                        for _ in 0..n.max(0) {
                            out.push(k.clone());
                        }
                    }
                }
                vm.iter(&Value::list(out))
            });
            method(&obj, "total", |vm, a| {
                let d = inner(vm, &a)?;
                let mut t = Value::Int(0);
                for v in d.borrow().values() {
                    t = vm.binary_op(BinOp::Add, &t, &v)?;
                }
                Ok(t)
            });
        }
        _ => {
            method(&obj, "update", |vm, a| {
                let d = inner(vm, &a)?;
                let src = arg(&a, 1);
                if !src.is_none() {
                    let src = match &src {
                        Value::Instance(i) => i.get("_d").unwrap_or(src.clone()),
                        _ => src,
                    };
                    vm.dict_update(&d, &src)?;
                }
                for (k, v) in a.kw {
                    vm.dict_set(&d, Value::string(k), v)?;
                }
                Ok(Value::None)
            });
        }
    }
    if kind == "OrderedDict" {
        method(&obj, "move_to_end", |vm, a| {
            let d = inner(vm, &a)?;
            let key = arg(&a, 1);
            let last = match ai(&a, 2, "last") {
                Some(v) => vm.truthy(&v)?,
                None => true,
            };
            let Some(v) = vm.dict_del(&d, &key)? else {
                return Err(vm.key_error(key));
            };
            if last {
                vm.dict_set(&d, key, v)?;
            } else {
                let rest = d.borrow().items();
                d.borrow_mut().clear();
                vm.dict_set(&d, key, v)?;
                for (k, x) in rest {
                    vm.dict_set(&d, k, x)?;
                }
            }
            Ok(Value::None)
        });
        method(&obj, "popitem", |vm, a| {
            let d = inner(vm, &a)?;
            let last = match ai(&a, 1, "last") {
                Some(v) => vm.truthy(&v)?,
                None => true,
            };
            let items = d.borrow().items();
            let pick = if last {
                items.last().cloned()
            } else {
                items.first().cloned()
            };
            let Some((k, v)) = pick else {
                return Err(vm.key_error(Value::str("dictionary is empty")));
            };
            vm.dict_del(&d, &k)?;
            Ok(Value::tuple(vec![k, v]))
        });
    }
    Ok(Value::Instance(obj))
}

// ---- namedtuple ----

fn nt_fields(cls: &Rc<Class>) -> Vec<String> {
    match cls.lookup("_fields") {
        Some(Value::Tuple(t)) => t
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

fn nt_tuple(vm: &mut Vm, a: &Args) -> PyResult<Rc<Vec<Value>>> {
    match slot(vm, a, "_t")? {
        Value::Tuple(t) => Ok(t),
        _ => Err(vm.type_error("bad namedtuple".into())),
    }
}

fn nt_fill(
    vm: &mut Vm,
    obj: &Rc<Instance>,
    cls: &Rc<Class>,
    pos: Vec<Value>,
    kw: Vec<(String, Value)>,
) -> PyResult<()> {
    let fields = nt_fields(cls);
    // the generated __new__'s name, as each version reports it
    let tname = cls
        .mro()
        .iter()
        .find(|c| c.dict.borrow().contains_key("_fields"))
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let new = if vm.version.at_least(3, 10) {
        format!("{}.__new__", tname)
    } else if vm.version.at_least(3, 9) {
        "<lambda>".to_string()
    } else {
        "__new__".to_string()
    };
    let defaults = match cls.lookup("_field_defaults_list") {
        Some(Value::Tuple(t)) => t.to_vec(),
        _ => Vec::new(),
    };
    if pos.len() > fields.len() {
        return Err(vm.type_error(format!(
            "{}() takes {} positional arguments but {} were given",
            new,
            fields.len() + 1,
            pos.len() + 1
        )));
    }
    let mut vals: Vec<Option<Value>> = vec![None; fields.len()];
    for (i, v) in pos.into_iter().enumerate() {
        vals[i] = Some(v);
    }
    for (k, v) in kw {
        match fields.iter().position(|f| *f == k) {
            Some(i) => {
                if vals[i].is_some() {
                    return Err(vm.type_error(format!(
                        "{}() got multiple values for argument '{}'",
                        new, k
                    )));
                }
                vals[i] = Some(v);
            }
            None => {
                return Err(vm.type_error(format!(
                    "{}() got an unexpected keyword argument '{}'",
                    new, k
                )))
            }
        }
    }
    let first_default = fields.len() - defaults.len();
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for (i, v) in vals.into_iter().enumerate() {
        match v {
            Some(v) => out.push(v),
            None if i >= first_default => out.push(defaults[i - first_default].clone()),
            None => {
                missing.push(format!("'{}'", fields[i]));
                out.push(Value::None);
            }
        }
    }
    if !missing.is_empty() {
        let list = match missing.len() {
            1 => missing[0].clone(),
            n => format!("{} and {}", missing[..n - 1].join(", "), missing[n - 1]),
        };
        return Err(vm.type_error(format!(
            "{}() missing {} required positional argument{}: {}",
            new,
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            list
        )));
    }
    for (f, v) in fields.iter().zip(out.iter()) {
        obj.set(f, v.clone());
    }
    obj.set("_t", Value::tuple(out));
    method(obj, "_asdict", |vm, a| {
        let i = this(vm, &a)?;
        let t = nt_tuple(vm, &a)?;
        let d = Rc::new(RefCell::new(Dict::new()));
        for (f, v) in nt_fields(&i.class).into_iter().zip(t.iter()) {
            vm.dict_set(&d, Value::string(f), v.clone())?;
        }
        Ok(Value::Dict(d))
    });
    method(obj, "_replace", |vm, a| {
        let i = this(vm, &a)?;
        let t = nt_tuple(vm, &a)?;
        let fields = nt_fields(&i.class);
        let mut vals = t.to_vec();
        for (k, v) in a.kw {
            match fields.iter().position(|f| *f == k) {
                Some(p) => vals[p] = v,
                None => {
                    return Err(vm.value_error(&format!("Got unexpected field names: ['{}']", k)))
                }
            }
        }
        vm.call(&Value::Class(i.class.clone()), vals, Vec::new())
    });
    Ok(())
}

fn namedtuple(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let name = vm.str(&a0(&a))?;
    let fields: Vec<String> = match ai(&a, 1, "field_names").unwrap_or(Value::None) {
        Value::Str(s) => {
            s.s.replace(',', " ")
                .split_whitespace()
                .map(String::from)
                .collect()
        }
        other => {
            let items = vm.collect(other)?;
            let mut out = Vec::new();
            for it in items {
                out.push(vm.str(&it)?);
            }
            out
        }
    };
    for f in &fields {
        let ok = f
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && f.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !ok {
            return Err(vm.value_error(&format!(
                "Type names and field names must be valid identifiers: '{}'",
                f
            )));
        }
        if f.starts_with('_') {
            return Err(vm.value_error(&format!(
                "Field names cannot start with an underscore: '{}'",
                f
            )));
        }
    }
    let defaults = match a.kw_get("defaults").cloned() {
        None | Some(Value::None) => Vec::new(),
        Some(v) => vm.collect(v)?,
    };
    if defaults.len() > fields.len() {
        return Err(vm.type_error("Got more default values than field names".into()));
    }
    let module_name = match a.kw_get("module") {
        Some(Value::Str(s)) => s.s.clone(),
        _ => "__main__".to_string(),
    };
    let bases = vec![vm.class("object")];
    let mut dict = crate::types::class::AttrMap::default();
    dict.insert(
        "_fields".into(),
        Value::tuple(fields.iter().map(|f| Value::string(f.clone())).collect()),
    );
    dict.insert(
        "_field_defaults_list".into(),
        Value::tuple(defaults.clone()),
    );
    let fd = Rc::new(RefCell::new(Dict::new()));
    let first_default = fields.len() - defaults.len();
    for (f, v) in fields[first_default..].iter().zip(defaults.iter()) {
        vm.dict_set(&fd, Value::string(f.clone()), v.clone())?;
    }
    dict.insert("_field_defaults".into(), Value::Dict(fd));
    let dunders: &[(&str, NativeImpl)] = &[
        ("__init__", |vm, a| {
            let i = this(vm, &a)?;
            let cls = i.class.clone();
            nt_fill(vm, &i, &cls, a.pos[1..].to_vec(), a.kw)?;
            Ok(Value::None)
        }),
        ("__repr__", |vm, a| {
            let i = this(vm, &a)?;
            let t = nt_tuple(vm, &a)?;
            let mut parts = Vec::new();
            for (f, v) in nt_fields(&i.class).iter().zip(t.iter()) {
                parts.push(format!("{}={}", f, vm.repr(v)?));
            }
            let tname = i
                .class
                .mro()
                .iter()
                .find(|c| c.dict.borrow().contains_key("_fields"))
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let _ = tname;
            Ok(Value::string(format!(
                "{}({})",
                i.class.name,
                parts.join(", ")
            )))
        }),
        ("__getitem__", |vm, a| {
            let t = nt_tuple(vm, &a)?;
            vm.getitem(&Value::Tuple(t), &arg(&a, 1))
        }),
        ("__iter__", |vm, a| {
            let t = nt_tuple(vm, &a)?;
            vm.iter(&Value::Tuple(t))
        }),
        ("__len__", |vm, a| {
            Ok(Value::Int(nt_tuple(vm, &a)?.len() as i64))
        }),
        ("__contains__", |vm, a| {
            let t = nt_tuple(vm, &a)?;
            Ok(Value::Bool(vm.contains(&Value::Tuple(t), &arg(&a, 1))?))
        }),
        ("__hash__", |vm, a| {
            let t = nt_tuple(vm, &a)?;
            Ok(Value::Int(vm.hash(&Value::Tuple(t))?))
        }),
        ("__eq__", |vm, a| {
            let t = nt_tuple(vm, &a)?;
            let other = match arg(&a, 1) {
                Value::Instance(o) => match o.get("_t") {
                    Some(v) => v,
                    None => return Ok(Value::NotImplemented),
                },
                v @ Value::Tuple(_) => v,
                _ => return Ok(Value::NotImplemented),
            };
            Ok(Value::Bool(vm.eq(&Value::Tuple(t), &other)?))
        }),
        ("__lt__", |vm, a| {
            let t = nt_tuple(vm, &a)?;
            let other = match arg(&a, 1) {
                Value::Instance(o) => o.get("_t").unwrap_or(Value::None),
                v => v,
            };
            vm.compare(crate::lift::CmpOp::Lt, &Value::Tuple(t), &other)
        }),
        ("__add__", |vm, a| {
            let t = nt_tuple(vm, &a)?;
            vm.binary_op(BinOp::Add, &Value::Tuple(t), &arg(&a, 1))
        }),
    ];
    for (k, f) in dunders {
        dict.insert((*k).to_string(), native_value("method", *f));
    }
    dict.insert(
        "_make".into(),
        Value::ClassMethod(Rc::new(native_value("_make", |vm, a| {
            let items = vm.collect(arg(&a, 1))?;
            vm.call(&a0(&a), items, Vec::new())
        }))),
    );
    dict.insert("__module__".into(), Value::string(module_name.clone()));
    let cls = Class::new_native(&name, &module_name, bases, Kind::Object, false, dict);
    Ok(Value::Class(cls))
}

pub fn make_collections(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "collections");
    func(&m, "namedtuple", namedtuple);
    func(&m, "deque", new_deque);
    func(&m, "defaultdict", |vm, a| {
        let f = a0(&a);
        if !f.is_none()
            && !matches!(
                f,
                Value::Class(_)
                    | Value::Function(_)
                    | Value::Native(_)
                    | Value::BoundMethod(_)
                    | Value::Instance(_)
            )
        {
            return Err(vm.type_error("first argument must be callable or None".into()));
        }
        new_mapping(vm, "defaultdict", f, arg(&a, 1), a.kw)
    });
    func(&m, "OrderedDict", |vm, a| {
        new_mapping(vm, "OrderedDict", Value::None, a0(&a), a.kw)
    });
    func(&m, "Counter", |vm, a| {
        new_mapping(vm, "Counter", Value::None, a0(&a), a.kw)
    });
    m
}
