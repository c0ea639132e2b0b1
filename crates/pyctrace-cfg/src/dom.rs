//! Dominators (Cooper, Harvey and Kennedy's iterative scheme) and natural loops.

use std::collections::BTreeSet;

use crate::graph::Cfg;

fn reverse_postorder(cfg: &Cfg) -> Vec<usize> {
    let n = cfg.blocks.len();
    let mut seen = vec![false; n];
    let mut post = Vec::with_capacity(n);
    if n == 0 {
        return post;
    }
    // iterative DFS with explicit successor index
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    seen[0] = true;
    while let Some(&mut (b, ref mut i)) = stack.last_mut() {
        if let Some(e) = cfg.blocks[b].succs.get(*i) {
            *i += 1;
            if !seen[e.to] {
                seen[e.to] = true;
                stack.push((e.to, 0));
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
    let n = cfg.blocks.len();
    let rpo = reverse_postorder(cfg);
    let mut order = vec![usize::MAX; n];
    for (i, &b) in rpo.iter().enumerate() {
        order[b] = i;
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
            for &p in &cfg.blocks[b].preds {
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
