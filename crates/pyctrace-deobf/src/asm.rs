//! The assembler: a laid-out [`Func`] to `co_code`, line table, exception
//! table, per version.
//!
//! Jump encoding: up to 3.9 byte offsets, from 3.10 code units; absolute
//! jumps, relative forward jumps (from 3.12 counted after the inline caches)
//! and from 3.11 relative backward jumps. Direction-specific opcodes are
//! chosen from the final layout. EXTENDED_ARG prefixes only grow while the
//! sizes are iterated to a fixpoint, so the iteration ends.

use pyctrace_bytecode::{op_table, ArgKind, Mnemonic, OpTable, PyVersion};

use crate::ir::{Func, HandlerRef, Ins, Loc};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AsmError {
    /// A jump that can only go one way would have to go the other.
    Direction {
        block: usize,
        name: &'static str,
    },
    NoTable,
    MissingOpcode(&'static str),
    BadLayout,
}

impl std::fmt::Display for AsmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AsmError::Direction { block, name } => {
                write!(f, "{name} in block {block} cannot jump that way")
            }
            AsmError::NoTable => write!(f, "no opcode table for this version"),
            AsmError::MissingOpcode(n) => write!(f, "version has no {n}"),
            AsmError::BadLayout => write!(f, "layout does not start with the entry block"),
        }
    }
}

/// What the assembler produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assembled {
    pub code: Vec<u8>,
    /// `co_lnotab` (<= 3.9) or `co_linetable` (3.10+).
    pub linetable: Vec<u8>,
    /// 3.11+ `co_exceptiontable` (empty before).
    pub exceptiontable: Vec<u8>,
}

/// One instruction of the final stream.
struct Slot {
    ins: Ins,
    /// Target as an index into the stream.
    target: Option<usize>,
    prefixes: u8,
    /// Offset of the first prefix.
    start: usize,
    block: usize,
}

fn opcode(table: &OpTable, m: Mnemonic) -> Result<u8, AsmError> {
    table.opcode_of(m).ok_or(AsmError::MissingOpcode(m.name()))
}

fn mnemonic_named(table: &OpTable, name: &str) -> Option<(u8, Mnemonic)> {
    (0..=255u8).find_map(|b| {
        let i = table.get(b)?;
        (i.mnemonic.name() == name && i.deopt.is_none()).then_some((b, i.mnemonic))
    })
}

fn set_op(table: &OpTable, ins: &mut Ins, name: &str) -> Result<(), AsmError> {
    let (b, m) = mnemonic_named(table, name).ok_or(AsmError::MissingOpcode("jump variant"))?;
    let info = table.get(b).expect("defined");
    ins.opcode = b;
    ins.mnemonic = Some(m);
    ins.kind = info.kind;
    ins.caches = info.caches;
    Ok(())
}

fn prefixes_for(version: PyVersion, arg: u32) -> u8 {
    if version.at_least(3, 6) {
        match arg {
            0..=0xff => 0,
            0x100..=0xffff => 1,
            0x1_0000..=0xff_ffff => 2,
            _ => 3,
        }
    } else if arg > 0xffff {
        1
    } else {
        0
    }
}

fn size_of(version: PyVersion, s: &Slot) -> usize {
    if version.at_least(3, 6) {
        2 * (1 + s.prefixes as usize) + 2 * s.ins.caches as usize
    } else if s.ins.has_arg {
        3 * (1 + s.prefixes as usize)
    } else {
        1
    }
}

