//! The sandbox: VM-native modules (`sys`, `os`, `os.path`, `subprocess`,
//! `socket`, `functools`, `ctypes`) and `open`, over a
//! virtual filesystem that holds only the files the user mapped in.
//!
//! Nothing here touches the host. What the program *tries* to do to the
//! outside world (write or delete files, list directories, spawn processes,
//! connect sockets, read the environment, load native code) is recorded as
//! an [`Effect`] and answered from the sandbox: writes land in the virtual
//! filesystem, spawns "succeed" with status 0 and no output, connects fail
//! with `ConnectionError`, environment reads see an empty environment.
//! The virtual clock ([`Vm::clock`]) advances with executed instructions
//! and with `time.sleep` (see `stdlib::time`), never with the host's time.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use crate::interp::{Args, Flow, PyResult, Vm};
use crate::types::class::{Class, Instance, Kind};
use crate::types::function::{BoundMethod, NativeFn, NativeImpl};
use crate::value::Value;

/// One attempted effect on the outside world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    /// `write`, `delete`, `mkdir`, `rename`, `listdir`, `spawn`, `connect`,
    /// `resolve`, `env`, `load-native`, `read-missing`.
    pub kind: &'static str,
    /// The path, command line, address or variable concerned.
    pub target: String,
    /// Extra detail (bytes written, mode, ...); may be empty.
    pub detail: String,
}

/// Sandbox state of one run.
#[derive(Default)]
pub struct Sandbox {
    /// Virtual filesystem: absolute guest path -> contents.
    pub files: BTreeMap<String, Vec<u8>>,
    pub effects: Vec<Effect>,
    /// Seconds added by `time.sleep`.
    pub slept: f64,
    /// Imported native modules.
    pub modules: HashMap<String, Value>,
    pub classes: HashMap<&'static str, Rc<Class>>,
}

/// The virtual clock's epoch (2023-11-14T22:13:20Z).
const EPOCH: f64 = 1_700_000_000.0;
/// The guest's working directory.
pub const CWD: &str = "/sandbox";

/// Guest path made absolute and normalised.
pub fn guest_path(p: &str) -> String {
    let joined = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{}/{}", CWD, p)
    };
    let mut parts: Vec<&str> = Vec::new();
    for c in joined.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

impl Vm<'_> {
    pub fn effect(&mut self, kind: &'static str, target: String, detail: String) {
        if self.sandbox.effects.len() < 100_000 {
            self.sandbox.effects.push(Effect {
                kind,
                target,
                detail,
            });
        }
    }

    pub(crate) fn clock(&self) -> f64 {
        // 10 ns per instruction: deterministic, monotonic, never the host's
        EPOCH + self.executed as f64 * 1e-8 + self.sandbox.slept
    }
}

pub(crate) fn native_value(name: &'static str, f: NativeImpl) -> Value {
    Value::Native(Rc::new(NativeFn { name, f }))
}

pub(crate) fn native_class(vm: &mut Vm, module: &str, name: &'static str) -> Rc<Class> {
    if let Some(c) = vm.sandbox.classes.get(name) {
        return c.clone();
    }
    let bases = vec![vm.class("object")];
    let c = Class::new_native(name, module, bases, Kind::Object, true, Default::default());
    vm.sandbox.classes.insert(name, c.clone());
    c
}

pub(crate) fn new_instance(cls: Rc<Class>) -> Rc<Instance> {
    Rc::new(Instance {
        class: cls,
        dict: RefCell::new(Default::default()),
        order: RefCell::new(Vec::new()),
        exc: None,
        base: None,
        live: RefCell::new(None),
    })
}

/// Binds a native method to `obj` (stored in the instance: native methods
/// do not bind through the class).
pub(crate) fn method(obj: &Rc<Instance>, name: &'static str, f: NativeImpl) {
    let bound = Value::BoundMethod(Rc::new(BoundMethod {
        func: native_value(name, f),
        self_: Value::Instance(obj.clone()),
    }));
    obj.set(name, bound);
}

