//! The model of a disassembly, built once: per code object its
//! instructions with resolved arguments, line starts, jump targets,
//! exception table and reachability. The formatters only read it.
//!
//! Instructions are kept compact (fixed-size records, their strings in one
//! table per code object): the text formatter reads them so, and
//! [`DisInstruction`]s with strings of their own are made from them the
//! first time anyone looks ([`Instructions`]).

use std::collections::{BTreeMap, HashMap};

use pyctrace_bytecode::{instructions, op_table, ArgKind, Instruction, Mnemonic, OpInfo, OpTable};
use pyctrace_marshal::{Code, CodeField, FieldValue, Node, Obj, PyVersion, Pyc};

pub use crate::compact::Instructions;
use crate::compact::{
    jump_target, opname_of, text_set, Args, Extra, Ins, JumpShown, RawRes, Res, Strings, TextSet,
    FORMAT_VALUE_TEXTS,
};
use crate::lines;
use crate::reach;
use crate::repr::{plain_text, str_fast, ReprCtx};

/// Code objects nested deeper than this are not disassembled (marshal data
/// cannot nest them this deep without refs; this bounds crafted graphs).
const MAX_NESTING: usize = 200;

/// At most this many code objects are listed: refs can make one code object
/// appear in many `co_consts` (dis lists it each time), exponentially often.
const MAX_LISTINGS: usize = 100_000;

/// Longest code string disassembled (longer ones are cut).
const MAX_CODE_LEN: usize = i32::MAX as usize;

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
    /// The instructions, in offset order: a slice of [`DisInstruction`]
    /// (see [`Instructions`]).
    pub instructions: Instructions,
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

/// A code object's listing as the text formatter reads it, borrowed from a
/// [`CodeListing`] or from the builder.
pub(crate) struct View<'v> {
    pub version: PyVersion,
    /// `len(co_code)` in bytes.
    pub code_len: usize,
    pub items: &'v [Ins],
    pub args: Args<'v>,
    pub exception_table: &'v [ExceptionEntry],
    pub labels: Labels<'v>,
    pub lineno_width: usize,
    pub offset_width: usize,
    pub label_width: usize,
    pub notes: &'v [String],
}

/// Label numbers by offset.
pub(crate) enum Labels<'v> {
    /// The labelled offsets, sorted: label `i + 1` is at `offsets[i]`.
    Sorted(&'v [i64]),
    Map(&'v BTreeMap<i64, u32>),
}

impl Labels<'_> {
    /// The label at `offset`, if any.
    pub(crate) fn get(&self, offset: i64) -> Option<u32> {
        match self {
            Labels::Sorted(offsets) => offsets.binary_search(&offset).ok().map(|i| i as u32 + 1),
            Labels::Map(map) => map.get(&offset).copied(),
        }
    }
}

impl CodeListing {
    /// This listing as the text formatter reads it.
    pub(crate) fn view(&self, version: PyVersion) -> View<'_> {
        View {
            version,
            code_len: self.code_len,
            items: &self.instructions.items,
            args: self.instructions.args(),
            exception_table: &self.exception_table,
            labels: Labels::Map(&self.labels),
            lineno_width: self.lineno_width,
            offset_width: self.offset_width,
            label_width: self.label_width,
            notes: &self.notes,
        }
    }
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
    let mut model = Model { codes: Vec::new() };
    walk_root(root, version, &mut model);
    Disassembly {
        version,
        codes: model.codes,
    }
}

/// What a walk does with each code object once it is built.
pub(crate) trait Listings {
    /// Whether every instruction needs its reachability (and the notes
    /// that come with it); otherwise it is worked out only where it can
    /// change an argument (dead EXTENDED_ARG prefixes).
    fn wants_reach(&self) -> bool;

    /// One code object, built; `repr` is `repr(code)` when the caller
    /// already made it.
    fn listing(&mut self, built: &Builder<'_, '_, '_>, depth: usize, repr: Option<&str>);
}

/// Collects owned [`CodeListing`]s.
struct Model {
    codes: Vec<CodeListing>,
}

impl Listings for Model {
    fn wants_reach(&self) -> bool {
        true
    }

