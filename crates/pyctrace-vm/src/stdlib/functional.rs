//! `string` constants, `operator` and `itertools`.

use std::rc::Rc;

use num_bigint::BigInt;

use crate::interp::{Args, PyResult, Vm};
use crate::lift::{BinOp, CmpOp, UnaryOp};
use crate::sandbox::{a0, ai, func, module, native_class, new_instance};
use crate::types::class::Instance;
use crate::types::iter::{self, IterState, NativeStep};
use crate::value::Value;

/// An int argument as a `BigInt`.
pub fn big_of(vm: &mut Vm, v: &Value) -> PyResult<BigInt> {
    match v {
        Value::Int(i) => Ok(BigInt::from(*i)),
        Value::Bool(b) => Ok(BigInt::from(*b as i64)),
        Value::BigInt(b) => Ok((**b).clone()),
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                t
            )))
        }
    }
}

// ---- string ----

pub fn make_string(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "string");
    let lower = "abcdefghijklmnopqrstuvwxyz";
    let upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    let ws = " \t\n\r\x0b\x0c";
    m.set("ascii_lowercase", Value::str(lower));
    m.set("ascii_uppercase", Value::str(upper));
    m.set(
        "ascii_letters",
        Value::string(format!("{}{}", lower, upper)),
    );
    m.set("digits", Value::str("0123456789"));
    m.set("hexdigits", Value::str("0123456789abcdefABCDEF"));
    m.set("octdigits", Value::str("01234567"));
    m.set("punctuation", Value::str(punct));
    m.set("whitespace", Value::str(ws));
    m.set(
        "printable",
        Value::string(format!("0123456789{}{}{}{}", lower, upper, punct, ws)),
    );
    func(&m, "capwords", |vm, a| {
        let s = vm.str(&a0(&a))?;
        let sep = match ai(&a, 1, "sep") {
            None | Some(Value::None) => None,
            Some(v) => Some(vm.str(&v)?),
        };
        let cap = |w: &str| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase(),
                None => String::new(),
            }
        };
        Ok(Value::string(match sep {
            None => s.split_whitespace().map(cap).collect::<Vec<_>>().join(" "),
            Some(sep) => s
                .split(sep.as_str())
                .map(cap)
                .collect::<Vec<_>>()
                .join(&sep),
        }))
    });
    m
}

// ---- operator ----

fn two(vm: &mut Vm, a: &Args) -> PyResult<(Value, Value)> {
    if a.pos.len() != 2 {
        return Err(vm.type_error(format!("expected 2 arguments, got {}", a.pos.len())));
    }
    Ok((a.pos[0].clone(), a.pos[1].clone()))
}

macro_rules! binop {
    ($m:expr, $name:expr, $op:expr) => {
        func($m, $name, |vm, a| {
            let (x, y) = two(vm, &a)?;
            vm.binary_op($op, &x, &y)
        });
    };
}
macro_rules! cmpop {
    ($m:expr, $name:expr, $op:expr) => {
        func($m, $name, |vm, a| {
            let (x, y) = two(vm, &a)?;
            vm.compare($op, &x, &y)
        });
    };
}
macro_rules! unop {
    ($m:expr, $name:expr, $op:expr) => {
        func($m, $name, |vm, a| {
            let x = a0(&a);
            vm.unary_op($op, &x)
        });
    };
}

/// A callable carrying `data` (a `functools.partial` of a native helper).
pub fn closure(vm: &mut Vm, f: Value, data: Vec<Value>) -> Value {
    let cls = native_class(vm, "functools", "partial");
    let p = new_instance(cls);
    p.set("func", f);
    p.set("args", Value::tuple(data));
    p.set("_kw", Value::tuple(Vec::new()));
    Value::Instance(p)
}

