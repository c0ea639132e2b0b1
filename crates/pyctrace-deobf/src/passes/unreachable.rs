//! Drop blocks no path from the entry reaches (the graph is built by
//! recursive traversal, so junk bytes are never decoded at all; this pass
//! removes what later passes cut off, e.g. the dead side of a folded predicate).

use super::{Ctx, Pass};
use crate::ir::Func;

pub struct DropUnreachable;

impl Pass for DropUnreachable {
    fn name(&self) -> &'static str {
        "drop-unreachable"
    }

    fn run(&self, func: &mut Func, _ctx: &Ctx) -> Vec<String> {
        let mut seen = func.reachable();
        // dead code anchored at junk that folding cut off (junk behind an
        // opaque predicate between a `return` and the compiler's dead
        // code) goes to the live block before the junk, when that one
        // ends the way the compiler's dead code follows
        let mut by_orig: Vec<usize> = func.order.clone();
        by_orig.sort_by_key(|&b| func.blocks[b].orig);
        for k in 0..by_orig.len() {
            let b = by_orig[k];
            let Some(d) = func.blocks[b].dead_after else {
                continue;
            };
            if seen[b] {
                continue;
            }
            let before = by_orig[..k]
                .iter()
                .rev()
                .copied()
                .find(|&p| seen[p] && func.blocks[p].orig < func.blocks[b].orig);
            if let Some(p) = before {
                let pb = &func.blocks[p];
                if pb.next.is_none() && pb.dead_after.is_none() && !pb.instrs.is_empty() {
                    func.blocks[p].dead_after = Some(d);
                    func.blocks[b].dead_after = None;
                }
            }
        }
        // the compiler's own dead code stays with the block it follows
        loop {
            let mut changed = false;
            for &b in &func.order {
                if let Some(d) = func.blocks[b].dead_after {
                    if seen[b] && !seen[d] {
                        seen[d] = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        // dead code entering a block that folding emptied goes where that
        // block leads
        let through = |func: &Func, seen: &[bool], mut b: usize| {
            let mut steps = 0;
            while !seen[b] && func.blocks[b].instrs.is_empty() && steps < func.blocks.len() {
                match func.blocks[b].next {
                    Some(n) => b = n,
                    None => break,
                }
                steps += 1;
            }
            b
        };
        for k in 0..func.order.len() {
            let b = func.order[k];
            if !seen[b] {
                continue;
            }
            if let Some(n) = func.blocks[b].next {
                let t = through(func, &seen, n);
                if t != n && seen[t] {
                    func.blocks[b].next = Some(t);
                    func.blocks[b].next_kind = crate::ir::NextKind::Jump;
                }
            }
            for i in 0..func.blocks[b].instrs.len() {
                if let Some(n) = func.blocks[b].instrs[i].target {
                    let t = through(func, &seen, n);
                    if t != n && seen[t] {
                        func.blocks[b].instrs[i].target = Some(t);
                    }
                }
            }
        }
        // dead code jumping (or falling) into a block that is gone goes too
        loop {
            let mut changed = false;
            for &b in &func.order {
                if seen[b] && func.successors(b).iter().any(|&s| !seen[s]) {
                    seen[b] = false;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for &b in &func.order {
            if let Some(d) = func.blocks[b].dead_after {
                if !seen[d] {
                    func.blocks[b].dead_after = None;
                }
            }
        }
        let mut out = Vec::new();
        for &b in &func.order {
            if !seen[b] {
                func.blocks[b].alive = false;
                out.push(format!(
                    "block @{} ({} instructions) unreachable",
                    func.blocks[b].orig,
                    func.blocks[b].instrs.len()
                ));
            }
        }
        func.order.retain(|&b| seen[b]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::testutil::func38;
    use crate::passes::ConstVal;

    #[test]
    fn drops_cut_off_block() {
        // 0 LOAD_CONST 0; 2 POP_JUMP_IF_FALSE 8; 4 LOAD_CONST 0; 6 RETURN_VALUE; 8 LOAD_CONST 0; 10 RETURN_VALUE
        let mut f = func38(&[100, 0, 114, 8, 100, 0, 83, 0, 100, 0, 83, 0]);
        assert_eq!(f.order.len(), 3);
        // make the branch unconditional to block 1: block 2 is cut off
        f.blocks[0].instrs.pop();
        let consts = vec![ConstVal::Other];
        let ctx = Ctx::new(&f, &consts).unwrap();
        let changes = DropUnreachable.run(&mut f, &ctx);
        assert_eq!(changes.len(), 1);
        assert_eq!(f.order, vec![0, 1]);
    }
}
