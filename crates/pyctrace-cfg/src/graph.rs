//! Instructions found by recursive traversal and the basic blocks they form.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use pyctrace_bytecode::{instructions, parse_exception_table, ArgKind, Mnemonic, PyVersion};

use crate::stack::{has_stack_effects, stack_effect};

/// One reachable instruction, EXTENDED_ARG prefixes folded in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Insn {
    /// Where decoding of this instruction starts (its first EXTENDED_ARG prefix).
    pub start: usize,
    /// Offset of the opcode byte.
    pub offset: usize,
    /// Offset past the argument and the inline caches.
    pub end: usize,
    pub opcode: u8,
    /// `None` for a byte the version does not define.
    pub mnemonic: Option<Mnemonic>,
    pub kind: ArgKind,
    /// The argument with the bits of its prefixes.
    pub arg: Option<u32>,
    /// Inline cache units (3.11+).
    pub caches: u8,
    /// Number of EXTENDED_ARG prefixes.
    pub prefixes: u8,
    /// Raw jump target (may lie outside the code) for jump instructions.
    pub target: Option<i64>,
    /// The code ends inside this instruction.
    pub truncated: bool,
    /// Its bytes overlap those of another reachable instruction (misaligned decoding).
    pub overlapping: bool,
}

impl Insn {
    pub fn name(&self) -> String {
        match self.mnemonic {
            Some(m) => m.name().to_string(),
            None => format!("<{}>", self.opcode),
        }
    }

    fn is(&self, names: &[&str]) -> bool {
        self.mnemonic.is_some_and(|m| names.contains(&m.name()))
    }

    /// Control never falls through to the next instruction.
    pub fn is_terminal(&self) -> bool {
        self.mnemonic.is_none()
            || self.truncated
            || self.is(&[
                "RETURN_VALUE",
                "RETURN_CONST",
                "RAISE_VARARGS",
                "RERAISE",
                "JUMP_FORWARD",
                "JUMP_ABSOLUTE",
                "JUMP_BACKWARD",
                "JUMP_BACKWARD_NO_INTERRUPT",
                "JUMP",
                "JUMP_NO_INTERRUPT",
                "BREAK_LOOP",
                "CONTINUE_LOOP",
                "STOP_CODE",
            ])
    }

    /// An unconditional jump.
    pub fn is_unconditional_jump(&self) -> bool {
        self.is(&[
            "JUMP_FORWARD",
            "JUMP_ABSOLUTE",
            "JUMP_BACKWARD",
            "JUMP_BACKWARD_NO_INTERRUPT",
            "CONTINUE_LOOP",
        ])
    }

    pub fn is_jump(&self) -> bool {
        matches!(
            self.kind,
            ArgKind::JumpAbsolute | ArgKind::JumpForward | ArgKind::JumpBackward
        )
    }

    /// Block-stack setup (through 3.10): the target is a handler or loop exit.
    pub fn is_setup(&self) -> bool {
        self.mnemonic
            .is_some_and(|m| m.name().starts_with("SETUP_") && m.name() != "SETUP_ANNOTATIONS")
    }
}

/// How control gets from one block to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    Fallthrough,
    Jump,
    /// To an exception handler: 3.11+ exception table, or a `SETUP_*` target.
    Exception,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    pub to: usize,
    pub kind: EdgeKind,
}

/// A 3.11+ handler covering an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Handler {
    pub target: usize,
    pub depth: u32,
    pub lasti: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Stable id: index in start-offset order.
    pub id: usize,
    pub start: usize,
    /// Start offsets of the instructions (keys of [`Cfg::insns`]).
    pub insns: Vec<usize>,
    pub succs: Vec<Edge>,
    pub preds: Vec<usize>,
    /// Stack depth on entry, when known.
    pub depth_in: Option<i64>,
}

/// The control-flow graph of one code object.
#[derive(Clone, Debug)]
pub struct Cfg {
    pub version: PyVersion,
    pub code_len: usize,
    /// Reachable instructions by start offset.
    pub insns: BTreeMap<usize, Insn>,
    /// 3.11+: the handler covering an instruction (by start offset).
    pub handlers: BTreeMap<usize, Handler>,
    pub blocks: Vec<Block>,
    /// Block id by start offset.
    pub block_at: BTreeMap<usize, usize>,
    /// Immediate dominator per block (`None` for roots and unreachable ones).
    pub idom: Vec<Option<usize>>,
    /// Natural loops: (header, body blocks sorted).
    pub loops: Vec<(usize, Vec<usize>)>,
    /// Largest stack depth reached, when every depth was computable.
    pub max_depth: Option<i64>,
    /// Blocks reached with two different depths.
    pub depth_conflicts: Vec<usize>,
}

