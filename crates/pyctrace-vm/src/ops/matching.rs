//! Structural pattern matching (`match`, 3.10+): MATCH_CLASS,
//! MATCH_MAPPING, MATCH_SEQUENCE, MATCH_KEYS, GET_LEN and 3.10's
//! COPY_DICT_WITHOUT_KEYS. The rest of a `match` is ordinary bytecode.

use std::cell::RefCell;
use std::rc::Rc;

use super::{peek, pop, push};
use crate::interp::{Flow, Frame, PyResult, Vm};
use crate::lift::Op;
use crate::types::class::{Class, Kind};
use crate::types::dict::Dict;
use crate::value::Value;

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::MatchClass { count, push_bool } => {
            let names = pop(vm, f)?;
            let cls = pop(vm, f)?;
            let subject = pop(vm, f)?;
            let attrs = match_class(vm, &subject, &cls, count as usize, &names)?;
            if push_bool {
                let ok = attrs.is_some();
                push(vm, f, attrs.unwrap_or(subject))?;
                push(vm, f, Value::Bool(ok))
            } else {
                push(vm, f, attrs.unwrap_or(Value::None))
            }
        }
        Op::MatchMapping => {
            let subject = peek(vm, f, 1)?;
            push(vm, f, Value::Bool(is_mapping(&subject)))
        }
        Op::MatchSequence => {
            let subject = peek(vm, f, 1)?;
            push(vm, f, Value::Bool(is_sequence(&subject)))
        }
        Op::MatchKeys { push_bool } => {
            let keys = peek(vm, f, 1)?;
            let subject = peek(vm, f, 2)?;
            let values = match_keys(vm, &subject, &keys)?;
            let ok = values.is_some();
            push(vm, f, values.unwrap_or(Value::None))?;
            if push_bool {
                push(vm, f, Value::Bool(ok))?;
            }
            Ok(())
        }
        Op::GetLen => {
            let subject = peek(vm, f, 1)?;
            let n = vm.len(&subject)?;
            push(vm, f, Value::Int(n as i64))
        }
        Op::CopyDictWithoutKeys => {
            let keys = pop(vm, f)?;
            let subject = peek(vm, f, 1)?;
            let rest = Rc::new(RefCell::new(Dict::new()));
            vm.dict_update(&rest, &subject)?;
            for k in vm.collect(keys)? {
                if vm.dict_del(&rest, &k)?.is_none() {
                    return Err(vm.key_error(k));
                }
            }
            push(vm, f, Value::Dict(rest))
        }
        _ => Ok(()),
    }
}

/// A class from the `collections` module emulated natively.
fn collections_class(v: &Value, names: &[&str]) -> bool {
    match v {
        Value::Instance(i) => {
            i.class.mro().iter().any(|c| {
                c.module == "collections" && c.is_builtin && names.contains(&c.name.as_str())
            })
        }
        _ => false,
    }
}

/// `Py_TPFLAGS_SEQUENCE`: list, tuple, range and their subclasses, deque,
/// namedtuple classes; never str or bytes.
pub fn is_sequence(v: &Value) -> bool {
    match v {
        Value::List(_) | Value::Tuple(_) | Value::Range(_) => true,
        Value::Instance(i) => {
            matches!(i.class.kind, Kind::List | Kind::Tuple)
                || collections_class(v, &["deque"])
                || i.class.lookup("_fields").is_some() && i.get("_t").is_some()
        }
        _ => false,
    }
}

/// `Py_TPFLAGS_MAPPING`: dict, its subclasses and the dict-like
/// `collections` classes.
pub fn is_mapping(v: &Value) -> bool {
    match v {
        Value::Dict(_) => true,
        Value::Instance(i) => {
            i.class.kind == Kind::Dict
                || collections_class(v, &["defaultdict", "OrderedDict", "Counter"])
        }
        _ => false,
    }
}