    fn listing(&mut self, built: &Builder<'_, '_, '_>, depth: usize, repr: Option<&str>) {
        self.codes.push(built.to_listing(depth, repr));
    }
}

/// Builds every code object under `root` in `dis` order and hands each to
/// `listings` (see [`disassemble`]).
pub(crate) fn walk_root<L: Listings>(root: &Node<'_>, version: PyVersion, listings: &mut L) {
    let ctx = ReprCtx::new(version, root);
    let mut stack = Vec::new();
    let mut scratch = Scratch::default();
    match ctx.resolve(root) {
        Some(node) if matches!(node.obj, Obj::Code(_)) => {
            walk(&ctx, node, 0, None, &mut stack, &mut scratch, listings);
        }
        Some(node) => {
            // not a code object: list the code objects inside, in order
            for child in node.children() {
                if let Some(c) = ctx.resolve(child) {
                    if matches!(c.obj, Obj::Code(_)) {
                        walk(&ctx, c, 0, None, &mut stack, &mut scratch, listings);
                    }
                }
            }
        }
        None => {}
    }
}

/// Buffers reused from one code object to the next.
#[derive(Default)]
struct Scratch {
    items: Vec<Ins>,
    targets: Vec<i64>,
    slots: Vec<u32>,
    strings: Strings,
    line_starts: Vec<(usize, Option<i32>)>,
    exception_table: Vec<ExceptionEntry>,
    reach: reach::Scratch,
    /// Code objects listed so far.
    listed: usize,
}

/// Room for every `CodeField` (there are 20).
const FIELDS: usize = 32;

/// A code object's fields, found in one pass: the first object and the
/// first integer of each, as `Code::obj` and `Code::int` find them.
struct Fields<'t, 'a> {
    objs: [Option<&'t Node<'a>>; FIELDS],
    ints: [Option<i32>; FIELDS],
}

impl<'t, 'a> Fields<'t, 'a> {
    fn of(code: &'t Code<'a>) -> Self {
        let mut fields = Fields {
            objs: [None; FIELDS],
            ints: [None; FIELDS],
        };
        for (field, value) in &code.fields {
            let i = *field as usize;
            match value {
                FieldValue::Obj(node) => {
                    if let Some(slot @ None) = fields.objs.get_mut(i) {
                        *slot = Some(node);
                    }
                }
                FieldValue::Int(n) => {
                    if let Some(slot @ None) = fields.ints.get_mut(i) {
                        *slot = Some(*n);
                    }
                }
            }
        }
        fields
    }

    #[inline]
    fn obj(&self, field: CodeField) -> Option<&'t Node<'a>> {
        self.objs.get(field as usize).copied().flatten()
    }

    #[inline]
    fn int(&self, field: CodeField) -> Option<i32> {
        self.ints.get(field as usize).copied().flatten()
    }
}

/// Lists `node` and, depth-first, the code objects in its `co_consts`.
/// `repr` is `repr(node)` when the caller already made it.
fn walk<'t, 'a, L: Listings>(
    ctx: &ReprCtx<'t, 'a>,
    node: &'t Node<'a>,
    depth: usize,
    repr: Option<String>,
    stack: &mut Vec<*const Node<'a>>,
    scratch: &mut Scratch,
    listings: &mut L,
) {
    let Obj::Code(code) = &node.obj else { return };
    let ptr = node as *const Node<'a>;
    if depth > MAX_NESTING || stack.contains(&ptr) || scratch.listed >= MAX_LISTINGS {
        return;
    }
    scratch.listed += 1;
    stack.push(ptr);
    let mut builder = Builder::new(ctx, node, code, scratch);
    builder.build(listings.wants_reach());
    listings.listing(&builder, depth, repr.as_deref());
    // the code objects in co_consts, with the reprs made for LOAD_CONST
    let children: Vec<(&'t Node<'a>, Option<String>)> = (0..builder.consts.len())
        .filter_map(|i| {
            let item = builder.item(builder.consts, i);
            matches!(item.obj, Obj::Code(_)).then(|| {
                let made = builder.slots[i];
                let repr = (made != NOT_MADE).then(|| builder.strings.get(made).to_string());
                (item, repr)
            })
        })
        .collect();
    builder.give_back(scratch);
    for (item, repr) in children {
        walk(ctx, item, depth + 1, repr, stack, scratch, listings);
    }
    stack.pop();
}

/// The position Python-style index `i` names in a list of `len` items.
#[inline]
fn py_slot(len: usize, i: i64) -> Option<usize> {
    let len = len as i64;
    let j = if i < 0 { i + len } else { i };
    (0..len).contains(&j).then_some(j as usize)
}

/// Characters of `n` in decimal (with its sign).
fn dec_len(n: i64) -> usize {
    let mut len = if n < 0 { 2 } else { 1 };
    let mut m = n.unsigned_abs();
    while m >= 10 {
        m /= 10;
        len += 1;
    }
    len
}

#[inline]
pub(crate) fn is_jump_kind(kind: ArgKind) -> bool {
    matches!(
        kind,
        ArgKind::JumpForward | ArgKind::JumpBackward | ArgKind::JumpAbsolute
    )
}

/// `co_exceptiontable` as the bytecode crate parses it, into our entries.
fn exception_entries(table: &[u8]) -> impl Iterator<Item = ExceptionEntry> + '_ {
    pyctrace_bytecode::exception_table_entries(table).map(|e| ExceptionEntry {
        start: e.start,
        end: e.end,
        target: e.target,
        depth: e.depth,
        lasti: e.lasti,
    })
}

/// Which name list an argument indexes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Names,
    Vars,
    Cells,
}