/// Decodes the one instruction that starts at `start` (prefixes included).
pub fn decode_at(code: &[u8], start: usize, version: PyVersion) -> Option<Insn> {
    if start >= code.len() {
        return None;
    }
    let mut prefixes = 0u8;
    for ins in instructions(&code[start..], version) {
        if ins.is_extended_arg() && ins.truncated.is_none() && ins.end_offset() + start < code.len()
        {
            prefixes = prefixes.saturating_add(1);
            continue;
        }
        let mut abs = ins.clone();
        abs.offset += start;
        let target = abs.raw_jump_target();
        return Some(Insn {
            start,
            offset: abs.offset,
            end: abs.offset + ins.size_in_bytes,
            opcode: ins.opcode,
            mnemonic: ins.mnemonic,
            kind: ins.kind(),
            arg: ins.arg,
            caches: ins.cache_entries,
            prefixes,
            target,
            truncated: ins.truncated.is_some(),
            overlapping: false,
        });
    }
    None
}

impl Cfg {
    /// Builds the graph of `code` (`co_code`), with the 3.11+ exception table.
    pub fn build(code: &[u8], version: PyVersion, exception_table: &[u8]) -> Cfg {
        let table: Vec<_> = if version.at_least(3, 11) {
            parse_exception_table(exception_table)
        } else {
            Vec::new()
        };
        let handler_for = |off: usize| -> Option<Handler> {
            table
                .iter()
                .find(|e| e.start <= off as u64 && (off as u64) < e.end)
                .filter(|e| e.target < code.len() as u64)
                .map(|e| Handler {
                    target: e.target as usize,
                    depth: e.depth.min(u32::MAX as u64) as u32,
                    lasti: e.lasti,
                })
        };
        let mut insns: BTreeMap<usize, Insn> = BTreeMap::new();
        let mut handlers = BTreeMap::new();
        let mut leaders: BTreeSet<usize> = BTreeSet::new();
        let mut work = VecDeque::new();
        if !code.is_empty() {
            work.push_back(0usize);
            leaders.insert(0);
        }
        while let Some(at) = work.pop_front() {
            if insns.contains_key(&at) {
                continue;
            }
            let Some(ins) = decode_at(code, at, version) else {
                continue;
            };
            if let Some(h) = handler_for(ins.offset) {
                handlers.insert(at, h);
                leaders.insert(h.target);
                work.push_back(h.target);
            }
            if let Some(t) = ins.target {
                if t >= 0 && (t as u64) < code.len() as u64 {
                    leaders.insert(t as usize);
                    work.push_back(t as usize);
                }
            }
            if ins.is_jump() || ins.is_terminal() {
                leaders.insert(ins.end);
            }
            if !ins.is_terminal() && ins.end < code.len() {
                work.push_back(ins.end);
            }
            insns.insert(at, ins);
        }
        // overlapping byte ranges
        let ranges: Vec<(usize, usize, usize)> =
            insns.values().map(|i| (i.start, i.offset, i.end)).collect();
        let mut overl = BTreeSet::new();
        for w in 0..ranges.len() {
            for v in ranges.iter().skip(w + 1) {
                if v.0 >= ranges[w].2 {
                    break;
                }
                overl.insert(ranges[w].0);
                overl.insert(v.0);
            }
        }
        for s in overl {
            if let Some(i) = insns.get_mut(&s) {
                i.overlapping = true;
            }
        }
        // handler changes split blocks too
        let mut prev_h: Option<Option<Handler>> = None;
        for (&s, _) in insns.iter() {
            let h = handlers.get(&s).copied();
            if prev_h.is_some_and(|p| p != h) {
                leaders.insert(s);
            }
            prev_h = Some(h);
        }
        // blocks
        let mut blocks = Vec::new();
        let mut block_at = BTreeMap::new();
        for &l in leaders.iter() {
            if !insns.contains_key(&l) {
                continue;
            }
            let mut list = vec![l];
            let mut cur = l;
            loop {
                let ins = &insns[&cur];
                if ins.is_jump() || ins.is_terminal() {
                    break;
                }
                let next = ins.end;
                if leaders.contains(&next) || !insns.contains_key(&next) {
                    break;
                }
                list.push(next);
                cur = next;
            }
            block_at.insert(l, blocks.len());
            blocks.push(Block {
                id: blocks.len(),
                start: l,
                insns: list,
                succs: Vec::new(),
                preds: Vec::new(),
                depth_in: None,
            });
        }
        for b in 0..blocks.len() {
            let mut succs = BTreeSet::new();
            for &s in &blocks[b].insns {
                if let Some(h) = handlers.get(&s) {
                    if let Some(&t) = block_at.get(&h.target) {
                        succs.insert(Edge {
                            to: t,
                            kind: EdgeKind::Exception,
                        });
                    }
                }
            }
            let last = &insns[blocks[b].insns.last().expect("blocks are not empty")];
            if let Some(t) = last.target {
                if let Some(&tb) = (t >= 0)
                    .then_some(t as usize)
                    .and_then(|t| block_at.get(&t))
                {
                    let kind = if last.is_setup() && !last.is(&["SETUP_LOOP"]) {
                        EdgeKind::Exception
                    } else {
                        EdgeKind::Jump
                    };
                    succs.insert(Edge { to: tb, kind });
                }
            }
            if !last.is_terminal() {
                if let Some(&nb) = block_at.get(&last.end) {
                    succs.insert(Edge {
                        to: nb,
                        kind: EdgeKind::Fallthrough,
                    });
                }
            }
            blocks[b].succs = succs.into_iter().collect();
        }
        for b in 0..blocks.len() {
            for e in blocks[b].succs.clone() {
                if !blocks[e.to].preds.contains(&b) {
                    blocks[e.to].preds.push(b);
                }
            }
        }
        let mut cfg = Cfg {
            version,
            code_len: code.len(),
            insns,
            handlers,
            blocks,
            block_at,
            idom: Vec::new(),
            loops: Vec::new(),
            max_depth: None,
            depth_conflicts: Vec::new(),
        };
        cfg.idom = crate::dom::dominators(&cfg);
        cfg.loops = crate::dom::natural_loops(&cfg);
        cfg.compute_depths();
        cfg
    }

