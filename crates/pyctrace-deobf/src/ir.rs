//! The editable form of a code object: blocks of instructions with symbolic
//! targets. An unconditional jump at the end of a block is not an
//! instruction here but the block's `next` successor: the assembler emits a
//! jump only when the layout does not put `next` right after the block.

use pyctrace_bytecode::{ArgKind, LineTable, Mnemonic, PyVersion};
use pyctrace_cfg::Cfg;

/// A source position (3.11+ full positions; older versions only `line`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Loc {
    pub line: Option<i32>,
    pub end_line: Option<i32>,
    pub col: Option<i32>,
    pub end_col: Option<i32>,
}

/// 3.11+: the handler covering an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HandlerRef {
    pub block: usize,
    pub depth: u32,
    pub lasti: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ins {
    pub opcode: u8,
    pub mnemonic: Option<Mnemonic>,
    pub kind: ArgKind,
    /// Argument (jumps: recomputed by the assembler).
    pub arg: u32,
    pub has_arg: bool,
    pub caches: u8,
    /// Jump target block.
    pub target: Option<usize>,
    pub loc: Loc,
    pub handler: Option<HandlerRef>,
}

impl Ins {
    pub fn name(&self) -> &'static str {
        self.mnemonic.map_or("<undefined>", |m| m.name())
    }
}

/// How a block's `next` successor was reached in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextKind {
    /// Plain fallthrough after a non-jump or a conditional jump.
    Fall,
    /// An unconditional jump (removed from `instrs`).
    Jump,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub instrs: Vec<Ins>,
    /// Where control goes after the last instruction, if it goes on.
    pub next: Option<usize>,
    pub next_kind: NextKind,
    /// Position and handler of the removed unconditional jump.
    pub jump_loc: Loc,
    pub jump_handler: Option<HandlerRef>,
    /// The input's jump opcode name, when there was one.
    pub jump_name: Option<&'static str>,
    /// Start offset in the input (for stable ordering and reports).
    pub orig: usize,
    pub alive: bool,
    /// Unreachable code the compiler itself left after a terminal
    /// instruction, laid out right after this block (see [`attach_dead_code`]).
    pub dead_after: Option<usize>,
    /// Control reaches an undefined or truncated instruction here (before
    /// opaque predicates are folded that may still be junk behind one).
    pub poison: Option<Unsupported>,
    /// Emit the jump to `next` even when the layout puts `next` right
    /// after this block (2.7's `JUMP_FORWARD 0` at the end of an `if` body).
    pub keep_jump: bool,
}

/// One code object's body.
#[derive(Clone, Debug)]
pub struct Func {
    pub version: PyVersion,
    pub firstlineno: i32,
    pub blocks: Vec<Block>,
    /// Layout: live blocks in emission order, the entry (block 0) first.
    pub order: Vec<usize>,
}

/// Why a code object is left as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unsupported {
    UndefinedOpcode(usize),
    Truncated(usize),
    JumpOutside(usize),
    FallsOffEnd(usize),
    Overlapping(usize),
    Empty,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unsupported::UndefinedOpcode(o) => write!(f, "reachable undefined opcode at {o}"),
            Unsupported::Truncated(o) => write!(f, "reachable truncated instruction at {o}"),
            Unsupported::JumpOutside(o) => write!(f, "jump outside the code at {o}"),
            Unsupported::FallsOffEnd(o) => write!(f, "control falls off the end at {o}"),
            Unsupported::Overlapping(o) => write!(f, "overlapping instructions at {o}"),
            Unsupported::Empty => write!(f, "empty code"),
        }
    }
}

/// Source positions per instruction offset, from the code's line table.
pub struct Positions {
    ranges: Vec<(usize, usize, Loc)>,
}

impl Positions {
    pub fn new(version: PyVersion, table: &[u8], firstlineno: i32, code_len: usize) -> Self {
        let lt = LineTable::new(version, table, firstlineno, code_len);
        let ranges = if version.at_least(3, 11) {
            lt.locations()
                .into_iter()
                .map(|l| {
                    (
                        l.start,
                        l.end,
                        Loc {
                            line: l.line,
                            end_line: l.end_line,
                            col: l.col,
                            end_col: l.end_col,
                        },
                    )
                })
                .collect()
        } else {
            lt.co_lines()
                .into_iter()
                .map(|r| {
                    (
                        r.start,
                        r.end,
                        Loc {
                            line: r.line,
                            ..Loc::default()
                        },
                    )
                })
                .collect()
        };
        Positions { ranges }
    }