pub(crate) fn module(vm: &mut Vm, name: &str) -> Rc<Instance> {
    let cls = native_class(vm, "builtins", "module");
    let m = new_instance(cls);
    m.set("__name__", Value::string(name.to_string()));
    m.set("__doc__", Value::None);
    m
}

pub(crate) fn func(m: &Rc<Instance>, name: &'static str, f: NativeImpl) {
    m.set(name, native_value(name, f));
}

pub(crate) fn a0(a: &Args) -> Value {
    a.pos.first().cloned().unwrap_or(Value::None)
}

pub(crate) fn ai(a: &Args, i: usize, kw: &str) -> Option<Value> {
    a.pos.get(i).cloned().or_else(|| a.kw_get(kw).cloned())
}

fn text_of(vm: &mut Vm, v: &Value) -> PyResult<String> {
    match v {
        Value::Str(s) => Ok(s.s.clone()),
        Value::Bytes(b) => Ok(String::from_utf8_lossy(b).into_owned()),
        Value::List(_) | Value::Tuple(_) => {
            let items = vm.collect(v.clone())?;
            let mut parts = Vec::new();
            for it in &items {
                parts.push(text_of(vm, it)?);
            }
            Ok(parts.join(" "))
        }
        other => vm.str(other),
    }
}

pub(crate) fn float_of(vm: &mut Vm, v: &Value) -> PyResult<f64> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(*b as i64 as f64),
        Value::BigInt(b) => Ok(num_traits::ToPrimitive::to_f64(&**b).unwrap_or(f64::INFINITY)),
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!("must be real number, not {}", t)))
        }
    }
}

pub(crate) fn int_of(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                t
            )))
        }
    }
}

/// `import NAME` of a native module. `None`: no such module in the sandbox.
pub fn import(vm: &mut Vm, name: &str) -> PyResult<Option<Value>> {
    if let Some(m) = vm.sandbox.modules.get(name) {
        return Ok(Some(m.clone()));
    }
    let m = match name {
        "sys" => make_sys(vm),
        "os" => make_os(vm),
        "os.path" | "posixpath" => make_path(vm),
        "subprocess" => make_subprocess(vm),
        "socket" => make_socket(vm),
        "functools" => make_functools(vm),
        "__future__" => {
            let m = module(vm, "__future__");
            for f in [
                "nested_scopes",
                "generators",
                "division",
                "absolute_import",
                "with_statement",
                "print_function",
                "unicode_literals",
                "barry_as_FLUFL",
                "generator_stop",
                "annotations",
            ] {
                m.set(f, Value::None);
            }
            m
        }
        "ctypes" | "_ctypes" | "cffi" => {
            vm.effect("load-native", name.to_string(), "import".into());
            return Err(vm.new_exc(
                "ImportError",
                &format!("{} is not available in the pyctrace sandbox", name),
            ));
        }
        other => match crate::stdlib::make(vm, other)? {
            Some(m) => m,
            None => return Ok(None),
        },
    };
    let v = Value::Instance(m);
    vm.sandbox.modules.insert(name.to_string(), v.clone());
    Ok(Some(v))
}

// ---- sys ----

