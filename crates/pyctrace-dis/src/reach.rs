//! Which instructions can run: a recursive traversal over the decoded
//! instructions from the entry (offset 0), following fall-through and jump
//! targets, stopping after returns, raises and unconditional jumps. Up to
//! 3.10 the `SETUP_*` targets are ordinary edges; from 3.11 the handler of
//! an exception-table entry is an entry point once an instruction it
//! protects is reachable.

use std::sync::OnceLock;

use pyctrace_bytecode::Mnemonic;

use pyctrace_bytecode::OpTable;

use crate::compact::{jump_target, Ins};
use crate::model::{is_jump_kind, ExceptionEntry};

/// Whether control never continues after an instruction, by its name.
fn name_ends_flow(name: &str) -> bool {
    matches!(
        name,
        "RETURN_VALUE"
            | "RETURN_CONST"
            | "RAISE_VARARGS"
            | "RERAISE"
            | "JUMP_ABSOLUTE"
            | "JUMP_FORWARD"
            | "JUMP_BACKWARD"
            | "JUMP_BACKWARD_NO_INTERRUPT"
            | "JUMP_BACKWARD_QUICK"
            | "JUMP"
            | "JUMP_NO_INTERRUPT"
            | "BREAK_LOOP"
            | "CONTINUE_LOOP"
            | "STOP_CODE"
            | "INTERPRETER_EXIT"
            | "ENTER_EXECUTOR"
    ) || name.starts_with("RETURN_VALUE")
        || name.starts_with("INSTRUMENTED_RETURN")
        || name.starts_with("INSTRUMENTED_JUMP")
}

/// [`name_ends_flow`] of every mnemonic, by its discriminant.
fn ends_flow_table() -> &'static [bool] {
    static TABLE: OnceLock<Vec<bool>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let size = Mnemonic::ALL
            .iter()
            .map(|&m| m as usize + 1)
            .max()
            .unwrap_or(0);
        let mut table = vec![false; size];
        for &m in Mnemonic::ALL {
            table[m as usize] = name_ends_flow(m.name());
        }
        table
    })
}

/// Control never continues to the next instruction.
#[inline]
fn ends_flow(table: &[bool], ins: &Ins) -> bool {
    match ins.mnemonic {
        // undefined opcodes stop the interpreter with SystemError
        None => true,
        _ if ins.has(Ins::TRUNCATED) => true,
        Some(m) => table.get(m as usize).copied().unwrap_or(false),
    }
}

/// Buffers reused from one call to the next.
#[derive(Default)]
pub(crate) struct Scratch {
    work: Vec<usize>,
    handlers_done: Vec<bool>,
    prefix: Vec<usize>,
}

/// Sets `reachable` on every instruction of `instrs` (sorted by offset,
/// covering the code).
pub(crate) fn mark_reachable(
    instrs: &mut [Ins],
    exceptions: &[ExceptionEntry],
    code_len: usize,
    table: &OpTable,
    scratch: &mut Scratch,
) {
    for ins in instrs.iter_mut() {
        ins.set(Ins::REACHABLE, false);
    }
    let n = instrs.len();
    if n == 0 {
        return;
    }
    let ends = ends_flow_table();
    // index of the instruction that covers byte offset `o`
    let index_of = |instrs: &[Ins], o: i64| -> Option<usize> {
        if o < 0 || o as u64 >= code_len as u64 {
            return None;
        }
        let i = instrs.partition_point(|ins| (ins.offset as i64) <= o);
        i.checked_sub(1)
    };
    let Scratch {
        work,
        handlers_done,
        prefix,
    } = scratch;
    work.clear();
    work.push(0);
    handlers_done.clear();
    handlers_done.resize(exceptions.len(), false);
    loop {
        while let Some(start) = work.pop() {
            let mut i = start;
            loop {
                if instrs[i].has(Ins::REACHABLE) {
                    break;
                }
                instrs[i].set(Ins::REACHABLE, true);
                let ins = &instrs[i];
                if is_jump_kind(ins.kind) {
                    if let Some(t) = jump_target(table, ins).and_then(|t| index_of(instrs, t)) {
                        if !instrs[t].has(Ins::REACHABLE) {
                            work.push(t);
                        }
                    }
                }
                if ends_flow(ends, ins) || i + 1 >= n {
                    break;
                }
                i += 1;
            }
        }
        if exceptions.is_empty() {
            break;
        }
        // exception handlers whose protected range holds reachable code
        let mut added = false;
        // prefix[i] = reachable instructions among the first i
        prefix.clear();
        prefix.push(0);
        prefix.extend(instrs.iter().scan(0usize, |count, ins| {
            *count += ins.has(Ins::REACHABLE) as usize;
            Some(*count)
        }));
        for (k, e) in exceptions.iter().enumerate() {
            if handlers_done[k] || e.end <= e.start {
                continue;
            }
            let lo = instrs.partition_point(|ins| (ins.offset as u64) < e.start);
            let hi = instrs.partition_point(|ins| (ins.offset as u64) < e.end);
            let covered = hi > lo && prefix[hi] > prefix[lo];
            if covered {
                handlers_done[k] = true;
                if let Some(t) = index_of(instrs, e.target.min(i64::MAX as u64) as i64) {
                    work.push(t);
                    added = true;
                }
            }
        }
        if !added {
            break;
        }
    }
}
