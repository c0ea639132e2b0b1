//! Control-flow graphs of CPython bytecode (2.7, 3.x).
//!
//! * [`Cfg::build`] finds instructions by recursive traversal from the entry
//!   and from every exception handler (block-stack `SETUP_*` targets through
//!   3.10, the exception table from 3.11), so junk after unconditional
//!   transfers is never decoded. EXTENDED_ARG prefixes are folded into the
//!   instruction they extend; instructions are keyed by the offset where
//!   decoding starts, so a jump into the middle of a prefix chain (or, on
//!   2.x, into the middle of an instruction) gives an instruction of its own
//!   marked [`Insn::overlapping`].
//! * Blocks with fallthrough / jump / exception edges, dominators, natural
//!   loops, and the stack depth on entry to each block from the
//!   per-version stack effects (`generated/stack_effects.rs`, dumped from
//!   each interpreter's `dis.stack_effect` by `scripts/gen_stack_effects.py`;
//!   3.8 and later).
//! * [`to_dot`] and [`to_mermaid`] renderings, and [`to_svg`] with its own
//!   layered layout ([`svg`]: no graphviz needed).

pub mod dom;
mod graph;
mod render;
pub mod stack;
pub mod svg;

#[allow(clippy::all)]
#[rustfmt::skip]
mod generated {
    pub mod stack_effects;
}

pub use graph::{decode_at, Block, Cfg, Edge, EdgeKind, Handler, Insn};
pub use render::{to_dot, to_mermaid};
pub use stack::{has_stack_effects, stack_effect};
pub use svg::{to_svg, to_svg_document};

#[cfg(test)]
mod tests {
    use super::*;
    use pyctrace_bytecode::PyVersion;

    #[test]
    fn skips_junk_after_return_and_finds_loop() {
        // 3.8: 0 LOAD_CONST 0; 2 POP_JUMP_IF_FALSE 8; 4 JUMP_ABSOLUTE 0;
        // 6 <junk 218 0>; 8 LOAD_CONST 0; 10 RETURN_VALUE; 12 junk
        let v = PyVersion::new(3, 8);
        let code = [100, 0, 114, 8, 113, 0, 218, 0, 100, 0, 83, 0, 218, 255];
        let cfg = Cfg::build(&code, v, &[]);
        assert_eq!(cfg.insns.len(), 5);
        assert!(!cfg.insns.contains_key(&6));
        assert_eq!(cfg.blocks.len(), 3);
        assert_eq!(cfg.loops.len(), 1);
        assert_eq!(cfg.max_depth, Some(1));
        assert!(to_dot(&cfg, "m").contains("B0 -> B1"));
        assert!(to_mermaid(&cfg, "m").contains("flowchart"));
    }

    #[test]
    fn dangling_extended_arg_before_target() {
        // 3.8: 0 JUMP_FORWARD 2 (to 4); 2 EXTENDED_ARG 1; 4 LOAD_CONST 0; 6 RETURN_VALUE
        let v = PyVersion::new(3, 8);
        let code = [110, 2, 144, 1, 100, 0, 83, 0];
        let cfg = Cfg::build(&code, v, &[]);
        let i = &cfg.insns[&4];
        assert_eq!(i.arg, Some(0));
        assert!(!cfg.insns.contains_key(&2));
    }
}