fn make_sys(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "sys");
    let mut argv = vec![Value::string(vm.config.program.clone())];
    argv.extend(vm.config.argv.iter().map(|a| Value::string(a.clone())));
    m.set("argv", Value::list(argv));
    let (maj, min) = (vm.version.major as i64, vm.version.minor as i64);
    m.set(
        "version_info",
        Value::tuple(vec![
            Value::Int(maj),
            Value::Int(min),
            Value::Int(0),
            Value::str("final"),
            Value::Int(0),
        ]),
    );
    m.set(
        "version",
        Value::string(format!("{}.{}.0 (pyctrace sandbox)", maj, min)),
    );
    m.set("hexversion", Value::Int((maj << 24) | (min << 16) | 0xf0));
    m.set("platform", Value::str("linux"));
    m.set("byteorder", Value::str("little"));
    m.set("maxsize", Value::Int(i64::MAX));
    m.set("executable", Value::str("/usr/bin/python3"));
    m.set("path", Value::list(vec![Value::str(CWD)]));
    m.set(
        "modules",
        Value::Dict(Rc::new(RefCell::new(crate::types::dict::Dict::new()))),
    );
    m.set("flags", Value::None);
    func(&m, "exit", |vm, a| {
        let cls = vm.class("SystemExit");
        let args = if a.pos.is_empty() {
            vec![]
        } else {
            vec![a0(&a)]
        };
        Err(Flow::Exc(crate::protocol::new_exception(cls, args)))
    });
    // the program's own hooks (pyctrace's tracing is never visible here)
    func(&m, "gettrace", |vm, _| {
        Ok(vm.pytrace.trace.clone().unwrap_or(Value::None))
    });
    func(&m, "getprofile", |vm, _| {
        Ok(vm.pytrace.profile.clone().unwrap_or(Value::None))
    });
    func(&m, "settrace", |vm, a| {
        let f = a0(&a);
        vm.set_program_trace((!f.is_none()).then_some(f));
        Ok(Value::None)
    });
    func(&m, "setprofile", |vm, a| {
        let f = a0(&a);
        vm.set_program_profile((!f.is_none()).then_some(f));
        Ok(Value::None)
    });
    func(&m, "_getframe", crate::types::frame::sys_getframe);
    func(&m, "getrecursionlimit", |vm, _| {
        Ok(Value::Int(vm.config.recursion_limit as i64))
    });
    func(&m, "setrecursionlimit", |vm, a| {
        let n = int_of(vm, &a0(&a))?;
        vm.config.recursion_limit = n.clamp(1, 100_000) as u32;
        Ok(Value::None)
    });
    func(&m, "getdefaultencoding", |_, _| Ok(Value::str("utf-8")));
    func(&m, "exc_info", |vm, _| {
        let e = vm.exc_info.clone();
        if e.is_none() {
            return Ok(Value::tuple(vec![Value::None, Value::None, Value::None]));
        }
        let t = Value::Class(vm.type_of(&e));
        Ok(Value::tuple(vec![t, e, Value::None]))
    });
    for (name, err) in [("stdout", false), ("stderr", true)] {
        let cls = native_class(vm, "_io", "TextIOWrapper");
        let s = new_instance(cls);
        s.set("name", Value::string(format!("<{}>", name)));
        if err {
            method(&s, "write", |vm, a| {
                let t = text_of(vm, &a.pos.get(1).cloned().unwrap_or(Value::None))?;
                vm.io.write_stderr(&t);
                Ok(Value::Int(t.chars().count() as i64))
            });
        } else {
            method(&s, "write", |vm, a| {
                let t = text_of(vm, &a.pos.get(1).cloned().unwrap_or(Value::None))?;
                vm.io.write_stdout(&t);
                Ok(Value::Int(t.chars().count() as i64))
            });
        }
        method(&s, "flush", |_, _| Ok(Value::None));
        m.set(name, Value::Instance(s));
    }
    m
}

// ---- os, os.path ----

