//! `random`: CPython's Mersenne Twister (`_randommodule.c`: `init_by_array`,
//! `genrand_uint32`, `random()`, `getrandbits`) with the algorithms of
//! `Lib/random.py` 3.8-3.13 on top (`_randbelow_with_getrandbits`,
//! `randrange`, `shuffle`, `sample`, `choices`, `gauss`...), so seeded
//! programs draw exactly the numbers CPython draws.
//!
//! Seeding follows `Random.seed` version 2: ints by their absolute value,
//! str/bytes/bytearray through `int.from_bytes(a + sha512(a).digest())`,
//! other values by their hash. An unseeded generator (and `seed()` without
//! argument) is seeded from the sandbox's virtual clock in nanoseconds: a
//! run is deterministic, the host's entropy is never read.
//!
//! `SystemRandom` is `Random` here (seeded from the virtual clock too).
//!
//! Generator states live in a per-run (per-thread) table; a `Random`
//! instance holds its index.

use std::cell::RefCell;
use std::rc::Rc;

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{ToPrimitive, Zero};
use sha2::{Digest, Sha512};

use crate::interp::{Args, PyResult, Vm};
use crate::sandbox::{ai, float_of, method, module, native_value, new_instance};
use crate::stdlib::math::libm;
use crate::types::class::{Class, Instance, Kind};
use crate::types::int;
use crate::value::Value;

const N: usize = 624;
const M: usize = 397;
/// Generators one run may create (each holds 2.5 KB of state).
const MAX_GENERATORS: usize = 10_000;

#[derive(Clone)]
struct Mt {
    state: [u32; N],
    index: usize,
    gauss_next: Option<f64>,
}

thread_local! {
    static GENERATORS: RefCell<Vec<Mt>> = const { RefCell::new(Vec::new()) };
}

impl Mt {
    fn new() -> Mt {
        Mt {
            state: [0; N],
            index: N + 1,
            gauss_next: None,
        }
    }

