//! Code objects as the VM holds them: converted from the marshal tree,
//! constants turned into values, instructions lifted ([`crate::lift`]),
//! line numbers and the exception table resolved to instruction indexes.

use std::rc::Rc;

use num_bigint::BigInt;
use pyctrace_bytecode::{instructions, parse_exception_table, Instruction, LineTable};
use pyctrace_marshal::refs::RefTable;
use pyctrace_marshal::{Code, CodeField, Node, Obj};
use pyctrace_version::PyVersion;

use crate::lift::{for_iter_exhausted, jump_offset, lift, Instr, LiftCtx, Semantics};
use crate::types::dict::Dict;
use crate::value::Value;
use crate::VmError;

/// A 3.11+ exception table entry with its handler as an instruction index.
#[derive(Clone, Debug)]
pub struct Handler {
    pub start: u32,
    pub end: u32,
    pub target: usize,
    pub depth: u32,
    pub lasti: bool,
}

pub struct CodeObj {
    pub sem: Semantics,
    pub name: String,
    pub qualname: String,
    pub filename: String,
    pub firstlineno: i32,
    pub argcount: u32,
    pub posonlyargcount: u32,
    pub kwonlyargcount: u32,
    pub flags: u32,
    pub consts: Vec<Value>,
    pub names: Vec<Value>,
    /// varnames + cellvars + freevars (≤3.10), co_localsplusnames (3.11+).
    pub localsplus_names: Vec<String>,
    /// ≤3.10: slots that hold cells, with the argument slot whose value
    /// initialises the cell.
    pub cell_slots: Vec<(usize, Option<usize>)>,
    /// Number of free variables (the last slots).
    pub nfree: usize,
    pub instrs: Vec<Instr>,
    pub lines: Vec<Option<i32>>,
    pub handlers: Vec<Handler>,
}

pub const CO_GENERATOR: u32 = 0x20;
pub const CO_COROUTINE: u32 = 0x80;
pub const CO_ASYNC_GENERATOR: u32 = 0x200;

impl CodeObj {
    pub fn nlocalsplus(&self) -> usize {
        self.localsplus_names.len()
    }

    pub fn is_generator(&self) -> bool {
        self.flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR) != 0
    }

    /// Index of the instruction at `offset` (as entered by a jump).
    pub fn index_of(&self, offset: u32) -> Option<usize> {
        index_of_in(&self.instrs, offset)
    }

    /// The 3.11+ handler covering `offset` (the innermost is listed first).
    pub fn handler_for(&self, offset: u32) -> Option<&Handler> {
        self.handlers
            .iter()
            .find(|h| h.start <= offset && offset < h.end)
    }
}

pub struct Loader<'t, 'a> {
    pub refs: RefTable<'t, 'a>,
    pub version: PyVersion,
    depth: u32,
    /// Converted FLAG_REF objects by offset: every reference yields the same
    /// object (as in CPython), so hostile data sharing one subtree many
    /// times costs one conversion, not exponentially many.
    shared: std::collections::HashMap<usize, Value>,
}

fn bad(msg: impl Into<String>) -> VmError {
    VmError::BadCode(msg.into())
}

impl<'t, 'a> Loader<'t, 'a> {
    pub fn new(root: &'t Node<'a>, version: PyVersion) -> Self {
        Loader {
            refs: RefTable::build(root, version),
            version,
            depth: 0,
            shared: std::collections::HashMap::new(),
        }
    }

    fn resolve(&self, node: &'t Node<'a>) -> Result<&'t Node<'a>, VmError> {
        self.refs
            .resolve(node)
            .ok_or_else(|| bad(format!("dangling marshal ref at offset {}", node.offset)))
    }

    fn text(&self, node: &'t Node<'a>) -> Result<String, VmError> {
        match &self.resolve(node)?.obj {
            Obj::Str { kind, data } => Ok(if kind.is_one_byte_kind() {
                data.iter().map(|&b| b as char).collect()
            } else {
                String::from_utf8_lossy(data).into_owned()
            }),
            other => Err(bad(format!(
                "expected a string, found {}",
                other.kind_name()
            ))),
        }
    }

    fn strings(&self, node: Option<&'t Node<'a>>) -> Result<Vec<String>, VmError> {
        let Some(node) = node else {
            return Ok(Vec::new());
        };
        let node = self.resolve(node)?;
        let items = node
            .as_seq()
            .ok_or_else(|| bad("expected a tuple of names"))?;
        items.iter().map(|n| self.text(n)).collect()
    }