    pub fn at(&self, offset: usize) -> Loc {
        // last range starting at or before offset that contains it
        let idx = self.ranges.partition_point(|r| r.0 <= offset);
        for r in self.ranges[..idx].iter().rev() {
            if offset < r.1 {
                return r.2;
            }
            if r.0 < r.1 {
                break;
            }
        }
        Loc::default()
    }
}

/// Whether an instruction name is an unconditional jump the IR turns into `next`.
pub fn is_plain_jump(name: &str) -> bool {
    matches!(name, "JUMP_FORWARD" | "JUMP_ABSOLUTE" | "JUMP_BACKWARD")
}

impl Func {
    /// Builds the IR from a graph; `positions` gives each instruction's location.
    pub fn from_cfg(
        cfg: &Cfg,
        positions: &Positions,
        firstlineno: i32,
    ) -> Result<Func, Unsupported> {
        if cfg.blocks.is_empty() {
            return Err(Unsupported::Empty);
        }
        let mut blocks = Vec::with_capacity(cfg.blocks.len());
        for b in &cfg.blocks {
            let mut instrs = Vec::new();
            let mut next = None;
            let mut next_kind = NextKind::Fall;
            let mut jump_loc = Loc::default();
            let mut jump_handler = None;
            let mut jump_name = None;
            let mut poison = None;
            for (k, &s) in b.insns.iter().enumerate() {
                let i = &cfg.insns[&s];
                if i.overlapping {
                    poison = Some(Unsupported::Overlapping(s));
                    break;
                }
                if i.truncated {
                    poison = Some(Unsupported::Truncated(s));
                    break;
                }
                let Some(m) = i.mnemonic else {
                    poison = Some(Unsupported::UndefinedOpcode(s));
                    break;
                };
                let handler = cfg.handlers.get(&s).map(|h| HandlerRef {
                    block: cfg.block_at[&h.target],
                    depth: h.depth,
                    lasti: h.lasti,
                });
                let target = match i.target {
                    Some(t) => match (t >= 0).then(|| cfg.block_at.get(&(t as usize))).flatten() {
                        Some(&tb) => Some(tb),
                        None => {
                            // junk behind an opaque predicate may jump anywhere:
                            // only fatal if still reachable after folding
                            poison = Some(Unsupported::JumpOutside(s));
                            break;
                        }
                    },
                    None => None,
                };
                let loc = positions.at(i.offset);
                let last = k + 1 == b.insns.len();
                if last && is_plain_jump(m.name()) {
                    next = target;
                    next_kind = NextKind::Jump;
                    jump_loc = loc;
                    jump_handler = handler;
                    jump_name = Some(m.name());
                    continue;
                }
                if last && !i.is_terminal() {
                    match cfg.block_at.get(&i.end) {
                        Some(&nb) => next = Some(nb),
                        None => {
                            // same as above: junk that runs past the end
                            poison = Some(Unsupported::FallsOffEnd(s));
                            break;
                        }
                    }
                }
                instrs.push(Ins {
                    opcode: i.opcode,
                    mnemonic: Some(m),
                    kind: i.kind,
                    arg: i.arg.unwrap_or(0),
                    has_arg: i.arg.is_some(),
                    caches: i.caches,
                    target,
                    loc,
                    handler,
                });
            }
            blocks.push(Block {
                instrs,
                next,
                next_kind,
                jump_loc,
                jump_handler,
                jump_name,
                orig: b.start,
                alive: true,
                dead_after: None,
                poison,
                keep_jump: false,
            });
        }
        let order = (0..blocks.len()).collect();
        Ok(Func {
            version: cfg.version,
            firstlineno,
            blocks,
            order,
        })
    }