    fn init_genrand(&mut self, s: u32) {
        self.state[0] = s;
        for i in 1..N {
            let prev = self.state[i - 1];
            self.state[i] = 1812433253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19650218);
        let mt = &mut self.state;
        let (mut i, mut j) = (1usize, 0usize);
        let mut k = N.max(key.len());
        while k > 0 {
            let prev = mt[i - 1];
            mt[i] = (mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1664525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
            k -= 1;
        }
        k = N - 1;
        while k > 0 {
            let prev = mt[i - 1];
            mt[i] = (mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1566083941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            k -= 1;
        }
        mt[0] = 0x80000000;
        self.gauss_next = None;
    }

    fn seed_big(&mut self, n: &BigUint) {
        let mut key = n.to_u32_digits();
        if key.is_empty() {
            key.push(0);
        }
        self.init_by_array(&key);
    }

    fn next_u32(&mut self) -> u32 {
        const MAG01: [u32; 2] = [0, 0x9908b0df];
        if self.index >= N {
            let mt = &mut self.state;
            for kk in 0..N {
                let y = (mt[kk] & 0x80000000) | (mt[(kk + 1) % N] & 0x7fffffff);
                mt[kk] = mt[(kk + M) % N] ^ (y >> 1) ^ MAG01[(y & 1) as usize];
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^ (y >> 18)
    }

    fn random(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)
    }

    /// `getrandbits(k)` for `k >= 1`.
    fn bits(&mut self, k: u64) -> BigUint {
        if k <= 32 {
            return BigUint::from(self.next_u32() >> (32 - k));
        }
        let words = ((k - 1) / 32 + 1) as usize;
        let mut out = Vec::with_capacity(words);
        let mut left = k;
        for _ in 0..words {
            let mut r = self.next_u32();
            if left < 32 {
                r >>= 32 - left;
            }
            out.push(r);
            left = left.saturating_sub(32);
        }
        BigUint::new(out)
    }

    /// `_randbelow_with_getrandbits(n)` for `n >= 1`.
    fn below(&mut self, n: &BigUint) -> BigUint {
        let k = n.bits();
        loop {
            let r = self.bits(k);
            if &r < n {
                return r;
            }
        }
    }

    fn below_usize(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let k = usize::BITS - n.leading_zeros();
        loop {
            // k <= 64 here; two words at most
            let r = if k <= 32 {
                (self.next_u32() >> (32 - k)) as u64
            } else {
                let lo = self.next_u32() as u64;
                let hi = (self.next_u32() >> (64 - k)) as u64;
                lo | (hi << 32)
            };
            if (r as usize) < n {
                return r as usize;
            }
        }
    }
}

fn with_gen<T>(id: usize, f: impl FnOnce(&mut Mt) -> T) -> Option<T> {
    GENERATORS.with(|g| g.borrow_mut().get_mut(id).map(f))
}

fn gen_id(vm: &mut Vm, a: &Args) -> PyResult<usize> {
    if let Some(Value::Instance(i)) = a.pos.first() {
        if let Some(Value::Int(id)) = i.get("\0generator") {
            return Ok(id as usize);
        }
    }
    Err(vm.type_error("descriptor requires a 'random.Random' object".into()))
}

/// Positional argument `i` of a method (after `self`), or keyword `kw`.
fn arg(a: &Args, i: usize, kw: &str) -> Option<Value> {
    ai(a, i + 1, kw)
}

fn big_value(n: BigUint) -> Value {
    Value::bigint(BigInt::from_biguint(Sign::Plus, n))
}

fn virtual_seed(vm: &Vm) -> BigUint {
    let ns = ((vm.executed as f64 * 10.0) as u64).wrapping_add(1_700_000_000_000_000_000);
    BigUint::from(ns)
}

fn seed_value(vm: &mut Vm, id: usize, v: Option<Value>) -> PyResult<()> {
    let n: BigUint = match v {
        None | Some(Value::None) => virtual_seed(vm),
        Some(v) => match &v {
            Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => {
                let b = int::as_big(&v).unwrap_or_default();
                b.magnitude().clone()
            }
            Value::Str(_) | Value::Bytes(_) | Value::ByteArray(_) => {
                let mut data = match &v {
                    Value::Str(s) => s.s.as_bytes().to_vec(),
                    other => crate::types::bytearray::bytes_like(other).unwrap_or_default(),
                };
                let digest = Sha512::digest(&data);
                data.extend_from_slice(&digest);
                if let Value::ByteArray(b) = &v {
                    // 3.8's `a += _sha512(a).digest()` extends the caller's bytearray
                    if !vm.version.at_least(3, 9) {
                        b.borrow_mut().extend_from_slice(&digest);
                    }
                }
                BigUint::from_bytes_be(&data)
            }
            Value::Float(_) => BigUint::from(vm.hash(&v)? as u64),
            other => {
                if vm.version.at_least(3, 11) {
                    return Err(vm.type_error(
                        "The only supported seed types are: None,\nint, float, str, bytes, and bytearray."
                            .into(),
                    ));
                }
                BigUint::from(vm.hash(other)? as u64)
            }
        },
    };
    with_gen(id, |g| g.seed_big(&n));
    Ok(())
}

/// The class `random.Random`: its `__init__` gives the instance a
/// generator and binds the methods on the instance (methods overridden in
/// a Python subclass are therefore not seen by the instance).
fn random_class(vm: &mut Vm) -> Rc<Class> {
    if let Some(c) = vm.sandbox.classes.get("random.Random") {
        return c.clone();
    }
    let bases = vec![vm.class("object")];
    let mut dict = crate::types::class::AttrMap::default();
    dict.insert(
        "__init__".to_string(),
        native_value("__init__", |vm, a| {
            let Some(Value::Instance(obj)) = a.pos.first().cloned() else {
                return Err(vm.type_error("Random.__init__ needs an instance".into()));
            };
            let seed = ai(&a, 1, "x");
            init_generator(vm, &obj, seed)?;
            Ok(Value::None)
        }),
    );
    let c = Class::new_native("Random", "random", bases, Kind::Object, false, dict);
    vm.sandbox.classes.insert("random.Random", c.clone());
    c
}

fn init_generator(vm: &mut Vm, obj: &Rc<Instance>, seed: Option<Value>) -> PyResult<()> {
    let id = GENERATORS.with(|g| {
        let mut g = g.borrow_mut();
        if g.len() >= MAX_GENERATORS {
            return None;
        }
        g.push(Mt::new());
        Some(g.len() - 1)
    });
    let Some(id) = id else {
        return Err(vm.new_exc("MemoryError", "too many random.Random instances"));
    };
    seed_value(vm, id, seed)?;
    obj.set("\0generator", Value::Int(id as i64));
    method(obj, "seed", |vm, a| {
        let id = gen_id(vm, &a)?;
        seed_value(vm, id, arg(&a, 0, "a"))?;
        Ok(Value::None)
    });
    method(obj, "random", |vm, a| {
        let id = gen_id(vm, &a)?;
        Ok(Value::Float(with_gen(id, |g| g.random()).unwrap_or(0.0)))
    });
    method(obj, "getrandbits", getrandbits);
    method(obj, "randbytes", |vm, a| {
        let id = gen_id(vm, &a)?;
        let n = vm.to_i64(&arg(&a, 0, "n").unwrap_or(Value::None))?;
        if n < 0 {
            return Err(vm.value_error("number of bits must be non-negative"));
        }
        vm.charge_memory(n as usize)?;
        let bits = if n == 0 {
            BigUint::zero()
        } else {
            with_gen(id, |g| g.bits(n as u64 * 8)).unwrap_or_default()
        };
        let mut b = bits.to_bytes_le();
        b.resize(n as usize, 0);
        Ok(Value::Bytes(Rc::new(b)))
    });
    method(obj, "randrange", |vm, a| {
        let start = arg(&a, 0, "start").unwrap_or(Value::None);
        let stop = arg(&a, 1, "stop");
        let step = arg(&a, 2, "step");
        randrange(vm, &a, start, stop, step)
    });
    method(obj, "randint", |vm, a| {
        let lo = arg(&a, 0, "a").unwrap_or(Value::None);
        let hi = arg(&a, 1, "b").unwrap_or(Value::None);
        let stop = vm.binary_op(crate::lift::BinOp::Add, &hi, &Value::Int(1))?;
        randrange(vm, &a, lo, Some(stop), None)
    });
    method(obj, "choice", |vm, a| {
        let id = gen_id(vm, &a)?;
        let seq = arg(&a, 0, "seq").unwrap_or(Value::None);
        let n = vm.len(&seq)?;
        if n == 0 {
            return Err(vm.new_exc("IndexError", "Cannot choose from an empty sequence"));
        }
        let i = with_gen(id, |g| g.below_usize(n)).unwrap_or(0);
        vm.getitem(&seq, &Value::Int(i as i64))
    });
    method(obj, "shuffle", |vm, a| {
        let id = gen_id(vm, &a)?;
        let x = arg(&a, 0, "x").unwrap_or(Value::None);
        let n = vm.len(&x)?;
        for i in (1..n).rev() {
            let j = with_gen(id, |g| g.below_usize(i + 1)).unwrap_or(0);
            let (vi, vj) = (
                vm.getitem(&x, &Value::Int(i as i64))?,
                vm.getitem(&x, &Value::Int(j as i64))?,
            );
            vm.setitem(&x, Value::Int(i as i64), vj)?;
            vm.setitem(&x, Value::Int(j as i64), vi)?;
        }
        Ok(Value::None)
    });
    method(obj, "sample", sample);
    method(obj, "choices", choices);
    method(obj, "uniform", |vm, a| {
        let id = gen_id(vm, &a)?;
        let lo = float_of(vm, &arg(&a, 0, "a").unwrap_or(Value::None))?;
        let hi = float_of(vm, &arg(&a, 1, "b").unwrap_or(Value::None))?;
        let r = with_gen(id, |g| g.random()).unwrap_or(0.0);
        Ok(Value::Float(lo + (hi - lo) * r))
    });
    method(obj, "triangular", |vm, a| {
        let id = gen_id(vm, &a)?;
        let get = |vm: &mut Vm, i: usize, kw: &str, d: f64| -> PyResult<Option<f64>> {
            match arg(&a, i, kw) {
                None => Ok(Some(d)),
                Some(Value::None) => Ok(None),
                Some(v) => float_of(vm, &v).map(Some),
            }
        };
        let mut low = get(vm, 0, "low", 0.0)?.unwrap_or(0.0);
        let mut high = get(vm, 1, "high", 1.0)?.unwrap_or(1.0);
        let mode = get(vm, 2, "mode", f64::NAN)?;
        let mut u = with_gen(id, |g| g.random()).unwrap_or(0.0);
        let mut c = match mode {
            Some(m) if !m.is_nan() => {
                if high == low {
                    return Ok(Value::Float(low));
                }
                (m - low) / (high - low)
            }
            _ => 0.5,
        };
        if u > c {
            u = 1.0 - u;
            c = 1.0 - c;
            std::mem::swap(&mut low, &mut high);
        }
        Ok(Value::Float(low + (high - low) * (u * c).sqrt()))
    });
    method(obj, "gauss", |vm, a| {
        let id = gen_id(vm, &a)?;
        let mu = float_of(vm, &arg(&a, 0, "mu").unwrap_or(Value::Float(0.0)))?;
        let sigma = float_of(vm, &arg(&a, 1, "sigma").unwrap_or(Value::Float(1.0)))?;
        let z = with_gen(id, |g| match g.gauss_next.take() {
            Some(z) => z,
            None => {
                let x2pi = g.random() * std::f64::consts::TAU;
                let g2rad = (-2.0 * libm::log(1.0 - g.random())).sqrt();
                g.gauss_next = Some(libm::sin(x2pi) * g2rad);
                libm::cos(x2pi) * g2rad
            }
        })
        .unwrap_or(0.0);
        Ok(Value::Float(mu + z * sigma))
    });
    method(obj, "normalvariate", |vm, a| {
        let id = gen_id(vm, &a)?;
        let mu = float_of(vm, &arg(&a, 0, "mu").unwrap_or(Value::Float(0.0)))?;
        let sigma = float_of(vm, &arg(&a, 1, "sigma").unwrap_or(Value::Float(1.0)))?;
        let magic = 4.0 * libm::exp(-0.5) / 2.0f64.sqrt();
        let z = with_gen(id, |g| loop {
            let u1 = g.random();
            let u2 = 1.0 - g.random();
            let z = magic * (u1 - 0.5) / u2;
            if z * z / 4.0 <= -libm::log(u2) {
                break z;
            }
        })
        .unwrap_or(0.0);
        Ok(Value::Float(mu + z * sigma))
    });
    method(obj, "expovariate", |vm, a| {
        let id = gen_id(vm, &a)?;
        let lambd = float_of(vm, &arg(&a, 0, "lambd").unwrap_or(Value::Float(1.0)))?;
        let r = with_gen(id, |g| g.random()).unwrap_or(0.0);
        if lambd == 0.0 {
            return Err(vm.new_exc("ZeroDivisionError", "float division by zero"));
        }
        Ok(Value::Float(-libm::log(1.0 - r) / lambd))
    });
    method(obj, "getstate", |vm, a| {
        let id = gen_id(vm, &a)?;
        let g = with_gen(id, |g| g.clone()).unwrap_or_else(Mt::new);
        let mut items: Vec<Value> = g.state.iter().map(|w| Value::Int(*w as i64)).collect();
        items.push(Value::Int(g.index as i64));
        Ok(Value::tuple(vec![
            Value::Int(3),
            Value::tuple(items),
            g.gauss_next.map_or(Value::None, Value::Float),
        ]))
    });
    method(obj, "setstate", |vm, a| {
        let id = gen_id(vm, &a)?;
        let st = arg(&a, 0, "state").unwrap_or(Value::None);
        let version = vm.getitem(&st, &Value::Int(0))?;
        if !matches!(version, Value::Int(3)) {
            let v = vm.str(&version)?;
            return Err(vm.value_error(&format!(
                "state with version {} passed to Random.setstate() of version 3",
                v
            )));
        }
        let parts = match &st {
            Value::Tuple(t) if t.len() == 3 => t.clone(),
            _ => {
                return Err(
                    vm.value_error("state must be a 3-tuple (version, internal state, gauss_next)")
                )
            }
        };
        let Value::Tuple(words) = &parts[1] else {
            return Err(vm.type_error("state vector must be a tuple".into()));
        };
        if words.len() != N + 1 {
            return Err(vm.value_error("state vector is the wrong size"));
        }
        let mut g = Mt::new();
        for (k, w) in words.iter().enumerate() {
            // words are C unsigned longs, truncated to 32 bits
            let x = int::as_big(w).and_then(|b| b.to_u64());
            let Some(x) = x else {
                return Err(vm.new_exc(
                    "OverflowError",
                    "Python int too large to convert to C unsigned long",
                ));
            };
            if k < N {
                g.state[k] = x as u32;
            } else {
                if x as usize > N {
                    return Err(vm.value_error("invalid state"));
                }
                g.index = x as usize;
            }
        }
        g.gauss_next = match &parts[2] {
            Value::None => None,
            v => Some(float_of(vm, v)?),
        };
        with_gen(id, |slot| *slot = g);
        Ok(Value::None)
    });
    Ok(())
}

fn getrandbits(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let id = gen_id(vm, &a)?;
    let k = vm.to_i64(&arg(&a, 0, "k").unwrap_or(Value::None))?;
    if k < 0 {
        return Err(vm.value_error("number of bits must be non-negative"));
    }
    if k == 0 {
        if !vm.version.at_least(3, 9) {
            return Err(vm.value_error("number of bits must be greater than zero"));
        }
        return Ok(Value::Int(0));
    }
    vm.charge_memory(k as usize / 8)?;
    Ok(big_value(
        with_gen(id, |g| g.bits(k as u64)).unwrap_or_default(),
    ))
}

fn index_arg(vm: &mut Vm, v: &Value) -> PyResult<BigInt> {
    match v {
        Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => Ok(int::as_big(v).unwrap_or_default()),
        Value::Float(f) if !vm.version.at_least(3, 12) && f.fract() == 0.0 && f.is_finite() => {
            Ok(num_traits::FromPrimitive::from_f64(*f).unwrap_or_default())
        }
        Value::Float(_) if !vm.version.at_least(3, 12) => {
            Err(vm.value_error("non-integer arg 1 for randrange()"))
        }
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                t
            )))
        }
    }
}