    /// The block that starts at `offset`.
    pub fn block_starting(&self, offset: usize) -> Option<&Block> {
        self.block_at.get(&offset).map(|&b| &self.blocks[b])
    }

    fn compute_depths(&mut self) {
        if !has_stack_effects(self.version) || self.blocks.is_empty() {
            return;
        }
        let v = self.version;
        let mut depth: Vec<Option<i64>> = vec![None; self.blocks.len()];
        depth[0] = Some(0);
        let mut max = 0i64;
        let mut ok = true;
        let mut conflicts = BTreeSet::new();
        // 3.8 `finally` bodies are entered by CALL_FINALLY (+1), by
        // BEGIN_FINALLY (+6) and by an exception (+6): the compiler takes
        // the largest, so depths that differ there (and downstream) are
        // not conflicts.
        let mut lenient = vec![false; self.blocks.len()];
        let mut work = VecDeque::from([0usize]);
        let mut visits = 0usize;
        while let Some(b) = work.pop_front() {
            visits += 1;
            if visits > 100 * self.blocks.len() + 100 {
                ok = false;
                break;
            }
            let Some(mut d) = depth[b] else { continue };
            let mut out: Vec<(usize, i64, bool)> = Vec::new();
            let tainted = lenient[b];
            for &s in &self.blocks[b].insns {
                let ins = &self.insns[&s];
                if let Some(h) = self.handlers.get(&s) {
                    if let Some(&hb) = self.block_at.get(&h.target) {
                        out.push((hb, h.depth as i64 + h.lasti as i64 + 1, tainted));
                        max = max.max(h.depth as i64 + h.lasti as i64 + 1);
                    }
                }
                let Some(fall) = stack_effect(v, ins.opcode, ins.arg, false) else {
                    ok = false;
                    break;
                };
                if ins.is_jump() {
                    let Some(j) = stack_effect(v, ins.opcode, ins.arg, true) else {
                        ok = false;
                        break;
                    };
                    if let Some(t) = ins.target.filter(|&t| t >= 0) {
                        if let Some(&tb) = self.block_at.get(&(t as usize)) {
                            let call_finally =
                                ins.mnemonic.is_some_and(|m| m.name() == "CALL_FINALLY");
                            out.push((tb, d + j, tainted || call_finally));
                            max = max.max(d + j);
                        }
                    }
                }
                d += fall;
                max = max.max(d);
                if d < 0 {
                    ok = false;
                }
            }
            if !ok {
                break;
            }
            let last = &self.insns[self.blocks[b].insns.last().expect("non-empty")];
            if !last.is_terminal() {
                if let Some(&nb) = self.block_at.get(&last.end) {
                    out.push((nb, d, tainted));
                }
            }
            for (t, nd, easy) in out {
                match depth[t] {
                    None => {
                        depth[t] = Some(nd);
                        lenient[t] |= easy;
                        work.push_back(t);
                    }
                    Some(old) if old != nd => {
                        if easy || lenient[t] {
                            lenient[t] = true;
                        } else {
                            conflicts.insert(t);
                        }
                        if nd > old {
                            depth[t] = Some(nd);
                            work.push_back(t);
                        }
                    }
                    _ => {}
                }
            }
        }
        for (b, d) in depth.iter().enumerate() {
            self.blocks[b].depth_in = *d;
        }
        self.depth_conflicts = conflicts.into_iter().collect();
        self.max_depth = ok.then_some(max);
    }
}