    /// Every block a block can transfer control to (next, jump targets, handlers).
    pub fn successors(&self, b: usize) -> Vec<usize> {
        let blk = &self.blocks[b];
        let mut out: Vec<usize> = blk.next.into_iter().collect();
        for i in &blk.instrs {
            out.extend(i.target);
            out.extend(i.handler.map(|h| h.block));
        }
        out.extend(blk.jump_handler.map(|h| h.block));
        out
    }

    /// Live blocks reachable from the entry.
    pub fn reachable(&self) -> Vec<bool> {
        let mut seen = vec![false; self.blocks.len()];
        let mut stack = vec![0usize];
        while let Some(b) = stack.pop() {
            if seen[b] {
                continue;
            }
            seen[b] = true;
            stack.extend(self.successors(b));
        }
        seen
    }

    /// Number of references to each block (next edges, targets, handlers) from live blocks.
    pub fn ref_counts(&self) -> Vec<usize> {
        let mut n = vec![0; self.blocks.len()];
        for &b in &self.order {
            for s in self.successors(b) {
                n[s] += 1;
            }
        }
        n
    }

    /// Total live instructions.
    pub fn instr_count(&self) -> usize {
        self.order
            .iter()
            .map(|&b| self.blocks[b].instrs.len())
            .sum()
    }
}

/// Sizes of the tables an argument indexes, to tell plausible dead code
/// from junk (`usize::MAX`: unknown).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub consts: usize,
    pub names: usize,
    pub locals: usize,
    /// Cells and free variables (3.11+: the whole localsplus).
    pub free: usize,
}

impl Limits {
    pub fn consts_only(consts: usize) -> Limits {
        Limits {
            consts,
            names: usize::MAX,
            locals: usize::MAX,
            free: usize::MAX,
        }
    }

    /// Whether the argument of an instruction of `kind` is in range.
    pub fn allows(&self, v: PyVersion, kind: ArgKind, arg: u32) -> bool {
        let a = arg as usize;
        let Some(table) = pyctrace_bytecode::op_table(v) else {
            return true;
        };
        match kind {
            ArgKind::Const => a < self.consts,
            ArgKind::Name => a < self.names,
            ArgKind::LoadGlobal | ArgKind::LoadAttr => (a >> 1) < self.names,
            ArgKind::LoadSuperAttr => (a >> 2) < self.names,
            ArgKind::Local => a < self.locals,
            ArgKind::LocalPair => (a >> 4).max(a & 15) < self.locals,
            ArgKind::Free => a < self.free,
            ArgKind::Compare => {
                let i = if v.at_least(3, 13) {
                    a >> 5
                } else if v.at_least(3, 12) {
                    a >> 4
                } else {
                    a
                };
                i < table.cmp_op.len()
            }
            ArgKind::BinaryOp => a < table.nb_ops.len(),
            _ => true,
        }
    }
}

