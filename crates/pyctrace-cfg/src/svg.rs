//! SVG rendering with our own layered layout (no graphviz needed).
//!
//! Sugiyama style: back edges are found by a depth-first search from the
//! entry and left out of the layering; every other edge points down. Blocks
//! are ranked by longest path, edges spanning several ranks get a dummy
//! node per rank crossed, a few barycenter sweeps order each rank (the
//! order with the fewest crossings is kept), and x positions are pulled
//! towards the neighbours' centres while keeping boxes apart. Back edges
//! are routed through the gaps between ranks to lanes right of the graph.
//! Boxes are sized from monospace metrics of their text.
//!
//! Block ids are the DOT / Mermaid ones (`B<n>`), as the first word of each
//! box and in `data-block`; element ids are `cfg<k>-B<n>` (`k`: the code
//! object's index in the document). Everything taken from the input (names)
//! is XML-escaped, characters XML 1.0 forbids are written as `\xNN`; blocks
//! drawn, instructions per block, name length and graphs per document are
//! capped, with a note saying what was left out.

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::graph::{Cfg, EdgeKind};
use crate::render::{block_header, insn_text};

/// Blocks drawn per code object (the first ones in start-offset order).
pub const MAX_BLOCKS: usize = 300;
/// Instructions listed per block.
pub const MAX_LINES: usize = 40;
/// Code objects drawn per document.
pub const MAX_GRAPHS: usize = 500;
/// Characters of a code object's name shown in its heading.
const NAME_CHARS: usize = 160;
/// Dummy nodes of long edges, per code object (past it, long edges are
/// drawn straight).
const MAX_DUMMIES: usize = 4000;

const FONT: f64 = 12.0;
/// Advance of one character of a monospace font at [`FONT`] (0.6 em).
const CHAR_W: f64 = 7.2;
const LINE_H: f64 = 15.0;
const PAD: f64 = 6.0;
const NODE_GAP: f64 = 24.0;
const DUMMY_GAP: f64 = 10.0;
const RANK_GAP: f64 = 56.0;
const MARGIN: f64 = 20.0;
const HEADING_H: f64 = 28.0;
const LANE_GAP: f64 = 12.0;

const COLOR_FALL: &str = "#555555";
const COLOR_JUMP: &str = "#1f6fd1";
const COLOR_EXC: &str = "#c0392b";
const COLOR_BACK: &str = "#8e44ad";

/// Text for XML character data and attribute values: `& < > " '` as
/// entities, characters XML 1.0 forbids as `\xNN` / `\u{NNNN}`.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// `s` cut to `max` characters (with `...`).
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max).collect::<String>() + "..."
    }
}

