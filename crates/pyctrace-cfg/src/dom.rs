//! Dominators (Cooper, Harvey and Kennedy's iterative scheme) and natural loops.

use std::collections::BTreeSet;

use crate::graph::Cfg;

fn reverse_postorder(succs: &[Vec<usize>]) -> Vec<usize> {
    let n = succs.len();
    let mut seen = vec![false; n];
    let mut post = Vec::with_capacity(n);
    if n == 0 {
        return post;
    }
    // iterative DFS with explicit successor index
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    seen[0] = true;
    while let Some(&mut (b, ref mut i)) = stack.last_mut() {
        if let Some(&to) = succs[b].get(*i) {
            *i += 1;
            if !seen[to] {
                seen[to] = true;
                stack.push((to, 0));
            }
        } else {
            post.push(b);
            stack.pop();
        }
    }
    post.reverse();
    post
}

/// Immediate dominator of every block reachable from the entry (block 0).
pub fn dominators(cfg: &Cfg) -> Vec<Option<usize>> {
    let succs: Vec<Vec<usize>> = cfg
        .blocks
        .iter()
        .map(|b| b.succs.iter().map(|e| e.to).collect())
        .collect();
    dominators_of(&succs)
}

/// Immediate dominators of any graph given by its successor lists (node 0
/// is the entry): `None` for the entry and for nodes it does not reach.
pub fn dominators_of(succs: &[Vec<usize>]) -> Vec<Option<usize>> {
    let n = succs.len();
    let rpo = reverse_postorder(succs);
    let mut order = vec![usize::MAX; n];
    for (i, &b) in rpo.iter().enumerate() {
        order[b] = i;
    }
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (b, ss) in succs.iter().enumerate() {
        for &s in ss {
            preds[s].push(b);
        }
    }
    let mut idom: Vec<Option<usize>> = vec![None; n];
    if n == 0 {
        return idom;
    }
    idom[0] = Some(0);
    let mut changed = true;
    while changed {
        changed = false;
        for &b in rpo.iter().skip(1) {
            let mut new: Option<usize> = None;
            for &p in &preds[b] {
                if idom[p].is_none() || order[p] == usize::MAX {
                    continue;
                }
                new = Some(match new {
                    None => p,
                    Some(mut a) => {
                        let mut c = p;
                        while a != c {
                            while order[a] > order[c] {
                                a = idom[a].expect("processed");
                            }
                            while order[c] > order[a] {
                                c = idom[c].expect("processed");
                            }
                        }
                        a
                    }
                });
            }
            if new.is_some() && idom[b] != new {
                idom[b] = new;
                changed = true;
            }
        }
    }
    idom[0] = None;
    idom
}

/// Whether `a` dominates `b`.
pub fn dominates(idom: &[Option<usize>], a: usize, b: usize) -> bool {
    let mut cur = b;
    let mut steps = 0;
    loop {
        if cur == a {
            return true;
        }
        match idom.get(cur).copied().flatten() {
            Some(p) if steps <= idom.len() => {
                cur = p;
                steps += 1;
            }
            _ => return false,
        }
    }
}

/// Natural loops: one per header, the union of the bodies of its back edges.
pub fn natural_loops(cfg: &Cfg) -> Vec<(usize, Vec<usize>)> {
    let mut out: Vec<(usize, BTreeSet<usize>)> = Vec::new();
    for b in &cfg.blocks {
        for e in &b.succs {
            let h = e.to;
            if !dominates(&cfg.idom, h, b.id) {
                continue;
            }
            let mut body = BTreeSet::from([h]);
            let mut stack = vec![b.id];
            while let Some(x) = stack.pop() {
                if body.insert(x) {
                    stack.extend(cfg.blocks[x].preds.iter().copied());
                }
            }
            match out.iter_mut().find(|(hh, _)| *hh == h) {
                Some((_, existing)) => existing.extend(body),
                None => out.push((h, body)),
            }
        }
    }
    out.into_iter()
        .map(|(h, s)| (h, s.into_iter().collect()))
        .collect()
}
