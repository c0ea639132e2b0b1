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

impl Pass for ThreadJumps {
    fn name(&self) -> &'static str {
        "thread-jumps"
    }

    fn run(&self, func: &mut Func, _ctx: &Ctx) -> Vec<String> {
        let v = func.version;
        let mut out = Vec::new();
        for k in 0..func.order.len() {
            let b = func.order[k];
            if let Some(n) = func.blocks[b].next {
                let t = final_target(func, n);
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
                let t = final_target(func, n);
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