/// Coordinates: one decimal, no trailing `.0` (stable, compact).
fn num(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

#[derive(Clone, Debug)]
struct Node {
    /// The block, `None` for a dummy of a long edge.
    block: Option<usize>,
    lines: Vec<String>,
    w: f64,
    h: f64,
    rank: usize,
    /// Centre.
    x: f64,
    /// Top.
    y: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct DrawEdge {
    from: usize,
    to: usize,
    kind: EdgeKind,
    back: bool,
}

/// A laid-out graph.
struct Layout {
    nodes: Vec<Node>,
    /// Node indices per rank, in drawing order.
    ranks: Vec<Vec<usize>>,
    edges: Vec<DrawEdge>,
    /// Per forward edge: the dummy nodes it passes through, top down.
    chains: Vec<Vec<usize>>,
    band_top: Vec<f64>,
    band_h: Vec<f64>,
    width: f64,
    height: f64,
    /// Blocks not drawn (over [`MAX_BLOCKS`]).
    hidden_blocks: usize,
}

fn block_lines(cfg: &Cfg, b: usize) -> Vec<String> {
    let blk = &cfg.blocks[b];
    let mut lines = vec![block_header(cfg, b)];
    for &s in blk.insns.iter().take(MAX_LINES) {
        lines.push(insn_text(cfg, s));
    }
    if blk.insns.len() > MAX_LINES {
        lines.push(format!(
            "... {} more instructions",
            blk.insns.len() - MAX_LINES
        ));
    }
    lines
}

/// Edges whose target is on the DFS stack (loops, self-loops).
fn back_edges(n: usize, succ: &[Vec<usize>]) -> BTreeSet<(usize, usize)> {
    let mut state = vec![0u8; n];
    let mut back = BTreeSet::new();
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(top) = stack.last_mut() {
            let (u, i) = *top;
            if i < succ[u].len() {
                top.1 += 1;
                let v = succ[u][i];
                match state[v] {
                    0 => {
                        state[v] = 1;
                        stack.push((v, 0));
                    }
                    1 => {
                        back.insert((u, v));
                    }
                    _ => {}
                }
            } else {
                state[u] = 2;
                stack.pop();
            }
        }
    }
    back
}

/// Crossings between two adjacent ranks, by inversion counting.
fn crossings(pairs: &mut [(usize, usize)], lower_len: usize) -> u64 {
    pairs.sort_unstable();
    let mut tree = vec![0u64; lower_len + 1];
    let mut total = 0u64;
    for (seen, &(_, v)) in pairs.iter().enumerate() {
        // entries so far with a lower position > v
        let mut le = 0u64;
        let mut i = v + 1;
        while i > 0 {
            le += tree[i];
            i &= i - 1;
        }
        total += seen as u64 - le;
        let mut i = v + 1;
        while i <= lower_len {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    total
}

impl Layout {
    fn new(cfg: &Cfg) -> Layout {
        let n = cfg.blocks.len().min(MAX_BLOCKS);
        let mut nodes: Vec<Node> = (0..n)
            .map(|b| {
                let lines = block_lines(cfg, b);
                let chars = lines.iter().map(|l| l.chars().count()).max().unwrap_or(1);
                Node {
                    block: Some(b),
                    w: (chars as f64 * CHAR_W + 2.0 * PAD).max(40.0),
                    h: lines.len() as f64 * LINE_H + 2.0 * PAD,
                    lines,
                    rank: 0,
                    x: 0.0,
                    y: 0.0,
                }
            })
            .collect();
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut raw = Vec::new();
        for (b, out) in succ.iter_mut().enumerate() {
            for e in &cfg.blocks[b].succs {
                if e.to < n {
                    raw.push((b, e.to, e.kind));
                    if !out.contains(&e.to) {
                        out.push(e.to);
                    }
                }
            }
        }
        let back = back_edges(n, &succ);
        let edges: Vec<DrawEdge> = raw
            .into_iter()
            .map(|(from, to, kind)| DrawEdge {
                from,
                to,
                kind,
                back: back.contains(&(from, to)),
            })
            .collect();
        // longest-path ranks over the forward edges (a DAG), Kahn in id order
        let mut indeg = vec![0usize; n];
        let mut fwd: Vec<Vec<usize>> = vec![Vec::new(); n];
        for e in edges.iter().filter(|e| !e.back) {
            if !fwd[e.from].contains(&e.to) {
                fwd[e.from].push(e.to);
                indeg[e.to] += 1;
            }
        }
        let mut ready: BTreeSet<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
        while let Some(u) = ready.pop_first() {
            for &v in &fwd[u] {
                nodes[v].rank = nodes[v].rank.max(nodes[u].rank + 1);
                indeg[v] -= 1;
                if indeg[v] == 0 {
                    ready.insert(v);
                }
            }
        }
        let rank_count = nodes.iter().map(|nd| nd.rank + 1).max().unwrap_or(0);
        // dummies for long forward edges
        let mut chains = vec![Vec::new(); edges.len()];
        let mut dummies = 0usize;
        for (i, e) in edges.iter().enumerate() {
            if e.back {
                continue;
            }
            let (r0, r1) = (nodes[e.from].rank, nodes[e.to].rank);
            if r1 <= r0 + 1 || dummies + (r1 - r0 - 1) > MAX_DUMMIES {
                continue;
            }
            for r in r0 + 1..r1 {
                chains[i].push(nodes.len());
                nodes.push(Node {
                    block: None,
                    lines: Vec::new(),
                    w: 8.0,
                    h: 0.0,
                    rank: r,
                    x: 0.0,
                    y: 0.0,
                });
                dummies += 1;
            }
        }
        let mut ranks: Vec<Vec<usize>> = vec![Vec::new(); rank_count];
        for (i, nd) in nodes.iter().enumerate() {
            ranks[nd.rank].push(i);
        }
        let mut layout = Layout {
            nodes,
            ranks,
            edges,
            chains,
            band_top: Vec::new(),
            band_h: Vec::new(),
            width: 0.0,
            height: 0.0,
            hidden_blocks: cfg.blocks.len() - n,
        };
        layout.order();
        layout.place();
        layout
    }

    /// Segments between adjacent ranks: (upper node, lower node).
    fn segments(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (i, e) in self.edges.iter().enumerate() {
            if e.back {
                continue;
            }
            let mut path = vec![e.from];
            path.extend(&self.chains[i]);
            path.push(e.to);
            for w in path.windows(2) {
                if self.nodes[w[1]].rank == self.nodes[w[0]].rank + 1 {
                    out.push((w[0], w[1]));
                }
            }
        }
        out
    }

    fn total_crossings(&self, segs: &[(usize, usize)], pos: &[usize]) -> u64 {
        let mut per: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.ranks.len()];
        for &(u, v) in segs {
            per[self.nodes[u].rank].push((pos[u], pos[v]));
        }
        per.iter_mut()
            .enumerate()
            .map(|(r, p)| crossings(p, self.ranks.get(r + 1).map_or(0, Vec::len)))
            .sum()
    }

    /// Barycenter sweeps; keeps the ordering with the fewest crossings.
    fn order(&mut self) {
        let segs = self.segments();
        let mut up: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        let mut down: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        for &(u, v) in &segs {
            down[u].push(v);
            up[v].push(u);
        }
        let positions = |ranks: &[Vec<usize>], len: usize| {
            let mut pos = vec![0usize; len];
            for r in ranks {
                for (i, &v) in r.iter().enumerate() {
                    pos[v] = i;
                }
            }
            pos
        };
        let mut pos = positions(&self.ranks, self.nodes.len());
        let mut best = self.ranks.clone();
        let mut best_cross = self.total_crossings(&segs, &pos);
        for sweep in 0..8 {
            if best_cross == 0 {
                break;
            }
            let downward = sweep % 2 == 0;
            let order: Vec<usize> = if downward {
                (1..self.ranks.len()).collect()
            } else {
                (0..self.ranks.len().saturating_sub(1)).rev().collect()
            };
            for r in order {
                let nbrs = if downward { &up } else { &down };
                let mut keyed: Vec<(f64, usize)> = self.ranks[r]
                    .iter()
                    .map(|&v| {
                        let ns = &nbrs[v];
                        let bc = if ns.is_empty() {
                            pos[v] as f64
                        } else {
                            ns.iter().map(|&u| pos[u] as f64).sum::<f64>() / ns.len() as f64
                        };
                        (bc, v)
                    })
                    .collect();
                // stable: ties keep the current order
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
                self.ranks[r] = keyed.into_iter().map(|(_, v)| v).collect();
                for (i, &v) in self.ranks[r].iter().enumerate() {
                    pos[v] = i;
                }
            }
            let c = self.total_crossings(&segs, &pos);
            if c < best_cross {
                best_cross = c;
                best = self.ranks.clone();
            }
        }
        self.ranks = best;
    }

    fn sep(&self, a: usize, b: usize) -> f64 {
        let (na, nb) = (&self.nodes[a], &self.nodes[b]);
        let gap = if na.block.is_some() && nb.block.is_some() {
            NODE_GAP
        } else {
            DUMMY_GAP
        };
        (na.w + nb.w) / 2.0 + gap
    }

    /// Places each rank's nodes as close to `desired` as the order and the
    /// separations allow (the mean of a left- and a right-packed placement).
    fn pack(&mut self, r: usize, desired: &[f64]) {
        let rank = self.ranks[r].clone();
        let k = rank.len();
        if k == 0 {
            return;
        }
        let mut left = desired.to_vec();
        for i in 1..k {
            left[i] = left[i].max(left[i - 1] + self.sep(rank[i - 1], rank[i]));
        }
        let mut right = desired.to_vec();
        for i in (0..k - 1).rev() {
            right[i] = right[i].min(right[i + 1] - self.sep(rank[i], rank[i + 1]));
        }
        for i in 0..k {
            self.nodes[rank[i]].x = (left[i] + right[i]) / 2.0;
        }
    }

    fn place(&mut self) {
        // start packed from the left
        for r in 0..self.ranks.len() {
            let rank = self.ranks[r].clone();
            let mut x = 0.0;
            for (i, &v) in rank.iter().enumerate() {
                if i > 0 {
                    x += self.sep(rank[i - 1], v);
                }
                self.nodes[v].x = x;
            }
        }
        let segs = self.segments();
        let mut up: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        let mut down: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        for &(u, v) in &segs {
            down[u].push(v);
            up[v].push(u);
        }
        for sweep in 0..8 {
            let downward = sweep % 2 == 0;
            let order: Vec<usize> = if downward {
                (1..self.ranks.len()).collect()
            } else {
                (0..self.ranks.len().saturating_sub(1)).rev().collect()
            };
            for r in order {
                let nbrs = if downward { &up } else { &down };
                let desired: Vec<f64> = self.ranks[r]
                    .iter()
                    .map(|&v| {
                        let ns = &nbrs[v];
                        if ns.is_empty() {
                            self.nodes[v].x
                        } else {
                            ns.iter().map(|&u| self.nodes[u].x).sum::<f64>() / ns.len() as f64
                        }
                    })
                    .collect();
                self.pack(r, &desired);
            }
        }
        // vertical bands
        let mut y = HEADING_H + MARGIN;
        for r in 0..self.ranks.len() {
            let h = self.ranks[r]
                .iter()
                .map(|&v| self.nodes[v].h)
                .fold(0.0, f64::max);
            self.band_top.push(y);
            self.band_h.push(h);
            for &v in &self.ranks[r] {
                self.nodes[v].y = y + (h - self.nodes[v].h) / 2.0;
            }
            y += h + RANK_GAP;
        }
        // shift right of the margin
        let min_left = self
            .nodes
            .iter()
            .map(|nd| nd.x - nd.w / 2.0)
            .fold(f64::INFINITY, f64::min);
        let shift = if min_left.is_finite() {
            MARGIN - min_left
        } else {
            0.0
        };
        for nd in &mut self.nodes {
            nd.x += shift;
        }
        let right = self
            .nodes
            .iter()
            .map(|nd| nd.x + nd.w / 2.0)
            .fold(0.0, f64::max);
        let backs = self.edges.iter().filter(|e| e.back).count();
        self.width = right + MARGIN + LANE_GAP * (backs as f64 + 1.0);
        self.height = y - RANK_GAP + MARGIN;
    }

    fn band_bottom(&self, r: usize) -> f64 {
        self.band_top[r] + self.band_h[r]
    }
}

fn edge_style(e: &DrawEdge) -> (&'static str, &'static str, &'static str) {
    let color = if e.back {
        COLOR_BACK
    } else {
        match e.kind {
            EdgeKind::Fallthrough => COLOR_FALL,
            EdgeKind::Jump => COLOR_JUMP,
            EdgeKind::Exception => COLOR_EXC,
        }
    };
    let marker = if e.back {
        "arrow-back"
    } else {
        match e.kind {
            EdgeKind::Fallthrough => "arrow-fall",
            EdgeKind::Jump => "arrow-jump",
            EdgeKind::Exception => "arrow-exc",
        }
    };
    let class = match (e.back, e.kind) {
        (true, _) => "edge back",
        (false, EdgeKind::Fallthrough) => "edge fall",
        (false, EdgeKind::Jump) => "edge jump",
        (false, EdgeKind::Exception) => "edge exc",
    };
    (color, marker, class)
}

/// Port x offsets: the k-th of m edges leaving/entering a box of width w.
fn port(k: usize, m: usize, w: f64) -> f64 {
    let span = (w - 12.0).max(0.0);
    if m <= 1 {
        0.0
    } else {
        -span / 2.0 + span * k as f64 / (m - 1) as f64
    }
}

/// The heading of one graph: name, block and loop counts, what was left out.
fn heading(lay: &Layout, cfg: &Cfg, name: &str) -> String {
    let mut heading = format!(
        "{} \u{2014} {} block{}, {} loop{}",
        clip(name, NAME_CHARS),
        cfg.blocks.len(),
        if cfg.blocks.len() == 1 { "" } else { "s" },
        cfg.loops.len(),
        if cfg.loops.len() == 1 { "" } else { "s" },
    );
    if lay.hidden_blocks > 0 {
        let _ = write!(
            heading,
            " (first {} drawn, {} left out)",
            cfg.blocks.len() - lay.hidden_blocks,
            lay.hidden_blocks
        );
    }
    heading
}

/// Width of a heading (14px bold monospace: 0.6 em per character).
fn heading_width(text: &str) -> f64 {
    2.0 * MARGIN + text.chars().count() as f64 * 8.4
}

fn write_graph(out: &mut String, lay: &Layout, cfg: &Cfg, name: &str, k: usize) {
    let shown = cfg.blocks.len() - lay.hidden_blocks;
    let heading = heading(lay, cfg, name);
    let _ = writeln!(
        out,
        "<text class=\"heading\" x=\"{}\" y=\"{}\">{}</text>",
        num(MARGIN),
        num(MARGIN + 4.0),
        xml_escape(&heading)
    );
    // out/in ports: per node, edges sorted by the other end's x
    let forward: Vec<usize> = (0..lay.edges.len())
        .filter(|&i| !lay.edges[i].back)
        .collect();
    let first_hop =
        |i: usize| -> usize { lay.chains[i].first().copied().unwrap_or(lay.edges[i].to) };
    let last_hop =
        |i: usize| -> usize { lay.chains[i].last().copied().unwrap_or(lay.edges[i].from) };
    let mut out_port = vec![0.0; lay.edges.len()];
    let mut in_port = vec![0.0; lay.edges.len()];
    for v in 0..shown {
        let mut outs: Vec<usize> = forward
            .iter()
            .copied()
            .filter(|&i| lay.edges[i].from == v)
            .collect();
        outs.sort_by(|&a, &b| {
            lay.nodes[first_hop(a)]
                .x
                .total_cmp(&lay.nodes[first_hop(b)].x)
                .then(a.cmp(&b))
        });
        for (j, &i) in outs.iter().enumerate() {
            out_port[i] = port(j, outs.len(), lay.nodes[v].w);
        }
        let mut ins: Vec<usize> = forward
            .iter()
            .copied()
            .filter(|&i| lay.edges[i].to == v)
            .collect();
        ins.sort_by(|&a, &b| {
            lay.nodes[last_hop(a)]
                .x
                .total_cmp(&lay.nodes[last_hop(b)].x)
                .then(a.cmp(&b))
        });
        for (j, &i) in ins.iter().enumerate() {
            in_port[i] = port(j, ins.len(), lay.nodes[v].w);
        }
    }
    // edges first, boxes on top
    let _ = writeln!(out, "<g class=\"edges\">");
    let lanes_x = lay
        .nodes
        .iter()
        .map(|nd| nd.x + nd.w / 2.0)
        .fold(0.0, f64::max)
        + LANE_GAP;
    let mut lane = 0usize;
    for (i, e) in lay.edges.iter().enumerate() {
        let (color, marker, class) = edge_style(e);
        let dash = if e.kind == EdgeKind::Exception {
            " stroke-dasharray=\"5 3\""
        } else {
            ""
        };
        let (s, t) = (&lay.nodes[e.from], &lay.nodes[e.to]);
        let mut d = String::new();
        if e.back {
            // down into the gap below the source, right to a lane, up to the
            // gap above the target, into its top
            let off = 8.0 + (lane % 6) as f64 * 5.0;
            let lx = lanes_x + lane as f64 * LANE_GAP;
            let below = lay.band_bottom(s.rank) + off;
            let above = lay.band_top[t.rank] - off;
            let sx = s.x + s.w / 2.0 - 8.0;
            let tx = t.x + t.w / 2.0 - 8.0;
            let _ = write!(
                d,
                "M{} {} L{} {} L{} {} L{} {} L{} {} L{} {}",
                num(sx),
                num(s.y + s.h),
                num(sx),
                num(below),
                num(lx),
                num(below),
                num(lx),
                num(above),
                num(tx),
                num(above),
                num(tx),
                num(t.y)
            );
            lane += 1;
        } else {
            let mut pts = vec![(s.x + out_port[i], s.y + s.h)];
            for &dm in &lay.chains[i] {
                let r = lay.nodes[dm].rank;
                pts.push((lay.nodes[dm].x, lay.band_top[r]));
                pts.push((lay.nodes[dm].x, lay.band_bottom(r)));
            }
            pts.push((t.x + in_port[i], t.y));
            let _ = write!(d, "M{} {}", num(pts[0].0), num(pts[0].1));
            for w in pts.windows(2) {
                let ((x0, y0), (x1, y1)) = (w[0], w[1]);
                if x0 == x1 {
                    let _ = write!(d, " L{} {}", num(x1), num(y1));
                } else {
                    let my = (y0 + y1) / 2.0;
                    let _ = write!(
                        d,
                        " C{} {} {} {} {} {}",
                        num(x0),
                        num(my),
                        num(x1),
                        num(my),
                        num(x1),
                        num(y1)
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "<path class=\"{class}\" data-from=\"B{}\" data-to=\"B{}\" d=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{}\"{dash} marker-end=\"url(#{marker})\"/>",
            e.from,
            e.to,
            if e.back { "1.6" } else { "1.2" }
        );
    }
    let _ = writeln!(out, "</g>");
    for nd in &lay.nodes {
        let Some(b) = nd.block else { continue };
        let looped = cfg.loops.iter().any(|(h, _)| *h == b);
        let (left, top) = (nd.x - nd.w / 2.0, nd.y);
        let _ = writeln!(
            out,
            "<g class=\"block\" id=\"cfg{k}-B{b}\" data-block=\"B{b}\">\n<title>B{b}</title>\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{}\" stroke=\"#333333\" stroke-width=\"{}\"/>",
            num(left),
            num(top),
            num(nd.w),
            num(nd.h),
            if b == 0 { "#eef6ee" } else { "#fbfbf8" },
            if looped { "2.5" } else { "1" }
        );
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\">",
            num(left + PAD),
            num(top + PAD + FONT - 1.0)
        );
        for (j, line) in nd.lines.iter().enumerate() {
            let _ = write!(
                out,
                "<tspan x=\"{}\" y=\"{}\"{}>{}</tspan>",
                num(left + PAD),
                num(top + PAD + FONT - 1.0 + j as f64 * LINE_H),
                if j == 0 { " class=\"head\"" } else { "" },
                xml_escape(line)
            );
        }
        let _ = writeln!(out, "</text>\n</g>");
    }
}

const LEGEND_H: f64 = 30.0;

fn write_legend(out: &mut String) {
    let items = [
        ("fallthrough", COLOR_FALL, "arrow-fall", ""),
        ("jump (taken)", COLOR_JUMP, "arrow-jump", ""),
        (
            "exception",
            COLOR_EXC,
            "arrow-exc",
            " stroke-dasharray=\"5 3\"",
        ),
        ("back edge (loop)", COLOR_BACK, "arrow-back", ""),
    ];
    let _ = writeln!(out, "<g class=\"legend\">");
    let mut x = MARGIN;
    for (label, color, marker, dash) in items {
        let _ = writeln!(
            out,
            "<path d=\"M{} 16 L{} 16\" stroke=\"{color}\" stroke-width=\"1.4\"{dash} marker-end=\"url(#{marker})\"/><text x=\"{}\" y=\"20\">{label}</text>",
            num(x),
            num(x + 28.0),
            num(x + 36.0)
        );
        x += 36.0 + label.len() as f64 * CHAR_W + 24.0;
    }
    let _ = writeln!(out, "</g>");
}

fn write_defs(out: &mut String) {
    out.push_str("<defs>\n");
    for (id, color) in [
        ("arrow-fall", COLOR_FALL),
        ("arrow-jump", COLOR_JUMP),
        ("arrow-exc", COLOR_EXC),
        ("arrow-back", COLOR_BACK),
    ] {
        let _ = writeln!(
            out,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"{color}\"/></marker>"
        );
    }
    out.push_str("</defs>\n");
    out.push_str(
        "<style>text{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12px;fill:#111111}.head{font-weight:bold}.heading{font-size:14px;font-weight:bold}</style>\n",
    );
}

/// One SVG document with the graphs stacked top to bottom, each under a
/// heading with its name; a legend of the edge colours on top.
pub fn to_svg_document(graphs: &[(&str, &Cfg)]) -> String {
    let drawn = &graphs[..graphs.len().min(MAX_GRAPHS)];
    let layouts: Vec<Layout> = drawn.iter().map(|(_, cfg)| Layout::new(cfg)).collect();
    let note_h = if graphs.len() > drawn.len() {
        24.0
    } else {
        0.0
    };
    let width = layouts
        .iter()
        .zip(drawn)
        .map(|(l, (name, cfg))| l.width.max(heading_width(&heading(l, cfg, name))))
        .fold(640.0, f64::max);
    let height = LEGEND_H + layouts.iter().map(|l| l.height).sum::<f64>() + note_h;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">",
        w = num(width),
        h = num(height)
    );
    write_defs(&mut out);
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
        num(width),
        num(height)
    );
    write_legend(&mut out);
    let mut y = LEGEND_H;
    for (k, ((name, cfg), lay)) in drawn.iter().zip(&layouts).enumerate() {
        let _ = writeln!(
            out,
            "<g class=\"cfg\" id=\"cfg{k}\" transform=\"translate(0 {})\">",
            num(y)
        );
        write_graph(&mut out, lay, cfg, name, k);
        out.push_str("</g>\n");
        y += lay.height;
    }
    if note_h > 0.0 {
        let _ = writeln!(
            out,
            "<text class=\"heading\" x=\"{}\" y=\"{}\">{} more code objects not drawn</text>",
            num(MARGIN),
            num(y + 16.0),
            graphs.len() - drawn.len()
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The graph of one code object as an SVG document.
pub fn to_svg(cfg: &Cfg, name: &str) -> String {
    to_svg_document(&[(name, cfg)])
}

/// Box rectangles of a laid-out graph (tests: no overlaps).
#[cfg(test)]
fn boxes(cfg: &Cfg) -> Vec<(usize, f64, f64, f64, f64)> {
    let lay = Layout::new(cfg);
    lay.nodes
        .iter()
        .filter_map(|nd| {
            nd.block
                .map(|b| (b, nd.x - nd.w / 2.0, nd.y, nd.x + nd.w / 2.0, nd.y + nd.h))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyctrace_bytecode::PyVersion;

    fn overlaps(bx: &[(usize, f64, f64, f64, f64)]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (i, a) in bx.iter().enumerate() {
            for b in &bx[i + 1..] {
                if a.1 < b.3 && b.1 < a.3 && a.2 < b.4 && b.2 < a.4 {
                    out.push((a.0, b.0));
                }
            }
        }
        out
    }

    /// 3.8: a chain of `n` two-way branches all joining at the end.
    fn diamonds(n: usize) -> Vec<u8> {
        // per step k (8 bytes at 8k): LOAD_CONST 0; POP_JUMP_IF_FALSE 8k+6;
        // NOP 0; NOP 0 -> both reach 8k+8
        let mut code = Vec::new();
        for k in 0..n {
            let at = 8 * k;
            code.extend([100, 0, 114, (at + 6) as u8, 9, 0, 9, 0]);
        }
        code.extend([100, 0, 83, 0]);
        code
    }

    #[test]
    fn escapes_hostile_text() {
        assert_eq!(
            xml_escape("<a&b>\"'\u{1}\n\u{fffe}é"),
            "&lt;a&amp;b&gt;&quot;&apos;\\x01\\x0a\\u{fffe}é"
        );
        let cfg = Cfg::build(&[100, 0, 83, 0], PyVersion::new(3, 8), &[]);
        let svg = to_svg(&cfg, "</text><script>alert(1)</script>\u{0}]]>");
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;\\x00]]&gt;"));
    }

    #[test]
    fn crossing_count() {
        // (0,1) and (1,0) cross; (0,0),(1,1) do not
        assert_eq!(crossings(&mut [(0, 1), (1, 0)], 2), 1);
        assert_eq!(crossings(&mut [(0, 0), (1, 1)], 2), 0);
        assert_eq!(crossings(&mut [(0, 2), (1, 1), (2, 0)], 3), 3);
    }

    #[test]
    fn no_overlapping_boxes_and_capped() {
        for n in [1, 3, 12, 30] {
            let code = diamonds(n);
            let cfg = Cfg::build(&code, PyVersion::new(3, 8), &[]);
            let bx = boxes(&cfg);
            assert_eq!(bx.len(), cfg.blocks.len().min(MAX_BLOCKS));
            assert_eq!(overlaps(&bx), vec![], "n={n}");
        }
        // more blocks than drawn: a note, bounded output. 3.8, per step k:
        // LOAD_CONST 0; EXTENDED_ARG hi; POP_JUMP_IF_FALSE lo -> 6k+6
        let mut big = Vec::new();
        for k in 0..400usize {
            let t = 6 * k + 6;
            big.extend([100, 0, 144, (t >> 8) as u8, 114, (t & 255) as u8]);
        }
        big.extend([100, 0, 83, 0]);
        let cfg = Cfg::build(&big, PyVersion::new(3, 8), &[]);
        assert!(cfg.blocks.len() > MAX_BLOCKS, "{}", cfg.blocks.len());
        let svg = to_svg(&cfg, "big");
        assert!(
            svg.contains("(first 300 drawn, 101 left out)"),
            "{}",
            &svg[..2000]
        );
        assert_eq!(boxes(&cfg).len(), MAX_BLOCKS);
        assert!(svg.len() < 2_000_000, "{}", svg.len());
    }

    #[test]
    fn random_code_never_panics_and_stays_bounded() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let empty = Cfg::build(&[], PyVersion::new(3, 11), &[]);
        assert!(to_svg(&empty, "").contains("0 blocks, 0 loops"));
        for round in 0..300 {
            let v = [(2, 7), (3, 8), (3, 10), (3, 11), (3, 12), (3, 13)][round % 6];
            let len = (next() % 3000) as usize;
            let code: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let table: Vec<u8> = (0..(next() % 64) as usize).map(|_| next() as u8).collect();
            let cfg = Cfg::build(&code, PyVersion::new(v.0, v.1), &table);
            let svg = to_svg(&cfg, "r");
            assert!(svg.ends_with("</svg>\n"));
            assert_eq!(
                svg.matches("class=\"block\"").count(),
                cfg.blocks.len().min(MAX_BLOCKS)
            );
            assert!(svg.len() < 4_000_000, "{}", svg.len());
            let bx = boxes(&cfg);
            assert_eq!(overlaps(&bx), vec![], "round {round}");
        }
    }

    #[test]
    fn back_edges_are_found() {
        // 3.8: 0 LOAD_CONST 0; 2 POP_JUMP_IF_FALSE 8; 4 JUMP_ABSOLUTE 0;
        // 6 junk; 8 LOAD_CONST 0; 10 RETURN_VALUE
        let code = [100, 0, 114, 8, 113, 0, 218, 0, 100, 0, 83, 0];
        let cfg = Cfg::build(&code, PyVersion::new(3, 8), &[]);
        let lay = Layout::new(&cfg);
        let backs: Vec<_> = lay.edges.iter().filter(|e| e.back).collect();
        assert_eq!(backs.len(), 1);
        assert_eq!((backs[0].from, backs[0].to), (1, 0));
        assert!(to_svg(&cfg, "m").contains("class=\"edge back\""));
    }
}
