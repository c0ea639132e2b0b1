//! Deobfuscation of CPython `.pyc` files (2.7, 3.6–3.13).
//!
//! For every code object (nested ones included): the control-flow graph by
//! recursive traversal ([`pyctrace_cfg`]), an editable block form ([`ir`]),
//! the passes of [`passes`] run by a small manager (drop unreachable code,
//! thread jump chains, fold opaque predicates, merge straight-line blocks,
//! re-lay out blocks in source order, remove jumps to the next block), then
//! the per-version [`asm`] assembler and the [`verify`] verifier. A code
//! object the pipeline cannot handle (reachable undefined opcode, jump out
//! of the code...) or whose result does not verify is kept as it was, and
//! the report says why. `--rename` renames locals whose names are not
//! valid identifiers. With trace facts ([`Options::trace`], the CLI's
//! `--trust-trace`), [`passes::trace_fold`] also folds the conditional
//! jumps the traced runs always took one way.

pub mod asm;
pub mod ir;
pub mod passes;
pub mod tables;
pub mod verify;

use std::borrow::Cow;

use pyctrace_bytecode::PyVersion;
use pyctrace_cfg::Cfg;
use pyctrace_marshal::refs::RefTable;
use pyctrace_marshal::{read_pyc, write_pyc, Code, CodeField, Node, Obj, ReadOptions, StrType};
use serde_json::{json, Value};

use crate::ir::{Func, Positions};
use crate::passes::{default_passes, run_passes, ConstVal, Ctx};

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Rename locals that are not valid identifiers.
    pub rename: bool,
    /// Skip the re-layout (keep the input's block order, minus junk).
    pub no_layout: bool,
    /// `--trust-trace`: fold the branches these trace facts say always
    /// went one way (see [`passes::trace_fold`]).
    pub trace: Vec<passes::trace_fold::CodeTrace>,
}

/// What happened to one code object.
#[derive(Clone, Debug, Default)]
pub struct CodeReport {
    /// Dotted path of `co_name`s from the module down.
    pub path: String,
    /// `None`: rewritten; otherwise why it was kept.
    pub kept: Option<String>,
    pub instructions_before: usize,
    pub instructions_after: usize,
    pub passes: Vec<(String, Vec<String>)>,
    /// The layout had to fall back to the input's block order.
    pub layout_fallback: bool,
    pub stacksize_before: i32,
    pub stacksize_after: i32,
    pub renamed: Vec<(String, String)>,
    /// Trace facts about this code object that were not folded, and why.
    pub trace_not_folded: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub version: String,
    pub codes: Vec<CodeReport>,
}

impl Report {
    pub fn to_json(&self) -> Value {
        json!({
            "version": self.version,
            "code_objects": self.codes.iter().map(|c| json!({
                "path": c.path,
                "kept": c.kept,
                "instructions_before": c.instructions_before,
                "instructions_after": c.instructions_after,
                "stacksize_before": c.stacksize_before,
                "stacksize_after": c.stacksize_after,
                "layout_fallback": c.layout_fallback,
                "passes": c.passes.iter().map(|(n, ch)| json!({"pass": n, "changes": ch.len(), "details": ch})).collect::<Vec<_>>(),
                "renamed": c.renamed.iter().map(|(a, b)| json!({"from": a, "to": b})).collect::<Vec<_>>(),
                "trace_not_folded": c.trace_not_folded,
            })).collect::<Vec<_>>(),
        })
    }
}

#[derive(Debug)]
pub enum DeobfError {
    Load(String),
    Write(String),
}

impl std::fmt::Display for DeobfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeobfError::Load(e) => write!(f, "cannot load: {e}"),
            DeobfError::Write(e) => write!(f, "cannot write: {e}"),
        }
    }
}

impl std::error::Error for DeobfError {}

