//! Merge straight-line blocks: a block that only ever continues into a
//! block nothing else enters absorbs it.

use super::{Ctx, Pass};
use crate::ir::Func;

pub struct MergeBlocks;

impl Pass for MergeBlocks {
    fn name(&self) -> &'static str {
        "merge-blocks"
    }

    fn run(&self, func: &mut Func, _ctx: &Ctx) -> Vec<String> {
        let mut out = Vec::new();
        // the jump that ends the normal path of a `try` body over its
        // handler stays (the handler is laid out after it, up to 3.10)
        let mut exits = vec![false; func.blocks.len()];
        for (a, _) in super::layout::handler_after_normal_exit(func, &func.order) {
            exits[a] = true;
        }
        loop {
            let refs = func.ref_counts();
            // the compiler's dead code keeps its place after its anchor
            let mut anchored = vec![false; func.blocks.len()];
            for &b in &func.order {
                if let Some(d) = func.blocks[b].dead_after {
                    anchored[d] = true;
                }
            }
            let mut merged = None;
            for &a in &func.order {
                let blk = &func.blocks[a];
                let Some(n) = blk.next else { continue };
                if n == 0 || n == a || refs[n] != 1 || anchored[n] || exits[a] {
                    continue;
                }
                // keep basic blocks basic: no jump in the middle
                if blk.instrs.last().is_some_and(|i| i.target.is_some()) {
                    continue;
                }
                merged = Some((a, n));
                break;
            }
            let Some((a, n)) = merged else { break };
            let b = func.blocks[n].clone();
            out.push(format!("@{} absorbs @{}", func.blocks[a].orig, b.orig));
            let blk = &mut func.blocks[a];
            blk.instrs.extend(b.instrs);
            blk.next = b.next;
            blk.next_kind = b.next_kind;
            blk.jump_loc = b.jump_loc;
            blk.jump_handler = b.jump_handler;
            blk.jump_name = b.jump_name;
            if blk.poison.is_none() {
                blk.poison = b.poison;
            }
            func.blocks[n].alive = false;
            func.order.retain(|&x| x != n);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::testutil::func38;

    #[test]
    fn merges_jump_connected_blocks() {
        // 0 LOAD_CONST 0; 2 JUMP_FORWARD 2 (to 6); 4 junk; 6 RETURN_VALUE
        let mut f = func38(&[100, 0, 110, 2, 9, 0, 83, 0]);
        assert_eq!(f.order.len(), 2);
        let consts = vec![];
        let ctx = Ctx::new(&f, &consts).unwrap();
        assert_eq!(MergeBlocks.run(&mut f, &ctx).len(), 1);
        assert_eq!(f.order, vec![0]);
        assert_eq!(f.blocks[0].instrs.len(), 2);
    }
}
