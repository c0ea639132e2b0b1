//! The verifier: what the assembler emits must be well formed. Jump
//! targets on instruction boundaries (never inside an EXTENDED_ARG chain),
//! every instruction defined and complete, exception-table entries ordered
//! and on boundaries, line tables covering the code, and a consistent
//! stack depth within `co_stacksize`.

use std::collections::BTreeSet;

use pyctrace_bytecode::{instructions, parse_exception_table, LineTable, PyVersion};
use pyctrace_cfg::Cfg;

/// Problems found (empty: the code is well formed). Depth consistency is
/// only required when asked (the input's own depths may already conflict).
pub fn verify(
    version: PyVersion,
    code: &[u8],
    linetable: &[u8],
    exceptiontable: &[u8],
    firstlineno: i32,
    stacksize: Option<i64>,
    require_consistent_depth: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut boundaries = BTreeSet::new();
    let mut jumps = Vec::new();
    for ins in instructions(code, version) {
        if ins.truncated.is_some() {
            problems.push(format!("truncated instruction at {}", ins.offset));
            continue;
        }
        if ins.mnemonic.is_none() {
            problems.push(format!("undefined opcode {} at {}", ins.opcode, ins.offset));
        }
        if !ins.is_extended_arg() {
            boundaries.insert(ins.start_offset);
            if let Some(t) = ins.raw_jump_target() {
                jumps.push((ins.offset, t));
            }
        }
    }
    boundaries.insert(code.len());
    for (at, t) in jumps {
        if t < 0 || t as usize >= code.len() || !boundaries.contains(&(t as usize)) {
            problems.push(format!("jump at {at} to {t}: not an instruction boundary"));
        }
    }
    if version.at_least(3, 11) {
        let mut last_end = 0u64;
        for e in parse_exception_table(exceptiontable) {
            for (what, o) in [("start", e.start), ("end", e.end), ("target", e.target)] {
                if !boundaries.contains(&(o as usize)) || o as usize > code.len() {
                    problems.push(format!("exception entry {what} {o} not on a boundary"));
                }
            }
            if e.start < last_end || e.end <= e.start {
                problems.push(format!(
                    "exception entry {}..{} out of order",
                    e.start, e.end
                ));
            }
            last_end = e.end;
            if let Some(s) = stacksize {
                if e.depth as i64 + e.lasti as i64 + 1 > s {
                    problems.push(format!("handler depth {} above co_stacksize {s}", e.depth));
                }
            }
        }
    }
    if version.at_least(3, 10) {
        let lt = LineTable::new(version, linetable, firstlineno, code.len());
        let end = lt.co_lines().last().map_or(0, |r| r.end);
        if end != code.len() {
            problems.push(format!("line table covers {end} of {} bytes", code.len()));
        }
    } else {
        let starts = LineTable::new(version, linetable, firstlineno, code.len()).line_starts();
        if starts.iter().any(|&(o, _)| o > code.len()) {
            problems.push("lnotab runs past the code".into());
        }
    }
    let cfg = Cfg::build(code, version, exceptiontable);
    if require_consistent_depth && !cfg.depth_conflicts.is_empty() {
        problems.push(format!(
            "inconsistent stack depth at blocks {:?}",
            cfg.depth_conflicts
        ));
    }
    if let (Some(max), Some(s)) = (cfg.max_depth, stacksize) {
        if max > s {
            problems.push(format!("stack depth {max} above co_stacksize {s}"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_misaligned_jump() {
        let v = PyVersion::new(3, 8);
        // JUMP_ABSOLUTE 3: odd offset
        let bad = verify(v, &[113, 3, 100, 0, 83, 0], &[], &[], 1, Some(1), true);
        assert!(!bad.is_empty());
        let good = verify(v, &[113, 2, 100, 0, 83, 0], &[], &[], 1, Some(1), true);
        assert!(good.is_empty(), "{good:?}");
    }
}