/// A copy of the tree with every `r`/`R` record replaced by (a copy of)
/// what it names and no FLAG_REF left, so nodes can be edited one by one.
pub fn unref(node: &Node<'_>, refs: &RefTable<'_, '_>, depth: usize) -> Node<'static> {
    let resolved = if depth < 200 {
        refs.resolve(node).unwrap_or(node)
    } else {
        node
    };
    let target = if std::ptr::eq(resolved, node) {
        node
    } else {
        resolved
    };
    let mut out = target.clone().into_owned();
    out.flag_ref = false;
    out.offset = 0;
    let kids = |items: &mut Vec<Node<'static>>| {
        for it in items.iter_mut() {
            *it = unref(it, refs, depth + 1);
        }
    };
    match &mut out.obj {
        Obj::Tuple { items, .. }
        | Obj::List(items)
        | Obj::Set(items)
        | Obj::FrozenSet(items)
        | Obj::Dict(items) => kids(items),
        Obj::Slice(parts) => {
            for p in parts.iter_mut() {
                *p = unref(p, refs, depth + 1);
            }
        }
        Obj::Code(code) => {
            for (_, v) in code.fields.iter_mut() {
                if let pyctrace_marshal::FieldValue::Obj(n) = v {
                    *n = unref(n, refs, depth + 1);
                }
            }
        }
        Obj::Ref(_) | Obj::StringRef(_) => {}
        _ => {}
    }
    out
}

fn bytes_of(code: &Code<'_>, field: CodeField) -> Vec<u8> {
    code.obj(field)
        .and_then(|n| n.as_str_bytes())
        .map(|b| b.to_vec())
        .unwrap_or_default()
}

fn set_bytes(code: &mut Code<'static>, field: CodeField, data: Vec<u8>) {
    if let Some(n) = code.obj_mut(field) {
        n.obj = Obj::Str {
            kind: StrType::String,
            data: Cow::Owned(data),
        };
    }
}

fn const_val(n: &Node<'_>) -> ConstVal {
    match &n.obj {
        Obj::Int(i) => ConstVal::Int(*i as i128),
        Obj::Int64(i) => ConstVal::Int(*i as i128),
        Obj::True => ConstVal::Bool(true),
        Obj::False => ConstVal::Bool(false),
        Obj::Long { size, digits } if digits.len() <= 6 => {
            let mut v: i128 = 0;
            for d in digits.iter().rev() {
                v = (v << 15) | (*d as i128 & 0x7fff);
            }
            ConstVal::Int(if *size < 0 { -v } else { v })
        }
        _ => ConstVal::Other,
    }
}

/// Deobfuscates the instructions of one code object (not its children).
pub fn deobfuscate_code(code: &mut Code<'static>, opts: &Options, path: String) -> CodeReport {
    let v: PyVersion = code.version;
    let mut rep = CodeReport {
        path,
        stacksize_before: code.int(CodeField::StackSize).unwrap_or(0),
        ..CodeReport::default()
    };
    rep.stacksize_after = rep.stacksize_before;
    let co_code = bytes_of(code, CodeField::Code);
    let exc = bytes_of(code, CodeField::ExceptionTable);
    let lines = bytes_of(code, CodeField::LineTable);
    let firstlineno = code.int(CodeField::FirstLineNo).unwrap_or(1);
    rep.instructions_before = pyctrace_bytecode::instructions(&co_code, v).count();
    let consts: Vec<ConstVal> = code
        .obj(CodeField::Consts)
        .and_then(|n| n.as_seq())
        .map(|s| s.iter().map(const_val).collect())
        .unwrap_or_default();
    let seq_len = |f: CodeField| code.obj(f).and_then(|n| n.as_seq()).map_or(0, |s| s.len());
    let limits = if v.at_least(3, 11) {
        let n = seq_len(CodeField::LocalsPlusNames);
        ir::Limits {
            consts: consts.len(),
            names: seq_len(CodeField::Names),
            locals: n,
            free: n,
        }
    } else {
        ir::Limits {
            consts: consts.len(),
            names: seq_len(CodeField::Names),
            locals: seq_len(CodeField::VarNames),
            free: seq_len(CodeField::CellVars) + seq_len(CodeField::FreeVars),
        }
    };
    let traced = traced_branches(code, &co_code, firstlineno, opts);
    let built = match rebuild_traced(
        &co_code,
        v,
        &exc,
        &lines,
        firstlineno,
        &consts,
        opts,
        rep.stacksize_before,
        &limits,
        traced,
    ) {
        Ok(b) => b,
        Err(e) => {
            rep.kept = Some(e.to_string());
            rep.instructions_after = rep.instructions_before;
            return rep;
        }
    };
    rep.passes = built.passes;
    rep.trace_not_folded = built.trace_not_folded;
    rep.layout_fallback = built.layout_fallback;
    let asm = built.asm;
    let stacksize = built.stacksize;
    rep.instructions_after = pyctrace_bytecode::instructions(&asm.code, v).count();
    rep.stacksize_after = stacksize;
    code.set_int(CodeField::StackSize, stacksize);
    set_bytes(code, CodeField::Code, asm.code);
    set_bytes(code, CodeField::LineTable, asm.linetable);
    if v.at_least(3, 11) {
        set_bytes(code, CodeField::ExceptionTable, asm.exceptiontable);
    }
    rep
}

