//! Folding hand-written JSONL records onto a committed 3.11 `.pyc`
//! (pyctrace-marshal's fixture `real/3.11.pyc`), no interpreter needed.
//! Its `<listcomp>` (line 22) is:
//!
//! ```text
//!   0 COPY_FREE_VARS 1 / 2 RESUME / 4 BUILD_LIST / 6 LOAD_FAST .0
//!   8 FOR_ITER (to 36) / 10 STORE_FAST i / 12 PUSH_NULL / 14 LOAD_DEREF inner
//!  16 LOAD_FAST i / 18 PRECALL / 22 CALL / 32 LIST_APPEND / 34 JUMP_BACKWARD (to 8)
//!  36 RETURN_VALUE
//! ```

use std::path::Path;

use pyctrace_cover::{fold, is_conditional, parse_record, Coverage, VALUE_CAP};
use pyctrace_dis::{disassemble_pyc, Disassembly};

fn dis() -> Disassembly {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../pyctrace-marshal/tests/fixtures/real/3.11.pyc");
    let bytes = std::fs::read(path).unwrap();
    let pyc = pyctrace_marshal::read_pyc(&bytes, &Default::default()).unwrap();
    disassemble_pyc(&pyc)
}

const BODY: [(i64, &str); 9] = [
    (8, "FOR_ITER"),
    (10, "STORE_FAST"),
    (12, "PUSH_NULL"),
    (14, "LOAD_DEREF"),
    (16, "LOAD_FAST"),
    (18, "PRECALL"),
    (22, "CALL"),
    (32, "LIST_APPEND"),
    (34, "JUMP_BACKWARD"),
];

fn op(depth: u32, code: &str, offset: i64, name: &str, push: &[String]) -> String {
    let push: Vec<String> = push.iter().map(|p| format!("{p:?}")).collect();
    format!(
        r#"{{"ev":"op","depth":{depth},"code":"{code}","file":"sample_module.py","offset":{offset},"line":22,"op":"{name}","arg":null,"argrepr":"","push":[{}],"pop":[]}}"#,
        push.join(",")
    )
}

