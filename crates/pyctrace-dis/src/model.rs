//! The model of a disassembly, built once: per code object its
//! instructions with resolved arguments, line starts, jump targets,
//! exception table and reachability. The formatters only read it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pyctrace_bytecode::{
    instructions, op_table, parse_exception_table, ArgKind, Instruction, LineTable, Mnemonic,
    OpTable,
};
use pyctrace_marshal::refs::RefTable;
use pyctrace_marshal::{Code, CodeField, Node, Obj, PyVersion, Pyc};

use crate::reach;
use crate::repr::{plain_text, ReprCtx};

/// Code objects nested deeper than this are not disassembled (marshal data
/// cannot nest them this deep without refs; this bounds crafted graphs).
const MAX_NESTING: usize = 200;

/// At most this many code objects are listed: refs can make one code object
/// appear in many `co_consts` (dis lists it each time), exponentially often.
const MAX_LISTINGS: usize = 100_000;

/// Every code object of a file, in the order `dis.dis` prints them
/// (depth-first, each followed by the code objects in its `co_consts`).
#[derive(Clone, Debug)]
pub struct Disassembly {
    pub version: PyVersion,
    pub codes: Vec<CodeListing>,
}

/// One disassembled code object.
#[derive(Clone, Debug)]
pub struct CodeListing {
    /// 0 for the module, 1 for what its `co_consts` hold, ...
    pub depth: usize,
    /// `repr(code)` as the version prints it (the address is made up).
    pub repr: String,
    pub name: String,
    pub qualname: Option<String>,
    pub filename: String,
    pub first_line: i32,
    /// `len(co_code)` in bytes.
    pub code_len: usize,
    pub instructions: Vec<DisInstruction>,
    /// `dis.findlinestarts(code)` of the version.
    pub line_starts: Vec<(usize, Option<i32>)>,
    /// 3.11+ `co_exceptiontable`.
    pub exception_table: Vec<ExceptionEntry>,
    /// Offsets `dis` marks as jump targets (`>>`), and from 3.13 the label
    /// number of each (1-based, in offset order); older versions number
    /// them the same way for the JSON output.
    pub labels: BTreeMap<i64, u32>,
    /// Width of the line-number column `dis` uses (0: no column).
    pub lineno_width: usize,
    /// Width of the offset column (0: no column, 3.13+).
    pub offset_width: usize,
    /// Width of the 3.13+ label column.
    pub label_width: usize,
    /// Bytes of instructions not reachable from the entry and handlers.
    pub unreachable_bytes: usize,
    /// Anomalies found while building the model (hostile code).
    pub notes: Vec<String>,
}

/// One entry of a 3.11+ exception table (offsets in bytes, `end` exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExceptionEntry {
    pub start: u64,
    pub end: u64,
    pub target: u64,
    pub depth: u64,
    pub lasti: bool,
}

/// The resolved value of an argument (`Instruction.argval`).
#[derive(Clone, Debug, PartialEq)]
pub enum ArgValue {
    /// No argument, or nothing to resolve it to.
    None,
    /// The argument is its own value (counts, flags, ...).
    Int(i64),
    /// A constant: its repr.
    Const(String),
    /// A name, local, cell or free variable.
    Name(String),
    /// Two locals (3.13 `LOAD_FAST_LOAD_FAST` and friends).
    Names(String, String),
    /// A jump target, in bytes.
    Offset(i64),
    /// Something described by text (comparison operator, conversion, ...).
    Text(String),
    /// The argument points outside the table it indexes.
    Bad,
}

