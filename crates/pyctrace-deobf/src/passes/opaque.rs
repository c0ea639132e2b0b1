//! Fold opaque predicates: a conditional jump whose condition is computed
//! only from constants (constant loads, arithmetic, comparisons) becomes an
//! unconditional transfer, and the instructions computing it go away.

use pyctrace_bytecode::ArgKind;

use super::{ConstVal, Ctx, Pass};
use crate::ir::{Func, NextKind};

pub struct FoldOpaque;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Val {
    Int(i128),
    Bool(bool),
}

impl Val {
    fn int(self) -> i128 {
        match self {
            Val::Int(i) => i,
            Val::Bool(b) => b as i128,
        }
    }
    fn truthy(self) -> bool {
        self.int() != 0
    }
}

fn binop(sym: &str, a: Val, b: Val) -> Option<Val> {
    let (x, y) = (a.int(), b.int());
    let lim = 1i128 << 100;
    let r = match sym {
        "+" => x.checked_add(y)?,
        "-" => x.checked_sub(y)?,
        "*" => x.checked_mul(y)?,
        "//" => {
            if y == 0 {
                return None;
            }
            let q = x / y;
            if x % y != 0 && ((x < 0) != (y < 0)) {
                q - 1
            } else {
                q
            }
        }
        "%" => {
            if y == 0 {
                return None;
            }
            let r = x % y;
            if r != 0 && ((r < 0) != (y < 0)) {
                r + y
            } else {
                r
            }
        }
        "&" => x & y,
        "|" => x | y,
        "^" => x ^ y,
        "<<" if (0..64).contains(&y) && x.abs() < (1 << 60) => x << y,
        ">>" if (0..127).contains(&y) => x >> y,
        _ => return None,
    };
    (r.abs() < lim).then_some(Val::Int(r))
}

fn compare(sym: &str, a: Val, b: Val) -> Option<Val> {
    let (x, y) = (a.int(), b.int());
    Some(Val::Bool(match sym {
        "<" => x < y,
        "<=" => x <= y,
        "==" => x == y,
        "!=" => x != y,
        ">" => x > y,
        ">=" => x >= y,
        _ => return None,
    }))
}

fn legacy_binop(name: &str) -> Option<&'static str> {
    Some(match name {
        "BINARY_ADD" => "+",
        "BINARY_SUBTRACT" => "-",
        "BINARY_MULTIPLY" => "*",
        "BINARY_FLOOR_DIVIDE" => "//",
        "BINARY_MODULO" => "%",
        "BINARY_AND" => "&",
        "BINARY_OR" => "|",
        "BINARY_XOR" => "^",
        "BINARY_LSHIFT" => "<<",
        "BINARY_RSHIFT" => ">>",
        _ => return None,
    })
}

/// Abstract stack entry: known value and the first instruction that fed it.
type Slot = Option<(Val, usize)>;

impl FoldOpaque {
    /// Value on top of the stack at the block's last instruction, when it is
    /// a constant computed by the instructions `k..last`; returns (value, k).
    fn evaluate(func: &Func, b: usize, ctx: &Ctx) -> Option<(Val, usize)> {
        let v = func.version;
        let instrs = &func.blocks[b].instrs;
        let last = instrs.len().checked_sub(1)?;
        let mut stack: Vec<Slot> = Vec::new();
        // start of the foldable run that ends at `last`
        let mut start = last;
        while start > 0 {
            let n = instrs[start - 1].name();
            let ok = matches!(
                n,
                "LOAD_CONST"
                    | "COMPARE_OP"
                    | "BINARY_OP"
                    | "TO_BOOL"
                    | "UNARY_NOT"
                    | "UNARY_NEGATIVE"
                    | "NOP"
            ) || legacy_binop(n).is_some();
            if !ok {
                break;
            }
            start -= 1;
        }
        for (idx, ins) in instrs.iter().enumerate().take(last).skip(start) {
            let pop = |stack: &mut Vec<Slot>| stack.pop().flatten();
            match ins.name() {
                "NOP" => {}
                "LOAD_CONST" => {
                    let c = match ctx.consts.get(ins.arg as usize) {
                        Some(ConstVal::Int(i)) => Some((Val::Int(*i), idx)),
                        Some(ConstVal::Bool(x)) => Some((Val::Bool(*x), idx)),
                        _ => None,
                    };
                    stack.push(c);
                }
                "TO_BOOL" => {
                    let a = pop(&mut stack);
                    stack.push(a.map(|(x, k)| (Val::Bool(x.truthy()), k)));
                }
                "UNARY_NOT" => {
                    let a = pop(&mut stack);
                    stack.push(a.map(|(x, k)| (Val::Bool(!x.truthy()), k)));
                }
                "UNARY_NEGATIVE" => {
                    let a = pop(&mut stack);
                    stack.push(a.and_then(|(x, k)| Some((Val::Int(x.int().checked_neg()?), k))));
                }
                name => {
                    let b2 = pop(&mut stack);
                    let a2 = pop(&mut stack);
                    let res = match (a2, b2) {
                        (Some((x, k1)), Some((y, k2))) => {
                            let k = k1.min(k2);
                            let r = if name == "COMPARE_OP" {
                                let i = if v.at_least(3, 13) {
                                    ins.arg >> 5
                                } else if v.at_least(3, 12) {
                                    ins.arg >> 4
                                } else {
                                    ins.arg
                                };
                                ctx.table
                                    .cmp_op
                                    .get(i as usize)
                                    .and_then(|s| compare(s, x, y))
                            } else if name == "BINARY_OP" && ins.kind == ArgKind::BinaryOp {
                                // in-place variants behave the same on ints
                                ctx.table
                                    .nb_ops
                                    .get(ins.arg as usize)
                                    .and_then(|s| binop(s.trim_end_matches('='), x, y))
                            } else {
                                legacy_binop(name).and_then(|s| binop(s, x, y))
                            };
                            r.map(|r| (r, k))
                        }
                        _ => None,
                    };
                    stack.push(res);
                }
            }
        }
        stack.pop().flatten()
    }
}

