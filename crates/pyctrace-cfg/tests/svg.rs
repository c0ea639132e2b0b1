//! `to_svg` / `to_svg_document`: well-formed XML (checked by the small
//! parser below), every block present with its DOT/Mermaid id, no
//! overlapping boxes, hostile names escaped, and a snapshot of a small
//! function whose graph is first checked against CPython 3.11's own `dis`
//! (fixture made by scripts/gen_cfg_svg_fixture.py).
//!
//! The snapshot is `tests/snapshots/svg_sample_3.11.svg`; after an intended
//! change of the drawing, rewrite it with `PYCTRACE_BLESS=1 cargo test -p
//! pyctrace-cfg --test svg` and look at the result (e.g. `rsvg-convert`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use pyctrace_bytecode::PyVersion;
use pyctrace_cfg::{to_dot, to_svg, to_svg_document, Cfg};

/// One parsed element.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<Element>,
    /// Character data directly inside, entities decoded.
    text: String,
}

impl Element {
    fn walk<'a>(&'a self, out: &mut Vec<&'a Element>) {
        out.push(self);
        for c in &self.children {
            c.walk(out);
        }
    }
    fn all(&self) -> Vec<&Element> {
        let mut v = Vec::new();
        self.walk(&mut v);
        v
    }
    fn deep_text(&self) -> String {
        let mut s = self.text.clone();
        for c in &self.children {
            s += &c.deep_text();
        }
        s
    }
    fn num(&self, a: &str) -> f64 {
        self.attrs[a].parse().expect("number")
    }
}

fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
}