/// The list comprehension over `values`, each call of `inner` traced one
/// level deeper (its ops are foreign to the comprehension's branch state).
fn listcomp_trace(values: &[i64]) -> String {
    let mut lines = vec![
        r#"{"ev":"call","depth":1,"code":"<listcomp>","file":"sample_module.py","offset":-1,"line":22}"#.to_string(),
    ];
    for (o, n) in [
        (0, "COPY_FREE_VARS"),
        (2, "RESUME"),
        (4, "BUILD_LIST"),
        (6, "LOAD_FAST"),
    ] {
        lines.push(op(1, "<listcomp>", o, n, &[]));
    }
    for v in values {
        for (o, n) in BODY {
            let push = if o == 16 { vec![v.to_string()] } else { vec![] };
            lines.push(op(1, "<listcomp>", o, n, &push));
            if o == 22 {
                lines.push(r#"{"ev":"call","depth":2,"code":"inner","file":"sample_module.py","offset":-1,"line":19}"#.to_string());
                lines.push(op(2, "inner", 0, "COPY_FREE_VARS", &[]));
                lines.push(r#"{"ev":"return","depth":2,"code":"inner","file":"sample_module.py","offset":10,"line":20}"#.to_string());
            }
        }
    }
    lines.push(op(1, "<listcomp>", 8, "FOR_ITER", &[]));
    lines.push(op(1, "<listcomp>", 36, "RETURN_VALUE", &[]));
    lines.push(r#"{"ev":"return","depth":1,"code":"<listcomp>","file":"sample_module.py","offset":36,"line":22}"#.to_string());
    // a frame of another file (an --all-frames trace)
    lines.push(r#"{"ev":"op","depth":1,"code":"<listcomp>","file":"other.py","offset":8,"line":3,"op":"FOR_ITER","arg":1,"argrepr":"","push":[],"pop":[]}"#.to_string());
    lines.join("\n") + "\n"
}

fn at(dis: &Disassembly, cov: &Coverage, code: &str, offset: usize) -> pyctrace_cover::InsCover {
    let ci = dis.codes.iter().position(|c| c.name == code).unwrap();
    let j = dis.codes[ci]
        .instructions
        .iter()
        .position(|i| i.offset == offset)
        .unwrap();
    cov.codes[ci].ins[j].clone()
}

#[test]
fn parses_the_product_example() {
    let r = parse_record(r#"{"ev":"op","depth":1,"code":"validate","file":"test.py","offset":12,"line":5,"op":"COMPARE_OP","arg":3,"argrepr":"!=","push":["True"],"pop":["10","4"]}"#).unwrap();
    assert_eq!(r.ev, "op");
    assert_eq!(r.code, "validate");
    assert_eq!(r.offset, 12);
    assert_eq!(r.line, Some(5));
    assert_eq!(r.op.as_deref(), Some("COMPARE_OP"));
    assert_eq!(r.push, vec!["True".to_string()]);
    assert!(parse_record("").is_none());
    assert!(parse_record("not json").is_none());
}

#[test]
fn folds_a_loop_with_nested_calls() {
    let dis = dis();
    let trace = listcomp_trace(&[1, 2, 3]);
    let cov = fold(&dis, &[&trace]);
    assert_eq!(cov.unmatched, 0);
    assert_eq!(cov.foreign, 1);
    let for_iter = at(&dis, &cov, "<listcomp>", 8);
    assert_eq!(for_iter.count, 4);
    // three times into the body, once out of the loop
    assert_eq!((for_iter.taken, for_iter.not_taken), (1, 3));
    assert_eq!(at(&dis, &cov, "<listcomp>", 34).count, 3);
    assert_eq!(at(&dis, &cov, "<listcomp>", 36).count, 1);
    assert_eq!(at(&dis, &cov, "<listcomp>", 16).values, vec!["1", "2", "3"]);
    assert_eq!(at(&dis, &cov, "inner", 0).count, 3);
    let ci = dis
        .codes
        .iter()
        .position(|c| c.name == "<listcomp>")
        .unwrap();
    assert_eq!(cov.codes[ci].calls, 1);
    assert_eq!(cov.codes[ci].executed(), 14);
    // the unconditional JUMP_BACKWARD has no branch counts
    let jb = &dis.codes[ci].instructions[12];
    assert_eq!(jb.opname, "JUMP_BACKWARD");
    assert!(!is_conditional(jb));
    // text: the FOR_ITER line carries "1/3", the LOAD_FAST i line its values
    let text = cov.to_text(&dis);
    assert!(
        text.lines().any(|l| l.contains("FOR_ITER")
            && l.contains("1/3")
            && l.trim_start().starts_with('4')),
        "{text}"
    );
    assert!(text
        .lines()
        .any(|l| l.contains("(i)") && l.contains("; push 1 | 2 | 3")));
    let json = cov.to_json(&dis);
    assert_eq!(json["traces"], 1);
    assert_eq!(json["one_way_branches"].as_array().unwrap().len(), 0);
}

#[test]
fn merges_runs_and_caps_values() {
    let dis = dis();
    let a = listcomp_trace(&[1, 2, 3]);
    let b = listcomp_trace(&(10..30).collect::<Vec<_>>());
    let empty = listcomp_trace(&[]);
    let cov = fold(&dis, &[&a, &b, &empty]);
    assert_eq!(cov.traces, 3);
    let for_iter = at(&dis, &cov, "<listcomp>", 8);
    assert_eq!(for_iter.count, 4 + 21 + 1);
    assert_eq!((for_iter.taken, for_iter.not_taken), (3, 23));
    let load = at(&dis, &cov, "<listcomp>", 16);
    assert_eq!(load.count, 23);
    assert_eq!(load.values.len(), VALUE_CAP);
    assert!(load.values_more);
    // only the empty run: the loop was never entered, FOR_ITER always jumped
    let cov = fold(&dis, &[&empty]);
    let one_way = cov.one_way_branches(&dis);
    assert_eq!(one_way.len(), 1);
    assert_eq!(one_way[0].offset, 8);
    assert!(one_way[0].always_jumped);
}