/// Why [`rebuild`] gave up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RebuildError {
    Unsupported(String),
    Assembler(String),
    /// The assembler's output failed the verifier (a bug: never expected).
    Verifier(Vec<String>),
}

impl std::fmt::Display for RebuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RebuildError::Unsupported(e) => write!(f, "{e}"),
            RebuildError::Assembler(e) => write!(f, "assembler: {e}"),
            RebuildError::Verifier(p) => write!(f, "verifier: {}", p.join("; ")),
        }
    }
}

/// The result of [`rebuild`].
pub struct Rebuilt {
    pub asm: asm::Assembled,
    pub stacksize: i32,
    pub passes: Vec<(String, Vec<String>)>,
    pub layout_fallback: bool,
    /// Trace facts that named no foldable jump of the graph, and why.
    pub trace_not_folded: Vec<String>,
}

/// The trace facts of `opts` about this code object: those keyed by its
/// name, first line and `co_code` hash.
fn traced_branches<'o>(
    code: &Code<'_>,
    co_code: &[u8],
    firstlineno: i32,
    opts: &'o Options,
) -> &'o [passes::trace_fold::TracedBranch] {
    if opts.trace.is_empty() {
        return &[];
    }
    let name = code.name_text().unwrap_or_default();
    let hash = passes::trace_fold::code_hash(co_code);
    opts.trace
        .iter()
        .find(|t| t.code_hash == hash && t.firstlineno == firstlineno && t.name == name)
        .map_or(&[], |t| t.branches.as_slice())
}

/// CFG, passes, assembler and verifier on one code string.
#[allow(clippy::too_many_arguments)]
pub fn rebuild(
    co_code: &[u8],
    v: PyVersion,
    exc: &[u8],
    lines: &[u8],
    firstlineno: i32,
    consts: &[ConstVal],
    opts: &Options,
    old_stacksize: i32,
) -> Result<Rebuilt, RebuildError> {
    rebuild_limited(
        co_code,
        v,
        exc,
        lines,
        firstlineno,
        consts,
        opts,
        old_stacksize,
        &ir::Limits::consts_only(consts.len()),
    )
}

/// [`rebuild`], knowing the sizes of the name and variable tables (dead
/// code whose arguments fall outside them is junk, not kept).
#[allow(clippy::too_many_arguments)]
pub fn rebuild_limited(
    co_code: &[u8],
    v: PyVersion,
    exc: &[u8],
    lines: &[u8],
    firstlineno: i32,
    consts: &[ConstVal],
    opts: &Options,
    old_stacksize: i32,
    limits: &ir::Limits,
) -> Result<Rebuilt, RebuildError> {
    rebuild_traced(
        co_code,
        v,
        exc,
        lines,
        firstlineno,
        consts,
        opts,
        old_stacksize,
        limits,
        &[],
    )
}