/// The values of `keys` in `subject` (through its `get` method, so
/// `__missing__` is not consulted), or None if one is missing.
fn match_keys(vm: &mut Vm, subject: &Value, keys: &Value) -> PyResult<Option<Value>> {
    let keys = match keys {
        Value::Tuple(t) => t.clone(),
        _ => return Err(vm.fatal("MATCH_KEYS without a key tuple".into())),
    };
    if keys.is_empty() {
        return Ok(Some(Value::tuple(Vec::new())));
    }
    let get = vm.getattr(subject, "get")?;
    let dummy = Value::Instance(crate::sandbox::new_instance(vm.class("object")));
    let mut seen: Vec<Value> = Vec::with_capacity(keys.len());
    let mut values = Vec::with_capacity(keys.len());
    for k in keys.iter() {
        vm.hash(k)?;
        for s in &seen {
            if vm.eq(s, k)? {
                let r = vm.repr(k)?;
                return Err(
                    vm.value_error(&format!("mapping pattern checks duplicate key ({})", r))
                );
            }
        }
        seen.push(k.clone());
        let v = vm.call(&get, vec![k.clone(), dummy.clone()], Vec::new())?;
        if v.is(&dummy) {
            return Ok(None);
        }
        values.push(v);
    }
    Ok(Some(Value::tuple(values)))
}

/// Builtin types whose class pattern matches the subject itself
/// (`_Py_TPFLAGS_MATCH_SELF`, inherited by subclasses).
fn matches_self(c: &Rc<Class>) -> bool {
    matches!(
        c.kind,
        Kind::Bool
            | Kind::Bytes
            | Kind::Dict
            | Kind::Float
            | Kind::FrozenSet
            | Kind::Int
            | Kind::List
            | Kind::Set
            | Kind::Str
            | Kind::Tuple
    )
}

/// One attribute of a class pattern: None when missing (AttributeError).
fn match_attr(
    vm: &mut Vm,
    subject: &Value,
    cls: &Rc<Class>,
    name: &Value,
    seen: &mut Vec<String>,
) -> PyResult<Option<Value>> {
    let n = match name {
        Value::Str(s) => s.s.clone(),
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!(
                "__match_args__ elements must be strings (got {})",
                t
            )));
        }
    };
    if seen.contains(&n) {
        let r = vm.repr(name)?;
        return Err(vm.type_error(format!(
            "{}() got multiple sub-patterns for attribute {}",
            cls.name, r
        )));
    }
    seen.push(n.clone());
    match vm.getattr(subject, &n) {
        Ok(v) => Ok(Some(v)),
        Err(e) if vm.exc_matches_name(&e, "AttributeError") => Ok(None),
        Err(e) => Err(e),
    }
}

/// The attributes a class pattern `cls(<count positional>, **names)` takes
/// from `subject`, or None when it does not match.
fn match_class(
    vm: &mut Vm,
    subject: &Value,
    cls: &Value,
    count: usize,
    names: &Value,
) -> PyResult<Option<Value>> {
    let Value::Class(c) = cls else {
        let what = if vm.version.at_least(3, 12) {
            "class"
        } else {
            "type"
        };
        return Err(vm.type_error(format!("called match pattern must be a {}", what)));
    };
    if !vm.isinstance(subject, cls)? {
        return Ok(None);
    }
    let kw_names: Vec<Value> = match names {
        Value::Tuple(t) => t.to_vec(),
        _ => Vec::new(),
    };
    let mut seen = Vec::new();
    let mut attrs = Vec::with_capacity(count + kw_names.len());
    if count > 0 {
        let match_args = match vm.getattr(cls, "__match_args__") {
            Ok(Value::Tuple(t)) => Some(t),
            Ok(other) => {
                let t = vm.type_name(&other);
                return Err(vm.type_error(format!(
                    "{}.__match_args__ must be a tuple (got {})",
                    c.name, t
                )));
            }
            Err(e) if vm.exc_matches_name(&e, "AttributeError") => None,
            Err(e) => return Err(e),
        };
        let match_self = match_args.is_none() && matches_self(c);
        let allowed = match (&match_args, match_self) {
            (_, true) => 1,
            (Some(t), _) => t.len(),
            (None, _) => 0,
        };
        if allowed < count {
            return Err(vm.type_error(format!(
                "{}() accepts {} positional sub-pattern{} ({} given)",
                c.name,
                allowed,
                if allowed == 1 { "" } else { "s" },
                count
            )));
        }
        if match_self {
            attrs.push(subject.clone());
        } else if let Some(t) = match_args {
            for name in t.iter().take(count) {
                match match_attr(vm, subject, c, name, &mut seen)? {
                    Some(v) => attrs.push(v),
                    None => return Ok(None),
                }
            }
        }
    }
    for name in &kw_names {
        match match_attr(vm, subject, c, name, &mut seen)? {
            Some(v) => attrs.push(v),
            None => return Ok(None),
        }
    }
    Ok(Some(Value::tuple(attrs)))
}

#[allow(dead_code)]
fn _flow_is_used(_: Flow) {}
