//! Thread jump chains: an edge to a block that is nothing but an
//! unconditional jump goes straight to where that jump leads.

use super::{Ctx, Pass};
use crate::ir::Func;

pub struct ThreadJumps;

/// Where control really arrives when it enters `b`.
fn final_target(func: &Func, b: usize) -> usize {
    let mut cur = b;
    let mut steps = 0;
    while func.blocks[cur].instrs.is_empty() {
        match func.blocks[cur].next {
            Some(n) if n != cur && steps < func.blocks.len() => {
                cur = n;
                steps += 1;
            }
            _ => break,
        }
    }
    cur
}

/// 3.10 and 3.11 do not thread a conditional jump into a loop's back edge
/// (a `JUMP` without line while the jumps are optimised): where control
/// from a conditional jump at `b` enters a block that is only that back
/// edge, the walk stops there. A protector's hops have one entry each and
/// no line, so the back edge is the block with two entries, or the last
/// one before the loop header when it has a line.
fn cond_target(func: &Func, idom: &[Option<usize>], refs: &[usize], b: usize) -> usize {
    let mut cur = b;
    let mut steps = 0;
    while func.blocks[cur].instrs.is_empty() {
        let Some(n) = func.blocks[cur].next else {
            break;
        };
        if n == cur || steps >= func.blocks.len() {
            break;
        }
        let head = final_target(func, n);
        let back_edge = pyctrace_cfg::dom::dominates(idom, head, cur);
        // (a protector's hops have no line from 3.10)
        let own_line = func.blocks[cur].jump_loc.line.is_some();
        if back_edge && (refs[cur] >= 2 || (n == head && own_line)) {
            break;
        }
        cur = n;
        steps += 1;
    }
    cur
}

impl Pass for ThreadJumps {
    fn name(&self) -> &'static str {
        "thread-jumps"
    }

    fn run(&self, func: &mut Func, _ctx: &Ctx) -> Vec<String> {
        let v = func.version;
        let mut out = Vec::new();
        let keep_back_edges = v.at_least(3, 10) && !v.at_least(3, 12);
        let (idom, refs) = if keep_back_edges {
            let succs: Vec<Vec<usize>> = (0..func.blocks.len())
                .map(|b| {
                    if func.blocks[b].alive {
                        func.successors(b)
                    } else {
                        Vec::new()
                    }
                })
                .collect();
            (pyctrace_cfg::dom::dominators_of(&succs), func.ref_counts())
        } else {
            (Vec::new(), Vec::new())
        };
        // back edges kept for conditional jumps stay where the loop body
        // falls into them
        let mut kept = vec![false; func.blocks.len()];
        if keep_back_edges {
            for &b in &func.order {
                for ins in &func.blocks[b].instrs {
                    if let Some(n) = ins.target {
                        if ins.name().contains("JUMP_") && ins.name().contains("_IF_") {
                            let t = cond_target(func, &idom, &refs, n);
                            if func.blocks[t].instrs.is_empty() {
                                kept[t] = true;
                            }
                        }
                    }
                }
            }
        }
        for k in 0..func.order.len() {
            let b = func.order[k];
            if let Some(n) = func.blocks[b].next {
                let t = if kept[n] { n } else { final_target(func, n) };
                if t != n {
                    out.push(format!(
                        "@{}: successor @{} -> @{}",
                        func.blocks[b].orig, func.blocks[n].orig, func.blocks[t].orig
                    ));
                    func.blocks[b].next = Some(t);
                    // the input needed a jump here: the layout decides again
                    func.blocks[b].next_kind = crate::ir::NextKind::Jump;
                }
            }
            for i in 0..func.blocks[b].instrs.len() {
                let ins = &func.blocks[b].instrs[i];
                // 3.12+: FOR_ITER/SEND skip the instruction at their target
                if v.at_least(3, 12) && matches!(ins.name(), "FOR_ITER" | "SEND") {
                    continue;
                }
                let Some(n) = ins.target else { continue };
                let t = if keep_back_edges
                    && ins.name().contains("JUMP_")
                    && ins.name().contains("_IF_")
                {
                    cond_target(func, &idom, &refs, n)
                } else {
                    final_target(func, n)
                };
                if t != n {
                    out.push(format!(
                        "@{}: {} target @{} -> @{}",
                        func.blocks[b].orig,
                        ins.name(),
                        func.blocks[n].orig,
                        func.blocks[t].orig
                    ));
                    func.blocks[b].instrs[i].target = Some(t);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::testutil::func38;
    use crate::passes::unreachable::DropUnreachable;

    #[test]
    fn threads_two_hops() {
        // 0 LOAD_CONST 0; 2 POP_JUMP_IF_FALSE 10; 4 LOAD_CONST 0; 6 RETURN_VALUE;
        // 8 <junk>; 10 JUMP_FORWARD 2 (to 14); 12 junk; 14 JUMP_ABSOLUTE 4
        let mut f = func38(&[100, 0, 114, 10, 100, 0, 83, 0, 218, 0, 110, 2, 9, 0, 113, 4]);
        let consts = vec![];
        let ctx = Ctx::new(&f, &consts).unwrap();
        let changes = ThreadJumps.run(&mut f, &ctx);
        assert!(!changes.is_empty());
        let target = f.blocks[0].instrs[1].target.unwrap();
        assert_eq!(f.blocks[target].orig, 4);
        DropUnreachable.run(&mut f, &ctx);
        assert_eq!(f.order.len(), 2);
    }
}