/// One instruction as `dis` lists it, plus what pyctrace adds.
#[derive(Clone, Debug)]
pub struct DisInstruction {
    pub offset: usize,
    /// Offset of the first EXTENDED_ARG prefix (or `offset`).
    pub start_offset: usize,
    /// Bytes covered, inline caches included.
    pub size: usize,
    pub opcode: u8,
    /// `LOAD_CONST`, or `<218>` for a byte the version does not define.
    pub opname: String,
    pub mnemonic: Option<Mnemonic>,
    pub kind: ArgKind,
    /// The argument as `dis` shows it (3.11+: signed 32-bit).
    pub arg: Option<i64>,
    /// 2.x: the argument followed an EXTENDED_ARG and `dis` prints it as a
    /// `long` (`65536L`).
    pub arg_long: bool,
    pub argval: ArgValue,
    /// What `dis` prints in parentheses (empty: nothing).
    pub argrepr: String,
    /// Raw jump target in bytes (may lie outside the code), for jumps.
    pub jump_target: Option<i64>,
    /// `Some(line)` when the instruction starts a line (`None` inside: 3.13+
    /// "no line" starts).
    pub line_start: Option<Option<i32>>,
    /// The line the instruction belongs to, as far as line starts tell.
    pub line: Option<i32>,
    /// `dis` marks it with `>>` (or a label from 3.13).
    pub is_jump_target: bool,
    pub label: Option<u32>,
    /// Reachable from the entry or an exception handler.
    pub reachable: bool,
    /// The code ends inside this instruction.
    pub truncated: bool,
    /// The argument is out of range for what it indexes.
    pub bad_arg: bool,
}

/// Disassembles every code object of a loaded `.pyc`.
pub fn disassemble_pyc(pyc: &Pyc<'_>) -> Disassembly {
    disassemble(&pyc.root, pyc.version)
}

/// Disassembles the code objects under `root` (normally a code object; a
/// tuple or other container is searched for code objects too).
pub fn disassemble(root: &Node<'_>, version: PyVersion) -> Disassembly {
    let refs = RefTable::build(root, version);
    let ctx = ReprCtx::new(version, &refs);
    let mut codes = Vec::new();
    let mut stack = Vec::new();
    match ctx.resolve(root) {
        Some(node) if matches!(node.obj, Obj::Code(_)) => {
            walk(&ctx, node, 0, &mut stack, &mut codes);
        }
        Some(node) => {
            // not a code object: list the code objects inside, in order
            for child in node.children() {
                if let Some(c) = ctx.resolve(child) {
                    if matches!(c.obj, Obj::Code(_)) {
                        walk(&ctx, c, 0, &mut stack, &mut codes);
                    }
                }
            }
        }
        None => {}
    }
    Disassembly { version, codes }
}

fn walk<'t, 'a>(
    ctx: &ReprCtx<'_, 't, 'a>,
    node: &'t Node<'a>,
    depth: usize,
    stack: &mut Vec<*const Node<'a>>,
    out: &mut Vec<CodeListing>,
) {
    let Obj::Code(code) = &node.obj else { return };
    let ptr = node as *const Node<'a>;
    if depth > MAX_NESTING || stack.contains(&ptr) || out.len() >= MAX_LISTINGS {
        return;
    }
    stack.push(ptr);
    let builder = Builder::new(ctx, node, code);
    out.push(builder.build(depth));
    for item in builder.consts.iter() {
        if matches!(item.obj, Obj::Code(_)) {
            walk(ctx, item, depth + 1, stack, out);
        }
    }
    stack.pop();
}

/// Python-style indexing (negative counts from the end).
fn py_index<T: Copy>(items: &[T], i: i64) -> Option<T> {
    let len = items.len() as i64;
    let j = if i < 0 { i + len } else { i };
    (0..len).contains(&j).then(|| items[j as usize])
}

struct Builder<'c, 'r, 't, 'a> {
    ctx: &'c ReprCtx<'r, 't, 'a>,
    node: &'t Node<'a>,
    code: &'t Code<'a>,
    version: PyVersion,
    table: &'static OpTable,
    bytes: &'t [u8],
    consts: Vec<&'t Node<'a>>,
    names: Vec<&'t Node<'a>>,
    varnames: Vec<&'t Node<'a>>,
    /// <= 3.10: cellvars + freevars; 3.11+: localsplusnames.
    cells: Vec<&'t Node<'a>>,
}

