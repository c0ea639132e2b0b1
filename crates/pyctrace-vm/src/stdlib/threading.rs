//! `threading`, sandboxed and single-threaded: enough for programs that
//! use threads for anti-debug timers and watchdogs.
//!
//! * `Thread.start()` runs the thread's `run()` to completion at once, on
//!   the one interpreter thread, as a new thread would run it: with the
//!   trace and profile functions of `threading.settrace`/`setprofile` (none
//!   by default) in place of the caller's, and with `current_thread()`
//!   naming it. `join()` then returns at once; `Timer` advances the
//!   virtual clock by its interval first (unless cancelled).
//! * Locks never block: acquiring a lock already held returns False
//!   instead of deadlocking (there is no other thread to release it).
//! * Up to 3.9 the hooks are the module globals `_trace_hook` and
//!   `_profile_hook` only; 3.10 adds `gettrace`/`getprofile`, 3.12
//!   `settrace_all_threads`/`setprofile_all_threads` (as in each
//!   version's `Lib/threading.py`).
//!
//! Methods of these classes are native functions in the class dicts; the
//! VM binds them to instances like Python functions (see
//! [`binds_natives`]), so programs may subclass `Thread` and call
//! `super().__init__()`.

use std::rc::Rc;

use crate::interp::{Args, PyResult, Vm};
use crate::sandbox::{a0, ai, func, module, native_value};
use crate::types::class::{Class, Instance, Kind};
use crate::types::function::NativeImpl;
use crate::value::Value;

/// Thread ident of the main thread (any stable number).
const MAIN_IDENT: i64 = 140_000_000_004_242;

/// Whether native functions found in `cls`'s MRO bind to instances (the
/// classes of this module).
pub fn binds_natives(cls: &Rc<Class>, attr: &Value) -> bool {
    cls.mro().iter().any(|c| {
        c.module == "threading" && !c.is_builtin && c.dict.borrow().values().any(|v| v.is(attr))
    })
}