fn make_os(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "os");
    m.set("name", Value::str("posix"));
    m.set("sep", Value::str("/"));
    m.set("linesep", Value::str("\n"));
    let path = match import(vm, "os.path") {
        Ok(Some(p)) => p,
        _ => Value::None,
    };
    m.set("path", path);
    m.set(
        "environ",
        Value::Dict(Rc::new(RefCell::new(crate::types::dict::Dict::new()))),
    );
    func(&m, "getcwd", |_, _| Ok(Value::str(CWD)));
    func(&m, "getpid", |_, _| Ok(Value::Int(4242)));
    func(&m, "getuid", |_, _| Ok(Value::Int(1000)));
    func(&m, "getlogin", |vm, _| {
        vm.effect("env", "LOGNAME".into(), "os.getlogin".into());
        Ok(Value::str("user"))
    });
    func(&m, "getenv", |vm, a| {
        let k = text_of(vm, &a0(&a))?;
        vm.effect("env", k, "os.getenv".into());
        Ok(ai(&a, 1, "default").unwrap_or(Value::None))
    });
    func(&m, "putenv", |vm, a| {
        let k = text_of(vm, &a0(&a))?;
        vm.effect("env", k, "os.putenv".into());
        Ok(Value::None)
    });
    func(&m, "listdir", |vm, a| {
        let dir = match a.pos.first() {
            Some(v) => guest_path(&text_of(vm, v)?),
            None => CWD.to_string(),
        };
        vm.effect("listdir", dir.clone(), String::new());
        Ok(Value::list(
            list_dir(vm, &dir).into_iter().map(Value::string).collect(),
        ))
    });
    func(&m, "scandir", |vm, a| {
        let dir = match a.pos.first() {
            Some(v) => guest_path(&text_of(vm, v)?),
            None => CWD.to_string(),
        };
        vm.effect("listdir", dir, "os.scandir".into());
        Ok(Value::list(Vec::new()))
    });
    func(&m, "walk", |vm, a| {
        let dir = guest_path(&text_of(vm, &a0(&a))?);
        vm.effect("listdir", dir, "os.walk".into());
        Ok(Value::list(Vec::new()))
    });
    for name in ["remove", "unlink", "rmdir"] {
        let f: NativeImpl = |vm, a| {
            let p = guest_path(&text_of(vm, &a0(&a))?);
            vm.effect("delete", p.clone(), String::new());
            vm.sandbox.files.remove(&p);
            Ok(Value::None)
        };
        m.set(name, native_value("remove", f));
    }
    for name in ["mkdir", "makedirs"] {
        let f: NativeImpl = |vm, a| {
            let p = guest_path(&text_of(vm, &a0(&a))?);
            vm.effect("mkdir", p, String::new());
            Ok(Value::None)
        };
        m.set(name, native_value("mkdir", f));
    }
    for name in ["rename", "replace"] {
        let f: NativeImpl = |vm, a| {
            let from = guest_path(&text_of(vm, &a0(&a))?);
            let to = guest_path(&text_of(vm, &a.pos.get(1).cloned().unwrap_or(Value::None))?);
            vm.effect("rename", from.clone(), to.clone());
            if let Some(data) = vm.sandbox.files.remove(&from) {
                vm.sandbox.files.insert(to, data);
            }
            Ok(Value::None)
        };
        m.set(name, native_value("rename", f));
    }
    for name in ["chmod", "chown", "symlink", "link", "truncate", "utime"] {
        let f: NativeImpl = |vm, a| {
            let p = guest_path(&text_of(vm, &a0(&a))?);
            vm.effect("write", p, "metadata".into());
            Ok(Value::None)
        };
        m.set(name, native_value("chmod", f));
    }
    for name in ["system", "popen", "startfile"] {
        let f: NativeImpl = |vm, a| {
            let cmd = text_of(vm, &a0(&a))?;
            vm.effect("spawn", cmd, "os.system".into());
            Ok(Value::Int(0))
        };
        m.set(name, native_value("system", f));
    }
    for name in [
        "execv", "execve", "execl", "execlp", "execvp", "spawnv", "spawnl", "fork", "kill",
    ] {
        let f: NativeImpl = |vm, a| {
            let cmd = match a.pos.first() {
                Some(v) => text_of(vm, v)?,
                None => String::new(),
            };
            vm.effect("spawn", cmd, "os.exec/fork/kill".into());
            Err(vm.new_exc("PermissionError", "[Errno 1] Operation not permitted"))
        };
        m.set(name, native_value("exec", f));
    }
    func(&m, "urandom", |vm, a| {
        let n = int_of(vm, &a0(&a))?.clamp(0, 1 << 20) as usize;
        Ok(Value::Bytes(Rc::new(vec![0x5a; n])))
    });
    m
}

fn list_dir(vm: &Vm, dir: &str) -> Vec<String> {
    let prefix = if dir == "/" {
        "/".to_string()
    } else {
        format!("{}/", dir)
    };
    let mut out: Vec<String> = Vec::new();
    for p in vm.sandbox.files.keys() {
        if let Some(rest) = p.strip_prefix(&prefix) {
            let first = rest.split('/').next().unwrap_or("").to_string();
            if !first.is_empty() && !out.contains(&first) {
                out.push(first);
            }
        }
    }
    out
}