impl<'c, 'r, 't, 'a> Builder<'c, 'r, 't, 'a> {
    fn new(ctx: &'c ReprCtx<'r, 't, 'a>, node: &'t Node<'a>, code: &'t Code<'a>) -> Self {
        let version = ctx.version;
        let table = op_table(version).unwrap_or_else(|| {
            let fallback = if version.major < 3 {
                PyVersion::new(2, 7)
            } else {
                PyVersion::new(3, 14)
            };
            op_table(fallback).expect("2.7 and 3.14 tables exist")
        });
        let seq = |field: CodeField| -> Vec<&'t Node<'a>> {
            let Some(n) = code.obj(field).and_then(|n| ctx.resolve(n)) else {
                return Vec::new();
            };
            match n.as_seq() {
                Some(items) => items.iter().map(|i| ctx.resolve(i).unwrap_or(i)).collect(),
                None => Vec::new(),
            }
        };
        let bytes: &'t [u8] = code
            .obj(CodeField::Code)
            .and_then(|n| ctx.resolve(n))
            .and_then(Node::as_str_bytes)
            .unwrap_or(&[]);
        let (varnames, cells) = if version.at_least(3, 11) {
            let lp = seq(CodeField::LocalsPlusNames);
            (lp.clone(), lp)
        } else {
            let mut cells = seq(CodeField::CellVars);
            cells.extend(seq(CodeField::FreeVars));
            (seq(CodeField::VarNames), cells)
        };
        Builder {
            ctx,
            node,
            code,
            version,
            table,
            bytes,
            consts: seq(CodeField::Consts),
            names: seq(CodeField::Names),
            varnames,
            cells,
        }
    }