impl Pass for FoldOpaque {
    fn name(&self) -> &'static str {
        "fold-opaque"
    }

    fn run(&self, func: &mut Func, ctx: &Ctx) -> Vec<String> {
        let mut out = Vec::new();
        for k in 0..func.order.len() {
            let b = func.order[k];
            let Some(last) = func.blocks[b].instrs.last() else {
                continue;
            };
            let name = last.name();
            let jump_if_true = match name {
                "POP_JUMP_IF_TRUE" | "POP_JUMP_FORWARD_IF_TRUE" | "POP_JUMP_BACKWARD_IF_TRUE" => {
                    true
                }
                "POP_JUMP_IF_FALSE"
                | "POP_JUMP_FORWARD_IF_FALSE"
                | "POP_JUMP_BACKWARD_IF_FALSE" => false,
                _ => continue,
            };
            let Some(target) = last.target else { continue };
            let Some((val, first)) = Self::evaluate(func, b, ctx) else {
                continue;
            };
            let taken = val.truthy() == jump_if_true;
            let blk = &mut func.blocks[b];
            let jump = blk.instrs.last().cloned().expect("non-empty");
            let removed = blk.instrs.len() - first;
            blk.instrs.truncate(first);
            if taken {
                blk.next = Some(target);
                blk.next_kind = NextKind::Jump;
                blk.jump_loc = jump.loc;
                blk.jump_handler = jump.handler;
                blk.jump_name = Some("JUMP_FORWARD");
            }
            out.push(format!(
                "@{}: {} on a constant ({}), {} instructions removed, {}",
                blk.orig,
                name,
                if val.truthy() { "true" } else { "false" },
                removed,
                if taken { "always jumps" } else { "never jumps" }
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::testutil::func38;

    #[test]
    fn folds_constant_compare() {
        // 0 LOAD_CONST 0 (5); 2 LOAD_CONST 1 (7); 4 COMPARE_OP 0 (<); 6 POP_JUMP_IF_FALSE 12;
        // 8 LOAD_CONST 0; 10 RETURN_VALUE; 12 LOAD_CONST 1; 14 RETURN_VALUE
        let code = [
            100, 0, 100, 1, 107, 0, 114, 12, 100, 0, 83, 0, 100, 1, 83, 0,
        ];
        let mut f = func38(&code);
        let consts = vec![ConstVal::Int(5), ConstVal::Int(7)];
        let ctx = Ctx::new(&f, &consts).unwrap();
        let ch = FoldOpaque.run(&mut f, &ctx);
        assert_eq!(ch.len(), 1, "{ch:?}");
        assert!(f.blocks[0].instrs.is_empty());
        assert_eq!(f.blocks[0].next.map(|n| f.blocks[n].orig), Some(8));
        // arithmetic: 5 + 7 > 11 -> true, POP_JUMP_IF_TRUE taken
        let code = [
            100, 0, 100, 1, 23, 0, 100, 2, 107, 4, 115, 16, 100, 0, 83, 0, 100, 1, 83, 0,
        ];
        let mut f = func38(&code);
        let consts = vec![ConstVal::Int(5), ConstVal::Int(7), ConstVal::Int(11)];
        let ctx = Ctx::new(&f, &consts).unwrap();
        assert_eq!(FoldOpaque.run(&mut f, &ctx).len(), 1);
        assert_eq!(f.blocks[0].next.map(|n| f.blocks[n].orig), Some(16));
        // an unknown operand is not folded
        let code = [
            124, 0, 100, 1, 107, 0, 114, 12, 100, 0, 83, 0, 100, 1, 83, 0,
        ];
        let mut f = func38(&code);
        let ctx = Ctx::new(&f, &consts).unwrap();
        assert!(FoldOpaque.run(&mut f, &ctx).is_empty());
    }
}