fn make_path(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "posixpath");
    m.set("sep", Value::str("/"));
    func(&m, "exists", |vm, a| {
        let p = guest_path(&text_of(vm, &a0(&a))?);
        let dir = !list_dir(vm, &p).is_empty();
        Ok(Value::Bool(
            vm.sandbox.files.contains_key(&p) || dir || p == CWD,
        ))
    });
    func(&m, "isfile", |vm, a| {
        let p = guest_path(&text_of(vm, &a0(&a))?);
        Ok(Value::Bool(vm.sandbox.files.contains_key(&p)))
    });
    func(&m, "isdir", |vm, a| {
        let p = guest_path(&text_of(vm, &a0(&a))?);
        Ok(Value::Bool(!list_dir(vm, &p).is_empty() || p == CWD))
    });
    func(&m, "getsize", |vm, a| {
        let p = guest_path(&text_of(vm, &a0(&a))?);
        match vm.sandbox.files.get(&p) {
            Some(d) => Ok(Value::Int(d.len() as i64)),
            None => Err(vm.new_exc(
                "FileNotFoundError",
                &format!("[Errno 2] No such file or directory: '{}'", p),
            )),
        }
    });
    func(&m, "join", |vm, a| {
        let mut out = String::new();
        for v in a.pos.clone() {
            let s = text_of(vm, &v)?;
            if s.starts_with('/') || out.is_empty() {
                out = s;
            } else if out.ends_with('/') {
                out.push_str(&s);
            } else {
                out.push('/');
                out.push_str(&s);
            }
        }
        Ok(Value::string(out))
    });
    func(&m, "basename", |vm, a| {
        let s = text_of(vm, &a0(&a))?;
        Ok(Value::string(
            s.rsplit('/').next().unwrap_or("").to_string(),
        ))
    });
    func(&m, "dirname", |vm, a| {
        let s = text_of(vm, &a0(&a))?;
        Ok(Value::string(match s.rfind('/') {
            Some(0) => "/".into(),
            Some(i) => s[..i].to_string(),
            None => String::new(),
        }))
    });
    func(&m, "abspath", |vm, a| {
        let s = text_of(vm, &a0(&a))?;
        Ok(Value::string(guest_path(&s)))
    });
    func(&m, "expanduser", |vm, a| {
        let s = text_of(vm, &a0(&a))?;
        vm.effect("env", "HOME".into(), "os.path.expanduser".into());
        Ok(Value::string(s.replacen('~', "/home/user", 1)))
    });
    m
}

// ---- open ----

/// The `open` builtin: reads from the virtual filesystem, writes into it
/// (recorded as effects).
pub fn b_open(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let name = text_of(vm, &a0(&a))?;
    let mode = match ai(&a, 1, "mode") {
        Some(v) => text_of(vm, &v)?,
        None => "r".into(),
    };
    let path = guest_path(&name);
    let binary = mode.contains('b');
    let writing = mode.contains('w') || mode.contains('a') || mode.contains('x');
    let mut data: Vec<u8> = Vec::new();
    if writing {
        vm.effect("write", path.clone(), format!("open mode {}", mode));
        if mode.contains('a') {
            data = vm.sandbox.files.get(&path).cloned().unwrap_or_default();
        }
        vm.sandbox.files.insert(path.clone(), data.clone());
    } else {
        match vm.sandbox.files.get(&path) {
            Some(d) => data = d.clone(),
            None => {
                vm.effect("read-missing", path.clone(), String::new());
                return Err(vm.new_exc(
                    "FileNotFoundError",
                    &format!("[Errno 2] No such file or directory: '{}'", name),
                ));
            }
        }
    }
    let cls = native_class(
        vm,
        "_io",
        if binary {
            "BufferedReader"
        } else {
            "TextIOWrapper"
        },
    );
    let f = new_instance(cls);
    f.set("name", Value::string(name));
    f.set("mode", Value::string(mode));
    f.set("closed", Value::Bool(false));
    f.set("_path", Value::string(path));
    f.set("_binary", Value::Bool(binary));
    f.set("_data", Value::Bytes(Rc::new(data)));
    f.set("_pos", Value::Int(0));
    method(&f, "read", file_read);
    method(&f, "readline", file_readline);
    method(&f, "readlines", file_readlines);
    method(&f, "write", file_write);
    method(&f, "close", file_close);
    method(&f, "flush", |_, _| Ok(Value::None));
    method(&f, "__enter__", |_, a| Ok(a0(&a)));
    method(&f, "__exit__", |vm, a| {
        file_close(vm, Args::new(vec![a0(&a)]))?;
        Ok(Value::Bool(false))
    });
    Ok(Value::Instance(f))
}

