//! Fold what the traces saw (`pyctrace deobf --trace T --trust-trace`): a
//! conditional jump that ran and always went the same way becomes
//! unconditional flow, so the later passes drop the side no run took.
//!
//! Trace facts are plain data ([`CodeTrace`]), keyed to a code object by
//! its name, first line and a hash of its `co_code` ([`code_hash`]): the
//! CLI folds the traces (pyctrace-cover, which this crate does not depend
//! on) and hands the result over. Only a jump that ran at least once is
//! folded; code that never ran is never touched.
//!
//! The condition is still computed and then popped (`POP_TOP`), so calls
//! and other effects that produce it stay; only the truth test of the
//! jump itself goes (a `__bool__` with side effects would no longer run).
//! `JUMP_IF_*_OR_POP` keeps the value when it always jumped. `FOR_ITER`,
//! `SEND` and exception matches are reported, never folded.

use pyctrace_bytecode::{ArgKind, Mnemonic};
use pyctrace_cfg::Cfg;

use super::{Ctx, Pass};
use crate::ir::{Func, Ins, NextKind};

/// 64-bit FNV-1a of `co_code`: with the name and the first line, what ties
/// trace facts to one code object.
pub fn code_hash(co_code: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in co_code {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A conditional jump that ran and always went one way, across all traces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracedBranch {
    /// Offset of the jump's opcode byte (after any EXTENDED_ARG prefixes),
    /// as `dis` and the trace records give it.
    pub offset: usize,
    /// The instruction's name as the traces recorded it (checked again).
    pub opname: String,
    /// How often it ran.
    pub count: u64,
    /// `true`: it always jumped; `false`: it always fell through.
    pub always_jumped: bool,
}

/// What the traces say about one code object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeTrace {
    pub name: String,
    pub firstlineno: i32,
    /// [`code_hash`] of the `co_code` the traces were folded onto.
    pub code_hash: u64,
    pub branches: Vec<TracedBranch>,
}

/// How a folded jump is rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// `POP_JUMP_*`: pops the condition on both sides.
    PopJump,
    /// `JUMP_IF_*_OR_POP`: keeps the value when it jumps, pops it otherwise.
    JumpOrPop,
}

fn shape(name: &str) -> Option<Shape> {
    if name.starts_with("POP_JUMP_") {
        Some(Shape::PopJump)
    } else if name == "JUMP_IF_TRUE_OR_POP" || name == "JUMP_IF_FALSE_OR_POP" {
        Some(Shape::JumpOrPop)
    } else {
        None
    }
}

/// Whether [`FoldTraced`] can fold a conditional jump of this name.
pub fn is_foldable(name: &str) -> bool {
    shape(name).is_some()
}

/// One branch to fold: `block` ends with the jump (its last instruction).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockBranch {
    pub block: usize,
    pub branch: TracedBranch,
}

/// Ties each traced branch to the block of `cfg` (the input's graph) that
/// ends with it. Returns the pass (`None`: nothing to fold) and a note per
/// branch that is not folded.
pub fn for_graph(cfg: &Cfg, traced: &[TracedBranch]) -> (Option<FoldTraced>, Vec<String>) {
    let mut branches = Vec::new();
    let mut notes = Vec::new();
    for br in traced {
        let ending = cfg.blocks.iter().find_map(|b| {
            let last = &cfg.insns[b.insns.last()?];
            (last.offset == br.offset).then_some((b.id, last))
        });
        let why = match ending {
            None => "no block of the graph ends with a jump there".to_string(),
            Some((_, ins)) if ins.name() != br.opname => {
                format!("the code has {} there", ins.name())
            }
            Some(_) if br.count == 0 => "never ran".to_string(),
            Some(_) if !is_foldable(&br.opname) => "reported only (not a foldable jump)".into(),
            Some((block, _)) => {
                branches.push(BlockBranch {
                    block,
                    branch: br.clone(),
                });
                continue;
            }
        };
        notes.push(format!("@{} {}: {why}", br.offset, br.opname));
    }
    let pass = (!branches.is_empty()).then_some(FoldTraced { branches });
    (pass, notes)
}

/// The pass: runs after the static folding of constant predicates and
/// before blocks are merged, while block ids are those of the input's graph.
pub struct FoldTraced {
    pub branches: Vec<BlockBranch>,
}

impl FoldTraced {
    /// (offset, name) of the jumps it is to fold.
    pub fn planned(&self) -> Vec<(usize, String)> {
        self.branches
            .iter()
            .map(|b| (b.branch.offset, b.branch.opname.clone()))
            .collect()
    }
}