pub fn make_operator(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "operator");
    for (pre, suffix) in [("", ""), ("i", "")] {
        let _ = (pre, suffix);
    }
    binop!(&m, "add", BinOp::Add);
    binop!(&m, "sub", BinOp::Sub);
    binop!(&m, "mul", BinOp::Mul);
    binop!(&m, "truediv", BinOp::TrueDiv);
    binop!(&m, "floordiv", BinOp::FloorDiv);
    binop!(&m, "mod", BinOp::Mod);
    binop!(&m, "pow", BinOp::Pow);
    binop!(&m, "lshift", BinOp::LShift);
    binop!(&m, "rshift", BinOp::RShift);
    binop!(&m, "and_", BinOp::And);
    binop!(&m, "or_", BinOp::Or);
    binop!(&m, "xor", BinOp::Xor);
    binop!(&m, "concat", BinOp::Add);
    binop!(&m, "matmul", BinOp::MatMul);
    func(&m, "iadd", |vm, a| {
        let (x, y) = two(vm, &a)?;
        vm.inplace_op(BinOp::Add, &x, &y)
    });
    func(&m, "imul", |vm, a| {
        let (x, y) = two(vm, &a)?;
        vm.inplace_op(BinOp::Mul, &x, &y)
    });
    cmpop!(&m, "lt", CmpOp::Lt);
    cmpop!(&m, "le", CmpOp::Le);
    cmpop!(&m, "eq", CmpOp::Eq);
    cmpop!(&m, "ne", CmpOp::Ne);
    cmpop!(&m, "gt", CmpOp::Gt);
    cmpop!(&m, "ge", CmpOp::Ge);
    unop!(&m, "neg", UnaryOp::Neg);
    unop!(&m, "pos", UnaryOp::Pos);
    unop!(&m, "invert", UnaryOp::Invert);
    unop!(&m, "inv", UnaryOp::Invert);
    unop!(&m, "not_", UnaryOp::Not);
    func(&m, "truth", |vm, a| Ok(Value::Bool(vm.truthy(&a0(&a))?)));
    func(&m, "is_", |vm, a| {
        let (x, y) = two(vm, &a)?;
        Ok(Value::Bool(x.is(&y)))
    });
    func(&m, "is_not", |vm, a| {
        let (x, y) = two(vm, &a)?;
        Ok(Value::Bool(!x.is(&y)))
    });
    func(&m, "abs", |vm, a| {
        let b = vm
            .builtins
            .borrow()
            .get_str("abs", crate::protocol::str_hash("abs"))
            .unwrap_or(Value::None);
        vm.call(&b, a.pos, a.kw)
    });
    func(&m, "index", |vm, a| {
        let i = vm.to_index(&a0(&a))?;
        Ok(Value::Int(i))
    });
    func(&m, "contains", |vm, a| {
        let (x, y) = two(vm, &a)?;
        Ok(Value::Bool(vm.contains(&x, &y)?))
    });
    func(&m, "countOf", |vm, a| {
        let (x, y) = two(vm, &a)?;
        let items = vm.collect(x)?;
        let mut n = 0;
        for it in &items {
            if it.is(&y) || vm.eq(it, &y)? {
                n += 1;
            }
        }
        Ok(Value::Int(n))
    });
    func(&m, "getitem", |vm, a| {
        let (x, y) = two(vm, &a)?;
        vm.getitem(&x, &y)
    });
    func(&m, "setitem", |vm, a| {
        if a.pos.len() != 3 {
            return Err(vm.type_error("setitem expected 3 arguments".into()));
        }
        vm.setitem(&a.pos[0], a.pos[1].clone(), a.pos[2].clone())?;
        Ok(Value::None)
    });
    func(&m, "delitem", |vm, a| {
        let (x, y) = two(vm, &a)?;
        vm.delitem(&x, &y)?;
        Ok(Value::None)
    });
    func(&m, "itemgetter", |vm, a| {
        let f = crate::sandbox::native_value("itemgetter", |vm, a| {
            let n = a.pos.len() - 1;
            let obj = a.pos[n].clone();
            if n == 1 {
                return vm.getitem(&obj, &a.pos[0]);
            }
            let mut out = Vec::new();
            for k in &a.pos[..n] {
                out.push(vm.getitem(&obj, k)?);
            }
            Ok(Value::tuple(out))
        });
        Ok(closure(vm, f, a.pos))
    });
    func(&m, "attrgetter", |vm, a| {
        let f = crate::sandbox::native_value("attrgetter", |vm, a| {
            let n = a.pos.len() - 1;
            let obj = a.pos[n].clone();
            let mut out = Vec::new();
            for k in &a.pos[..n] {
                let path = vm.str(k)?;
                let mut v = obj.clone();
                for part in path.split('.') {
                    v = vm.getattr(&v, part)?;
                }
                out.push(v);
            }
            Ok(if n == 1 {
                out.remove(0)
            } else {
                Value::tuple(out)
            })
        });
        Ok(closure(vm, f, a.pos))
    });
    func(&m, "methodcaller", |vm, a| {
        let f = crate::sandbox::native_value("methodcaller", |vm, a| {
            let n = a.pos.len() - 1;
            let obj = a.pos[n].clone();
            let name = vm.str(&a.pos[0])?;
            let meth = vm.getattr(&obj, &name)?;
            vm.call(&meth, a.pos[1..n].to_vec(), a.kw)
        });
        let mut data = a.pos.clone();
        data.truncate(a.pos.len());
        if !a.kw.is_empty() {
            return Err(vm.fatal(
                "operator.methodcaller with keywords is not supported by the vm engine yet".into(),
            ));
        }
        Ok(closure(vm, f, data))
    });
    m
}