fn below_big(vm: &mut Vm, a: &Args, n: &BigInt) -> PyResult<BigInt> {
    let id = gen_id(vm, a)?;
    let r = with_gen(id, |g| g.below(n.magnitude())).unwrap_or_default();
    Ok(BigInt::from_biguint(Sign::Plus, r))
}

fn randrange(
    vm: &mut Vm,
    a: &Args,
    start: Value,
    stop: Option<Value>,
    step: Option<Value>,
) -> PyResult<Value> {
    let istart = index_arg(vm, &start)?;
    let zero = BigInt::zero();
    let stop = stop.filter(|s| !s.is_none());
    let Some(stop) = stop else {
        if step.is_some() && vm.version.at_least(3, 12) {
            return Err(vm.type_error("Missing a non-None stop argument".into()));
        }
        if istart > zero {
            return Ok(Value::bigint(below_big(vm, a, &istart)?));
        }
        return Err(vm.value_error("empty range for randrange()"));
    };
    let istop = index_arg(vm, &stop)?;
    let width = &istop - &istart;
    let istep = match &step {
        Some(s) => index_arg(vm, s)?,
        None => BigInt::from(1),
    };
    let one = BigInt::from(1);
    if istep == one {
        if width > zero {
            let r = below_big(vm, a, &width)?;
            return Ok(Value::bigint(istart + r));
        }
        let msg = if vm.version.at_least(3, 12) {
            format!("empty range in randrange({}, {})", istart, istop)
        } else if vm.version.at_least(3, 10) {
            format!(
                "empty range for randrange() ({}, {}, {})",
                istart, istop, width
            )
        } else {
            format!(
                "empty range for randrange() ({},{}, {})",
                istart, istop, width
            )
        };
        return Err(vm.value_error(&msg));
    }
    let n = if istep > zero {
        num_integer::Integer::div_floor(&(&width + &istep - 1), &istep)
    } else if istep < zero {
        num_integer::Integer::div_floor(&(&width + &istep + 1), &istep)
    } else {
        return Err(vm.value_error("zero step for randrange()"));
    };
    if n <= zero {
        let msg = if vm.version.at_least(3, 12) {
            format!("empty range in randrange({}, {}, {})", istart, istop, istep)
        } else {
            "empty range for randrange()".to_string()
        };
        return Err(vm.value_error(&msg));
    }
    let r = below_big(vm, a, &n)?;
    Ok(Value::bigint(istart + istep * r))
}