/// [`rebuild_limited`], first folding the conditional jumps `traced` says
/// always went one way (`--trust-trace`).
#[allow(clippy::too_many_arguments)]
fn rebuild_traced(
    co_code: &[u8],
    v: PyVersion,
    exc: &[u8],
    lines: &[u8],
    firstlineno: i32,
    consts: &[ConstVal],
    opts: &Options,
    old_stacksize: i32,
    limits: &ir::Limits,
    traced: &[passes::trace_fold::TracedBranch],
) -> Result<Rebuilt, RebuildError> {
    let cfg = Cfg::build(co_code, v, exc);
    let (trace_pass, mut trace_not_folded) = passes::trace_fold::for_graph(&cfg, traced);
    let planned = trace_pass
        .as_ref()
        .map(passes::trace_fold::FoldTraced::planned)
        .unwrap_or_default();
    let positions = Positions::new(v, lines, firstlineno, co_code.len());
    let mut func = Func::from_cfg(&cfg, &positions, firstlineno)
        .map_err(|e| RebuildError::Unsupported(e.to_string()))?;
    ir::attach_dead_code(&mut func, &cfg, co_code, &positions, limits);
    let ctx = Ctx::new(&func, consts)
        .ok_or_else(|| RebuildError::Unsupported("no opcode table".into()))?;
    let mut passes = default_passes();
    if opts.no_layout {
        passes.retain(|p| p.name() != "relayout");
    }
    if let Some(p) = trace_pass {
        // after the static folding, which also drops the computation of a
        // constant condition; blocks keep their ids until the merge
        let at = passes
            .iter()
            .position(|p| p.name() == "fold-opaque")
            .map_or(0, |i| i + 1);
        passes.insert(at, Box::new(p));
    }
    let changes: Vec<(String, Vec<String>)> = run_passes(&mut func, &ctx, &passes)
        .into_iter()
        .map(|(n, c)| (n.to_string(), c))
        .collect();
    trace_not_folded.extend(passes::trace_fold::not_reached(&planned, &changes));
    if let Some(p) = func
        .order
        .iter()
        .find_map(|&b| func.blocks[b].poison.clone())
    {
        return Err(RebuildError::Unsupported(p.to_string()));
    }
    let mut layout_fallback = false;
    let asm = match assemble_with_trampolines(&mut func) {
        Ok(a) => Ok(a),
        Err(asm::AsmError::Direction { .. }) | Err(asm::AsmError::BadLayout) => {
            layout_fallback = true;
            func.order.sort_by_key(|&b| func.blocks[b].orig);
            passes::jump_next::JumpsToNext.run_on(&mut func);
            assemble_with_trampolines(&mut func)
        }
        Err(e) => Err(e),
    }
    .map_err(|e| RebuildError::Assembler(e.to_string()))?;
    let new_cfg = Cfg::build(&asm.code, v, &asm.exceptiontable);
    let stacksize = match new_cfg.max_depth {
        Some(d) if v.at_least(3, 8) => d as i32,
        _ => old_stacksize,
    };
    let problems = verify::verify(
        v,
        &asm.code,
        &asm.linetable,
        &asm.exceptiontable,
        firstlineno,
        Some(stacksize as i64),
        cfg.depth_conflicts.is_empty(),
    );
    if !problems.is_empty() {
        return Err(RebuildError::Verifier(problems));
    }
    Ok(Rebuilt {
        asm,
        stacksize,
        passes: changes,
        layout_fallback,
        trace_not_folded,
    })
}