/// Assembles the blocks of `func.order`; jumps are inserted where a block's
/// `next` does not follow it.
pub fn assemble(func: &Func) -> Result<Assembled, AsmError> {
    let v = func.version;
    let table = op_table(v).ok_or(AsmError::NoTable)?;
    if func.order.first() != Some(&0) {
        return Err(AsmError::BadLayout);
    }
    let jf = opcode(table, Mnemonic::JUMP_FORWARD)?;
    // 1. the instruction stream
    let mut slots: Vec<Slot> = Vec::new();
    let mut block_first: Vec<Option<usize>> = vec![None; func.blocks.len()];
    let mut pending: Vec<(usize, usize)> = Vec::new(); // (slot, target block)
    for (pos, &b) in func.order.iter().enumerate() {
        let blk = &func.blocks[b];
        block_first[b] = Some(slots.len());
        for ins in &blk.instrs {
            if let Some(t) = ins.target {
                pending.push((slots.len(), t));
            }
            slots.push(Slot {
                ins: ins.clone(),
                target: None,
                prefixes: 0,
                start: 0,
                block: b,
            });
        }
        if let Some(n) = blk.next {
            if func.order.get(pos + 1) != Some(&n) || blk.keep_jump {
                let info = table.get(jf).expect("JUMP_FORWARD");
                let loc = if blk.jump_name.is_some() {
                    blk.jump_loc
                } else {
                    blk.instrs.last().map(|i| i.loc).unwrap_or_default()
                };
                let handler: Option<HandlerRef> = blk
                    .jump_handler
                    .or_else(|| blk.instrs.last().and_then(|i| i.handler));
                pending.push((slots.len(), n));
                slots.push(Slot {
                    ins: Ins {
                        opcode: jf,
                        mnemonic: Some(Mnemonic::JUMP_FORWARD),
                        kind: info.kind,
                        arg: 0,
                        has_arg: true,
                        caches: info.caches,
                        target: Some(n),
                        loc,
                        handler,
                    },
                    target: None,
                    prefixes: 0,
                    start: 0,
                    block: b,
                });
            }
        }
    }
    // every target must be laid out: a target block without instructions
    // takes the position of the next one that has some
    let mut resolved: Vec<Option<usize>> = vec![None; func.blocks.len()];
    for (k, &b) in func.order.iter().enumerate() {
        let mut r = block_first[b];
        if r.is_some_and(|r| r >= slots.len() || slots[r].block != b) {
            // empty block: the first slot of a following block
            r = func.order[k + 1..].iter().find_map(|&nb| {
                block_first[nb].filter(|&f| f < slots.len() && slots[f].block == nb)
            });
        }
        resolved[b] = r;
    }
    for (s, t) in pending {
        match resolved.get(t).copied().flatten() {
            Some(ti) => slots[s].target = Some(ti),
            None => return Err(AsmError::BadLayout),
        }
    }
    let unit: i64 = if v.at_least(3, 10) { 2 } else { 1 };
    let len_next: i64 = if v.at_least(3, 6) { 2 } else { 3 };
    // 2. fixpoint on sizes, jump opcodes and arguments
    for _round in 0..64 {
        let mut off = 0usize;
        for s in slots.iter_mut() {
            s.start = off;
            off += size_of(v, s);
        }
        let starts: Vec<usize> = slots.iter().map(|s| s.start).collect();
        let mut changed = false;
        for i in 0..slots.len() {
            let Some(t) = slots[i].target else { continue };
            let op_off =
                starts[i] + slots[i].prefixes as usize * if v.at_least(3, 6) { 2 } else { 3 };
            let tgt = starts[t] as i64;
            let next = op_off as i64 + len_next;
            // direction: relative to the next instruction
            let forward = tgt >= next;
            let name = slots[i].ins.name();
            let wanted: Option<String> =
                if matches!(name, "JUMP_FORWARD" | "JUMP_ABSOLUTE" | "JUMP_BACKWARD") {
                    Some(if forward {
                        "JUMP_FORWARD".into()
                    } else if v.at_least(3, 11) {
                        "JUMP_BACKWARD".into()
                    } else {
                        "JUMP_ABSOLUTE".into()
                    })
                } else if v.at_least(3, 11) && !v.at_least(3, 12) && name.starts_with("POP_JUMP_") {
                    let cond = name
                        .trim_start_matches("POP_JUMP_FORWARD_IF_")
                        .trim_start_matches("POP_JUMP_BACKWARD_IF_");
                    Some(format!(
                        "POP_JUMP_{}_IF_{}",
                        if forward { "FORWARD" } else { "BACKWARD" },
                        cond
                    ))
                } else {
                    None
                };
            if let Some(w) = wanted {
                if w != name {
                    set_op(table, &mut slots[i].ins, &w)?;
                    changed = true;
                }
            }
            let caches = if v.at_least(3, 12) {
                2 * slots[i].ins.caches as i64
            } else {
                0
            };
            let arg = match slots[i].ins.kind {
                ArgKind::JumpAbsolute => tgt / unit,
                ArgKind::JumpForward => {
                    let d = tgt - next - caches;
                    if d < 0 {
                        return Err(AsmError::Direction {
                            block: slots[i].block,
                            name: slots[i].ins.name(),
                        });
                    }
                    d / unit
                }
                ArgKind::JumpBackward => {
                    let d = next + caches - tgt;
                    if d < 0 {
                        return Err(AsmError::Direction {
                            block: slots[i].block,
                            name: slots[i].ins.name(),
                        });
                    }
                    d / unit
                }
                _ => 0,
            };
            let arg = arg as u32;
            if slots[i].ins.arg != arg {
                slots[i].ins.arg = arg;
                changed = true;
            }
        }
        for s in slots.iter_mut() {
            let p = if s.ins.has_arg {
                prefixes_for(v, s.ins.arg)
            } else {
                0
            };
            if p > s.prefixes {
                s.prefixes = p;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // 3. bytes
    let ext = table.extended_arg;
    let mut code = Vec::new();
    for s in &slots {
        debug_assert_eq!(code.len(), s.start);
        let a = s.ins.arg;
        if v.at_least(3, 6) {
            for k in (1..=s.prefixes as u32).rev() {
                code.push(ext);
                code.push(((a >> (8 * k)) & 0xff) as u8);
            }
            code.push(s.ins.opcode);
            code.push(if s.ins.has_arg { (a & 0xff) as u8 } else { 0 });
            for _ in 0..s.ins.caches {
                code.extend_from_slice(&[0, 0]);
            }
        } else {
            if s.prefixes > 0 {
                code.push(ext);
                code.push(((a >> 16) & 0xff) as u8);
                code.push(((a >> 24) & 0xff) as u8);
            }
            code.push(s.ins.opcode);
            if s.ins.has_arg {
                code.push((a & 0xff) as u8);
                code.push(((a >> 8) & 0xff) as u8);
            }
        }
    }
    let spans: Vec<(usize, usize, Loc)> = slots
        .iter()
        .map(|s| (s.start, s.start + size_of(v, s), s.ins.loc))
        .collect();
    let linetable = if v.at_least(3, 11) {
        crate::tables::locations_311(&spans, func.firstlineno)
    } else if v.at_least(3, 10) {
        crate::tables::linetable_310(&spans, func.firstlineno)
    } else {
        crate::tables::lnotab(&spans, func.firstlineno, v)
    };
    let exceptiontable = if v.at_least(3, 11) {
        let mut rows = Vec::new();
        for s in &slots {
            let h = s.ins.handler.and_then(|h| {
                let t = resolved.get(h.block).copied().flatten()?;
                Some((slots[t].start, h.depth, h.lasti))
            });
            rows.push((s.start, s.start + size_of(v, s), h));
        }
        crate::tables::exception_table(&rows)
    } else {
        Vec::new()
    };
    Ok(Assembled {
        code,
        linetable,
        exceptiontable,
    })
}