fn class(
    vm: &mut Vm,
    name: &str,
    base: Option<Rc<Class>>,
    methods: &[(&'static str, NativeImpl)],
) -> Rc<Class> {
    let bases = vec![base.unwrap_or_else(|| vm.class("object"))];
    let mut dict = crate::types::class::AttrMap::default();
    let mut order = Vec::new();
    for (n, f) in methods {
        dict.insert(n.to_string(), native_value(n, *f));
        order.push(n.to_string());
    }
    let c = Class::new_native(name, "threading", bases, Kind::Object, false, dict);
    *c.dict_order.borrow_mut() = order;
    c
}

fn this(vm: &mut Vm, a: &Args) -> PyResult<Rc<Instance>> {
    match a.pos.first() {
        Some(Value::Instance(i)) => Ok(i.clone()),
        _ => Err(vm.type_error("descriptor needs a threading object".into())),
    }
}

fn module_of(vm: &mut Vm) -> Option<Rc<Instance>> {
    match vm.sandbox.modules.get("threading") {
        Some(Value::Instance(m)) => Some(m.clone()),
        _ => None,
    }
}

fn truthy_attr(i: &Instance, name: &str) -> bool {
    matches!(i.get(name), Some(Value::Bool(true)))
}

fn thread_repr(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let t = this(vm, &a)?;
    let name = match t.get("name") {
        Some(v) => vm.str(&v)?,
        None => String::new(),
    };
    let mut status = if truthy_attr(&t, "_started") {
        if truthy_attr(&t, "_stopped") {
            "stopped".to_string()
        } else {
            "started".to_string()
        }
    } else {
        "initial".to_string()
    };
    if truthy_attr(&t, "daemon") {
        status.push_str(" daemon");
    }
    if let Some(Value::Int(id)) = t.get("ident") {
        status.push_str(&format!(" {}", id));
    }
    Ok(Value::string(format!(
        "<{}({}, {})>",
        t.class.name, name, status
    )))
}

fn thread_init(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let t = this(vm, &a)?;
    let target = ai(&a, 2, "target").unwrap_or(Value::None);
    let name = ai(&a, 3, "name").unwrap_or(Value::None);
    let args = ai(&a, 4, "args").unwrap_or_else(|| Value::tuple(Vec::new()));
    let kwargs = ai(&a, 5, "kwargs").unwrap_or(Value::None);
    let daemon = ai(&a, 6, "daemon").unwrap_or(Value::None);
    let name = if name.is_none() {
        let m = module_of(vm);
        let n = match m.as_ref().and_then(|m| m.get("_counter")) {
            Some(Value::Int(n)) => n + 1,
            _ => 1,
        };
        if let Some(m) = &m {
            m.set("_counter", Value::Int(n));
        }
        let mut text = format!("Thread-{}", n);
        if vm.version.at_least(3, 10) && !target.is_none() {
            if let Ok(Value::Str(s)) = vm.getattr(&target, "__name__") {
                text.push_str(&format!(" ({})", s.s));
            }
        }
        Value::string(text)
    } else {
        Value::string(vm.str(&name)?)
    };
    t.set("name", name);
    t.set("_target", target);
    t.set("_args", args);
    t.set("_kwargs", kwargs);
    let daemon = match daemon {
        Value::None => Value::Bool(false),
        d => Value::Bool(vm.truthy(&d)?),
    };
    t.set("daemon", daemon);
    t.set("ident", Value::None);
    t.set("native_id", Value::None);
    t.set("_started", Value::Bool(false));
    t.set("_stopped", Value::Bool(false));
    Ok(Value::None)
}

fn thread_run(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let t = this(vm, &a)?;
    let target = t.get("_target").unwrap_or(Value::None);
    if target.is_none() {
        return Ok(Value::None);
    }
    let args = match t.get("_args") {
        Some(v) => vm.collect(v)?,
        None => Vec::new(),
    };
    let mut kw = Vec::new();
    if let Some(Value::Dict(d)) = t.get("_kwargs") {
        for (k, v) in d.borrow().items() {
            if let Value::Str(s) = k {
                kw.push((s.s.clone(), v));
            }
        }
    }
    vm.call(&target, args, kw)?;
    Ok(Value::None)
}

fn thread_start(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let t = this(vm, &a)?;
    if !t.dict.borrow().contains_key("_started") {
        return Err(vm.new_exc("RuntimeError", "thread.__init__() not called"));
    }
    if truthy_attr(&t, "_started") {
        return Err(vm.new_exc("RuntimeError", "threads can only be started once"));
    }
    let m = module_of(vm);
    let n = match m.as_ref().and_then(|m| m.get("_idents")) {
        Some(Value::Int(n)) => n + 1,
        _ => 1,
    };
    if let Some(m) = &m {
        m.set("_idents", Value::Int(n));
    }
    t.set("ident", Value::Int(MAIN_IDENT + 0x1000 * n));
    t.set("native_id", Value::Int(4242 + n));
    t.set("_started", Value::Bool(true));
    let me = Value::Instance(t.clone());
    // a new thread starts with threading's hooks, not the caller's
    let hook = |name: &str| {
        m.as_ref()
            .and_then(|m| m.get(name))
            .filter(|v| !v.is_none())
    };
    let (trace, profile) = (hook("_trace_hook"), hook("_profile_hook"));
    let saved_trace = vm.pytrace.trace.take();
    let saved_profile = vm.pytrace.profile.take();
    vm.set_program_trace(trace);
    vm.set_program_profile(profile);
    if let Some(Value::List(l)) = m.as_ref().and_then(|m| m.get("_running")) {
        l.borrow_mut().push(me.clone());
    }
    let r = match vm.getattr(&me, "run") {
        Ok(run) => vm.call(&run, Vec::new(), Vec::new()),
        Err(e) => Err(e),
    };
    if let Some(Value::List(l)) = m.as_ref().and_then(|m| m.get("_running")) {
        let mut l = l.borrow_mut();
        if let Some(p) = l.iter().rposition(|v| v.is(&me)) {
            l.remove(p);
        }
    }
    vm.set_program_trace(saved_trace);
    vm.set_program_profile(saved_profile);
    t.set("_stopped", Value::Bool(true));
    match r {
        Ok(_) => Ok(Value::None),
        Err(crate::interp::Flow::Exc(e)) => {
            // threading.excepthook: the traceback goes to stderr, the
            // starting thread goes on
            let name = match t.get("name") {
                Some(v) => vm.str(&v)?,
                None => String::new(),
            };
            let text = crate::protocol::format_exception(vm, &e);
            vm.io
                .write_stderr(&format!("Exception in thread {}:\n{}", name, text));
            Ok(Value::None)
        }
        Err(fatal) => Err(fatal),
    }
}

fn thread_is_alive(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let t = this(vm, &a)?;
    Ok(Value::Bool(
        truthy_attr(&t, "_started") && !truthy_attr(&t, "_stopped"),
    ))
}

fn current_thread(vm: &mut Vm, _: Args) -> PyResult<Value> {
    let m = module_of(vm);
    if let Some(Value::List(l)) = m.as_ref().and_then(|m| m.get("_running")) {
        if let Some(t) = l.borrow().last() {
            return Ok(t.clone());
        }
    }
    Ok(m.and_then(|m| m.get("_main_thread")).unwrap_or(Value::None))
}

fn lock_acquire(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let l = this(vm, &a)?;
    let count = match l.get("_count") {
        Some(Value::Int(n)) => n,
        _ => 0,
    };
    let reentrant = truthy_attr(&l, "_reentrant");
    if count > 0 && !reentrant {
        // held, and no other thread could ever release it
        let blocking = match ai(&a, 1, "blocking") {
            Some(b) => vm.truthy(&b)?,
            None => true,
        };
        if let Some(t) = ai(&a, 2, "timeout") {
            if let Ok(s) = crate::sandbox::float_of(vm, &t) {
                if s > 0.0 && blocking {
                    vm.sandbox.slept += s;
                }
            }
        }
        return Ok(Value::Bool(false));
    }
    l.set("_count", Value::Int(count + 1));
    Ok(Value::Bool(true))
}

fn lock_release(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let l = this(vm, &a)?;
    let count = match l.get("_count") {
        Some(Value::Int(n)) => n,
        _ => 0,
    };
    if count == 0 {
        let msg = if truthy_attr(&l, "_reentrant") {
            "cannot release un-acquired lock"
        } else {
            "release unlocked lock"
        };
        return Err(vm.new_exc("RuntimeError", msg));
    }
    l.set("_count", Value::Int(count - 1));
    Ok(Value::None)
}

fn lock_locked(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let l = this(vm, &a)?;
    Ok(Value::Bool(!matches!(
        l.get("_count"),
        Some(Value::Int(0)) | None
    )))
}

fn lock_exit(vm: &mut Vm, a: Args) -> PyResult<Value> {
    lock_release(vm, Args::new(vec![a0(&a)]))?;
    Ok(Value::Bool(false))
}

fn event_wait(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let e = this(vm, &a)?;
    let set = truthy_attr(&e, "_flag");
    if !set {
        if let Some(t) = ai(&a, 1, "timeout").filter(|t| !t.is_none()) {
            let s = crate::sandbox::float_of(vm, &t)?;
            if s > 0.0 {
                vm.sandbox.slept += s;
            }
        }
    }
    Ok(Value::Bool(set))
}

fn timer_run(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let t = this(vm, &a)?;
    if let Some(i) = t.get("interval") {
        let s = crate::sandbox::float_of(vm, &i)?;
        if s > 0.0 {
            vm.sandbox.slept += s;
        }
    }
    if truthy_attr(&t, "_cancelled") {
        return Ok(Value::None);
    }
    thread_run(vm, a)
}

/// Builds the module.
pub fn make_threading(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "threading");
    let thread_methods: &[(&'static str, NativeImpl)] = &[
        ("__init__", thread_init),
        ("__repr__", thread_repr),
        ("start", thread_start),
        ("run", thread_run),
        ("join", |_, _| Ok(Value::None)),
        ("is_alive", thread_is_alive),
        ("getName", |vm, a| {
            let t = this(vm, &a)?;
            Ok(t.get("name").unwrap_or(Value::None))
        }),
        ("setName", |vm, a| {
            let t = this(vm, &a)?;
            t.set("name", a.pos.get(1).cloned().unwrap_or(Value::None));
            Ok(Value::None)
        }),
        ("isDaemon", |vm, a| {
            let t = this(vm, &a)?;
            Ok(t.get("daemon").unwrap_or(Value::Bool(false)))
        }),
        ("setDaemon", |vm, a| {
            let t = this(vm, &a)?;
            let d = a.pos.get(1).cloned().unwrap_or(Value::None);
            let d = vm.truthy(&d)?;
            t.set("daemon", Value::Bool(d));
            Ok(Value::None)
        }),
    ];
    let thread = class(vm, "Thread", None, thread_methods);
    if !vm.version.at_least(3, 9) {
        thread
            .dict
            .borrow_mut()
            .insert("isAlive".into(), native_value("isAlive", thread_is_alive));
    }
    m.set("Thread", Value::Class(thread.clone()));
    let main_cls = class(vm, "_MainThread", Some(thread.clone()), &[]);
    let main = crate::sandbox::new_instance(main_cls);
    main.set("name", Value::str("MainThread"));
    main.set("_target", Value::None);
    main.set("daemon", Value::Bool(false));
    main.set("ident", Value::Int(MAIN_IDENT));
    main.set("native_id", Value::Int(4242));
    main.set("_started", Value::Bool(true));
    main.set("_stopped", Value::Bool(false));
    m.set("_main_thread", Value::Instance(main));
    m.set("_running", Value::list(Vec::new()));
    m.set("_counter", Value::Int(0));
    let timer = class(
        vm,
        "Timer",
        Some(thread),
        &[
            ("__init__", |vm, a| {
                let t = this(vm, &a)?;
                let target = ai(&a, 2, "function").unwrap_or(Value::None);
                let args = ai(&a, 3, "args").unwrap_or_else(|| Value::tuple(Vec::new()));
                let kwargs = ai(&a, 4, "kwargs").unwrap_or(Value::None);
                thread_init(vm, Args::new(vec![a0(&a)]))?;
                t.set("interval", ai(&a, 1, "interval").unwrap_or(Value::Int(0)));
                t.set("function", target.clone());
                t.set("_target", target);
                t.set("_args", args);
                t.set("_kwargs", kwargs);
                t.set("_cancelled", Value::Bool(false));
                Ok(Value::None)
            }),
            ("run", timer_run),
            ("cancel", |vm, a| {
                let t = this(vm, &a)?;
                t.set("_cancelled", Value::Bool(true));
                Ok(Value::None)
            }),
        ],
    );
    m.set("Timer", Value::Class(timer));
    let lock_methods: &[(&'static str, NativeImpl)] = &[
        ("acquire", lock_acquire),
        ("release", lock_release),
        ("locked", lock_locked),
        ("__enter__", lock_acquire),
        ("__exit__", lock_exit),
    ];
    let lock = class(vm, "lock", None, lock_methods);
    lock.dict.borrow_mut().insert(
        "__init__".into(),
        native_value("__init__", |vm, a| {
            let l = this(vm, &a)?;
            l.set("_count", Value::Int(0));
            Ok(Value::None)
        }),
    );
    let rlock = class(vm, "RLock", None, lock_methods);
    rlock.dict.borrow_mut().insert(
        "__init__".into(),
        native_value("__init__", |vm, a| {
            let l = this(vm, &a)?;
            l.set("_count", Value::Int(0));
            l.set("_reentrant", Value::Bool(true));
            Ok(Value::None)
        }),
    );
    m.set("Lock", Value::Class(lock));
    m.set("RLock", Value::Class(rlock));
    let event = class(
        vm,
        "Event",
        None,
        &[
            ("__init__", |vm, a| {
                this(vm, &a)?.set("_flag", Value::Bool(false));
                Ok(Value::None)
            }),
            ("is_set", |vm, a| {
                Ok(Value::Bool(truthy_attr(&*this(vm, &a)?, "_flag")))
            }),
            ("isSet", |vm, a| {
                Ok(Value::Bool(truthy_attr(&*this(vm, &a)?, "_flag")))
            }),
            ("set", |vm, a| {
                this(vm, &a)?.set("_flag", Value::Bool(true));
                Ok(Value::None)
            }),
            ("clear", |vm, a| {
                this(vm, &a)?.set("_flag", Value::Bool(false));
                Ok(Value::None)
            }),
            ("wait", event_wait),
        ],
    );
    m.set("Event", Value::Class(event));
    let local = class(vm, "local", None, &[]);
    m.set("local", Value::Class(local));
    m.set("ThreadError", Value::Class(vm.class("RuntimeError")));
    m.set("TIMEOUT_MAX", Value::Float(9223372036.0));
    m.set("_trace_hook", Value::None);
    m.set("_profile_hook", Value::None);
    func(&m, "get_ident", |_, _| Ok(Value::Int(MAIN_IDENT)));
    func(&m, "get_native_id", |_, _| Ok(Value::Int(4242)));
    func(&m, "current_thread", current_thread);
    func(&m, "main_thread", |vm, _| {
        Ok(module_of(vm)
            .and_then(|m| m.get("_main_thread"))
            .unwrap_or(Value::None))
    });
    func(&m, "active_count", |vm, _| {
        let n = match module_of(vm).and_then(|m| m.get("_running")) {
            Some(Value::List(l)) => l.borrow().len(),
            _ => 0,
        };
        Ok(Value::Int(1 + n as i64))
    });
    func(&m, "enumerate", |vm, _| {
        let m = module_of(vm);
        let mut out: Vec<Value> = m
            .as_ref()
            .and_then(|m| m.get("_main_thread"))
            .into_iter()
            .collect();
        if let Some(Value::List(l)) = m.as_ref().and_then(|m| m.get("_running")) {
            out.extend(l.borrow().iter().cloned());
        }
        Ok(Value::list(out))
    });
    // the camelCase aliases (deprecated, still present up to 3.13)
    m.set(
        "currentThread",
        m.get("current_thread").unwrap_or(Value::None),
    );
    m.set("activeCount", m.get("active_count").unwrap_or(Value::None));
    func(&m, "settrace", |vm, a| {
        if let Some(m) = module_of(vm) {
            m.set("_trace_hook", a0(&a));
        }
        Ok(Value::None)
    });
    func(&m, "setprofile", |vm, a| {
        if let Some(m) = module_of(vm) {
            m.set("_profile_hook", a0(&a));
        }
        Ok(Value::None)
    });
    if vm.version.at_least(3, 10) {
        func(&m, "gettrace", |vm, _| {
            Ok(module_of(vm)
                .and_then(|m| m.get("_trace_hook"))
                .unwrap_or(Value::None))
        });
        func(&m, "getprofile", |vm, _| {
            Ok(module_of(vm)
                .and_then(|m| m.get("_profile_hook"))
                .unwrap_or(Value::None))
        });
    }
    if vm.version.at_least(3, 12) {
        func(&m, "settrace_all_threads", |vm, a| {
            let f = a0(&a);
            if let Some(m) = module_of(vm) {
                m.set("_trace_hook", f.clone());
            }
            vm.set_program_trace((!f.is_none()).then_some(f));
            Ok(Value::None)
        });
        func(&m, "setprofile_all_threads", |vm, a| {
            let f = a0(&a);
            if let Some(m) = module_of(vm) {
                m.set("_profile_hook", f.clone());
            }
            vm.set_program_profile((!f.is_none()).then_some(f));
            Ok(Value::None)
        });
    }
    func(&m, "stack_size", |_, _| Ok(Value::Int(0)));
    m
}