    fn bytes_field(&self, field: CodeField) -> &'t [u8] {
        self.code
            .obj(field)
            .and_then(|n| self.ctx.resolve(n))
            .and_then(Node::as_str_bytes)
            .unwrap_or(&[])
    }

    fn text_field(&self, field: CodeField) -> Option<String> {
        let n = self.ctx.resolve(self.code.obj(field)?)?;
        Some(plain_text(n, self.ctx))
    }

    fn build(&self, depth: usize) -> CodeListing {
        let v = self.version;
        let code_len = self.bytes.len();
        let first_line = self.code.int(CodeField::FirstLineNo).unwrap_or(0);
        let mut notes = Vec::new();

        let decoded: Vec<Instruction> = instructions(self.bytes, v).collect();

        // line starts, as a dict (later pairs win, like dict(findlinestarts))
        let line_starts = LineTable::new(
            v,
            self.bytes_field(CodeField::LineTable),
            first_line,
            code_len,
        )
        .line_starts();
        let mut starts: HashMap<usize, Option<i32>> = HashMap::new();
        for &(o, l) in &line_starts {
            starts.insert(o, l);
        }

        let exception_table: Vec<ExceptionEntry> = if v.at_least(3, 11) {
            parse_exception_table(self.bytes_field(CodeField::ExceptionTable))
                .into_iter()
                .map(|e| ExceptionEntry {
                    start: e.start,
                    end: e.end,
                    target: e.target,
                    depth: e.depth,
                    lasti: e.lasti,
                })
                .collect()
        } else {
            Vec::new()
        };

        // jump targets as this version's dis finds them
        let mut targets: BTreeSet<i64> = BTreeSet::new();
        for ins in &decoded {
            if let Some(t) = self.label_target(ins) {
                targets.insert(t);
            }
        }
        for e in &exception_table {
            if v.at_least(3, 13) {
                targets.insert(e.start as i64);
                targets.insert(e.end as i64);
                targets.insert(e.target as i64);
            } else if e.end > e.start {
                targets.insert(e.target as i64);
            }
        }
        let labels: BTreeMap<i64, u32> = targets
            .iter()
            .enumerate()
            .map(|(i, &o)| (o, i as u32 + 1))
            .collect();

        let mut out = Vec::with_capacity(decoded.len());
        let mut line: Option<i32> = None;
        let mut prev_ext = false; // 2.x: the last argument-taking op was EXTENDED_ARG
        for ins in &decoded {
            let line_start = starts.get(&ins.offset).copied();
            if let Some(l) = line_start {
                line = l;
            }
            let arg = ins.dis_arg();
            let arg_long = v.is_py2() && arg.is_some() && prev_ext;
            if v.is_py2() && arg.is_some() {
                prev_ext = ins.is_extended_arg();
            }
            let jump_target = ins.raw_jump_target();
            let (argval, argrepr, bad_arg) = match arg {
                Some(a) => self.resolve_arg(ins, a, jump_target, arg_long, &labels),
                None => (ArgValue::None, String::new(), false),
            };
            if bad_arg {
                notes.push(format!(
                    "offset {}: {} argument {} out of range",
                    ins.offset,
                    ins.opname(),
                    arg.unwrap_or(0)
                ));
            }
            if let Some(t) = jump_target {
                if t < 0 || t as u64 >= code_len as u64 {
                    notes.push(format!(
                        "offset {}: {} jumps outside the code (to {t})",
                        ins.offset,
                        ins.opname()
                    ));
                }
            }
            if let Some(e) = &ins.truncated {
                notes.push(e.to_string());
            }
            out.push(DisInstruction {
                offset: ins.offset,
                start_offset: ins.start_offset,
                size: ins.size_in_bytes,
                opcode: ins.opcode,
                opname: ins.opname(),
                mnemonic: ins.mnemonic,
                kind: ins.kind(),
                arg,
                arg_long,
                argval,
                argrepr,
                jump_target,
                line_start,
                line,
                is_jump_target: labels.contains_key(&(ins.offset as i64)),
                label: labels.get(&(ins.offset as i64)).copied(),
                reachable: true,
                truncated: ins.truncated.is_some(),
                bad_arg,
            });
        }

        // Reachability, then undo EXTENDED_ARG prefixes that never run: a
        // protector puts one (dead) right before a jump target, so linear
        // decoding (CPython's dis included) shows a wrong argument for the
        // instruction that actually executes. Corrected arguments can move
        // jump targets, so repeat until nothing changes.
        for _round in 0..8 {
            let reachable = reach::reachable(&out, &exception_table, code_len, v);
            for (ins, r) in out.iter_mut().zip(reachable) {
                ins.reachable = r;
            }
            if !self.drop_dead_prefixes(&decoded, &mut out, &labels, &mut notes) {
                break;
            }
        }
        let unreachable_bytes = out.iter().filter(|i| !i.reachable).map(|i| i.size).sum();
        for ins in &out {
            if let Some(t) = ins.jump_target {
                let on_boundary = out.binary_search_by_key(&t, |i| i.offset as i64).is_ok();
                if t >= 0 && (t as usize) < code_len && !on_boundary {
                    notes.push(format!(
                        "offset {}: {} jumps into the middle of an instruction (to {t})",
                        ins.offset, ins.opname
                    ));
                }
            }
        }

        let (lineno_width, offset_width) = self.widths(&line_starts, code_len);
        CodeListing {
            depth,
            repr: self.ctx.code_repr(self.node),
            name: self.text_field(CodeField::Name).unwrap_or_default(),
            qualname: self.text_field(CodeField::QualName),
            filename: self.text_field(CodeField::Filename).unwrap_or_default(),
            first_line,
            code_len,
            instructions: out,
            line_starts,
            exception_table,
            label_width: 4 + labels.len().to_string().len(),
            labels,
            lineno_width,
            offset_width,
            unreachable_bytes,
            notes,
        }
    }

    /// Column widths of the version's `dis` (line number, offset).
    fn widths(&self, line_starts: &[(usize, Option<i32>)], code_len: usize) -> (usize, usize) {
        let v = self.version;
        let offset_width = if v.at_least(3, 13) {
            0
        } else if v.at_least(3, 7) {
            let maxoffset = code_len as i64 - 2;
            if maxoffset >= 10000 {
                maxoffset.to_string().len()
            } else {
                4
            }
        } else {
            4
        };
        let lines: Vec<i32> = line_starts.iter().filter_map(|&(_, l)| l).collect();
        let lineno_width = if v.at_least(3, 13) {
            // max(filter(None, ...)): line 0 does not count
            match lines.iter().copied().filter(|&l| l != 0).max() {
                None => 0,
                Some(m) => {
                    let w = 3.max(m.to_string().len());
                    if w < 4 && line_starts.iter().any(|&(_, l)| l.is_none()) {
                        4
                    } else {
                        w
                    }
                }
            }
        } else if v.at_least(3, 7) {
            match lines.iter().max() {
                // 3.7-3.9 raise ValueError here; show the usual column
                None if !v.at_least(3, 10) => 3,
                None => 0,
                Some(&m) if m >= 1000 => m.to_string().len(),
                Some(_) => 3,
            }
        } else {
            3
        };
        (lineno_width, offset_width)
    }

    /// The jump target `dis.findlabels` of the version records for `ins`.
    fn label_target(&self, ins: &Instruction) -> Option<i64> {
        let v = self.version;
        ins.arg?;
        let kind = ins.kind();
        if !matches!(
            kind,
            ArgKind::JumpForward | ArgKind::JumpBackward | ArgKind::JumpAbsolute
        ) {
            return None;
        }
        if v.is_py2() {
            // 2.x findlabels ignores EXTENDED_ARG
            let o = ins.offset;
            let raw = *self.bytes.get(o + 1)? as i64 | (*self.bytes.get(o + 2)? as i64) << 8;
            return Some(match kind {
                ArgKind::JumpAbsolute => raw,
                _ => o as i64 + 3 + raw,
            });
        }
        if v.major == 3 && v.minor == 11 && ins.info.is_some_and(|i| i.deopt.is_some()) {
            // 3.11 findlabels looks at the opcode itself, not its base op
            return None;
        }
        ins.raw_jump_target()
    }

    fn name_at(&self, list: &[&'t Node<'a>], i: i64) -> Option<String> {
        py_index(list, i).map(|n| plain_text(n, self.ctx))
    }

    /// For each reachable instruction whose EXTENDED_ARG chain has a prefix
    /// that is never executed, recomputes the argument from the prefixes
    /// that are (those after the last dead one). Returns whether any changed.
    fn drop_dead_prefixes(
        &self,
        decoded: &[Instruction],
        out: &mut [DisInstruction],
        labels: &BTreeMap<i64, u32>,
        notes: &mut Vec<String>,
    ) -> bool {
        let v = self.version;
        let mut changed = false;
        for i in 0..out.len() {
            let ins = &out[i];
            if !ins.reachable || ins.arg.is_none() || ins.start_offset >= ins.offset {
                continue;
            }
            let start = ins.start_offset;
            let prefixes: Vec<usize> = (0..i)
                .rev()
                .take_while(|&j| out[j].offset >= start)
                .filter(|&j| decoded[j].is_extended_arg())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let Some(last_dead) = prefixes.iter().rposition(|&j| !out[j].reachable) else {
                continue;
            };
            let unit = |offset: usize| -> u32 {
                if v.at_least(3, 6) {
                    self.bytes.get(offset + 1).copied().unwrap_or(0) as u32
                } else {
                    let lo = self.bytes.get(offset + 1).copied().unwrap_or(0) as u32;
                    let hi = self.bytes.get(offset + 2).copied().unwrap_or(0) as u32;
                    lo | hi << 8
                }
            };
            let shift = if v.at_least(3, 6) { 8 } else { 16 };
            let mut effective: u32 = 0;
            for &j in &prefixes[last_dead + 1..] {
                effective = effective.wrapping_shl(shift) | unit(out[j].offset);
            }
            effective = effective.wrapping_shl(shift) | unit(out[i].offset);
            let mut fixed = decoded[i].clone();
            fixed.arg = Some(effective);
            let (Some(arg), old) = (fixed.dis_arg(), out[i].arg) else {
                continue;
            };
            if Some(arg) == old {
                continue;
            }
            let jump_target = fixed.raw_jump_target();
            let (argval, argrepr, bad_arg) =
                self.resolve_arg(&fixed, arg, jump_target, false, labels);
            let stale = format!("offset {}: {} argument ", out[i].offset, out[i].opname);
            notes.retain(|n| !n.starts_with(&stale));
            notes.push(format!(
                "offset {}: EXTENDED_ARG at {} never runs; {} executes with argument {arg} (linear disassembly shows {})",
                out[i].offset,
                out[prefixes[last_dead]].offset,
                out[i].opname,
                old.unwrap_or(0)
            ));
            let ins = &mut out[i];
            ins.arg = Some(arg);
            ins.arg_long = false;
            ins.argval = argval;
            ins.argrepr = argrepr;
            ins.bad_arg = bad_arg;
            ins.jump_target = jump_target;
            changed = true;
        }
        changed
    }

    /// `(argval, argrepr, bad)` for an instruction with an argument.
    fn resolve_arg(
        &self,
        ins: &Instruction,
        arg: i64,
        jump_target: Option<i64>,
        arg_long: bool,
        labels: &BTreeMap<i64, u32>,
    ) -> (ArgValue, String, bool) {
        let v = self.version;
        let bad = |what: &str| (ArgValue::Bad, format!("<bad {what} {arg}>"), true);
        let name_with =
            |idx: i64, list: &[&'t Node<'a>], flag: bool, extra: &str, what: &str| match self
                .name_at(list, idx)
            {
                Some(n) => {
                    let shown = if flag && !n.is_empty() {
                        if v.at_least(3, 13) {
                            format!("{n} + {extra}")
                        } else {
                            format!("{extra} + {n}")
                        }
                    } else {
                        n.clone()
                    };
                    (ArgValue::Name(n), shown, false)
                }
                None => (ArgValue::Bad, format!("<bad {what} {idx}>"), true),
            };
        let kind = match ins.kind() {
            // 3.11's dis does not count KW_NAMES as a const op (3.12 does)
            ArgKind::Const
                if v.major == 3 && v.minor == 11 && ins.mnemonic == Some(Mnemonic::KW_NAMES) =>
            {
                ArgKind::Raw
            }
            k => k,
        };
        match kind {
            ArgKind::Const => match py_index(&self.consts, arg) {
                Some(c) => {
                    let r = self.ctx.repr(c);
                    (ArgValue::Const(r.clone()), r, false)
                }
                None => bad("const"),
            },
            ArgKind::Name => name_with(arg, &self.names, false, "", "name"),
            ArgKind::LoadGlobal => name_with(arg >> 1, &self.names, arg & 1 != 0, "NULL", "name"),
            ArgKind::LoadAttr => {
                name_with(arg >> 1, &self.names, arg & 1 != 0, "NULL|self", "name")
            }
            ArgKind::LoadSuperAttr => {
                name_with(arg >> 2, &self.names, arg & 1 != 0, "NULL|self", "name")
            }
            ArgKind::Local => name_with(arg, &self.varnames, false, "", "local"),
            ArgKind::Free => name_with(arg, &self.cells, false, "", "free"),
            ArgKind::LocalPair => {
                let a = self.name_at(&self.varnames, arg >> 4);
                let b = self.name_at(&self.varnames, arg & 15);
                let bad_any = a.is_none() || b.is_none();
                let a = a.unwrap_or_else(|| format!("<bad local {}>", arg >> 4));
                let b = b.unwrap_or_else(|| format!("<bad local {}>", arg & 15));
                let shown = format!("{a}, {b}");
                (ArgValue::Names(a, b), shown, bad_any)
            }
            ArgKind::Compare => {
                let (idx, as_bool) = if v.at_least(3, 13) {
                    (arg >> 5, arg & 16 != 0)
                } else if v.at_least(3, 12) {
                    (arg >> 4, false)
                } else {
                    (arg, false)
                };
                match py_index(self.table.cmp_op, idx) {
                    Some(op) => {
                        let shown = if as_bool {
                            format!("bool({op})")
                        } else {
                            op.to_string()
                        };
                        (ArgValue::Text(op.to_string()), shown, false)
                    }
                    None => bad("compare"),
                }
            }
            ArgKind::JumpForward | ArgKind::JumpBackward | ArgKind::JumpAbsolute => {
                let t = jump_target.unwrap_or(0);
                let shown = if v.at_least(3, 13) {
                    match labels.get(&t) {
                        Some(l) => format!("to L{l}"),
                        None => format!("to {t}"),
                    }
                } else if ins.kind() == ArgKind::JumpAbsolute && !v.at_least(3, 10) {
                    String::new()
                } else if arg_long {
                    format!("to {t}L")
                } else {
                    format!("to {t}")
                };
                (ArgValue::Offset(t), shown, false)
            }
            ArgKind::BinaryOp => match py_index(self.table.nb_ops, arg) {
                Some(op) => (ArgValue::Text(op.to_string()), op.to_string(), false),
                None => bad("binary op"),
            },
            ArgKind::Intrinsic1 => match py_index(self.table.intrinsic1, arg) {
                Some(n) => (ArgValue::Text(n.to_string()), n.to_string(), false),
                None => bad("intrinsic"),
            },
            ArgKind::Intrinsic2 => match py_index(self.table.intrinsic2, arg) {
                Some(n) => (ArgValue::Text(n.to_string()), n.to_string(), false),
                None => bad("intrinsic"),
            },
            ArgKind::FormatValue => {
                let conv = ["", "str", "repr", "ascii"][(arg & 3) as usize];
                let mut shown = conv.to_string();
                if arg & 4 != 0 {
                    if !shown.is_empty() {
                        shown.push_str(", ");
                    }
                    shown.push_str("with format");
                }
                (ArgValue::Text(shown.clone()), shown, false)
            }
            ArgKind::ConvertValue => match py_index(&["", "str", "repr", "ascii"], arg) {
                Some(c) => (ArgValue::Text(c.to_string()), c.to_string(), false),
                None => bad("conversion"),
            },
            ArgKind::FunctionAttribute => {
                let shown = self.flags(arg);
                (ArgValue::Int(arg), shown, false)
            }
            ArgKind::Raw
                if ins.mnemonic == Some(Mnemonic::MAKE_FUNCTION)
                    && v.at_least(3, 8)
                    && !v.at_least(3, 13) =>
            {
                let shown = self.flags(arg);
                (ArgValue::Int(arg), shown, false)
            }
            ArgKind::SmallInt => (ArgValue::Int(arg), arg.to_string(), false),
            ArgKind::CommonConstant => {
                let names = [
                    "AssertionError",
                    "NotImplementedError",
                    "tuple",
                    "all",
                    "any",
                ];
                match py_index(&names, arg) {
                    Some(n) => (ArgValue::Text(n.to_string()), n.to_string(), false),
                    None => bad("constant"),
                }
            }
            ArgKind::SpecialMethod => {
                let names = ["__enter__", "__exit__", "__aenter__", "__aexit__"];
                match py_index(&names, arg) {
                    Some(n) => (ArgValue::Text(n.to_string()), n.to_string(), false),
                    None => bad("special method"),
                }
            }
            _ => (ArgValue::Int(arg), String::new(), false),
        }
    }

    /// `MAKE_FUNCTION` / `SET_FUNCTION_ATTRIBUTE` flag names.
    fn flags(&self, arg: i64) -> String {
        let mut names = vec!["defaults", "kwdefaults", "annotations", "closure"];
        if self.version.at_least(3, 14) {
            names.push("annotate");
        }
        names
            .iter()
            .enumerate()
            .filter(|(i, _)| arg & (1 << i) != 0)
            .map(|(_, s)| *s)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
