//! IMPORT_NAME, IMPORT_FROM, IMPORT_STAR: only the sandbox's native
//! modules can be imported (see [`crate::sandbox`]).

use crate::interp::{Frame, PyResult, Vm};
use crate::lift::Op;
use crate::value::Value;

use super::{name, peek, pop, popn, push};

/// `__import__(name)`: the top package when `top` (plain `import a.b`),
/// else the module `name` itself.
pub fn import_module(vm: &mut Vm, full: &str, top: bool) -> PyResult<Value> {
    let mut module = Value::None;
    let mut prefix = String::new();
    let mut first = Value::None;
    for (i, part) in full.split('.').enumerate() {
        if i > 0 {
            prefix.push('.');
        }
        prefix.push_str(part);
        module = match crate::sandbox::import(vm, &prefix)? {
            Some(m) => m,
            None => {
                return Err(vm.new_exc(
                    "ModuleNotFoundError",
                    &format!("No module named '{}'", prefix),
                ))
            }
        };
        if i == 0 {
            first = module.clone();
        }
    }
    Ok(if top { first } else { module })
}

pub fn exec(vm: &mut Vm, f: &mut Frame, op: &Op) -> PyResult<()> {
    match *op {
        Op::ImportName(i) => {
            let n = name(vm, f, i)?;
            let v = popn(vm, f, 2)?;
            let level = match &v[0] {
                Value::Int(l) => *l,
                _ => 0,
            };
            if level > 0 {
                return Err(vm.new_exc(
                    "ImportError",
                    "attempted relative import with no known parent package",
                ));
            }
            let from_empty = match &v[1] {
                Value::None => true,
                Value::Tuple(t) => t.is_empty(),
                Value::List(l) => l.borrow().is_empty(),
                _ => false,
            };
            let m = import_module(vm, &n, from_empty)?;
            push(vm, f, m)
        }
        Op::ImportFrom(i) => {
            let n = name(vm, f, i)?;
            let m = peek(vm, f, 1)?;
            let v = match vm.getattr(&m, &n) {
                Ok(v) => v,
                Err(crate::interp::Flow::Exc(_)) => {
                    let mname = match vm.getattr(&m, "__name__") {
                        Ok(Value::Str(s)) => s.s.clone(),
                        _ => "?".into(),
                    };
                    return Err(vm.new_exc(
                        "ImportError",
                        &format!(
                            "cannot import name '{}' from '{}' (unknown location)",
                            n, mname
                        ),
                    ));
                }
                Err(e) => return Err(e),
            };
            push(vm, f, v)
        }
        Op::ImportStar => {
            let m = pop(vm, f)?;
            let Value::Instance(inst) = &m else {
                return Ok(());
            };
            let names: Vec<String> = inst.attr_names();
            let target = f.names.clone().unwrap_or_else(|| f.globals.clone());
            for k in names {
                if k.starts_with('_') {
                    continue;
                }
                if let Some(v) = inst.get(&k) {
                    vm.dict_set(&target, Value::string(k), v)?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