fn sample(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let id = gen_id(vm, &a)?;
    let mut population = arg(&a, 0, "population").unwrap_or(Value::None);
    if matches!(population, Value::Set(_) | Value::FrozenSet(_)) && !vm.version.at_least(3, 11) {
        population = Value::tuple(crate::types::set::items(&population));
    }
    if !matches!(
        population,
        Value::List(_)
            | Value::Tuple(_)
            | Value::Str(_)
            | Value::Range(_)
            | Value::Bytes(_)
            | Value::ByteArray(_)
    ) {
        return Err(vm.type_error(
            "Population must be a sequence.  For dicts or sets, use sorted(d).".into(),
        ));
    }
    let k_val = arg(&a, 1, "k").unwrap_or(Value::None);
    let n = vm.len(&population)?;
    if let Some(counts) = a.kw_get("counts").cloned().filter(|c| !c.is_none()) {
        let counts = vm.collect(counts)?;
        if counts.len() != n {
            return Err(vm.value_error("The number of counts does not match the population"));
        }
        let mut cum = Vec::with_capacity(n);
        let mut total: i64 = 0;
        for c in &counts {
            total += vm.to_i64(c)?;
            cum.push(total);
        }
        if total <= 0 {
            return Err(vm.value_error("Total of counts must be greater than zero"));
        }
        let sub = Args {
            pos: vec![
                a.pos[0].clone(),
                Value::Range(Rc::new(crate::types::range::Range {
                    start: 0,
                    stop: total,
                    step: 1,
                })),
                k_val,
            ],
            kw: Vec::new(),
        };
        let picks = sample(vm, sub)?;
        let mut out = Vec::new();
        for s in vm.collect(picks)? {
            let s = vm.to_i64(&s)?;
            let i = cum.partition_point(|c| *c <= s);
            out.push(vm.getitem(&population, &Value::Int(i as i64))?);
        }
        return Ok(Value::list(out));
    }
    let k = vm.to_i64(&k_val)?;
    if k < 0 || k as usize > n {
        return Err(vm.value_error("Sample larger than population or is negative"));
    }
    let k = k as usize;
    vm.charge_memory(k.saturating_mul(16))?;
    let mut result = Vec::with_capacity(k);
    let mut setsize = 21usize;
    if k > 5 {
        let e = libm::log((k * 3) as f64) / libm::log(4.0);
        setsize += 4usize.saturating_pow(e.ceil() as u32);
    }
    if n <= setsize {
        let mut pool = vm.collect(population)?;
        for i in 0..k {
            let j = with_gen(id, |g| g.below_usize(n - i)).unwrap_or(0);
            result.push(pool[j].clone());
            pool[j] = pool[n - i - 1].clone();
        }
    } else {
        let mut selected = std::collections::HashSet::new();
        for _ in 0..k {
            let mut j = with_gen(id, |g| g.below_usize(n)).unwrap_or(0);
            while selected.contains(&j) {
                j = with_gen(id, |g| g.below_usize(n)).unwrap_or(0);
            }
            selected.insert(j);
            result.push(vm.getitem(&population, &Value::Int(j as i64))?);
        }
    }
    Ok(Value::list(result))
}

