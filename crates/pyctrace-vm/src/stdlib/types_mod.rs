//! `types`: the VM's builtin classes under their `types` names
//! (`FunctionType` is `function`, ...), `SimpleNamespace` and a read-only
//! `MappingProxyType` view.

use std::cell::RefCell;
use std::rc::Rc;

use crate::interp::{PyResult, Vm};
use crate::sandbox::{a0, func, method, module, native_class, native_value, new_instance};
use crate::types::class::{Class, Instance, Kind};
use crate::value::Value;

fn namespace_class(vm: &mut Vm) -> Rc<Class> {
    if let Some(c) = vm.sandbox.classes.get("types.SimpleNamespace") {
        return c.clone();
    }
    let bases = vec![vm.class("object")];
    let mut dict = crate::types::class::AttrMap::default();
    dict.insert(
        "__init__".to_string(),
        native_value("__init__", |vm, a| {
            let Some(Value::Instance(this)) = a.pos.first().cloned() else {
                return Err(vm.type_error("SimpleNamespace.__init__ needs an instance".into()));
            };
            if a.pos.len() > 1 {
                if !vm.version.at_least(3, 13) {
                    return Err(vm.type_error("no positional arguments expected".into()));
                }
                if a.pos.len() > 2 {
                    return Err(vm.type_error(format!(
                        "SimpleNamespace expected at most 1 argument, got {}",
                        a.pos.len() - 1
                    )));
                }
                let d = Rc::new(RefCell::new(crate::types::dict::Dict::new()));
                vm.dict_update(&d, &a.pos[1])?;
                for (k, v) in d.borrow().items() {
                    match &k {
                        Value::Str(s) => this.set(&s.s, v),
                        other => {
                            let t = vm.type_name(other);
                            return Err(
                                vm.type_error(format!("keywords must be strings, not '{}'", t))
                            );
                        }
                    }
                }
            }
            for (k, v) in a.kw {
                this.set(&k, v);
            }
            Ok(Value::None)
        }),
    );
    dict.insert(
        "__repr__".to_string(),
        native_value("__repr__", |vm, a| {
            let Value::Instance(this) = a0(&a) else {
                return Ok(Value::str("namespace()"));
            };
            let mut names = this.attr_names();
            if !vm.version.at_least(3, 9) {
                names.sort();
            }
            let mut parts = Vec::new();
            for n in names {
                if let Some(v) = this.get(&n) {
                    parts.push(format!("{}={}", n, vm.repr(&v)?));
                }
            }
            let name = if this.class.name == "SimpleNamespace" {
                "namespace".to_string()
            } else {
                this.class.name.clone()
            };
            Ok(Value::string(format!("{}({})", name, parts.join(", "))))
        }),
    );
    dict.insert(
        "__eq__".to_string(),
        native_value("__eq__", |vm, a| {
            let (Some(Value::Instance(x)), Some(Value::Instance(y))) =
                (a.pos.first(), a.pos.get(1))
            else {
                return Ok(Value::NotImplemented);
            };
            let ns = namespace_class(vm);
            if !x.class.is_subclass(&ns) || !y.class.is_subclass(&ns) {
                return Ok(Value::NotImplemented);
            }
            // through the attribute API: once `__dict__` was asked for, the
            // attributes live in the shared dict
            let (nx, ny) = (x.attr_names(), y.attr_names());
            if nx.len() != ny.len() {
                return Ok(Value::Bool(false));
            }
            for k in nx {
                let Some(v) = x.get(&k) else { continue };
                match y.get(&k) {
                    Some(w) if v.is(&w) || vm.eq(&v, &w)? => {}
                    _ => return Ok(Value::Bool(false)),
                }
            }
            Ok(Value::Bool(true))
        }),
    );
    let c = Class::new_native("SimpleNamespace", "types", bases, Kind::Object, false, dict);
    vm.sandbox
        .classes
        .insert("types.SimpleNamespace", c.clone());
    c
}

fn mapping_of(v: &Value) -> Value {
    match v {
        Value::Instance(i) => i.get("\0mapping").unwrap_or(Value::None),
        other => other.clone(),
    }
}