/// Keeps the compiler's own dead code: in each unreachable gap, the longest
/// run that decodes to plausible instructions (defined, no EXTENDED_ARG,
/// small arguments, constants in range, jumps to known blocks) and ends
/// with a terminal instruction (junk may follow) or, a block exit starting
/// with `POP_BLOCK`, falls into the live code where the gap ends. Junk never ends that way; what the compiler leaves after a
/// `return` or a jump (2.x/3.x `LOAD_CONST None; RETURN_VALUE`, dead
/// jumps, `POP_BLOCK; LOAD_CONST None` before a `finally`, 3.9's copies of
/// `finally` bodies) does. Where the version's stack effects are known the
/// run must also keep the stack depth the compiler would have: no
/// underflow from the depth after the preceding instruction, and the depth
/// its jump target or the following code is entered with. Gaps are read
/// from the last, so dead code may jump to dead code after it (the
/// implicit `return None` nothing live reaches). 2.x: runs start only on
/// the instruction boundaries of the gap's linear decoding (the bytes of
/// junk arguments decode to plausible instructions, even `BREAK_LOOP`). Returns how many blocks
/// were attached.
pub fn attach_dead_code(
    func: &mut Func,
    cfg: &Cfg,
    code: &[u8],
    positions: &Positions,
    limits: &Limits,
) -> usize {
    let v = func.version;
    let unit = if v.at_least(3, 6) { 2 } else { 1 };
    let mut spans: Vec<(usize, usize)> = cfg.insns.values().map(|i| (i.start, i.end)).collect();
    spans.sort();
    let block_of = |start: usize| -> Option<usize> {
        cfg.blocks.iter().position(|b| b.insns.contains(&start))
    };
    // dead blocks found so far: start offset -> (block id, entry depth)
    let mut dead: std::collections::BTreeMap<usize, (usize, Option<i64>)> = Default::default();
    // pieces of live blocks split where dead code jumps into their middle:
    // start offset -> block id
    let mut pieces: std::collections::BTreeMap<usize, usize> = Default::default();
    // the protector's chain hops: plain jumps in the gaps that other plain
    // jumps in the gaps lead to (never the compiler's own dead code)
    let in_gap = |o: usize| !cfg.insns.contains_key(&o) && o < code.len();
    let mut hops: std::collections::BTreeSet<usize> = Default::default();
    for w in 0..spans.len() {
        let gs = spans[w].1;
        let ge = spans.get(w + 1).map_or(code.len(), |n| n.0);
        if ge <= gs || ge - gs > 4096 {
            continue;
        }
        let mut at = gs;
        while at < ge {
            let Some(i) = pyctrace_cfg::decode_at(code, at, v) else {
                break;
            };
            if i.prefixes == 0 && i.mnemonic.is_some_and(|m| is_plain_jump(m.name())) {
                if let Some(t) = i.target.and_then(|t| usize::try_from(t).ok()) {
                    if in_gap(t) {
                        hops.insert(t);
                    }
                }
            }
            at = if v.at_least(3, 6) {
                at + 2
            } else if i.prefixes > 0 {
                at + 3
            } else {
                i.end.max(at + 1)
            };
        }
    }
    let mut added = 0;
    for w in (0..spans.len()).rev() {
        let gs = spans[w].1;
        let ge = spans.get(w + 1).map_or(code.len(), |n| n.0);
        if ge <= gs || ge - gs > 4096 {
            continue;
        }
        // a protector's hop that a live jump reaches stands between the
        // terminal instruction and the compiler's dead code: the dead code
        // belongs after the terminal
        let mut k = w;
        while k > 0 {
            let i = &cfg.insns[&spans[k].0];
            let lone_jump = i.mnemonic.is_some_and(|m| is_plain_jump(m.name()))
                && block_of(spans[k].0).is_some_and(|b| cfg.blocks[b].insns.len() == 1);
            let fallen_into =
                spans[k - 1].1 == spans[k].0 && !cfg.insns[&spans[k - 1].0].is_terminal();
            if !lone_jump || fallen_into {
                break;
            }
            k -= 1;
        }
        let Some(cb) = block_of(spans[k].0) else {
            continue;
        };
        let anchor = piece_holding(&pieces, cfg, cb, spans[k].0);
        if func.blocks[anchor].dead_after.is_some() {
            continue;
        }
        let depth = depth_after(cfg, cb, spans[k].0);
        let mut starts: Vec<usize> = Vec::new();
        if !v.at_least(3, 6) {
            let mut at = gs;
            while at < ge {
                starts.push(at);
                match pyctrace_cfg::decode_at(code, at, v) {
                    // a junk EXTENDED_ARG may sit right before dead code
                    Some(i) if i.prefixes > 0 => at += 3,
                    Some(i) if i.end > at => at = i.end,
                    _ => break,
                }
            }
        }
        if v.at_least(3, 6) {
            starts.extend((gs..ge).step_by(unit));
        }
        for s in starts {
            if hops.contains(&s) {
                continue;
            }
            let env = DeadEnv {
                cfg,
                code,
                limits,
                positions,
                dead: &dead,
                pieces: &pieces,
                depth,
            };
            if let Some(mut block) = plausible_run(func, &env, s, ge) {
                // dead jumps into the middle of a live block split it
                let mut fix = |t: &mut Option<usize>, func: &mut Func| {
                    if let Some(x) = *t {
                        if x >= SPLIT_BASE {
                            *t = Some(split_at(func, cfg, &mut pieces, x - SPLIT_BASE));
                        }
                    }
                };
                for k in 0..block.instrs.len() {
                    let mut t = block.instrs[k].target;
                    fix(&mut t, func);
                    block.instrs[k].target = t;
                }
                let mut t = block.next;
                fix(&mut t, func);
                block.next = t;
                let id = func.blocks.len();
                func.blocks.push(block);
                func.blocks[anchor].dead_after = Some(id);
                func.order.push(id);
                dead.insert(s, (id, None));
                added += 1;
                break;
            }
        }
    }
    added
}

