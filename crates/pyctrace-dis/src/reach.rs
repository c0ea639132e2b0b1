//! Which instructions can run: a recursive traversal over the decoded
//! instructions from the entry (offset 0), following fall-through and jump
//! targets, stopping after returns, raises and unconditional jumps. Up to
//! 3.10 the `SETUP_*` targets are ordinary edges; from 3.11 the handler of
//! an exception-table entry is an entry point once an instruction it
//! protects is reachable.

use pyctrace_bytecode::ArgKind;
use pyctrace_marshal::PyVersion;

use crate::model::{DisInstruction, ExceptionEntry};

/// Control never continues to the next instruction.
fn ends_flow(ins: &DisInstruction) -> bool {
    if ins.mnemonic.is_none() || ins.truncated {
        // undefined opcodes stop the interpreter with SystemError
        return true;
    }
    let name = ins.opname.as_str();
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

fn is_jump(ins: &DisInstruction) -> bool {
    matches!(
        ins.kind,
        ArgKind::JumpForward | ArgKind::JumpBackward | ArgKind::JumpAbsolute
    )
}

/// One flag per instruction of `instrs` (sorted by offset, covering the code).
pub(crate) fn reachable(
    instrs: &[DisInstruction],
    exceptions: &[ExceptionEntry],
    code_len: usize,
    _version: PyVersion,
) -> Vec<bool> {
    let n = instrs.len();
    let mut seen = vec![false; n];
    if n == 0 {
        return seen;
    }
    // index of the instruction that covers byte offset `o`
    let index_of = |o: i64| -> Option<usize> {
        if o < 0 || o as u64 >= code_len as u64 {
            return None;
        }
        let i = instrs.partition_point(|ins| (ins.offset as i64) <= o);
        i.checked_sub(1)
    };
    let mut work: Vec<usize> = vec![0];
    let mut handlers_done = vec![false; exceptions.len()];
    loop {
        while let Some(start) = work.pop() {
            let mut i = start;
            loop {
                if seen[i] {
                    break;
                }
                seen[i] = true;
                let ins = &instrs[i];
                if is_jump(ins) {
                    if let Some(t) = ins.jump_target.and_then(index_of) {
                        if !seen[t] {
                            work.push(t);
                        }
                    }
                }
                if ends_flow(ins) || i + 1 >= n {
                    break;
                }
                i += 1;
            }
        }
        // exception handlers whose protected range holds reachable code
        let mut added = false;
        // prefix[i] = reachable instructions among the first i
        let mut prefix = Vec::with_capacity(n + 1);
        prefix.push(0usize);
        for &s in &seen {
            prefix.push(prefix.last().copied().unwrap_or(0) + s as usize);
        }
        for (k, e) in exceptions.iter().enumerate() {
            if handlers_done[k] || e.end <= e.start {
                continue;
            }
            let lo = instrs.partition_point(|ins| (ins.offset as u64) < e.start);
            let hi = instrs.partition_point(|ins| (ins.offset as u64) < e.end);
            let covered = hi > lo && prefix[hi] > prefix[lo];
            if covered {
                handlers_done[k] = true;
                if let Some(t) = index_of(e.target.min(i64::MAX as u64) as i64) {
                    work.push(t);
                    added = true;
                }
            }
        }
        if !added {
            break;
        }
    }
    seen
}