fn choices(vm: &mut Vm, a: Args) -> PyResult<Value> {
    let id = gen_id(vm, &a)?;
    let population = arg(&a, 0, "population").unwrap_or(Value::None);
    let weights = arg(&a, 1, "weights").filter(|w| !w.is_none());
    let cum = a.kw_get("cum_weights").cloned().filter(|w| !w.is_none());
    let k = match a.kw_get("k") {
        Some(v) => vm.to_i64(v)?.max(0) as usize,
        None => 1,
    };
    let n = vm.len(&population)?;
    vm.charge_memory(k.saturating_mul(16))?;
    let mut out = Vec::with_capacity(k.min(1 << 20));
    let cum_weights: Vec<f64> = match (weights, cum) {
        (None, None) => {
            for _ in 0..k {
                let r = with_gen(id, |g| g.random()).unwrap_or(0.0);
                let i = (r * n as f64).floor() as i64;
                out.push(vm.getitem(&population, &Value::Int(i))?);
            }
            return Ok(Value::list(out));
        }
        (Some(_), Some(_)) => {
            return Err(vm.type_error("Cannot specify both weights and cumulative weights".into()))
        }
        (Some(w), None) => {
            let mut acc = Value::Int(0);
            let mut cw = Vec::new();
            for (k, x) in vm.collect(w)?.into_iter().enumerate() {
                acc = if k == 0 {
                    x
                } else {
                    vm.binary_op(crate::lift::BinOp::Add, &acc, &x)?
                };
                cw.push(float_of(vm, &acc)?);
            }
            cw
        }
        (None, Some(c)) => {
            let mut cw = Vec::new();
            for x in vm.collect(c)? {
                cw.push(float_of(vm, &x)?);
            }
            cw
        }
    };
    if cum_weights.len() != n {
        return Err(vm.value_error("The number of weights does not match the population"));
    }
    let total = cum_weights.last().copied().unwrap_or(0.0);
    if total <= 0.0 {
        return Err(vm.value_error("Total of weights must be greater than zero"));
    }
    if !total.is_finite() && vm.version.at_least(3, 9) {
        return Err(vm.value_error("Total of weights must be finite"));
    }
    let hi = n - 1;
    for _ in 0..k {
        let x = with_gen(id, |g| g.random()).unwrap_or(0.0) * total;
        // bisect_right(cum_weights, x, 0, hi)
        let i = cum_weights[..hi].partition_point(|c| *c <= x);
        out.push(vm.getitem(&population, &Value::Int(i as i64))?);
    }
    Ok(Value::list(out))
}

pub fn make_random(vm: &mut Vm) -> PyResult<Rc<Instance>> {
    let m = module(vm, "random");
    let cls = random_class(vm);
    let inst = new_instance(cls.clone());
    init_generator(vm, &inst, None)?;
    for name in [
        "seed",
        "random",
        "getrandbits",
        "randbytes",
        "randrange",
        "randint",
        "choice",
        "shuffle",
        "sample",
        "choices",
        "uniform",
        "triangular",
        "gauss",
        "normalvariate",
        "expovariate",
        "getstate",
        "setstate",
    ] {
        if name == "randbytes" && !vm.version.at_least(3, 9) {
            continue;
        }
        if let Some(f) = inst.get(name) {
            m.set(name, f);
        }
    }
    // SystemRandom draws from the same virtual-clock-seeded generator:
    // the sandbox reads no host entropy
    m.set("SystemRandom", Value::Class(cls.clone()));
    m.set("Random", Value::Class(cls));
    Ok(m)
}