fn file_parts(a: &Args) -> Option<Rc<Instance>> {
    match a.pos.first() {
        Some(Value::Instance(i)) => Some(i.clone()),
        _ => None,
    }
}

fn file_state(i: &Instance) -> (Rc<Vec<u8>>, usize, bool) {
    let data = match i.get("_data") {
        Some(Value::Bytes(b)) => b,
        _ => Rc::new(Vec::new()),
    };
    let pos = match i.get("_pos") {
        Some(Value::Int(p)) => p.max(0) as usize,
        _ => 0,
    };
    let binary = matches!(i.get("_binary"), Some(Value::Bool(true)));
    (data, pos, binary)
}

fn chunk(binary: bool, bytes: &[u8]) -> Value {
    if binary {
        Value::Bytes(Rc::new(bytes.to_vec()))
    } else {
        Value::string(String::from_utf8_lossy(bytes).into_owned())
    }
}

fn file_read(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let Some(i) = file_parts(&a) else {
        return Err(vm.type_error("read() needs a file".into()));
    };
    let (data, pos, binary) = file_state(&i);
    let n = match a.pos.get(1) {
        Some(Value::Int(n)) if *n >= 0 => *n as usize,
        _ => usize::MAX,
    };
    let start = pos.min(data.len());
    let end = start.saturating_add(n).min(data.len());
    i.set("_pos", Value::Int(end as i64));
    Ok(chunk(binary, &data[start..end]))
}

fn file_readline(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let Some(i) = file_parts(&a) else {
        return Err(vm.type_error("readline() needs a file".into()));
    };
    let (data, pos, binary) = file_state(&i);
    let start = pos.min(data.len());
    let end = data[start..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(data.len(), |p| start + p + 1);
    i.set("_pos", Value::Int(end as i64));
    Ok(chunk(binary, &data[start..end]))
}

fn file_readlines(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let mut out = Vec::new();
    loop {
        let line = file_readline(vm, Args::new(vec![a0(&a)]))?;
        let empty = match &line {
            Value::Str(s) => s.s.is_empty(),
            Value::Bytes(b) => b.is_empty(),
            _ => true,
        };
        if empty {
            break;
        }
        out.push(line);
    }
    Ok(Value::list(out))
}

fn file_write(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let Some(i) = file_parts(&a) else {
        return Err(vm.type_error("write() needs a file".into()));
    };
    let v = a.pos.get(1).cloned().unwrap_or(Value::None);
    let (bytes, n) = match &v {
        Value::Str(s) => (s.s.as_bytes().to_vec(), s.len),
        Value::Bytes(b) => (b.to_vec(), b.len()),
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("write() argument must be str, not {}", t)));
        }
    };
    let path = match i.get("_path") {
        Some(Value::Str(s)) => s.s.clone(),
        _ => String::new(),
    };
    let mode = match i.get("mode") {
        Some(Value::Str(s)) => s.s.clone(),
        _ => String::new(),
    };
    if !(mode.contains('w') || mode.contains('a') || mode.contains('x')) {
        return Err(vm.new_exc("OSError", "not writable"));
    }
    vm.charge_memory(bytes.len())?;
    let preview: String = String::from_utf8_lossy(&bytes).chars().take(60).collect();
    vm.effect(
        "write",
        path.clone(),
        format!("{} bytes: {:?}", bytes.len(), preview),
    );
    let file = vm.sandbox.files.entry(path).or_default();
    file.extend_from_slice(&bytes);
    Ok(Value::Int(n as i64))
}

fn file_close(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let Some(i) = file_parts(&a) else {
        return Err(vm.type_error("close() needs a file".into()));
    };
    i.set("closed", Value::Bool(true));
    Ok(Value::None)
}