// ---- itertools ----

fn lazy(name: &'static str, state: Vec<Value>, step: NativeStep) -> Value {
    iter::new(IterState::Native { name, state, step })
}

fn eager(items: Vec<Value>) -> Value {
    iter::new(IterState::Seq {
        items: Rc::new(items),
        pos: 0,
    })
}

fn opt_int(vm: &mut Vm, v: Option<Value>) -> PyResult<Option<i64>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => Ok(Some(vm.to_index(&v)?)),
    }
}

fn chain_step(vm: &mut Vm, s: &mut Vec<Value>) -> PyResult<Option<Value>> {
    // [source iterator of iterables, current iterator or None]
    loop {
        if !s[1].is_none() {
            let cur = s[1].clone();
            if let Some(v) = vm.next(&cur)? {
                return Ok(Some(v));
            }
            s[1] = Value::None;
        }
        let src = s[0].clone();
        match vm.next(&src)? {
            Some(it) => s[1] = vm.iter(&it)?,
            None => return Ok(None),
        }
    }
}

fn product(pools: &[Vec<Value>]) -> Vec<Value> {
    let mut out: Vec<Vec<Value>> = vec![Vec::new()];
    for pool in pools {
        let mut next = Vec::new();
        for prefix in &out {
            for x in pool {
                let mut p = prefix.clone();
                p.push(x.clone());
                next.push(p);
            }
        }
        out = next;
    }
    out.into_iter().map(Value::tuple).collect()
}

fn combos(
    pool: &[Value],
    r: usize,
    start: usize,
    repl: bool,
    cur: &mut Vec<Value>,
    out: &mut Vec<Value>,
) {
    if cur.len() == r {
        out.push(Value::tuple(cur.clone()));
        return;
    }
    for i in start..pool.len() {
        cur.push(pool[i].clone());
        combos(pool, r, if repl { i } else { i + 1 }, repl, cur, out);
        cur.pop();
    }
}

fn perms(
    pool: &[Value],
    r: usize,
    used: &mut Vec<bool>,
    cur: &mut Vec<Value>,
    out: &mut Vec<Value>,
) {
    if cur.len() == r {
        out.push(Value::tuple(cur.clone()));
        return;
    }
    for i in 0..pool.len() {
        if !used[i] {
            used[i] = true;
            cur.push(pool[i].clone());
            perms(pool, r, used, cur, out);
            cur.pop();
            used[i] = false;
        }
    }
}

fn guard_size(vm: &mut Vm, n: f64) -> PyResult<()> {
    if n > 5e6 {
        return Err(vm.fatal_memory());
    }
    vm.charge_memory((n as usize) * 16)
}