/// A slot whose string is not made yet.
const NOT_MADE: u32 = u32::MAX;

/// One code object being built, and once built, its listing (read by
/// [`Listings`] before the buffers go to the next code object).
pub(crate) struct Builder<'c, 't, 'a> {
    ctx: &'c ReprCtx<'t, 'a>,
    node: &'t Node<'a>,
    fields: Fields<'t, 'a>,
    version: PyVersion,
    table: &'static OpTable,
    bytes: &'t [u8],
    consts: &'t [Node<'a>],
    names: &'t [Node<'a>],
    /// 3.11+: localsplusnames.
    varnames: &'t [Node<'a>],
    /// Up to 3.10 cells are cellvars + freevars; from 3.11 `varnames`.
    cellvars: &'t [Node<'a>],
    freevars: &'t [Node<'a>],
    /// 3.11+: cells are `varnames`.
    cells_are_vars: bool,
    /// The strings of the listing.
    strings: Strings,
    /// Per constant, then name, local and cell: its string in `strings`,
    /// or NOT_MADE.
    slots: Vec<u32>,
    /// Jump targets as `dis` finds them, sorted once known.
    targets: Vec<i64>,
    /// The instructions being built.
    items: Vec<Ins>,
    reach: reach::Scratch,
    /// Some instruction has an EXTENDED_ARG prefix.
    prefixed: bool,
    // What `build` found:
    line_starts: Vec<(usize, Option<i32>)>,
    exception_table: Vec<ExceptionEntry>,
    notes: Vec<String>,
    first_line: i32,
    lineno_width: usize,
    offset_width: usize,
    unreachable_bytes: usize,
}