// ---- subprocess, socket ----

fn make_subprocess(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "subprocess");
    m.set("PIPE", Value::Int(-1));
    m.set("STDOUT", Value::Int(-2));
    m.set("DEVNULL", Value::Int(-3));
    for name in ["call", "check_call"] {
        let f: NativeImpl = |vm, a| {
            let cmd = text_of(vm, &a0(&a))?;
            vm.effect("spawn", cmd, "subprocess.call".into());
            Ok(Value::Int(0))
        };
        m.set(name, native_value("call", f));
    }
    for name in ["check_output", "getoutput"] {
        let f: NativeImpl = |vm, a| {
            let cmd = text_of(vm, &a0(&a))?;
            vm.effect("spawn", cmd, "subprocess.check_output".into());
            Ok(Value::Bytes(Rc::new(Vec::new())))
        };
        m.set(name, native_value("check_output", f));
    }
    for name in ["run", "Popen"] {
        let f: NativeImpl = |vm, a| {
            let cmd = text_of(vm, &a0(&a))?;
            vm.effect("spawn", cmd, "subprocess.run/Popen".into());
            let cls = native_class(vm, "subprocess", "CompletedProcess");
            let p = new_instance(cls);
            p.set("args", a0(&a));
            p.set("returncode", Value::Int(0));
            p.set("stdout", Value::Bytes(Rc::new(Vec::new())));
            p.set("stderr", Value::Bytes(Rc::new(Vec::new())));
            p.set("pid", Value::Int(4243));
            method(&p, "wait", |_, _| Ok(Value::Int(0)));
            method(&p, "poll", |_, _| Ok(Value::Int(0)));
            method(&p, "communicate", |_, _| {
                Ok(Value::tuple(vec![
                    Value::Bytes(Rc::new(Vec::new())),
                    Value::Bytes(Rc::new(Vec::new())),
                ]))
            });
            method(&p, "kill", |_, _| Ok(Value::None));
            Ok(Value::Instance(p))
        };
        m.set(name, native_value("run", f));
    }
    m
}

fn make_socket(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "socket");
    m.set("AF_INET", Value::Int(2));
    m.set("AF_INET6", Value::Int(10));
    m.set("SOCK_STREAM", Value::Int(1));
    m.set("SOCK_DGRAM", Value::Int(2));
    let error = Value::Class(vm.class("OSError"));
    m.set("error", error.clone());
    m.set("gaierror", error.clone());
    m.set("timeout", Value::Class(vm.class("TimeoutError")));
    func(&m, "socket", |vm, _| {
        let cls = native_class(vm, "socket", "socket");
        let s = new_instance(cls);
        method(&s, "connect", sock_connect);
        method(&s, "connect_ex", |vm, a| {
            sock_connect(vm, a)
                .map(|_| Value::Int(0))
                .or(Ok(Value::Int(111)))
        });
        method(&s, "bind", |vm, a| {
            let addr = text_of(vm, &a.pos.get(1).cloned().unwrap_or(Value::None))?;
            vm.effect("connect", addr, "socket.bind".into());
            Ok(Value::None)
        });
        method(&s, "sendto", |vm, a| {
            let addr = text_of(vm, &a.pos.get(2).cloned().unwrap_or(Value::None))?;
            vm.effect("connect", addr, "socket.sendto".into());
            Ok(Value::Int(0))
        });
        for name in ["settimeout", "setsockopt", "close", "listen", "setblocking"] {
            let f: NativeImpl = |_, _| Ok(Value::None);
            s.set(
                name,
                Value::BoundMethod(Rc::new(BoundMethod {
                    func: native_value("close", f),
                    self_: Value::None,
                })),
            );
        }
        method(&s, "__enter__", |_, a| Ok(a0(&a)));
        method(&s, "__exit__", |_, _| Ok(Value::Bool(false)));
        Ok(Value::Instance(s))
    });
    func(&m, "create_connection", |vm, a| {
        let addr = text_of(vm, &a0(&a))?;
        vm.effect("connect", addr, "socket.create_connection".into());
        Err(vm.new_exc("ConnectionError", "[Errno 111] Connection refused"))
    });
    func(&m, "gethostbyname", |vm, a| {
        let host = text_of(vm, &a0(&a))?;
        vm.effect("resolve", host, "socket.gethostbyname".into());
        Err(vm.new_exc("OSError", "[Errno -2] Name or service not known"))
    });
    func(&m, "getaddrinfo", |vm, a| {
        let host = text_of(vm, &a0(&a))?;
        vm.effect("resolve", host, "socket.getaddrinfo".into());
        Err(vm.new_exc("OSError", "[Errno -2] Name or service not known"))
    });
    func(&m, "gethostname", |_, _| Ok(Value::str("sandbox")));
    m
}