fn proxy_class(vm: &mut Vm) -> Rc<Class> {
    let fresh = !vm.sandbox.classes.contains_key("mappingproxy");
    let cls = native_class(vm, "builtins", "mappingproxy");
    if fresh {
        let mut d = cls.dict.borrow_mut();
        d.insert(
            "__getitem__".into(),
            native_value("__getitem__", |vm, a| {
                let m = mapping_of(&a0(&a));
                vm.getitem(&m, &a.pos.get(1).cloned().unwrap_or(Value::None))
            }),
        );
        d.insert(
            "__len__".into(),
            native_value("__len__", |vm, a| {
                Ok(Value::Int(vm.len(&mapping_of(&a0(&a)))? as i64))
            }),
        );
        d.insert(
            "__iter__".into(),
            native_value("__iter__", |vm, a| vm.iter(&mapping_of(&a0(&a)))),
        );
        d.insert(
            "__contains__".into(),
            native_value("__contains__", |vm, a| {
                let m = mapping_of(&a0(&a));
                let r = vm.contains(&m, &a.pos.get(1).cloned().unwrap_or(Value::None))?;
                Ok(Value::Bool(r))
            }),
        );
        d.insert(
            "__repr__".into(),
            native_value("__repr__", |vm, a| {
                Ok(Value::string(vm.repr(&mapping_of(&a0(&a)))?))
            }),
        );
        d.insert(
            "__eq__".into(),
            native_value("__eq__", |vm, a| {
                let m = mapping_of(&a0(&a));
                let other = mapping_of(&a.pos.get(1).cloned().unwrap_or(Value::None));
                Ok(Value::Bool(vm.eq(&m, &other)?))
            }),
        );
    }
    cls
}

/// `mapping.name(*args)`
fn delegate(vm: &mut Vm, mapping: &Value, name: &str, args: &[Value]) -> PyResult<Value> {
    let f = vm.getattr(mapping, name)?;
    vm.call(&f, args.to_vec(), Vec::new())
}

fn make_proxy(vm: &mut Vm, mapping: Value) -> PyResult<Value> {
    if !matches!(mapping, Value::Dict(_) | Value::Instance(_)) {
        let t = vm.type_name(&mapping);
        return Err(vm.type_error(format!(
            "mappingproxy() argument must be a mapping, not {}",
            t
        )));
    }
    let cls = proxy_class(vm);
    let obj = new_instance(cls);
    obj.set("\0mapping", mapping);
    method(&obj, "keys", |vm, a| {
        let m = mapping_of(&a0(&a));
        delegate(vm, &m, "keys", a.pos.get(1..).unwrap_or(&[]))
    });
    method(&obj, "values", |vm, a| {
        let m = mapping_of(&a0(&a));
        delegate(vm, &m, "values", a.pos.get(1..).unwrap_or(&[]))
    });
    method(&obj, "items", |vm, a| {
        let m = mapping_of(&a0(&a));
        delegate(vm, &m, "items", a.pos.get(1..).unwrap_or(&[]))
    });
    method(&obj, "get", |vm, a| {
        let m = mapping_of(&a0(&a));
        delegate(vm, &m, "get", a.pos.get(1..).unwrap_or(&[]))
    });
    method(&obj, "copy", |vm, a| {
        let m = mapping_of(&a0(&a));
        delegate(vm, &m, "copy", &[])
    });
    Ok(Value::Instance(obj))
}

pub fn make_types(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "types");
    for (name, cls) in [
        ("FunctionType", "function"),
        ("LambdaType", "function"),
        ("CodeType", "code"),
        ("MethodType", "method"),
        ("BuiltinFunctionType", "builtin_function_or_method"),
        ("BuiltinMethodType", "builtin_function_or_method"),
        ("GeneratorType", "generator"),
        ("CellType", "cell"),
    ] {
        m.set(name, Value::Class(vm.class(cls)));
    }
    if vm.version.at_least(3, 10) {
        m.set("NoneType", Value::Class(vm.class("NoneType")));
        m.set("EllipsisType", Value::Class(vm.class("ellipsis")));
        m.set(
            "NotImplementedType",
            Value::Class(vm.class("NotImplementedType")),
        );
    }
    let module_cls = native_class(vm, "builtins", "module");
    m.set("ModuleType", Value::Class(module_cls));
    let ns = namespace_class(vm);
    m.set("SimpleNamespace", Value::Class(ns));
    func(&m, "MappingProxyType", |vm, a| make_proxy(vm, a0(&a)));
    func(&m, "new_class", |vm, _| {
        Err(vm.unsupported("types.new_class"))
    });
    m
}
