//! Re-lay out blocks the way the compiler would have: fallthrough pairs
//! kept together, jump-connected blocks glued where the target most likely
//! followed its source (never across a back edge), and the resulting
//! chains in source-line order (3.12+: blocks reachable only through
//! exception edges at the end, as the 3.12 compiler puts them).

use std::collections::HashSet;

use pyctrace_cfg::dom;

use super::{Ctx, Pass};
use crate::ir::{Func, NextKind};

pub struct Relayout;

fn first_line(func: &Func, b: usize) -> Option<i32> {
    let blk = &func.blocks[b];
    blk.instrs
        .iter()
        .find_map(|i| i.loc.line)
        .or(blk.jump_loc.line)
}

fn last_line(func: &Func, b: usize) -> Option<i32> {
    let blk = &func.blocks[b];
    if blk.jump_name.is_some() && blk.jump_loc.line.is_some() {
        return blk.jump_loc.line;
    }
    blk.instrs.iter().rev().find_map(|i| i.loc.line)
}

fn live_succs(func: &Func) -> Vec<Vec<usize>> {
    (0..func.blocks.len())
        .map(|b| {
            if func.blocks[b].alive {
                func.successors(b)
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// Immediate dominators over live blocks (entry 0), by pyctrace-cfg.
fn idoms(func: &Func) -> Vec<Option<usize>> {
    dom::dominators_of(&live_succs(func))
}

/// The bodies of the natural loops (one per back edge).
fn loop_bodies(func: &Func, idom: &[Option<usize>]) -> Vec<HashSet<usize>> {
    let succs = live_succs(func);
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); succs.len()];
    for (b, ss) in succs.iter().enumerate() {
        for &s in ss {
            preds[s].push(b);
        }
    }
    let mut out = Vec::new();
    for (x, ss) in succs.iter().enumerate() {
        for &h in ss {
            if !dom::dominates(idom, h, x) {
                continue;
            }
            let mut body = HashSet::from([h]);
            let mut stack = vec![x];
            while let Some(b) = stack.pop() {
                if body.insert(b) {
                    stack.extend(preds[b].iter().copied());
                }
            }
            out.push(body);
        }
    }
    out
}

/// Blocks reachable from the entry without exception edges.
fn warm(func: &Func) -> Vec<bool> {
    let mut seen = vec![false; func.blocks.len()];
    let mut stack = vec![0usize];
    while let Some(b) = stack.pop() {
        if seen[b] {
            continue;
        }
        seen[b] = true;
        let blk = &func.blocks[b];
        stack.extend(blk.next);
        for i in &blk.instrs {
            stack.extend(i.target);
        }
    }
    seen
}

fn is_setup(name: &str) -> bool {
    name.starts_with("SETUP_")
}

/// Pairs (block ending the normal path of a protected body with a jump,
/// handler): for each `SETUP_FINALLY`/`SETUP_EXCEPT`/`SETUP_WITH`/
/// `SETUP_ASYNC_WITH`, the `POP_BLOCK` that closes it on the normal path
/// (block nesting counted) is followed, through `next` edges, to the first
/// block that jumps; of several such exits (a `break` in the body...) the
/// one with the latest line.
pub fn handler_after_normal_exit(func: &Func, live: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for &s in live {
        let blk = &func.blocks[s];
        let Some(last) = blk.instrs.last() else {
            continue;
        };
        if !is_setup(last.name()) || last.name() == "SETUP_LOOP" {
            continue;
        }
        let (Some(h), Some(body)) = (last.target, blk.next) else {
            continue;
        };
        // (block, nesting) walk of the body on the normal path
        let mut seen = HashSet::new();
        let mut stack = vec![(body, 0i32)];
        let mut exits: Vec<usize> = Vec::new();
        while let Some((b, depth)) = stack.pop() {
            if !seen.insert((b, depth)) || seen.len() > 4 * func.blocks.len() + 16 {
                continue;
            }
            let bk = &func.blocks[b];
            let mut d = depth;
            let mut closed = false;
            for i in &bk.instrs {
                if is_setup(i.name()) {
                    d += 1;
                } else if i.name() == "POP_BLOCK" {
                    if d == 0 {
                        closed = true;
                        break;
                    }
                    d -= 1;
                } else if let Some(t) = i.target {
                    stack.push((t, d));
                }
            }
            if closed {
                // follow the normal path to its jump
                let mut cur = b;
                let mut steps = 0;
                loop {
                    let c = &func.blocks[cur];
                    match (c.next, c.next_kind) {
                        (Some(n), NextKind::Jump) => {
                            if n != h {
                                exits.push(cur);
                            }
                            break;
                        }
                        (Some(n), NextKind::Fall) if steps < func.blocks.len() => {
                            cur = n;
                            steps += 1;
                        }
                        _ => break,
                    }
                }
                continue;
            }
            if let Some(n) = bk.next {
                stack.push((n, d));
            }
            // a body that returns closes its block in the compiler's dead code
            if let Some(dead) = bk.dead_after {
                stack.push((dead, d));
            }
        }
        let best = exits
            .into_iter()
            .max_by_key(|&e| (last_line(func, e).unwrap_or(i32::MIN), std::cmp::Reverse(e)));
        if let Some(a) = best {
            out.push((a, h));
        }
    }
    out
}

/// Computes the compiler-like order.
pub fn compute_order(func: &Func) -> Vec<usize> {
    let n = func.blocks.len();
    let live: Vec<usize> = {
        let mut l = func.order.clone();
        l.sort_by_key(|&b| func.blocks[b].orig);
        l
    };
    let mut prev: Vec<Option<usize>> = vec![None; n];
    let mut next: Vec<Option<usize>> = vec![None; n];
    // chain head of each block, to refuse cycles
    let head_of = |prev: &Vec<Option<usize>>, mut b: usize| {
        let mut steps = 0;
        while let Some(p) = prev[b] {
            b = p;
            steps += 1;
            if steps > n {
                break;
            }
        }
        b
    };
    let link =
        |a: usize, t: usize, prev: &mut Vec<Option<usize>>, next: &mut Vec<Option<usize>>| {
            if t == 0 || prev[t].is_some() || next[a].is_some() || a == t {
                return false;
            }
            if head_of(prev, a) == t {
                return false;
            }
            prev[t] = Some(a);
            next[a] = Some(t);
            true
        };
    for &a in &live {
        if let Some(d) = func.blocks[a].dead_after {
            if live.contains(&d) {
                link(a, d, &mut prev, &mut next);
            }
        }
    }
    for &a in &live {
        let blk = &func.blocks[a];
        if blk.next_kind == NextKind::Fall {
            if let Some(t) = blk.next {
                link(a, t, &mut prev, &mut next);
            }
        }
    }
    // up to 3.10 the handler of a `try` (or `with`) follows the jump that
    // ends the normal path of its body
    for (a, h) in handler_after_normal_exit(func, &live) {
        link(a, h, &mut prev, &mut next);
    }
    let idom = idoms(func);
    let live_set: HashSet<usize> = live.iter().copied().collect();
    // 3.7 to 3.9 lay blocks out in source order: a jump out of a loop
    // (`break`) never had its target right after it (2.7 and 3.6 measured
    // worse with this rule)
    let source_order = func.version.at_least(3, 7) && !func.version.at_least(3, 10);
    let loops = if !source_order {
        Vec::new()
    } else {
        loop_bodies(func, &idom)
    };
    let breaks_out = |a: usize, t: usize| loops.iter().any(|l| l.contains(&a) && !l.contains(&t));
    // nor was a jump over code of the lines in between (a `try` body
    // jumping over its handlers to the `else`)
    let first_lines: Vec<i32> = live.iter().filter_map(|&b| first_line(func, b)).collect();
    let jumps_over =
        |al: i32, tl: i32| source_order && first_lines.iter().any(|&l| al < l && l < tl);
    for &t in &live {
        if t == 0 || prev[t].is_some() {
            continue;
        }
        let tl = first_line(func, t).unwrap_or(i32::MAX);
        let mut best: Option<(bool, i32, usize, usize)> = None;
        for &a in &live {
            let blk = &func.blocks[a];
            if blk.next != Some(t) || blk.next_kind != NextKind::Jump || next[a].is_some() {
                continue;
            }
            if !live_set.contains(&a) || dom::dominates(&idom, t, a) || breaks_out(a, t) {
                continue;
            }
            let al = last_line(func, a).unwrap_or(i32::MIN);
            if jumps_over(al, tl) {
                continue;
            }
            let key = (al <= tl, al, blk.orig, a);
            if best.is_none_or(|b| key > b) {
                best = Some(key);
            }
        }
        if let Some((_, _, _, a)) = best {
            link(a, t, &mut prev, &mut next);
        }
    }
    // chains
    let cold_last = func.version.at_least(3, 12);
    let warm = warm(func);
    let mut heads: Vec<usize> = live
        .iter()
        .copied()
        .filter(|&b| prev[b].is_none())
        .collect();
    let chain_line = |h: usize| {
        let mut cur = Some(h);
        let mut steps = 0;
        while let Some(c) = cur {
            if let Some(l) = first_line(func, c) {
                return l;
            }
            cur = next[c];
            steps += 1;
            if steps > n {
                break;
            }
        }
        i32::MAX
    };
    // a handler without a line (3.11+ `COPY 3; POP_EXCEPT; RERAISE 1`)
    // follows the code it protects
    let mut protects: Vec<Option<i32>> = vec![None; n];
    for &b in &live {
        let blk = &func.blocks[b];
        for (h, l) in blk
            .instrs
            .iter()
            .map(|i| (i.handler, i.loc.line))
            .chain(std::iter::once((blk.jump_handler, blk.jump_loc.line)))
        {
            if let (Some(h), Some(l)) = (h, l) {
                let p = &mut protects[h.block];
                *p = Some(p.map_or(l, |x| x.max(l)));
            }
        }
    }
    // the exit of a `for` loop (3.12+: `END_FOR`, on the line of the
    // `for`) follows the body of the loop (2.7, 3.10 and 3.11 measured
    // worse)
    let mut after_loop: Vec<Option<i32>> = vec![None; n];
    let v = func.version;
    if v.at_least(3, 6) && (!v.at_least(3, 10) || v.at_least(3, 12)) {
        let bodies = loop_bodies(func, &idom);
        for &b in &live {
            for i in &func.blocks[b].instrs {
                if i.name() != "FOR_ITER" {
                    continue;
                }
                let Some(e) = i.target else { continue };
                let last = bodies
                    .iter()
                    .filter(|body| body.contains(&b))
                    .flat_map(|body| body.iter())
                    .filter_map(|&x| last_line(func, x))
                    .max();
                after_loop[e] = last;
            }
        }
    }
    let head_key = |h: usize| {
        let l = chain_line(h);
        if let Some(end) = after_loop[h] {
            return (end.max(l), true);
        }
        match protects[h] {
            Some(p) if l == i32::MAX => (p, true),
            _ => (l, false),
        }
    };
    heads.sort_by_key(|&h| {
        (
            h != 0,
            cold_last && !warm[h],
            head_key(h),
            func.blocks[h].orig,
        )
    });
    let mut order = Vec::with_capacity(live.len());
    let mut placed = vec![false; n];
    for h in heads {
        let mut cur = Some(h);
        while let Some(c) = cur {
            if placed[c] {
                break;
            }
            placed[c] = true;
            order.push(c);
            cur = next[c];
        }
    }
    for &b in &live {
        if !placed[b] {
            order.push(b);
        }
    }
    order
}

impl Pass for Relayout {
    fn name(&self) -> &'static str {
        "relayout"
    }

    fn run(&self, func: &mut Func, _ctx: &Ctx) -> Vec<String> {
        let order = compute_order(func);
        let mut out = Vec::new();
        if order != func.order {
            let moved = order
                .iter()
                .zip(&func.order)
                .filter(|(a, b)| a != b)
                .count();
            out.push(format!("{} of {} blocks moved", moved, order.len()));
            func.order = order;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::testutil::func38;

    #[test]
    fn unshuffles_spaghetti() {
        // 0 LOAD_CONST 0; 2 JUMP_FORWARD 4 (to 8); 4 LOAD_CONST 0; 6 RETURN_VALUE;
        // 8 POP_TOP; 10 JUMP_ABSOLUTE 4
        let mut f = func38(&[100, 0, 110, 4, 100, 0, 83, 0, 1, 0, 113, 4]);
        let consts = vec![];
        let ctx = Ctx::new(&f, &consts).unwrap();
        Relayout.run(&mut f, &ctx);
        let origs: Vec<usize> = f.order.iter().map(|&b| f.blocks[b].orig).collect();
        assert_eq!(origs, vec![0, 8, 4]);
        let asm = crate::asm::assemble(&f).unwrap();
        assert_eq!(asm.code, vec![100, 0, 1, 0, 100, 0, 83, 0]);
    }
}