    /// Converts one constant.
    pub fn value(&mut self, node: &'t Node<'a>) -> Result<Value, VmError> {
        let node = self.resolve(node)?;
        if node.flag_ref {
            if let Some(v) = self.shared.get(&node.offset) {
                return Ok(v.clone());
            }
        }
        self.depth += 1;
        if self.depth > 200 {
            return Err(bad("constants nested too deeply"));
        }
        let r = self.value_inner(node);
        self.depth -= 1;
        if let (true, Ok(v)) = (node.flag_ref, &r) {
            self.shared.insert(node.offset, v.clone());
        }
        r
    }

    fn value_inner(&mut self, node: &'t Node<'a>) -> Result<Value, VmError> {
        Ok(match &node.obj {
            Obj::None => Value::None,
            Obj::True => Value::Bool(true),
            Obj::False => Value::Bool(false),
            Obj::Ellipsis => Value::Ellipsis,
            Obj::Int(i) => Value::Int(*i as i64),
            Obj::Int64(i) => Value::Int(*i),
            Obj::Long { size, digits } => {
                let mut b = BigInt::from(0);
                for d in digits.iter().rev() {
                    b = (b << 15usize) + BigInt::from(*d);
                }
                if *size < 0 {
                    b = -b;
                }
                Value::bigint(b)
            }
            Obj::FloatBin(bits) => Value::Float(f64::from_bits(*bits)),
            Obj::FloatText(t) => Value::Float(
                crate::types::float::parse(&String::from_utf8_lossy(t))
                    .ok_or_else(|| bad("bad float constant"))?,
            ),
            Obj::Str { kind, data } => {
                if kind.is_bytes(self.version.is_py2()) {
                    Value::Bytes(Rc::new(data.to_vec()))
                } else {
                    Value::string(self.text(node)?)
                }
            }
            Obj::Tuple { items, .. } => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(self.value(it)?);
                }
                Value::tuple(out)
            }
            Obj::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(self.value(it)?);
                }
                Value::list(out)
            }
            Obj::Set(items) | Obj::FrozenSet(items) => {
                let mut d = Dict::new();
                for it in items {
                    let v = self.value(it)?;
                    let h = crate::protocol::pure_hash(&v)
                        .ok_or_else(|| bad("unhashable frozenset constant"))?;
                    let dup = d
                        .candidates(h)
                        .iter()
                        .any(|(_, k)| crate::protocol::pure_eq(k, &v) == Some(true));
                    if !dup {
                        d.push(v, Value::None, h);
                    }
                }
                if matches!(node.obj, Obj::Set(_)) {
                    Value::Set(Rc::new(std::cell::RefCell::new(d)))
                } else {
                    Value::FrozenSet(Rc::new(d))
                }
            }
            Obj::Dict(items) => {
                // only `marshal.loads` meets dict objects
                let mut d = Dict::new();
                for pair in items.chunks(2) {
                    let [k, v] = pair else { break };
                    let k = self.value(k)?;
                    let v = self.value(v)?;
                    let h =
                        crate::protocol::pure_hash(&k).ok_or_else(|| bad("unhashable dict key"))?;
                    match d
                        .candidates(h)
                        .into_iter()
                        .find(|(_, x)| crate::protocol::pure_eq(x, &k) == Some(true))
                    {
                        Some((i, _)) => d.set_at(i, v),
                        None => d.push(k, v, h),
                    }
                }
                Value::Dict(Rc::new(std::cell::RefCell::new(d)))
            }
            Obj::Code(code) => Value::Code(Rc::new(self.code(code)?)),
            Obj::ComplexBin(re, im) => {
                crate::types::complex::value(f64::from_bits(*re), f64::from_bits(*im))
            }
            Obj::ComplexText(re, im) => {
                let part = |t: &[u8]| {
                    std::str::from_utf8(t)
                        .ok()
                        .and_then(crate::types::float::parse)
                        .ok_or_else(|| bad("malformed complex constant"))
                };
                crate::types::complex::value(part(re)?, part(im)?)
            }
            other => {
                return Err(bad(format!(
                    "unsupported constant of kind {}",
                    other.kind_name()
                )))
            }
        })
    }

    /// Converts and lifts a code object.
    pub fn code(&mut self, code: &'t Code<'a>) -> Result<CodeObj, VmError> {
        let v = self.version;
        let sem = Semantics::of(v);
        let int = |f: CodeField| code.int(f).unwrap_or(0);
        let obj = |f: CodeField| code.obj(f);
        let bytes_of = |me: &Self, f: CodeField| -> Result<Vec<u8>, VmError> {
            match obj(f) {
                Some(n) => match &me.resolve(n)?.obj {
                    Obj::Str { data, .. } => Ok(data.to_vec()),
                    _ => Err(bad(format!("{} is not bytes", f.name()))),
                },
                None => Ok(Vec::new()),
            }
        };
        let bytecode = bytes_of(self, CodeField::Code)?;
        let name = match obj(CodeField::Name) {
            Some(n) => self.text(n)?,
            None => "?".into(),
        };
        let qualname = match obj(CodeField::QualName) {
            Some(n) => self.text(n)?,
            None => name.clone(),
        };
        let filename = match obj(CodeField::Filename) {
            Some(n) => self.text(n)?,
            None => "<unknown>".into(),
        };
        let mut consts = Vec::new();
        if let Some(n) = obj(CodeField::Consts) {
            let n = self.resolve(n)?;
            for item in n.as_seq().ok_or_else(|| bad("co_consts is not a tuple"))? {
                consts.push(self.value(item)?);
            }
        }
        let names: Vec<Value> = self
            .strings(obj(CodeField::Names))?
            .into_iter()
            .map(Value::string)
            .collect();
        let argcount = int(CodeField::ArgCount).max(0) as u32;
        let kwonly = int(CodeField::KwOnlyArgCount).max(0) as u32;
        let flags = int(CodeField::Flags) as u32;
        let (localsplus_names, cell_slots, nfree, nlocals) = if v.at_least(3, 11) {
            let names = self.strings(obj(CodeField::LocalsPlusNames))?;
            let kinds = bytes_of(self, CodeField::LocalsPlusKinds)?;
            let nfree = kinds.iter().filter(|k| *k & 0x80 != 0).count();
            (names, Vec::new(), nfree, 0)
        } else {
            let varnames = self.strings(obj(CodeField::VarNames))?;
            let cellvars = self.strings(obj(CodeField::CellVars))?;
            let freevars = self.strings(obj(CodeField::FreeVars))?;
            let nlocals = varnames.len();
            let nargs = (argcount + kwonly) as usize
                + (flags & 0x04 != 0) as usize
                + (flags & 0x08 != 0) as usize;
            let mut cell_slots = Vec::new();
            for (j, c) in cellvars.iter().enumerate() {
                let arg = varnames.iter().take(nargs).position(|n| n == c);
                cell_slots.push((nlocals + j, arg));
            }
            let mut all = varnames;
            all.extend(cellvars);
            let nfree = freevars.len();
            all.extend(freevars);
            (all, cell_slots, nfree, nlocals as u32)
        };
        let mut roots = vec![0usize];
        let exc_table = if v.at_least(3, 11) {
            parse_exception_table(&bytes_of(self, CodeField::ExceptionTable)?)
        } else {
            Vec::new()
        };
        for e in &exc_table {
            if e.target < bytecode.len() as u64 {
                roots.push(e.target as usize);
            }
        }
        let counts = (consts.len(), names.len(), localsplus_names.len());
        let instrs = lift_code(&bytecode, v, nlocals, counts, &roots);
        let firstlineno = int(CodeField::FirstLineNo);
        let table = bytes_of(self, CodeField::LineTable)?;
        let ranges = LineTable::new(v, &table, firstlineno, bytecode.len()).co_lines();
        let lines = instrs
            .iter()
            .map(|i| {
                let o = i.offset as usize;
                ranges
                    .iter()
                    .find(|r| r.start <= o && o < r.end)
                    .and_then(|r| r.line)
            })
            .collect();
        let mut handlers = Vec::new();
        if v.at_least(3, 11) {
            for e in exc_table {
                let target = (e.target <= u32::MAX as u64)
                    .then(|| index_of_in(&instrs, e.target as u32))
                    .flatten();
                if let Some(target) = target {
                    handlers.push(Handler {
                        start: e.start.min(u32::MAX as u64) as u32,
                        end: e.end.min(u32::MAX as u64) as u32,
                        target,
                        depth: e.depth.min(u32::MAX as u64) as u32,
                        lasti: e.lasti,
                    });
                }
            }
        }
        Ok(CodeObj {
            sem,
            name,
            qualname,
            filename,
            firstlineno,
            argcount,
            posonlyargcount: int(CodeField::PosOnlyArgCount).max(0) as u32,
            kwonlyargcount: kwonly,
            flags,
            consts,
            names,
            localsplus_names,
            cell_slots,
            nfree,
            instrs,
            lines,
            handlers,
        })
    }
}