pub fn make_itertools(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "itertools");
    func(&m, "count", |vm, a| {
        let start = ai(&a, 0, "start").unwrap_or(Value::Int(0));
        let step = ai(&a, 1, "step").unwrap_or(Value::Int(1));
        let _ = vm;
        Ok(lazy("count", vec![start, step], |vm, s| {
            let v = s[0].clone();
            s[0] = vm.binary_op(BinOp::Add, &v, &s[1])?;
            Ok(Some(v))
        }))
    });
    func(&m, "repeat", |vm, a| {
        let obj = ai(&a, 0, "object").unwrap_or(Value::None);
        let times = opt_int(vm, ai(&a, 1, "times"))?;
        let t = times.map(|t| Value::Int(t.max(0))).unwrap_or(Value::None);
        Ok(lazy("repeat", vec![obj, t], |_, s| match s[1] {
            Value::Int(0) => Ok(None),
            Value::Int(n) => {
                s[1] = Value::Int(n - 1);
                Ok(Some(s[0].clone()))
            }
            _ => Ok(Some(s[0].clone())),
        }))
    });
    func(&m, "cycle", |vm, a| {
        let it = vm.iter(&a0(&a))?;
        // [source, saved list, source exhausted, position in saved]
        Ok(lazy(
            "cycle",
            vec![
                it,
                Value::list(Vec::new()),
                Value::Bool(false),
                Value::Int(0),
            ],
            |vm, s| {
                if let Value::Bool(false) = s[2] {
                    let src = s[0].clone();
                    if let Some(v) = vm.next(&src)? {
                        if let Value::List(l) = &s[1] {
                            l.borrow_mut().push(v.clone());
                        }
                        return Ok(Some(v));
                    }
                    s[2] = Value::Bool(true);
                }
                let Value::List(l) = s[1].clone() else {
                    return Ok(None);
                };
                let l = l.borrow();
                if l.is_empty() {
                    return Ok(None);
                }
                let Value::Int(p) = s[3] else { return Ok(None) };
                let v = l[p as usize % l.len()].clone();
                s[3] = Value::Int((p + 1) % l.len() as i64);
                Ok(Some(v))
            },
        ))
    });
    // `chain` is callable and has `chain.from_iterable`
    let chain_cls = native_class(vm, "itertools", "chain");
    chain_cls.dict.borrow_mut().insert(
        "__call__".into(),
        crate::sandbox::native_value("chain", |vm, a| {
            let src = vm.iter(&Value::tuple(a.pos))?;
            Ok(lazy("chain", vec![src, Value::None], chain_step))
        }),
    );
    let chain = new_instance(chain_cls);
    chain.set(
        "from_iterable",
        crate::sandbox::native_value("from_iterable", |vm, a| {
            let src = vm.iter(&a0(&a))?;
            Ok(lazy("chain", vec![src, Value::None], chain_step))
        }),
    );
    m.set("chain", Value::Instance(chain));
    func(&m, "islice", |vm, a| {
        let it = vm.iter(&a0(&a))?;
        let (start, stop, step) = match a.pos.len() {
            0 | 1 => {
                return Err(vm.type_error("islice expected at least 2 arguments, got 1".into()))
            }
            2 => (0, opt_int(vm, Some(a.pos[1].clone()))?, 1),
            _ => {
                let start = opt_int(vm, Some(a.pos[1].clone()))?.unwrap_or(0);
                let stop = opt_int(vm, Some(a.pos[2].clone()))?;
                let step = opt_int(vm, a.pos.get(3).cloned())?.unwrap_or(1);
                (start, stop, step)
            }
        };
        if start < 0 || stop.is_some_and(|s| s < 0) {
            return Err(vm.value_error(
                "Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.",
            ));
        }
        if step < 1 {
            return Err(vm.value_error("Step for islice() must be a positive integer or None."));
        }
        let stop = stop.map(Value::Int).unwrap_or(Value::None);
        // [iterator, next index to yield, stop, step, items consumed]
        Ok(lazy(
            "islice",
            vec![it, Value::Int(start), stop, Value::Int(step), Value::Int(0)],
            |vm, s| {
                let (Value::Int(next), Value::Int(step), Value::Int(mut pos)) =
                    (&s[1], &s[3], &s[4])
                else {
                    return Ok(None);
                };
                let (next, step) = (*next, *step);
                if let Value::Int(stop) = s[2] {
                    if next >= stop {
                        // consume up to stop, as CPython does
                        while pos < stop {
                            let it = s[0].clone();
                            if vm.next(&it)?.is_none() {
                                break;
                            }
                            pos += 1;
                        }
                        s[4] = Value::Int(pos);
                        return Ok(None);
                    }
                }
                let it = s[0].clone();
                loop {
                    let Some(v) = vm.next(&it)? else {
                        return Ok(None);
                    };
                    pos += 1;
                    if pos - 1 == next {
                        s[1] = Value::Int(next + step);
                        s[4] = Value::Int(pos);
                        return Ok(Some(v));
                    }
                }
            },
        ))
    });
    func(&m, "takewhile", |vm, a| {
        let it = vm.iter(a.pos.get(1).unwrap_or(&Value::None))?;
        Ok(lazy(
            "takewhile",
            vec![a0(&a), it, Value::Bool(false)],
            |vm, s| {
                if let Value::Bool(true) = s[2] {
                    return Ok(None);
                }
                let it = s[1].clone();
                let Some(v) = vm.next(&it)? else {
                    return Ok(None);
                };
                let r = vm.call(&s[0].clone(), vec![v.clone()], Vec::new())?;
                if vm.truthy(&r)? {
                    Ok(Some(v))
                } else {
                    s[2] = Value::Bool(true);
                    Ok(None)
                }
            },
        ))
    });
    func(&m, "dropwhile", |vm, a| {
        let it = vm.iter(a.pos.get(1).unwrap_or(&Value::None))?;
        Ok(lazy(
            "dropwhile",
            vec![a0(&a), it, Value::Bool(false)],
            |vm, s| {
                let it = s[1].clone();
                loop {
                    let Some(v) = vm.next(&it)? else {
                        return Ok(None);
                    };
                    if let Value::Bool(true) = s[2] {
                        return Ok(Some(v));
                    }
                    let r = vm.call(&s[0].clone(), vec![v.clone()], Vec::new())?;
                    if !vm.truthy(&r)? {
                        s[2] = Value::Bool(true);
                        return Ok(Some(v));
                    }
                }
            },
        ))
    });
    func(&m, "starmap", |vm, a| {
        let it = vm.iter(a.pos.get(1).unwrap_or(&Value::None))?;
        Ok(lazy("starmap", vec![a0(&a), it], |vm, s| {
            let it = s[1].clone();
            let Some(v) = vm.next(&it)? else {
                return Ok(None);
            };
            let args = vm.collect(v)?;
            vm.call(&s[0].clone(), args, Vec::new()).map(Some)
        }))
    });
    func(&m, "accumulate", |vm, a| {
        let it = vm.iter(&a0(&a))?;
        let f = ai(&a, 1, "func").unwrap_or(Value::None);
        let init = a.kw_get("initial").cloned().unwrap_or(Value::None);
        // [iterator, func, total, started, pending initial]
        let has_init = !init.is_none();
        Ok(lazy(
            "accumulate",
            vec![it, f, init, Value::Bool(false), Value::Bool(has_init)],
            |vm, s| {
                if let Value::Bool(true) = s[4] {
                    s[4] = Value::Bool(false);
                    s[3] = Value::Bool(true);
                    return Ok(Some(s[2].clone()));
                }
                let it = s[0].clone();
                let Some(v) = vm.next(&it)? else {
                    return Ok(None);
                };
                let total = if let Value::Bool(false) = s[3] {
                    s[3] = Value::Bool(true);
                    v
                } else if s[1].is_none() {
                    vm.binary_op(BinOp::Add, &s[2].clone(), &v)?
                } else {
                    vm.call(&s[1].clone(), vec![s[2].clone(), v], Vec::new())?
                };
                s[2] = total.clone();
                Ok(Some(total))
            },
        ))
    });
    func(&m, "product", |vm, a| {
        let repeat = match a.kw_get("repeat") {
            Some(v) => vm.to_index(&v.clone())?.max(0) as usize,
            None => 1,
        };
        let mut pools = Vec::new();
        for p in &a.pos {
            pools.push(vm.collect(p.clone())?);
        }
        let pools: Vec<Vec<Value>> = (0..repeat).flat_map(|_| pools.clone()).collect();
        guard_size(vm, pools.iter().map(|p| p.len() as f64).product())?;
        Ok(eager(product(&pools)))
    });
    func(&m, "permutations", |vm, a| {
        let pool = vm.collect(a0(&a))?;
        let r = opt_int(vm, ai(&a, 1, "r"))?
            .map(|r| r as usize)
            .unwrap_or(pool.len());
        let mut out = Vec::new();
        if r <= pool.len() {
            guard_size(vm, (0..r).map(|i| (pool.len() - i) as f64).product())?;
            perms(
                &pool,
                r,
                &mut vec![false; pool.len()],
                &mut Vec::new(),
                &mut out,
            );
        }
        Ok(eager(out))
    });
    func(&m, "combinations", |vm, a| {
        let pool = vm.collect(a0(&a))?;
        let r = opt_int(vm, ai(&a, 1, "r"))?.unwrap_or(0) as usize;
        let mut out = Vec::new();
        if r <= pool.len() {
            guard_size(vm, 2f64.powi(pool.len().min(60) as i32))?;
            combos(&pool, r, 0, false, &mut Vec::new(), &mut out);
        }
        Ok(eager(out))
    });
    func(&m, "combinations_with_replacement", |vm, a| {
        let pool = vm.collect(a0(&a))?;
        let r = opt_int(vm, ai(&a, 1, "r"))?.unwrap_or(0) as usize;
        let mut out = Vec::new();
        if !pool.is_empty() || r == 0 {
            guard_size(vm, (pool.len() as f64 + 1.0).powi(r.min(60) as i32))?;
            combos(&pool, r, 0, true, &mut Vec::new(), &mut out);
        }
        Ok(eager(out))
    });
    func(&m, "zip_longest", |vm, a| {
        let fill = a.kw_get("fillvalue").cloned().unwrap_or(Value::None);
        let mut cols = Vec::new();
        for p in &a.pos {
            cols.push(vm.collect(p.clone())?);
        }
        let n = cols.iter().map(|c| c.len()).max().unwrap_or(0);
        let rows = (0..n)
            .map(|i| {
                Value::tuple(
                    cols.iter()
                        .map(|c| c.get(i).cloned().unwrap_or(fill.clone()))
                        .collect(),
                )
            })
            .collect();
        Ok(eager(rows))
    });
    func(&m, "groupby", |vm, a| {
        let items = vm.collect(a0(&a))?;
        let key = ai(&a, 1, "key").unwrap_or(Value::None);
        let mut groups: Vec<(Value, Vec<Value>)> = Vec::new();
        for v in items {
            let k = if key.is_none() {
                v.clone()
            } else {
                vm.call(&key, vec![v.clone()], Vec::new())?
            };
            let same = match groups.last() {
                Some((lk, _)) => vm.eq(lk, &k)?,
                None => false,
            };
            if same {
                groups.last_mut().unwrap().1.push(v);
            } else {
                groups.push((k, vec![v]));
            }
        }
        let out = groups
            .into_iter()
            .map(|(k, g)| Value::tuple(vec![k, eager(g)]))
            .collect();
        Ok(eager(out))
    });
    func(&m, "tee", |vm, a| {
        let items = vm.collect(a0(&a))?;
        let n = opt_int(vm, ai(&a, 1, "n"))?.unwrap_or(2);
        let items = Rc::new(items);
        Ok(Value::tuple(
            (0..n)
                .map(|_| {
                    iter::new(IterState::Seq {
                        items: items.clone(),
                        pos: 0,
                    })
                })
                .collect(),
        ))
    });
    func(&m, "compress", |vm, a| {
        let data = vm.collect(a0(&a))?;
        let sel = vm.collect(a.pos.get(1).cloned().unwrap_or(Value::None))?;
        let mut out = Vec::new();
        for (d, s) in data.into_iter().zip(sel) {
            if vm.truthy(&s)? {
                out.push(d);
            }
        }
        Ok(eager(out))
    });
    m
}