fn sock_connect(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let addr = a.pos.get(1).cloned().unwrap_or(Value::None);
    let text = match &addr {
        Value::Tuple(t) if t.len() == 2 => {
            let h = text_of(vm, &t[0])?;
            let p = vm.str(&t[1])?;
            format!("{}:{}", h, p)
        }
        other => text_of(vm, other)?,
    };
    vm.effect("connect", text, "socket.connect".into());
    Err(vm.new_exc("ConnectionError", "[Errno 111] Connection refused"))
}

// ---- functools ----

fn make_functools(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "functools");
    func(&m, "reduce", |vm, a| {
        let f = a0(&a);
        let items = vm.collect(a.pos.get(1).cloned().unwrap_or(Value::None))?;
        let mut it = items.into_iter();
        let mut acc = match a.pos.get(2) {
            Some(init) => init.clone(),
            None => match it.next() {
                Some(v) => v,
                None => {
                    return Err(
                        vm.type_error("reduce() of empty iterable with no initial value".into())
                    )
                }
            },
        };
        for v in it {
            acc = vm.call(&f, vec![acc, v], Vec::new())?;
        }
        Ok(acc)
    });
    func(&m, "partial", |vm, a| {
        let cls = native_class(vm, "functools", "partial");
        let p = new_instance(cls);
        p.set("func", a0(&a));
        p.set(
            "args",
            Value::tuple(a.pos.iter().skip(1).cloned().collect()),
        );
        let kw: Vec<Value> =
            a.kw.iter()
                .map(|(k, v)| Value::tuple(vec![Value::string(k.clone()), v.clone()]))
                .collect();
        p.set("_kw", Value::tuple(kw));
        Ok(Value::Instance(p))
    });
    // `wraps(wrapped)` returns a decorator that leaves the wrapper as is
    func(&m, "wraps", |_, _| {
        Ok(native_value("decorator", |_, a| Ok(a0(&a))))
    });
    // identity wrappers
    for name in ["lru_cache", "cache"] {
        let f: NativeImpl = |_, a| {
            let v = a0(&a);
            if matches!(v, Value::Function(_)) {
                return Ok(v);
            }
            Ok(native_value("decorator", |_, a| Ok(a0(&a))))
        };
        m.set(name, native_value("wraps", f));
    }
    m
}

/// Calls a `functools.partial` object, if `obj` is one.
pub fn call_partial(
    vm: &mut Vm,
    obj: &Rc<Instance>,
    args: Vec<Value>,
    kw: Vec<(String, Value)>,
) -> Option<PyResult<Value>> {
    if obj.class.name != "partial" || obj.class.module != "functools" {
        return None;
    }
    let f = obj.get("func")?;
    let mut pos = match obj.get("args") {
        Some(Value::Tuple(t)) => t.to_vec(),
        _ => Vec::new(),
    };
    pos.extend(args);
    let mut kws: Vec<(String, Value)> = Vec::new();
    if let Some(Value::Tuple(t)) = obj.get("_kw") {
        for item in t.iter() {
            if let Value::Tuple(p) = item {
                if let (Some(Value::Str(k)), Some(v)) = (p.first(), p.get(1)) {
                    kws.push((k.s.clone(), v.clone()));
                }
            }
        }
    }
    for (k, v) in kw {
        kws.retain(|(x, _)| *x != k);
        kws.push((k, v));
    }
    Some(vm.call(&f, pos, kws))
}
