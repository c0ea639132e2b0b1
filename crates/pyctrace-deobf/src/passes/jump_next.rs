//! Remove jumps to the next block: once the layout is fixed, a block whose
//! unconditional jump leads to the block laid out right after it simply
//! falls through (the assembler emits no jump for it).

use super::{Ctx, Pass};
use crate::ir::{Func, NextKind};

pub struct JumpsToNext;

impl Pass for JumpsToNext {
    fn name(&self) -> &'static str {
        "remove-jumps-to-next"
    }

    fn run(&self, func: &mut Func, _ctx: &Ctx) -> Vec<String> {
        let mut out = Vec::new();
        for k in 0..func.order.len() {
            let b = func.order[k];
            let following = func.order.get(k + 1).copied();
            let blk = &mut func.blocks[b];
            if blk.next_kind == NextKind::Jump && blk.next.is_some() && blk.next == following {
                blk.next_kind = NextKind::Fall;
                out.push(format!("@{}: jump to the next block removed", blk.orig));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::testutil::func38;

    #[test]
    fn jump_to_following_block_goes() {
        // 0 JUMP_FORWARD 0 (to 2); 2 LOAD_CONST 0; 4 RETURN_VALUE
        let mut f = func38(&[110, 0, 100, 0, 83, 0]);
        let consts = vec![];
        let ctx = Ctx::new(&f, &consts).unwrap();
        assert_eq!(JumpsToNext.run(&mut f, &ctx).len(), 1);
        let asm = crate::asm::assemble(&f).unwrap();
        assert_eq!(asm.code, vec![100, 0, 83, 0]);
    }
}

impl JumpsToNext {
    /// The pass without a context (the layout fallback uses it).
    pub fn run_on(&self, func: &mut Func) -> usize {
        let mut n = 0;
        for k in 0..func.order.len() {
            let b = func.order[k];
            let following = func.order.get(k + 1).copied();
            let blk = &mut func.blocks[b];
            if blk.next_kind == NextKind::Jump && blk.next.is_some() && blk.next == following {
                blk.next_kind = NextKind::Fall;
                n += 1;
            }
        }
        n
    }
}