/// A note per planned jump the pass did not fold (`changes`: what the
/// passes reported): an earlier pass had already folded or dropped it.
pub fn not_reached(planned: &[(usize, String)], changes: &[(String, Vec<String>)]) -> Vec<String> {
    let folded: Vec<&String> = changes
        .iter()
        .filter(|(p, _)| p == "trace-fold")
        .flat_map(|(_, c)| c)
        .collect();
    planned
        .iter()
        .filter(|(off, _)| {
            let tag = format!("@{off}:");
            !folded.iter().any(|l| l.starts_with(&tag))
        })
        .map(|(off, name)| {
            format!("@{off} {name}: already gone (folded or dropped by the static passes)")
        })
        .collect()
}

impl Pass for FoldTraced {
    fn name(&self) -> &'static str {
        "trace-fold"
    }

    fn run(&self, func: &mut Func, ctx: &Ctx) -> Vec<String> {
        let mut out = Vec::new();
        let Some(pop_top) = ctx.table.opcode_of(Mnemonic::POP_TOP) else {
            return out;
        };
        for bb in &self.branches {
            let br = &bb.branch;
            if br.count == 0 || !func.order.contains(&bb.block) {
                continue;
            }
            let blk = &mut func.blocks[bb.block];
            let Some(last) = blk.instrs.last() else {
                continue;
            };
            let Some(shape) = shape(last.name()).filter(|_| last.name() == br.opname) else {
                continue;
            };
            let Some(target) = last.target else { continue };
            let jump = blk.instrs.pop().expect("non-empty");
            let popped = Ins {
                opcode: pop_top,
                mnemonic: Some(Mnemonic::POP_TOP),
                kind: ArgKind::None,
                arg: 0,
                has_arg: false,
                caches: 0,
                target: None,
                loc: jump.loc,
                handler: jump.handler,
            };
            let keep_value = br.always_jumped && shape == Shape::JumpOrPop;
            if !keep_value {
                blk.instrs.push(popped);
            }
            if br.always_jumped {
                blk.next = Some(target);
                blk.next_kind = NextKind::Jump;
                blk.jump_loc = jump.loc;
                blk.jump_handler = jump.handler;
                blk.jump_name = Some("JUMP_FORWARD");
                blk.keep_jump = false;
            }
            out.push(format!(
                "@{}: {} ran {} time(s) and always {}: {}",
                br.offset,
                br.opname,
                br.count,
                if br.always_jumped {
                    "jumped"
                } else {
                    "fell through"
                },
                match (br.always_jumped, keep_value) {
                    (true, true) => "now jumps unconditionally (value kept)",
                    (true, false) => "condition popped, now jumps unconditionally",
                    (false, _) => "condition popped, falls through",
                }
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::testutil::func38;
    use crate::passes::unreachable::DropUnreachable;
    use crate::passes::ConstVal;

    // 3.8: 0 LOAD_FAST 0; 2 POP_JUMP_IF_FALSE 8; 4 LOAD_CONST 0; 6 RETURN_VALUE;
    //      8 LOAD_CONST 1; 10 RETURN_VALUE
    const IF_ELSE: [u8; 12] = [124, 0, 114, 8, 100, 0, 83, 0, 100, 1, 83, 0];

    fn branch(offset: usize, opname: &str, count: u64, always_jumped: bool) -> TracedBranch {
        TracedBranch {
            offset,
            opname: opname.into(),
            count,
            always_jumped,
        }
    }

    fn fold(code: &[u8], branches: Vec<BlockBranch>) -> (Func, Vec<String>) {
        let mut f = func38(code);
        let consts = vec![ConstVal::Other, ConstVal::Other];
        let ctx = Ctx::new(&f, &consts).unwrap();
        let changes = FoldTraced { branches }.run(&mut f, &ctx);
        DropUnreachable.run(&mut f, &ctx);
        (f, changes)
    }

    fn names(f: &Func, b: usize) -> Vec<&'static str> {
        f.blocks[b].instrs.iter().map(Ins::name).collect()
    }

    #[test]
    fn never_jumped_pops_and_falls_through() {
        let (f, ch) = fold(
            &IF_ELSE,
            vec![BlockBranch {
                block: 0,
                branch: branch(2, "POP_JUMP_IF_FALSE", 3, false),
            }],
        );
        assert_eq!(ch.len(), 1, "{ch:?}");
        assert!(ch[0].contains("falls through"), "{ch:?}");
        assert_eq!(names(&f, 0), ["LOAD_FAST", "POP_TOP"]);
        assert_eq!(f.blocks[0].next.map(|n| f.blocks[n].orig), Some(4));
        // the jump side (@8) is gone
        assert_eq!(f.order.len(), 2);
        assert!(f.order.iter().all(|&b| f.blocks[b].orig != 8));
    }

    #[test]
    fn always_jumped_pops_and_jumps() {
        let (f, ch) = fold(
            &IF_ELSE,
            vec![BlockBranch {
                block: 0,
                branch: branch(2, "POP_JUMP_IF_FALSE", 1, true),
            }],
        );
        assert_eq!(ch.len(), 1);
        assert_eq!(names(&f, 0), ["LOAD_FAST", "POP_TOP"]);
        assert_eq!(f.blocks[0].next_kind, NextKind::Jump);
        assert_eq!(f.blocks[0].next.map(|n| f.blocks[n].orig), Some(8));
        assert!(f.order.iter().all(|&b| f.blocks[b].orig != 4));
    }

    #[test]
    fn jump_or_pop_keeps_the_value_when_it_jumps() {
        // 0 LOAD_FAST 0; 2 JUMP_IF_TRUE_OR_POP 8; 4 LOAD_CONST 0; 6 RETURN_VALUE; 8 RETURN_VALUE
        let code = [124, 0, 112, 8, 100, 0, 83, 0, 83, 0];
        let bb = |jumped| BlockBranch {
            block: 0,
            branch: branch(2, "JUMP_IF_TRUE_OR_POP", 2, jumped),
        };
        let (f, _) = fold(&code, vec![bb(true)]);
        assert_eq!(names(&f, 0), ["LOAD_FAST"]);
        assert_eq!(f.blocks[0].next.map(|n| f.blocks[n].orig), Some(8));
        let (f, _) = fold(&code, vec![bb(false)]);
        assert_eq!(names(&f, 0), ["LOAD_FAST", "POP_TOP"]);
        assert_eq!(f.blocks[0].next.map(|n| f.blocks[n].orig), Some(4));
    }

    #[test]
    fn never_folds_what_did_not_run_or_does_not_match() {
        let cases = [
            // never ran
            branch(2, "POP_JUMP_IF_FALSE", 0, false),
            // the trace names another instruction
            branch(2, "POP_JUMP_IF_TRUE", 4, false),
        ];
        for c in cases {
            let (f, ch) = fold(
                &IF_ELSE,
                vec![BlockBranch {
                    block: 0,
                    branch: c.clone(),
                }],
            );
            assert!(ch.is_empty(), "{c:?}: {ch:?}");
            assert_eq!(names(&f, 0), ["LOAD_FAST", "POP_JUMP_IF_FALSE"]);
            assert_eq!(f.order.len(), 3);
        }
        // FOR_ITER is never folded: 0 LOAD_FAST 0; 2 GET_ITER; 4 FOR_ITER 4 (to 10);
        // 6 POP_TOP; 8 JUMP_ABSOLUTE 4; 10 LOAD_CONST 0; 12 RETURN_VALUE
        let code = [124, 0, 68, 0, 93, 4, 1, 0, 113, 4, 100, 0, 83, 0];
        let (_, ch) = fold(
            &code,
            vec![BlockBranch {
                block: 1,
                branch: branch(4, "FOR_ITER", 5, false),
            }],
        );
        assert!(ch.is_empty());
    }

    #[test]
    fn graph_ties_branches_to_blocks_and_notes_the_rest() {
        let cfg = Cfg::build(&IF_ELSE, pyctrace_bytecode::PyVersion::new(3, 8), &[]);
        let traced = [
            branch(2, "POP_JUMP_IF_FALSE", 2, true),
            branch(4, "POP_JUMP_IF_FALSE", 2, true),
            branch(2, "POP_JUMP_IF_TRUE", 2, true),
            branch(2, "POP_JUMP_IF_FALSE", 0, true),
        ];
        let (pass, notes) = for_graph(&cfg, &traced);
        let pass = pass.expect("one branch to fold");
        assert_eq!(pass.branches.len(), 1);
        assert_eq!(pass.branches[0].block, 0);
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].contains("no block"), "{notes:?}");
        assert!(notes[1].contains("has POP_JUMP_IF_FALSE"), "{notes:?}");
        assert!(notes[2].contains("never ran"), "{notes:?}");
        assert!(for_graph(&cfg, &[]).0.is_none());
    }

    #[test]
    fn hash_is_fnv1a() {
        assert_eq!(code_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(code_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(code_hash(&IF_ELSE), code_hash(&IF_ELSE[..10]));
    }
}