/// The stack depth after the instruction at `last` of cfg block `b`, as
/// if it fell through (`None` when the version's effects are unknown).
fn depth_after(cfg: &Cfg, b: usize, last: usize) -> Option<i64> {
    let blk = &cfg.blocks[b];
    let mut d = blk.depth_in?;
    for &s in &blk.insns {
        let i = &cfg.insns[&s];
        d += pyctrace_cfg::stack_effect(cfg.version, i.opcode, i.arg, false)?;
        if s == last {
            break;
        }
    }
    Some(d)
}

/// Targets at or above this are "split the live block at offset
/// `t - SPLIT_BASE`" until the run is accepted.
const SPLIT_BASE: usize = usize::MAX / 2;

/// The block (cfg block `cb` or a piece split off it) holding the
/// instruction at `off`.
fn piece_holding(
    pieces: &std::collections::BTreeMap<usize, usize>,
    cfg: &Cfg,
    cb: usize,
    off: usize,
) -> usize {
    let start = cfg.blocks[cb].start;
    pieces
        .range(start..=off)
        .next_back()
        .map_or(cb, |(_, &b)| b)
}

/// Splits the live block holding the instruction at `off` there; returns
/// the block that now starts at `off`.
fn split_at(
    func: &mut Func,
    cfg: &Cfg,
    pieces: &mut std::collections::BTreeMap<usize, usize>,
    off: usize,
) -> usize {
    if let Some(&b) = pieces.get(&off) {
        return b;
    }
    let Some(cb) = cfg.blocks.iter().position(|b| b.insns.contains(&off)) else {
        return 0;
    };
    let holder = piece_holding(pieces, cfg, cb, off);
    let first = func.blocks[holder].orig;
    let insns = &cfg.blocks[cb].insns;
    let (Some(k0), Some(k)) = (
        insns.iter().position(|&x| x == first),
        insns.iter().position(|&x| x == off),
    ) else {
        return holder;
    };
    let k = (k - k0).min(func.blocks[holder].instrs.len());
    let id = func.blocks.len();
    let head = &mut func.blocks[holder];
    let tail = Block {
        instrs: head.instrs.split_off(k),
        next: head.next,
        next_kind: head.next_kind,
        jump_loc: head.jump_loc,
        jump_handler: head.jump_handler,
        jump_name: head.jump_name,
        orig: off,
        alive: true,
        dead_after: head.dead_after.take(),
        poison: head.poison.take(),
        keep_jump: false,
    };
    head.next = Some(id);
    head.next_kind = NextKind::Fall;
    head.jump_name = None;
    head.jump_handler = None;
    head.jump_loc = Loc::default();
    func.blocks.push(tail);
    func.order.push(id);
    pieces.insert(off, id);
    id
}

struct DeadEnv<'a> {
    cfg: &'a Cfg,
    code: &'a [u8],
    limits: &'a Limits,
    positions: &'a Positions,
    dead: &'a std::collections::BTreeMap<usize, (usize, Option<i64>)>,
    pieces: &'a std::collections::BTreeMap<usize, usize>,
    /// Depth at the start of the gap.
    depth: Option<i64>,
}

