//! Functions (Python and native), bound methods, and argument binding.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::code::CodeObj;
use crate::interp::{Args, PyResult, Vm};
use crate::types::dict::Dict;
use crate::value::{Cell, Value};

#[derive(Clone)]
pub struct Function {
    pub code: Rc<CodeObj>,
    pub globals: Rc<RefCell<Dict>>,
    pub name: String,
    pub qualname: String,
    pub defaults: Vec<Value>,
    /// Keyword-only defaults, by name.
    pub kwdefaults: Vec<(String, Value)>,
    pub closure: Vec<Cell>,
    pub annotations: Option<Value>,
    pub attrs: RefCell<HashMap<String, Value>>,
}

pub type NativeImpl = fn(&mut Vm, Args) -> PyResult<Value>;

pub struct NativeFn {
    pub name: &'static str,
    pub f: NativeImpl,
}

/// A method of a builtin type: unbound (`self_` is `None`, as `LOAD_METHOD`
/// leaves it with the object beside it) or bound.
pub struct NativeMethod {
    pub self_: Option<Value>,
    pub type_name: &'static str,
    pub name: String,
}

pub struct BoundMethod {
    pub func: Value,
    pub self_: Value,
}

impl Function {
    /// Binds call arguments to the fast locals of a new frame, as CPython's
    /// `initialize_locals` does. Returns the locals (length `nlocalsplus`).
    pub fn bind(
        &self,
        vm: &mut Vm,
        mut pos: Vec<Value>,
        kw: Vec<(String, Value)>,
    ) -> PyResult<Vec<Option<Value>>> {
        let code = &self.code;
        let argc = code.argcount as usize;
        let kwonly = code.kwonlyargcount as usize;
        let posonly = code.posonlyargcount as usize;
        let has_varargs = code.flags & 0x04 != 0;
        let has_varkw = code.flags & 0x08 != 0;
        let mut locals = crate::interp::frame::pooled_locals(code.nlocalsplus());
        locals.resize(code.nlocalsplus(), None);
        let total = argc + kwonly;
        let fname = &self.qualname;
        if locals.len() < total + has_varargs as usize + has_varkw as usize {
            return Err(vm.fatal(format!(
                "code object {} has inconsistent argument counts",
                self.name
            )));
        }
        let extra: Vec<Value> = if pos.len() > argc {
            pos.split_off(argc)
        } else {
            Vec::new()
        };
        let npos = pos.len();
        for (i, v) in pos.into_iter().enumerate() {
            locals[i] = Some(v);
        }
        if has_varargs {
            locals[total] = Some(Value::tuple(extra));
        } else if !extra.is_empty() {
            let given = npos + extra.len();
            let msg = if self.defaults.is_empty() {
                format!(
                    "{}() takes {} positional argument{} but {} {} given",
                    fname,
                    argc,
                    if argc == 1 { "" } else { "s" },
                    given,
                    if given == 1 { "was" } else { "were" }
                )
            } else {
                format!(
                    "{}() takes from {} to {} positional arguments but {} were given",
                    fname,
                    argc - self.defaults.len(),
                    argc,
                    given
                )
            };
            return Err(vm.type_error(msg));
        }
        let varkw_slot = total + has_varargs as usize;
        let kwdict = if has_varkw {
            Some(Rc::new(RefCell::new(Dict::new())))
        } else {
            None
        };
        for (name, v) in kw {
            let idx = (posonly..total).find(|&i| code.localsplus_names[i] == name);
            match idx {
                Some(i) => {
                    if locals[i].is_some() {
                        return Err(vm.type_error(format!(
                            "{}() got multiple values for argument '{}'",
                            fname, name
                        )));
                    }
                    locals[i] = Some(v);
                }
                None => match &kwdict {
                    Some(d) => vm.dict_set(d, Value::str(&name), v)?,
                    None => {
                        return Err(vm.type_error(format!(
                            "{}() got an unexpected keyword argument '{}'",
                            fname, name
                        )))
                    }
                },
            }
        }
        if let Some(d) = kwdict {
            locals[varkw_slot] = Some(Value::Dict(d));
        }
        let first_default = argc.saturating_sub(self.defaults.len());
        let mut missing = Vec::new();
        for (i, slot) in locals.iter_mut().enumerate().take(argc) {
            if slot.is_none() {
                if i >= first_default {
                    *slot = Some(self.defaults[i - first_default].clone());
                } else {
                    missing.push(code.localsplus_names[i].clone());
                }
            }
        }
        if !missing.is_empty() {
            return Err(vm.type_error(missing_message(fname, "positional", &missing)));
        }
        for i in argc..total {
            if locals[i].is_none() {
                let name = &code.localsplus_names[i];
                match self.kwdefaults.iter().find(|(k, _)| k == name) {
                    Some((_, v)) => locals[i] = Some(v.clone()),
                    None => missing.push(name.clone()),
                }
            }
        }
        if !missing.is_empty() {
            return Err(vm.type_error(missing_message(fname, "keyword-only", &missing)));
        }
        Ok(locals)
    }
}

fn missing_message(fname: &str, kind: &str, names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{}'", n)).collect();
    let list = match quoted.len() {
        1 => quoted[0].clone(),
        2 => format!("{} and {}", quoted[0], quoted[1]),
        n => format!("{}, and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    };
    format!(
        "{}() missing {} required {} argument{}: {}",
        fname,
        names.len(),
        kind,
        if names.len() == 1 { "" } else { "s" },
        list
    )
}