impl<'c, 't, 'a> Builder<'c, 't, 'a> {
    fn new(
        ctx: &'c ReprCtx<'t, 'a>,
        node: &'t Node<'a>,
        code: &'t Code<'a>,
        scratch: &mut Scratch,
    ) -> Self {
        let version = ctx.version;
        let table = op_table(version).unwrap_or_else(|| {
            let fallback = if version.major < 3 {
                PyVersion::new(2, 7)
            } else {
                PyVersion::new(3, 14)
            };
            op_table(fallback).expect("2.7 and 3.14 tables exist")
        });
        let fields = Fields::of(code);
        let seq = |field: CodeField| -> &'t [Node<'a>] {
            fields
                .obj(field)
                .and_then(|n| ctx.resolve(n))
                .and_then(Node::as_seq)
                .unwrap_or(&[])
        };
        let bytes: &'t [u8] = fields
            .obj(CodeField::Code)
            .and_then(|n| ctx.resolve(n))
            .and_then(Node::as_str_bytes)
            .unwrap_or(&[]);
        // offsets are kept in 32 bits: marshal lengths are 32-bit signed,
        // so only a hand-built tree could hold more
        let bytes = &bytes[..bytes.len().min(MAX_CODE_LEN)];
        let (varnames, cellvars, freevars) = if version.at_least(3, 11) {
            (seq(CodeField::LocalsPlusNames), &[][..], &[][..])
        } else {
            (
                seq(CodeField::VarNames),
                seq(CodeField::CellVars),
                seq(CodeField::FreeVars),
            )
        };
        let consts = seq(CodeField::Consts);
        let names = seq(CodeField::Names);
        let count = consts.len() + names.len() + varnames.len() + cellvars.len() + freevars.len();
        let mut slots = std::mem::take(&mut scratch.slots);
        slots.clear();
        slots.resize(count, NOT_MADE);
        let mut targets = std::mem::take(&mut scratch.targets);
        targets.clear();
        let reach = std::mem::take(&mut scratch.reach);
        let items = std::mem::take(&mut scratch.items);
        let mut strings = std::mem::take(&mut scratch.strings);
        strings.clear();
        strings.reserve(count);
        let line_starts = std::mem::take(&mut scratch.line_starts);
        let exception_table = std::mem::take(&mut scratch.exception_table);
        Builder {
            ctx,
            node,
            fields,
            version,
            table,
            bytes,
            consts,
            names,
            varnames,
            cellvars,
            freevars,
            cells_are_vars: version.at_least(3, 11),
            strings,
            slots,
            targets,
            items,
            reach,
            prefixed: false,
            line_starts,
            exception_table,
            notes: Vec::new(),
            first_line: 0,
            lineno_width: 0,
            offset_width: 0,
            unreachable_bytes: 0,
        }
    }

    /// Returns the reusable buffers.
    fn give_back(self, scratch: &mut Scratch) {
        scratch.slots = self.slots;
        scratch.targets = self.targets;
        scratch.items = self.items;
        scratch.reach = self.reach;
        scratch.strings = self.strings;
        scratch.line_starts = self.line_starts;
        scratch.exception_table = self.exception_table;
    }

    /// The built listing, borrowed.
    pub(crate) fn view(&self) -> View<'_> {
        View {
            version: self.version,
            code_len: self.bytes.len(),
            items: &self.items,
            args: Args {
                strings: &self.strings,
                version: self.version,
                table: self.table,
            },
            exception_table: &self.exception_table,
            labels: Labels::Sorted(&self.targets),
            lineno_width: self.lineno_width,
            offset_width: self.offset_width,
            label_width: 4 + dec_len(self.targets.len() as i64),
            notes: &self.notes,
        }
    }

    /// Appends `repr(code)` of the code object to `out`.
    pub(crate) fn code_repr_into(&self, out: &mut String) {
        self.ctx.code_repr_into(self.node, out);
    }

    /// The built listing, owned.
    fn to_listing(&self, depth: usize, repr: Option<&str>) -> CodeListing {
        // (inserted in order: one node for the usual few labels)
        let mut labels: BTreeMap<i64, u32> = BTreeMap::new();
        for (i, &o) in self.targets.iter().enumerate() {
            labels.insert(o, i as u32 + 1);
        }
        CodeListing {
            depth,
            repr: match repr {
                Some(r) => r.to_string(),
                None => self.ctx.code_repr(self.node),
            },
            name: self.text_field(CodeField::Name).unwrap_or_default(),
            qualname: self.text_field(CodeField::QualName),
            filename: self.text_field(CodeField::Filename).unwrap_or_default(),
            first_line: self.first_line,
            code_len: self.bytes.len(),
            instructions: Instructions::new(
                self.items.to_vec(),
                self.strings.clone(),
                self.version,
                self.table,
            ),
            line_starts: self.line_starts.clone(),
            exception_table: self.exception_table.clone(),
            label_width: 4 + dec_len(labels.len() as i64),
            labels,
            lineno_width: self.lineno_width,
            offset_width: self.offset_width,
            unreachable_bytes: self.unreachable_bytes,
            notes: self.notes.clone(),
        }
    }

    /// Item `i` of a list, refs followed.
    #[inline]
    fn item(&self, list: &'t [Node<'a>], i: usize) -> &'t Node<'a> {
        let n = &list[i];
        self.ctx.resolve(n).unwrap_or(n)
    }

    fn bytes_field(&self, field: CodeField) -> &'t [u8] {
        self.fields
            .obj(field)
            .and_then(|n| self.ctx.resolve(n))
            .and_then(Node::as_str_bytes)
            .unwrap_or(&[])
    }

    fn text_field(&self, field: CodeField) -> Option<String> {
        let n = self.ctx.resolve(self.fields.obj(field)?)?;
        Some(plain_text(n, self.ctx))
    }

    /// Builds the listing; `want_reach`: work out every instruction's
    /// reachability (see [`Listings::wants_reach`]).
    fn build(&mut self, want_reach: bool) {
        let v = self.version;
        let py2 = v.is_py2();
        let code_len = self.bytes.len();
        let first_line = self.fields.int(CodeField::FirstLineNo).unwrap_or(0);
        self.first_line = first_line;
        let mut notes = std::mem::take(&mut self.notes);

        let mut line_starts = std::mem::take(&mut self.line_starts);
        lines::line_starts_into(
            v,
            self.bytes_field(CodeField::LineTable),
            first_line,
            code_len,
            &mut line_starts,
        );
        // line starts by offset: later pairs win, like dict(findlinestarts);
        // the tables give them in offset order, a map is only for odd ones
        let starts_sorted = line_starts.windows(2).all(|w| w[0].0 <= w[1].0);
        let starts_map: HashMap<usize, Option<i32>> = if starts_sorted {
            HashMap::new()
        } else {
            line_starts.iter().copied().collect()
        };

        let mut exception_table = std::mem::take(&mut self.exception_table);
        exception_table.clear();
        if v.at_least(3, 11) {
            exception_table.extend(exception_entries(
                self.bytes_field(CodeField::ExceptionTable),
            ));
        }

        // From 3.13 jump arguments show label numbers, known once every
        // jump target is: those are set after the first pass.
        let labels_in_argrepr = v.at_least(3, 13);
        let signed = if self.table.py_version().at_least(3, 11) {
            Ins::SIGNED_ARG
        } else {
            0
        };
        // Built in a buffer reused from one code object to the next (it
        // stays in cache), copied out at the end. At most one instruction
        // per code unit (2.x: about one in 2 bytes).
        let mut items = std::mem::take(&mut self.items);
        items.clear();
        items.reserve(code_len / 2 + 1);
        let mut next_start = 0usize; // index into line_starts
        let mut line: Option<i32> = None;
        let mut prev_ext = false; // 2.x: the last argument-taking op was EXTENDED_ARG
        for ins in instructions(self.bytes, v) {
            let Instruction {
                offset,
                start_offset,
                opcode,
                mnemonic,
                info,
                arg,
                size_in_bytes,
                truncated,
                ..
            } = ins;
            let kind = info.map_or(ArgKind::None, |i| i.kind);
            self.prefixed |= start_offset < offset;
            let line_start = if starts_sorted {
                while next_start < line_starts.len() && line_starts[next_start].0 < offset {
                    next_start += 1;
                }
                let mut found = None;
                while next_start < line_starts.len() && line_starts[next_start].0 == offset {
                    found = Some(line_starts[next_start].1);
                    next_start += 1;
                }
                found
            } else {
                starts_map.get(&offset).copied()
            };
            if let Some(l) = line_start {
                line = l;
            }
            let mut flags = signed;
            if line.is_some() {
                flags |= Ins::HAS_LINE;
            }
            if line_start.is_some() {
                flags |= Ins::STARTS_LINE;
            }
            if truncated.is_some() {
                flags |= Ins::TRUNCATED;
            }
            // Built in place: a copy of a half-written record stalls on
            // store forwarding.
            items.push(Ins {
                offset: offset as u32,
                start_offset: start_offset as u32,
                raw_arg: arg.unwrap_or(0),
                line_no: line.unwrap_or(0),
                label: 0,
                raw_res: RawRes::NONE,
                size: size_in_bytes as u16,
                mnemonic,
                opcode,
                kind,
                flags,
            });
            let Some(compact) = items.last_mut() else {
                unreachable!("pushed above")
            };
            let mut jump = None;
            if arg.is_some() {
                compact.flags |= Ins::HAS_ARG;
                let arg_long = py2 && prev_ext;
                if py2 {
                    prev_ext = kind == ArgKind::ExtendedArg;
                }
                compact.set(Ins::ARG_LONG, arg_long);
                let res = if is_jump_kind(kind) {
                    jump = jump_target(self.table, compact);
                    if let Some(t) = self.label_target(compact, info, jump) {
                        self.targets.push(t);
                    }
                    if labels_in_argrepr {
                        // the label is set below
                        Res::Jump(JumpShown::To)
                    } else {
                        self.resolve_arg(kind, mnemonic, compact.arg(), arg_long)
                    }
                } else {
                    self.resolve_arg(kind, mnemonic, compact.arg(), arg_long)
                };
                compact.raw_res = RawRes::pack(res);
                compact.set(Ins::BAD_ARG, res.is_bad());
            }
            #[cfg(debug_assertions)]
            {
                let decoded = Instruction {
                    offset,
                    start_offset,
                    opcode,
                    mnemonic,
                    info,
                    arg,
                    size_in_bytes,
                    cache_entries: ins.cache_entries,
                    truncated: truncated.clone(),
                    version: ins.version,
                };
                debug_assert_eq!(compact.arg(), decoded.dis_arg().unwrap_or(0));
                debug_assert_eq!(jump, decoded.raw_jump_target());
                debug_assert_eq!(jump_target(self.table, compact), jump);
            }
            if compact.has(Ins::BAD_ARG) || jump.is_some() || truncated.is_some() {
                let opname = opname_of(opcode, mnemonic);
                if compact.has(Ins::BAD_ARG) {
                    notes.push(format!(
                        "offset {offset}: {opname} argument {} out of range",
                        compact.arg()
                    ));
                }
                if let Some(t) = jump {
                    if t < 0 || t as u64 >= code_len as u64 {
                        notes.push(format!(
                            "offset {offset}: {opname} jumps outside the code (to {t})"
                        ));
                    }
                }
                if let Some(e) = &truncated {
                    notes.push(e.to_string());
                }
            }
        }
        for e in &exception_table {
            if v.at_least(3, 13) {
                self.targets.push(e.start as i64);
                self.targets.push(e.end as i64);
                self.targets.push(e.target as i64);
            } else if e.end > e.start {
                self.targets.push(e.target as i64);
            }
        }
        self.targets.sort_unstable();
        self.targets.dedup();
        let targets = &self.targets;

        // label numbers (1-based, in offset order)
        // (nothing to do in code without jumps before 3.13)
        if !targets.is_empty() || labels_in_argrepr {
            let mut t = 0usize;
            for ins in items.iter_mut() {
                let o = ins.offset as i64;
                while t < targets.len() && targets[t] < o {
                    t += 1;
                }
                if t < targets.len() && targets[t] == o {
                    ins.label = t as u32 + 1;
                }
                if labels_in_argrepr && matches!(ins.res(), Res::Jump(_)) {
                    let target = jump_target(self.table, ins).unwrap_or(0);
                    ins.set_res(Res::Jump(jump_label(targets, target)));
                }
            }
        }

        // Reachability, then undo EXTENDED_ARG prefixes that never run: a
        // protector puts one (dead) right before a jump target, so linear
        // decoding (CPython's dis included) shows a wrong argument for the
        // instruction that actually executes. Corrected arguments can move
        // jump targets, so repeat until nothing changes.
        let need_reach = want_reach || self.prefixed;
        for _round in 0..8 {
            if !need_reach {
                break;
            }
            reach::mark_reachable(
                &mut items,
                &exception_table,
                code_len,
                self.table,
                &mut self.reach,
            );
            if !self.drop_dead_prefixes(&mut items, &mut notes) {
                break;
            }
        }
        let mut unreachable_bytes = 0;
        // (only reported in the model and outside parity mode)
        if want_reach {
            for ins in &items {
                if !ins.has(Ins::REACHABLE) {
                    unreachable_bytes += ins.size as usize;
                }
                if let Some(t) = jump_target(self.table, ins) {
                    if t >= 0 && (t as usize) < code_len {
                        let on_boundary =
                            items.binary_search_by_key(&t, |i| i.offset as i64).is_ok();
                        if !on_boundary {
                            notes.push(format!(
                                "offset {}: {} jumps into the middle of an instruction (to {t})",
                                ins.offset,
                                opname_of(ins.opcode, ins.mnemonic)
                            ));
                        }
                    }
                }
            }
        }

        let (lineno_width, offset_width) = self.widths(&line_starts, code_len);
        self.lineno_width = lineno_width;
        self.offset_width = offset_width;
        self.unreachable_bytes = unreachable_bytes;
        self.line_starts = line_starts;
        self.exception_table = exception_table;
        self.notes = notes;
        self.items = items;
    }

    /// Column widths of the version's `dis` (line number, offset).
    fn widths(&self, line_starts: &[(usize, Option<i32>)], code_len: usize) -> (usize, usize) {
        let v = self.version;
        let offset_width = if v.at_least(3, 13) {
            0
        } else if v.at_least(3, 7) {
            let maxoffset = code_len as i64 - 2;
            if maxoffset >= 10000 {
                dec_len(maxoffset)
            } else {
                4
            }
        } else {
            4
        };
        let lines = line_starts.iter().filter_map(|&(_, l)| l);
        let lineno_width = if v.at_least(3, 13) {
            // max(filter(None, ...)): line 0 does not count
            match lines.filter(|&l| l != 0).max() {
                None => 0,
                Some(m) => {
                    let w = 3.max(dec_len(m as i64));
                    if w < 4 && line_starts.iter().any(|&(_, l)| l.is_none()) {
                        4
                    } else {
                        w
                    }
                }
            }
        } else if v.at_least(3, 7) {
            match lines.max() {
                // 3.7-3.9 raise ValueError here; show the usual column
                None if !v.at_least(3, 10) => 3,
                None => 0,
                Some(m) if m >= 1000 => dec_len(m as i64),
                Some(_) => 3,
            }
        } else {
            3
        };
        (lineno_width, offset_width)
    }

    /// The jump target `dis.findlabels` of the version records for `ins`
    /// (a jump with an argument, whose raw target is `target`).
    fn label_target(&self, ins: &Ins, info: Option<&OpInfo>, target: Option<i64>) -> Option<i64> {
        let v = self.version;
        if v.is_py2() {
            // 2.x findlabels ignores EXTENDED_ARG
            let o = ins.offset as usize;
            let raw = *self.bytes.get(o + 1)? as i64 | (*self.bytes.get(o + 2)? as i64) << 8;
            return Some(match ins.kind {
                ArgKind::JumpAbsolute => raw,
                _ => o as i64 + 3 + raw,
            });
        }
        if v.major == 3 && v.minor == 11 && info.is_some_and(|i| i.deopt.is_some()) {
            // 3.11 findlabels looks at the opcode itself, not its base op
            return None;
        }
        target
    }

    /// The string of item `i` (Python-style index) of a name list, made once.
    #[inline(always)]
    fn text_at(&mut self, list: List, i: i64) -> Option<u32> {
        let base = self.consts.len();
        let (items, j, slot) = match list {
            List::Names => {
                let j = py_slot(self.names.len(), i)?;
                (self.names, j, base + j)
            }
            List::Vars | List::Cells if list == List::Vars || self.cells_are_vars => {
                let j = py_slot(self.varnames.len(), i)?;
                (self.varnames, j, base + self.names.len() + j)
            }
            List::Vars | List::Cells => {
                let cells = self.cellvars.len();
                let j = py_slot(cells + self.freevars.len(), i)?;
                let slot = base + self.names.len() + self.varnames.len() + j;
                if j < cells {
                    (self.cellvars, j, slot)
                } else {
                    (self.freevars, j - cells, slot)
                }
            }
        };
        if self.slots[slot] == NOT_MADE {
            self.slots[slot] = self.make_text(self.item(items, j));
        }
        Some(self.slots[slot])
    }

    /// Adds the text of a name to the strings.
    #[inline(never)]
    fn make_text(&mut self, node: &'t Node<'a>) -> u32 {
        match str_fast(node, self.version) {
            Some(t) => self.strings.push(t),
            None => self.strings.push(&plain_text(node, self.ctx)),
        }
    }

    /// The string of `repr()` of constant `i` (Python-style index), made once.
    #[inline(always)]
    fn const_at(&mut self, i: i64) -> Option<u32> {
        let j = py_slot(self.consts.len(), i)?;
        if self.slots[j] == NOT_MADE {
            self.slots[j] = self.make_repr(self.item(self.consts, j));
        }
        Some(self.slots[j])
    }

    /// Adds the repr of a constant to the strings.
    #[inline(never)]
    fn make_repr(&mut self, node: &'t Node<'a>) -> u32 {
        self.ctx.repr_into(node, &mut self.strings.text);
        self.strings.end()
    }

    /// For each reachable instruction whose EXTENDED_ARG chain has a prefix
    /// that is never executed, recomputes the argument from the prefixes
    /// that are (those after the last dead one). Returns whether any changed.
    fn drop_dead_prefixes(&mut self, items: &mut [Ins], notes: &mut Vec<String>) -> bool {
        if !self.prefixed {
            return false;
        }
        let v = self.version;
        let mut changed = false;
        for i in 0..items.len() {
            let ins = &items[i];
            if !ins.has(Ins::REACHABLE) || !ins.has(Ins::HAS_ARG) || ins.start_offset >= ins.offset
            {
                continue;
            }
            let start = ins.start_offset;
            let prefixes: Vec<usize> = (0..i)
                .rev()
                .take_while(|&j| items[j].offset >= start)
                .filter(|&j| items[j].kind == ArgKind::ExtendedArg)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let Some(last_dead) = prefixes
                .iter()
                .rposition(|&j| !items[j].has(Ins::REACHABLE))
            else {
                continue;
            };
            let unit = |offset: u32| -> u32 {
                let offset = offset as usize;
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
                effective = effective.wrapping_shl(shift) | unit(items[j].offset);
            }
            effective = effective.wrapping_shl(shift) | unit(items[i].offset);
            let mut fixed = items[i];
            fixed.raw_arg = effective;
            let (arg, old) = (fixed.arg(), items[i].arg());
            if arg == old {
                continue;
            }
            let mut res = self.resolve_arg(fixed.kind, fixed.mnemonic, arg, false);
            let bad_arg = res.is_bad();
            if let (Res::Jump(_), true) = (res, v.at_least(3, 13)) {
                let target = jump_target(self.table, &fixed).unwrap_or(0);
                res = Res::Jump(jump_label(&self.targets, target));
            }
            let opname = opname_of(fixed.opcode, fixed.mnemonic);
            let stale = format!("offset {}: {} argument ", fixed.offset, opname);
            notes.retain(|n| !n.starts_with(&stale));
            notes.push(format!(
                "offset {}: EXTENDED_ARG at {} never runs; {} executes with argument {arg} (linear disassembly shows {old})",
                fixed.offset,
                items[prefixes[last_dead]].offset,
                opname,
            ));
            fixed.set_res(res);
            fixed.set(Ins::ARG_LONG, false);
            fixed.set(Ins::BAD_ARG, bad_arg);
            items[i] = fixed;
            changed = true;
        }
        changed
    }

    /// The resolution of an argument (3.13+ jumps get their label
    /// afterwards).
    #[inline(always)]
    fn resolve_arg(
        &mut self,
        kind: ArgKind,
        mnemonic: Option<Mnemonic>,
        arg: i64,
        arg_long: bool,
    ) -> Res {
        let v = self.version;
        let orig_kind = kind;
        let kind = match kind {
            // 3.11's dis does not count KW_NAMES as a const op (3.12 does)
            ArgKind::Const
                if v.major == 3 && v.minor == 11 && mnemonic == Some(Mnemonic::KW_NAMES) =>
            {
                ArgKind::Raw
            }
            k => k,
        };
        let text = |set: TextSet, i: i64, what: &str, this: &mut Self| match py_slot(
            text_set(this.table, set).len(),
            i,
        ) {
            Some(j) => Res::Text(set, j as u16),
            None => this.bad(what, arg),
        };
        match kind {
            ArgKind::Local => self.name_with(List::Vars, arg, None, "local"),
            ArgKind::Const => match self.const_at(arg) {
                Some(i) => Res::Const(i),
                None => self.bad("const", arg),
            },
            ArgKind::Name => self.name_with(List::Names, arg, None, "name"),
            ArgKind::LoadGlobal => {
                let extra = (arg & 1 != 0).then_some(Extra::Null);
                self.name_with(List::Names, arg >> 1, extra, "name")
            }
            ArgKind::LoadAttr => {
                let extra = (arg & 1 != 0).then_some(Extra::NullOrSelf);
                self.name_with(List::Names, arg >> 1, extra, "name")
            }
            ArgKind::LoadSuperAttr => {
                let extra = (arg & 1 != 0).then_some(Extra::NullOrSelf);
                self.name_with(List::Names, arg >> 2, extra, "name")
            }
            ArgKind::Free => self.name_with(List::Cells, arg, None, "free"),
            ArgKind::LocalPair => {
                let a = self.text_at(List::Vars, arg >> 4);
                let b = self.text_at(List::Vars, arg & 15);
                let bad_any = a.is_none() || b.is_none();
                let a =
                    a.unwrap_or_else(|| self.strings.push(&format!("<bad local {}>", arg >> 4)));
                let b =
                    b.unwrap_or_else(|| self.strings.push(&format!("<bad local {}>", arg & 15)));
                if bad_any {
                    Res::BadNames(a, b)
                } else {
                    Res::Names(a, b)
                }
            }
            ArgKind::Compare => {
                let (idx, as_bool) = if v.at_least(3, 13) {
                    (arg >> 5, arg & 16 != 0)
                } else if v.at_least(3, 12) {
                    (arg >> 4, false)
                } else {
                    (arg, false)
                };
                match py_slot(self.table.cmp_op.len(), idx) {
                    Some(j) if as_bool => Res::TextBool(TextSet::CmpOp, j as u16),
                    Some(j) => Res::Text(TextSet::CmpOp, j as u16),
                    None => self.bad("compare", arg),
                }
            }
            ArgKind::JumpForward | ArgKind::JumpBackward | ArgKind::JumpAbsolute => {
                let shown = if v.at_least(3, 13) {
                    JumpShown::To
                } else if orig_kind == ArgKind::JumpAbsolute && !v.at_least(3, 10) {
                    JumpShown::Nothing
                } else if arg_long {
                    JumpShown::ToLong
                } else {
                    JumpShown::To
                };
                Res::Jump(shown)
            }
            ArgKind::BinaryOp => text(TextSet::NbOp, arg, "binary op", self),
            ArgKind::Intrinsic1 => text(TextSet::Intrinsic1, arg, "intrinsic", self),
            ArgKind::Intrinsic2 => text(TextSet::Intrinsic2, arg, "intrinsic", self),
            ArgKind::FormatValue => {
                let i = (arg & 3) as u16 + if arg & 4 != 0 { 4 } else { 0 };
                debug_assert!((i as usize) < FORMAT_VALUE_TEXTS.len());
                Res::Text(TextSet::FormatValue, i)
            }
            ArgKind::ConvertValue => text(TextSet::Conversion, arg, "conversion", self),
            ArgKind::FunctionAttribute => Res::Flags,
            ArgKind::Raw
                if mnemonic == Some(Mnemonic::MAKE_FUNCTION)
                    && v.at_least(3, 8)
                    && !v.at_least(3, 13) =>
            {
                Res::Flags
            }
            ArgKind::SmallInt => Res::IntShown,
            // 3.3-3.5 `hasnargs` (`dis` of 2.x and 3.0-3.2 shows nothing)
            ArgKind::CallNargsKw if v.major == 3 && (3..=5).contains(&v.minor) => Res::Nargs,
            ArgKind::CommonConstant => text(TextSet::CommonConstant, arg, "constant", self),
            ArgKind::SpecialMethod => text(TextSet::SpecialMethod, arg, "special method", self),
            _ => Res::Int,
        }
    }

    /// An argument out of range: shown as `<bad WHAT N>`.
    #[cold]
    fn bad(&mut self, what: &str, n: i64) -> Res {
        Res::Bad(self.strings.push(&format!("<bad {what} {n}>")))
    }

    /// A name argument, shown with `extra` when there is one (`NULL +
    /// name`, from 3.13 `name + NULL`) and the name is not empty.
    #[inline(always)]
    fn name_with(&mut self, list: List, idx: i64, extra: Option<Extra>, what: &str) -> Res {
        match (self.text_at(list, idx), extra) {
            (Some(i), Some(e)) if !self.strings.get(i).is_empty() => Res::NameWith(i, e),
            (Some(i), _) => Res::Name(i),
            (None, _) => self.bad(what, idx),
        }
    }
}

/// How a 3.13+ jump to `target` is shown: its label, or the offset when
/// no label is there.
fn jump_label(targets: &[i64], target: i64) -> JumpShown {
    match targets.binary_search(&target) {
        Ok(l) => JumpShown::Label(l as u32 + 1),
        Err(_) => JumpShown::To,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_entries_as_the_bytecode_crate_parses_them() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 48) as usize;
            let table: Vec<u8> = (0..len as u32)
                .map(|i| x.rotate_left(i * 5) as u8 ^ i as u8)
                .collect();
            let ours: Vec<ExceptionEntry> = exception_entries(&table).collect();
            let theirs: Vec<ExceptionEntry> = pyctrace_bytecode::parse_exception_table(&table)
                .into_iter()
                .map(|e| ExceptionEntry {
                    start: e.start,
                    end: e.end,
                    target: e.target,
                    depth: e.depth,
                    lasti: e.lasti,
                })
                .collect();
            assert_eq!(ours, theirs, "{table:?}");
        }
    }
}