/// Assembles `func`; a forward-only jump (a 2.x/3.x `SETUP_*`, a 3.12+
/// conditional jump) whose target the layout put before it is sent to a
/// trampoline block at the end that jumps back unconditionally.
fn assemble_with_trampolines(func: &mut Func) -> Result<asm::Assembled, asm::AsmError> {
    for _ in 0..16 {
        let err = match asm::assemble(func) {
            Ok(a) => return Ok(a),
            Err(e) => e,
        };
        let asm::AsmError::Direction { block, .. } = err else {
            return Err(err);
        };
        let pos = |f: &Func, b: usize| f.order.iter().position(|&x| x == b);
        let Some(here) = pos(func, block) else {
            return Err(err);
        };
        let mut fixed = 0;
        for k in 0..func.blocks[block].instrs.len() {
            let ins = &func.blocks[block].instrs[k];
            if ins.kind != pyctrace_bytecode::ArgKind::JumpForward
                || matches!(ins.name(), "FOR_ITER" | "SEND")
            {
                continue;
            }
            let Some(t) = ins.target else { continue };
            if pos(func, t).is_some_and(|p| p > here) {
                continue;
            }
            let id = func.blocks.len();
            let (loc, handler) = (ins.loc, ins.handler);
            func.blocks.push(ir::Block {
                instrs: Vec::new(),
                next: Some(t),
                next_kind: ir::NextKind::Jump,
                jump_loc: loc,
                jump_handler: handler,
                jump_name: Some("JUMP_ABSOLUTE"),
                orig: usize::MAX,
                alive: true,
                dead_after: None,
                poison: None,
                keep_jump: false,
            });
            func.order.push(id);
            func.blocks[block].instrs[k].target = Some(id);
            fixed += 1;
        }
        if fixed == 0 {
            return Err(err);
        }
    }
    asm::assemble(func)
}

/// `renamer`: `--rename` is on; `inherited`: the enclosing code's renamed
/// cell and free variables.
fn walk(
    node: &mut Node<'static>,
    opts: &Options,
    path: &str,
    out: &mut Vec<CodeReport>,
    mut renamer: Option<&mut passes::rename::Renamer>,
    inherited: &passes::rename::NameMap,
) {
    match &mut node.obj {
        Obj::Code(code) => {
            let name = code.name_text().unwrap_or_else(|| "?".into());
            let here = if path.is_empty() {
                name
            } else {
                format!("{path}.{name}")
            };
            let mut rep = deobfuscate_code(code, opts, here.clone());
            // renamed after the rewrite (`def` bindings are plain in clean
            // code); nested code objects inherit the new names of the cells
            // they close over
            let mut map = inherited.clone();
            if let Some(r) = renamer.as_deref_mut() {
                let (renamed, own) = passes::rename::rename_code(code, r, inherited);
                rep.renamed = renamed;
                map.extend(own);
            }
            if let Some(c) = code.obj_mut(CodeField::Consts) {
                walk(c, opts, &here, out, renamer, &map);
            }
            out.push(rep);
        }
        Obj::Tuple { items, .. } | Obj::List(items) | Obj::FrozenSet(items) | Obj::Set(items) => {
            for it in items {
                walk(it, opts, path, out, renamer.as_deref_mut(), inherited);
            }
        }
        _ => {}
    }
}

/// Deobfuscates a whole `.pyc`; the header is kept.
pub fn deobfuscate_pyc(bytes: &[u8], opts: &Options) -> Result<(Vec<u8>, Report), DeobfError> {
    let pyc =
        read_pyc(bytes, &ReadOptions::default()).map_err(|e| DeobfError::Load(e.to_string()))?;
    deobfuscate(&pyc, opts)
}

/// Deobfuscates a loaded `.pyc` (or headerless blob); the header is kept.
pub fn deobfuscate(
    pyc: &pyctrace_marshal::Pyc<'_>,
    opts: &Options,
) -> Result<(Vec<u8>, Report), DeobfError> {
    let refs = RefTable::build(&pyc.root, pyc.version);
    let mut root = unref(&pyc.root, &refs, 0);
    let mut report = Report {
        version: pyc.version.to_string(),
        codes: Vec::new(),
    };
    let mut renamer = opts.rename.then(|| passes::rename::Renamer::new(&root));
    walk(
        &mut root,
        opts,
        "",
        &mut report.codes,
        renamer.as_mut(),
        &Default::default(),
    );
    let mut out = pyc.clone();
    out.root = root;
    let data = write_pyc(&out).map_err(|e| DeobfError::Write(e.to_string()))?;
    Ok((data, report))
}
