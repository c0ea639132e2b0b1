//! The passes and the small manager that runs them in order.

pub mod chains;
pub mod jump_next;
pub mod layout;
pub mod merge;
pub mod opaque;
pub mod rename;
pub mod trace_fold;
pub mod unreachable;

use pyctrace_bytecode::{op_table, OpTable};

use crate::ir::Func;

/// A constant the folding pass can reason about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConstVal {
    Int(i128),
    Bool(bool),
    Other,
}

/// What passes may look at besides the blocks.
pub struct Ctx<'a> {
    pub consts: &'a [ConstVal],
    pub table: &'static OpTable,
}

impl<'a> Ctx<'a> {
    pub fn new(func: &Func, consts: &'a [ConstVal]) -> Option<Ctx<'a>> {
        Some(Ctx {
            consts,
            table: op_table(func.version)?,
        })
    }
}

/// One pass over one code object; returns a line per change.
pub trait Pass {
    fn name(&self) -> &'static str;
    fn run(&self, func: &mut Func, ctx: &Ctx) -> Vec<String>;
}

/// The default pipeline (renaming works on names, not blocks: see [`rename`]).
pub fn default_passes() -> Vec<Box<dyn Pass>> {
    vec![
        Box::new(unreachable::DropUnreachable),
        Box::new(chains::ThreadJumps),
        Box::new(opaque::FoldOpaque),
        Box::new(unreachable::DropUnreachable),
        Box::new(chains::ThreadJumps),
        Box::new(unreachable::DropUnreachable),
        Box::new(merge::MergeBlocks),
        Box::new(layout::Relayout),
        Box::new(jump_next::JumpsToNext),
    ]
}

/// Runs the passes in order, collecting (pass, changes).
pub fn run_passes(
    func: &mut Func,
    ctx: &Ctx,
    passes: &[Box<dyn Pass>],
) -> Vec<(&'static str, Vec<String>)> {
    passes
        .iter()
        .map(|p| (p.name(), p.run(func, ctx)))
        .collect()
}

#[cfg(test)]
pub(crate) mod testutil {
    use pyctrace_bytecode::PyVersion;
    use pyctrace_cfg::Cfg;

    use crate::ir::{Func, Positions};

    /// A 3.8 function from raw bytes (lines: none).
    pub fn func38(code: &[u8]) -> Func {
        let v = PyVersion::new(3, 8);
        let cfg = Cfg::build(code, v, &[]);
        let pos = Positions::new(v, &[], 1, code.len());
        Func::from_cfg(&cfg, &pos, 1).expect("supported")
    }
}