impl DeadEnv<'_> {
    /// Block and entry depth of a jump target or the code after the gap.
    fn block_at(&self, off: usize) -> Option<(usize, Option<i64>)> {
        if let Some(&b) = self.cfg.block_at.get(&off) {
            return Some((b, self.cfg.blocks[b].depth_in));
        }
        if let Some(&d) = self.dead.get(&off) {
            return Some(d);
        }
        self.block_at_hops(off, 0)
    }

    /// [`block_at`](Self::block_at) past the protector's jump chains in
    /// dead code (unconditional jumps nothing else reaches).
    fn block_at_hops(&self, off: usize, hops: usize) -> Option<(usize, Option<i64>)> {
        if let Some(&b) = self.cfg.block_at.get(&off) {
            return Some((b, self.cfg.blocks[b].depth_in));
        }
        if let Some(&d) = self.dead.get(&off) {
            return Some(d);
        }
        if !self.cfg.insns.contains_key(&off) {
            let i = pyctrace_cfg::decode_at(self.code, off, self.cfg.version)?;
            let m = i.mnemonic?;
            if hops >= 8 || i.prefixes > 0 || !is_plain_jump(m.name()) {
                return None;
            }
            let t = usize::try_from(i.target?).ok()?;
            return self.block_at_hops(t, hops + 1);
        }
        // the middle of a live block (2.x/3.x: the dead jump of a `try`
        // body that returns, to the `POP_BLOCK` after the handlers)
        let cb = self
            .cfg
            .blocks
            .iter()
            .position(|b| b.insns.contains(&off))?;
        let insns = &self.cfg.blocks[cb].insns;
        let k = insns.iter().position(|&x| x == off)?;
        let depth = depth_after(self.cfg, cb, insns[k - 1]);
        if let Some(&p) = self.pieces.get(&off) {
            return Some((p, depth));
        }
        Some((SPLIT_BASE + off, depth))
    }
}

/// Versions without stack-effect tables: (items consumed, net effect) of
/// the instructions junk and the compiler's dead code are made of
/// (`None`: not modelled).
fn simple_effect(name: &str, arg: u32) -> Option<(i64, i64)> {
    let a = arg as i64;
    Some(match name {
        "POP_BLOCK" | "NOP" => (0, 0),
        "LOAD_CONST" | "LOAD_FAST" | "LOAD_GLOBAL" | "LOAD_NAME" | "LOAD_DEREF"
        | "LOAD_CLOSURE" => (0, 1),
        "RETURN_VALUE" | "POP_TOP" | "PRINT_EXPR" => (1, -1),
        "DUP_TOP" => (1, 1),
        "ROT_TWO" => (2, 0),
        "ROT_THREE" => (3, 0),
        "UNARY_NOT" | "UNARY_POSITIVE" | "UNARY_NEGATIVE" | "UNARY_INVERT" | "GET_ITER" => (1, 0),
        "COMPARE_OP" => (2, -1),
        "BUILD_TUPLE" | "BUILD_LIST" | "BUILD_SET" | "BUILD_SLICE" => (a, 1 - a),
        n if n.starts_with("BINARY_") || n.starts_with("INPLACE_") => (2, -1),
        n if is_plain_jump(n) => (0, 0),
        _ => return None,
    })
}

fn plausible_run(func: &Func, env: &DeadEnv<'_>, start: usize, end: usize) -> Option<Block> {
    let v = func.version;
    let mut at = start;
    let mut instrs = Vec::new();
    let mut next = None;
    let mut next_kind = NextKind::Fall;
    let mut jump_loc = Loc::default();
    let mut jump_name = None;
    let mut depth = env.depth;
    // without tables: the run never takes more than it pushed
    let mut simple = (!pyctrace_cfg::has_stack_effects(v)).then_some(0i64);
    while at < end {
        let i = pyctrace_cfg::decode_at(env.code, at, v)?;
        let m = i.mnemonic?;
        if i.truncated
            || i.prefixes > 0
            || i.end > end
            || m.name() == "STOP_CODE"
            || m.name() == "CACHE"
        {
            return None;
        }
        if i.arg.is_some_and(|a| a > 255) {
            return None;
        }
        if !env.limits.allows(v, i.kind, i.arg.unwrap_or(0)) {
            return None;
        }
        let target = match i.target {
            Some(t) => Some(env.block_at(usize::try_from(t).ok()?)?),
            None => None,
        };
        // a terminal instruction ends the run (junk may follow it: the
        // protector puts junk after every unconditional transfer)
        let last = i.end == end || i.is_terminal();
        // falling into the live code: only a block exit does that
        let falls_in = last && !i.is_terminal();
        if falls_in && !first_is_pop_block(env.code, start, v) {
            return None;
        }
        // a lone dead jump (a loop's back edge after a `return` in its
        // body) is left where the compiler's depth bookkeeping had it
        let lone_jump = at == start && last;
        if let Some(d) = depth.filter(|_| !lone_jump) {
            if let (Some((_, Some(td))), Some(j)) =
                (target, pyctrace_cfg::stack_effect(v, i.opcode, i.arg, true))
            {
                if d + j != td {
                    return None;
                }
            }
            depth = pyctrace_cfg::stack_effect(v, i.opcode, i.arg, false).map(|e| d + e);
            if depth.is_some_and(|d| d < 0) {
                return None;
            }
        }
        if let Some(d) = simple {
            simple = match simple_effect(m.name(), i.arg.unwrap_or(0)) {
                Some((need, _)) if need > d => return None,
                Some((_, e)) => Some(d + e),
                None => None,
            };
        }
        let loc = env.positions.at(i.offset);
        if last && is_plain_jump(m.name()) {
            next = target.map(|t| t.0);
            next_kind = NextKind::Jump;
            jump_loc = loc;
            jump_name = Some(m.name());
        } else {
            instrs.push(Ins {
                opcode: i.opcode,
                mnemonic: Some(m),
                kind: i.kind,
                arg: i.arg.unwrap_or(0),
                has_arg: i.arg.is_some(),
                caches: i.caches,
                target: target.map(|t| t.0),
                loc,
                handler: None,
            });
        }
        if falls_in {
            let (b, td) = env.block_at(end)?;
            if let (Some(d), Some(td)) = (depth, td) {
                if d != td {
                    return None;
                }
            }
            next = Some(b);
        }
        at = i.end;
        if last {
            break;
        }
    }
    Some(Block {
        instrs,
        next,
        next_kind,
        jump_loc,
        jump_handler: None,
        jump_name,
        orig: start,
        alive: true,
        dead_after: None,
        poison: None,
        keep_jump: false,
    })
}

