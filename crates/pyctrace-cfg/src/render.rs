//! DOT and Mermaid renderings (block ids `B<n>` are stable: start-offset
//! order); SVG in [`crate::svg`].

use std::fmt::Write;

use crate::graph::{Cfg, EdgeKind};

pub(crate) fn insn_text(cfg: &Cfg, start: usize) -> String {
    let i = &cfg.insns[&start];
    let mut s = format!("{} {}", i.offset, i.name());
    if let Some(a) = i.arg {
        let _ = write!(s, " {a}");
    }
    if let Some(t) = i.target {
        let _ = write!(s, " (to {t})");
    }
    if i.overlapping {
        s.push_str(" [overlaps]");
    }
    s
}

/// First line of a block's box: its id, start offset and entry depth.
pub(crate) fn block_header(cfg: &Cfg, b: usize) -> String {
    let blk = &cfg.blocks[b];
    match blk.depth_in {
        Some(d) => format!("B{} @{} depth {}", b, blk.start, d),
        None => format!("B{} @{}", b, blk.start),
    }
}

fn block_label(cfg: &Cfg, b: usize, newline: &str) -> String {
    let blk = &cfg.blocks[b];
    let mut lines = vec![block_header(cfg, b)];
    lines.extend(blk.insns.iter().map(|&s| insn_text(cfg, s)));
    lines.join(newline)
}

fn escape_dot(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Graphviz DOT text. `name` titles the graph (usually the code object's name).
pub fn to_dot(cfg: &Cfg, name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", escape_dot(name));
    let _ = writeln!(out, "  node [shape=box, fontname=monospace];");
    for b in 0..cfg.blocks.len() {
        let label = escape_dot(&block_label(cfg, b, "\n")).replace("\\\\l", "\\l");
        let label = label.replace('\n', "\\l");
        let looped = cfg.loops.iter().any(|(h, _)| *h == b);
        let _ = writeln!(
            out,
            "  B{b} [label=\"{label}\\l\"{}];",
            if looped { ", style=bold" } else { "" }
        );
    }
    for b in &cfg.blocks {
        for e in &b.succs {
            let style = match e.kind {
                EdgeKind::Fallthrough => "",
                EdgeKind::Jump => " [color=blue]",
                EdgeKind::Exception => " [style=dashed, color=red]",
            };
            let _ = writeln!(out, "  B{} -> B{}{};", b.id, e.to, style);
        }
    }
    out.push_str("}\n");
    out
}

fn escape_mermaid(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

/// Mermaid `flowchart` text.
pub fn to_mermaid(cfg: &Cfg, name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "%% {}", name.replace('\n', " "));
    out.push_str("flowchart TD\n");
    for b in 0..cfg.blocks.len() {
        let _ = writeln!(
            out,
            "  B{b}[\"{}\"]",
            escape_mermaid(&block_label(cfg, b, "<br/>")).replace("#lt;br/#gt;", "<br/>")
        );
    }
    for b in &cfg.blocks {
        for e in &b.succs {
            let arrow = match e.kind {
                EdgeKind::Fallthrough => "-->",
                EdgeKind::Jump => "-->|jump|",
                EdgeKind::Exception => "-.->|exc|",
            };
            let _ = writeln!(out, "  B{} {} B{}", b.id, arrow, e.to);
        }
    }
    out
}