/// The instruction at `offset` entered directly (instructions are sorted by
/// offset, the directly entered one first).
fn index_of_in(instrs: &[Instr], offset: u32) -> Option<usize> {
    let i = instrs.partition_point(|x| x.offset < offset);
    (i < instrs.len() && instrs[i].offset == offset && !instrs[i].after_ext).then_some(i)
}

/// Decodes the instruction at `offset` alone, as the interpreter does when
/// it arrives there: `ext` holds the EXTENDED_ARG bits when it falls through
/// from an EXTENDED_ARG (CPython applies them only then).
fn decode_at(code: &[u8], offset: usize, v: PyVersion, ext: u32) -> Option<Instruction> {
    let mut inst = instructions(code.get(offset..)?, v).next()?;
    inst.offset += offset;
    inst.start_offset = inst.offset;
    if let Some(a) = inst.arg.as_mut() {
        *a |= ext;
    }
    Some(inst)
}

/// Lifting is total: the instructions reachable from `roots` (the entry and
/// the exception handlers) by falling through or jumping are decoded where
/// execution would arrive, so junk (undefined opcodes, prefixes or caches
/// that overlap real instructions) never misaligns the code the interpreter
/// runs; whatever cannot be lifted becomes [`crate::lift::Op::Invalid`], an
/// error only if executed.
fn lift_code(
    code: &[u8],
    v: PyVersion,
    nlocals: u32,
    (nconsts, nnames, nlocalsplus): (usize, usize, usize),
    roots: &[usize],
) -> Vec<Instr> {
    use std::collections::{BTreeMap, HashMap};
    // key: (offset, after EXTENDED_ARG, the prefix bits)
    type Key = (usize, bool, u32);
    let cap = 8 * code.len() + 64;
    let mut found: BTreeMap<Key, Instruction> = BTreeMap::new();
    let mut work: Vec<Key> = roots.iter().map(|&r| (r, false, 0)).collect();
    let mut succ: HashMap<Key, Key> = HashMap::new();
    while let Some(key) = work.pop() {
        if found.contains_key(&key) || found.len() >= cap {
            continue;
        }
        let Some(inst) = decode_at(code, key.0, v, key.2) else {
            continue;
        };
        let end = inst.offset + inst.size_in_bytes;
        if inst.truncated.is_none() && end < code.len() {
            let next = if inst.is_extended_arg() {
                (end, true, inst.arg.unwrap_or(0) << 8)
            } else {
                (end, false, 0)
            };
            succ.insert(key, next);
            work.push(next);
        }
        let targets = [
            jump_offset(&inst),
            if inst.mnemonic == Some(pyctrace_bytecode::Mnemonic::FOR_ITER) {
                for_iter_exhausted(&inst)
            } else {
                None
            },
        ];
        for t in targets.into_iter().flatten() {
            if t >= 0 && (t as u64) < code.len() as u64 {
                work.push((t as usize, false, 0));
            }
        }
        found.insert(key, inst);
    }
    let keys: Vec<Key> = found.keys().copied().collect();
    let index: HashMap<Key, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let mut index_at = vec![u32::MAX; code.len()];
    for (i, k) in keys.iter().enumerate() {
        if !k.1 {
            index_at[k.0] = i as u32;
        }
    }
    let ctx = LiftCtx {
        version: v,
        index_at: &index_at,
        nlocals,
        nconsts,
        nnames,
        nlocalsplus,
    };
    keys.iter()
        .map(|k| {
            let i = &found[k];
            Instr {
                offset: i.offset as u32,
                mnemonic: i.mnemonic,
                opcode: i.opcode,
                arg: i.arg,
                op: lift(i, &ctx),
                next: succ
                    .get(k)
                    .and_then(|n| index.get(n))
                    .copied()
                    .unwrap_or(usize::MAX),
                after_ext: k.1,
                caches: i.cache_entries,
            }
        })
        .collect()
}
