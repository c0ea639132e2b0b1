//! Remove jumps to the next block: once the layout is fixed, a block whose
//! unconditional jump leads to the block laid out right after it simply
//! falls through (the assembler emits no jump for it).

use super::{Ctx, Pass};
use crate::ir::{Func, NextKind};

pub struct JumpsToNext;

/// 2.x: an `if` body that ends with `return`, `raise` or `break` is still
/// followed by the compiler's (dead) `JUMP_FORWARD` to the join; put it back
/// when the join is laid out right after the body.
fn dead_if_jumps(func: &mut Func, out: &mut Vec<String>) {
    if !func.version.is_py2() {
        return;
    }
    let joins = if_joins(func);
    let mut k = 0;
    while k + 1 < func.order.len() {
        let b = func.order[k];
        let x = func.order[k + 1];
        let blk = &func.blocks[b];
        let ends_dead = blk.next.is_none()
            && blk.dead_after.is_none()
            && blk
                .instrs
                .last()
                .is_some_and(|i| matches!(i.name(), "BREAK_LOOP" | "RAISE_VARARGS"));
        if ends_dead && joins[x].is_some_and(|p| p < k) {
            let loc = blk.instrs.last().map(|i| i.loc).unwrap_or_default();
            let id = func.blocks.len();
            let orig = blk.orig;
            func.blocks.push(crate::ir::Block {
                instrs: Vec::new(),
                next: Some(x),
                next_kind: NextKind::Jump,
                jump_loc: loc,
                jump_handler: None,
                jump_name: Some("JUMP_FORWARD"),
                orig,
                alive: true,
                dead_after: None,
                poison: None,
                keep_jump: true,
            });
            func.blocks[b].dead_after = Some(id);
            func.order.insert(k + 1, id);
            out.push(format!(
                "@{orig}: the compiler's dead jump to the join restored"
            ));
            k += 1;
        }
        k += 1;
    }
}

/// 2.x: per block, the first layout position of a block whose conditional
/// jump (`POP_JUMP_IF_*`) targets it. The 2.7 compiler ends the body of an
/// `if` with a `JUMP_FORWARD` to the join even when the join follows
/// (`JUMP_FORWARD 0`), so that jump is kept there.
fn if_joins(func: &Func) -> Vec<Option<usize>> {
    let mut joins = vec![None; func.blocks.len()];
    if !func.version.is_py2() {
        return joins;
    }
    for (k, &b) in func.order.iter().enumerate() {
        if let Some(i) = func.blocks[b].instrs.last() {
            if i.name().starts_with("POP_JUMP_IF_") {
                if let Some(t) = i.target {
                    joins[t].get_or_insert(k);
                }
            }
        }
    }
    joins
}

impl Pass for JumpsToNext {
    fn name(&self) -> &'static str {
        "remove-jumps-to-next"
    }

    fn run(&self, func: &mut Func, _ctx: &Ctx) -> Vec<String> {
        let mut out = Vec::new();
        dead_if_jumps(func, &mut out);
        let joins = if_joins(func);
        for k in 0..func.order.len() {
            let b = func.order[k];
            let following = func.order.get(k + 1).copied();
            let blk = &mut func.blocks[b];
            if blk.next_kind == NextKind::Jump && blk.next.is_some() && blk.next == following {
                if following.is_some_and(|f| joins[f].is_some_and(|p| p < k)) {
                    blk.keep_jump = true;
                    continue;
                }
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
        let joins = if_joins(func);
        for k in 0..func.order.len() {
            let b = func.order[k];
            let following = func.order.get(k + 1).copied();
            let blk = &mut func.blocks[b];
            blk.keep_jump = false;
            if blk.next_kind == NextKind::Jump && blk.next.is_some() && blk.next == following {
                if following.is_some_and(|f| joins[f].is_some_and(|p| p < k)) {
                    blk.keep_jump = true;
                    continue;
                }
                blk.next_kind = NextKind::Fall;
                n += 1;
            }
        }
        n
    }
}