fn decode(raw: &str, at: usize) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..]
            .find(';')
            .ok_or(format!("unterminated entity near {at}"))?;
        let ent = &rest[i + 1..i + end];
        out.push(match ent {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ if ent.starts_with("#x") => u32::from_str_radix(&ent[2..], 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or(format!("bad reference &{ent}; near {at}"))?,
            _ if ent.starts_with('#') => ent[1..]
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .ok_or(format!("bad reference &{ent}; near {at}"))?,
            _ => return Err(format!("unknown entity &{ent}; near {at}")),
        });
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn is_name(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && cs.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'))
}

/// A strict-enough XML 1.0 well-formedness check for what we write: one
/// root, balanced tags, quoted attributes without `<`, unique attribute
/// names, known entities only, no forbidden characters, no comments,
/// CDATA or DOCTYPE (we never write them).
fn parse_xml(doc: &str) -> Result<Element, String> {
    if let Some(c) = doc.chars().find(|&c| !xml_char(c)) {
        return Err(format!("forbidden character {c:?}"));
    }
    let mut s = doc;
    if let Some(rest) = s.strip_prefix("<?xml") {
        let end = rest.find("?>").ok_or("unterminated declaration")?;
        s = &rest[end + 2..];
    }
    let base = doc.len() - s.len();
    let bytes = s.as_bytes();
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut i = 0;
    let mut roots = 0;
    while i < bytes.len() {
        let at = base + i;
        if bytes[i] != b'<' {
            let j = s[i..].find('<').map_or(s.len(), |k| i + k);
            let text = decode(&s[i..j], at)?;
            if stack.len() == 1 && !text.trim().is_empty() {
                return Err(format!("text outside the root at {at}"));
            }
            if text.contains('>') && s[i..j].contains("]]>") {
                return Err(format!("]]> in text at {at}"));
            }
            stack.last_mut().unwrap().text += &text;
            i = j;
            continue;
        }
        let end = s[i..]
            .find('>')
            .ok_or(format!("unterminated tag at {at}"))?
            + i;
        let tag = &s[i + 1..end];
        if tag.starts_with('!') || tag.starts_with('?') {
            return Err(format!("unexpected markup <{tag}> at {at}"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or("close without open")?;
            if open.name != name.trim() || stack.is_empty() {
                return Err(format!("</{name}> closes <{}> at {at}", open.name));
            }
            stack.last_mut().unwrap().children.push(open);
        } else {
            let (body, empty) = match tag.strip_suffix('/') {
                Some(b) => (b, true),
                None => (tag, false),
            };
            let name_end = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
            let name = &body[..name_end];
            if !is_name(name) {
                return Err(format!("bad element name {name:?} at {at}"));
            }
            let mut el = Element {
                name: name.to_string(),
                ..Element::default()
            };
            let mut rest = body[name_end..].trim_start();
            while !rest.is_empty() {
                let eq = rest
                    .find('=')
                    .ok_or(format!("attribute without value at {at}"))?;
                let key = rest[..eq].trim();
                if !is_name(key) {
                    return Err(format!("bad attribute name {key:?} at {at}"));
                }
                let after = rest[eq + 1..].trim_start();
                let q = after.chars().next().ok_or("missing quote")?;
                if q != '"' && q != '\'' {
                    return Err(format!("unquoted attribute {key} at {at}"));
                }
                let close = after[1..]
                    .find(q)
                    .ok_or(format!("unterminated {key} at {at}"))?
                    + 1;
                let raw = &after[1..close];
                if raw.contains('<') {
                    return Err(format!("< in attribute {key} at {at}"));
                }
                if el.attrs.insert(key.to_string(), decode(raw, at)?).is_some() {
                    return Err(format!("duplicate attribute {key} at {at}"));
                }
                let tail = &after[close + 1..];
                if !tail.is_empty() && !tail.starts_with(char::is_whitespace) {
                    return Err(format!("no space after attribute {key} at {at}"));
                }
                rest = tail.trim_start();
            }
            if stack.len() == 1 {
                roots += 1;
            }
            if empty {
                stack.last_mut().unwrap().children.push(el);
            } else {
                stack.push(el);
            }
        }
        i = end + 1;
    }
    if stack.len() != 1 {
        return Err(format!("<{}> never closed", stack.last().unwrap().name));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    let mut top = stack.pop().unwrap();
    Ok(top.children.remove(0))
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn fixture() -> (Cfg, serde_json::Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/svg_sample_3.11.json");
    let fx: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let cfg = Cfg::build(
        &unhex(fx["co_code"].as_str().unwrap()),
        PyVersion::new(3, 11),
        &unhex(fx["exceptiontable"].as_str().unwrap()),
    );
    (cfg, fx)
}

/// Blocks of one `<g class="cfg">`: (data-block, rect).
fn blocks(graph: &Element) -> Vec<(String, [f64; 4])> {
    graph
        .all()
        .into_iter()
        .filter(|e| e.name == "g" && e.attrs.get("class").is_some_and(|c| c == "block"))
        .map(|g| {
            let r = g.children.iter().find(|c| c.name == "rect").expect("rect");
            let (x, y) = (r.num("x"), r.num("y"));
            (
                g.attrs["data-block"].clone(),
                [x, y, x + r.num("width"), y + r.num("height")],
            )
        })
        .collect()
}

fn check_graph(graph: &Element, cfg: &Cfg) {
    let bl = blocks(graph);
    let ids: BTreeSet<&str> = bl.iter().map(|(id, _)| id.as_str()).collect();
    let dot = to_dot(cfg, "x");
    for b in 0..cfg.blocks.len() {
        let id = format!("B{b}");
        assert!(ids.contains(id.as_str()), "{id} missing");
        // the same id as the DOT rendering
        assert!(
            dot.contains(&format!("  {id} [label=\"{id} @")),
            "{id} not in dot"
        );
    }
    assert_eq!(bl.len(), cfg.blocks.len());
    for (i, (a, ra)) in bl.iter().enumerate() {
        for (b, rb) in &bl[i + 1..] {
            let apart = ra[2] <= rb[0] || rb[2] <= ra[0] || ra[3] <= rb[1] || rb[3] <= ra[1];
            assert!(apart, "{a} {ra:?} overlaps {b} {rb:?}");
        }
    }
    // every edge drawn, with its ends
    let edges: BTreeSet<(String, String)> = graph
        .all()
        .into_iter()
        .filter(|e| e.name == "path" && e.attrs.contains_key("data-from"))
        .map(|e| (e.attrs["data-from"].clone(), e.attrs["data-to"].clone()))
        .collect();
    for b in &cfg.blocks {
        for e in &b.succs {
            assert!(edges.contains(&(format!("B{}", b.id), format!("B{}", e.to))));
        }
    }
}

#[test]
fn graph_of_the_fixture_matches_dis() {
    let (cfg, fx) = fixture();
    // every instruction dis lists, with its name; `>>` targets and
    // exception-table handlers start blocks
    let mut listed = BTreeMap::new();
    let mut targets = BTreeSet::new();
    let dis = fx["dis"].as_str().unwrap();
    let (body, table) = dis.split_once("ExceptionTable:").unwrap();
    for line in body.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        // `[line] [>>] offset OPNAME [arg [(repr)]]`
        let opname =
            |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase() || c == '_');
        let Some(k) = (0..words.len().saturating_sub(1))
            .find(|&k| words[k].parse::<usize>().is_ok() && opname(words[k + 1]))
        else {
            continue;
        };
        let off: usize = words[k].parse().unwrap();
        listed.insert(off, words[k + 1].to_string());
        if k > 0 && words[k - 1] == ">>" {
            targets.insert(off);
        }
    }
    for line in table.lines() {
        if let Some((_, h)) = line.split_once("-> ") {
            targets.insert(h.split_whitespace().next().unwrap().parse().unwrap());
        }
    }
    let ours: BTreeMap<usize, String> = cfg.insns.values().map(|i| (i.offset, i.name())).collect();
    assert_eq!(listed.len(), 38, "{listed:?}");
    assert_eq!(ours, listed);
    let starts: BTreeSet<usize> = cfg.blocks.iter().map(|b| b.start).collect();
    assert!(targets.is_subset(&starts), "{targets:?} {starts:?}");
    assert_eq!(cfg.blocks.len(), 11);
    assert_eq!(cfg.loops.len(), 1);
}

#[test]
fn svg_snapshot_of_the_fixture() {
    let (cfg, fx) = fixture();
    let svg = to_svg(&cfg, fx["name"].as_str().unwrap());
    let root = parse_xml(&svg).unwrap();
    assert_eq!(root.name, "svg");
    let graphs: Vec<&Element> = root
        .all()
        .into_iter()
        .filter(|e| e.attrs.get("class").is_some_and(|c| c == "cfg"))
        .collect();
    assert_eq!(graphs.len(), 1);
    check_graph(graphs[0], &cfg);
    // all four edge kinds of the legend occur in this graph
    for class in ["edge fall", "edge jump", "edge exc", "edge back"] {
        assert!(svg.contains(&format!("class=\"{class}\"")), "{class}");
    }
    assert_eq!(svg, to_svg(&cfg, "sample"), "deterministic");
    let snap = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/svg_sample_3.11.svg");
    if std::env::var_os("PYCTRACE_BLESS").is_some() {
        std::fs::create_dir_all(snap.parent().unwrap()).unwrap();
        std::fs::write(&snap, &svg).unwrap();
    }
    let want = std::fs::read_to_string(&snap).expect("snapshot (PYCTRACE_BLESS=1 writes it)");
    assert!(
        svg == want,
        "differs from {}; PYCTRACE_BLESS=1 rewrites it",
        snap.display()
    );
}

#[test]
fn hostile_names_and_stacked_documents() {
    let (cfg, _) = fixture();
    let one = Cfg::build(&[151, 0, 100, 0, 83, 0], PyVersion::new(3, 11), &[]);
    let hostile = "x\"/><script>alert('&')</script>\u{0}\u{1b}\u{fffe}]]>\n<!--";
    let long = "n".repeat(100_000);
    let doc = to_svg_document(&[(hostile, &one), ("sample", &cfg), (&long, &one)]);
    let root = parse_xml(&doc).unwrap();
    assert!(!doc.contains("<script"));
    let headings: Vec<String> = root
        .all()
        .into_iter()
        .filter(|e| e.attrs.get("class").is_some_and(|c| c == "heading"))
        .map(Element::deep_text)
        .collect();
    assert_eq!(headings.len(), 3);
    assert!(
        headings[0].starts_with("x\"/><script>alert('&')</script>\\x00\\x1b\\u{fffe}]]>\\x0a<!--"),
        "{:?}",
        headings[0]
    );
    assert!(headings[2].len() < 400, "long names are cut");
    let graphs: Vec<&Element> = root
        .all()
        .into_iter()
        .filter(|e| e.attrs.get("class").is_some_and(|c| c == "cfg"))
        .collect();
    assert_eq!(graphs.len(), 3);
    check_graph(graphs[0], &one);
    check_graph(graphs[1], &cfg);
    // element ids unique across the document
    let ids: Vec<&String> = root
        .all()
        .into_iter()
        .filter_map(|e| e.attrs.get("id"))
        .collect();
    let unique: BTreeSet<&&String> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len());
}

#[test]
fn the_checker_rejects_broken_xml() {
    for bad in [
        "<a><b></a></b>",
        "<a x=1/>",
        "<a>&bogus;</a>",
        "<a></a><b/>",
        "<a x=\"<\"/>",
        "<a>\u{1}</a>",
        "<a x=\"1\" x=\"2\"/>",
        "<a>",
    ] {
        assert!(parse_xml(bad).is_err(), "{bad}");
    }
    assert!(parse_xml("<?xml version=\"1.0\"?>\n<a x='1'><b/>t&amp;&#x41;</a>\n").is_ok());
}