fn first_is_pop_block(code: &[u8], start: usize, v: PyVersion) -> bool {
    pyctrace_cfg::decode_at(code, start, v)
        .and_then(|i| i.mnemonic)
        .is_some_and(|m| m.name() == "POP_BLOCK")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attach(code: &[u8], v: PyVersion) -> Func {
        let cfg = Cfg::build(code, v, &[]);
        let pos = Positions::new(v, &[], 1, code.len());
        let mut f = Func::from_cfg(&cfg, &pos, 1).expect("supported");
        attach_dead_code(&mut f, &cfg, code, &pos, &Limits::consts_only(1));
        f
    }

    #[test]
    fn dead_jump_kept_and_junk_before_it_dropped() {
        // 0 LOAD_CONST 0; 2 POP_JUMP_IF_FALSE 12; 4 LOAD_CONST 0; 6 RETURN_VALUE;
        // 8 BUILD_TUPLE 200 (junk: would underflow); 10 JUMP_FORWARD 0 (the
        // compiler's dead jump); 12 LOAD_CONST 0; 14 RETURN_VALUE
        let code = [
            100, 0, 114, 12, 100, 0, 83, 0, 102, 200, 110, 0, 100, 0, 83, 0,
        ];
        let f = attach(&code, PyVersion::new(3, 8));
        let dead: Vec<&Block> = f.blocks.iter().filter(|b| b.orig == 10).collect();
        assert_eq!(dead.len(), 1);
        assert!(dead[0].instrs.is_empty());
        assert_eq!(dead[0].next_kind, NextKind::Jump);
        assert!(f.blocks.iter().all(|b| b.orig != 8));
    }

    #[test]
    fn block_exit_falling_into_live_code_kept() {
        // 2.7: 0 SETUP_FINALLY 8 (to 11); 3 LOAD_CONST 0; 6 RETURN_VALUE;
        // 7 POP_BLOCK; 8 LOAD_CONST 0 (dead, falls into the handler);
        // 11 LOAD_CONST 0; 14 RETURN_VALUE -- handler at 11
        let code = [122, 8, 0, 100, 0, 0, 83, 87, 100, 0, 0, 100, 0, 0, 83];
        let f = attach(&code, PyVersion::new(2, 7));
        let dead = f.blocks.iter().find(|b| b.orig == 7).expect("attached");
        assert_eq!(dead.instrs.len(), 2);
        assert_eq!(dead.next_kind, NextKind::Fall);
        assert_eq!(dead.next.map(|n| f.blocks[n].orig), Some(11));
    }
}
