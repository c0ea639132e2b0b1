//! Differential test against every installed CPython: its whole standard
//! library compiled to .pyc (timestamp, checked-hash and unchecked-hash),
//! and for every file
//! - the strict reader accepts it and the header names the interpreter's version,
//! - writing the tree back gives the same bytes,
//! - the tree, refs resolved, equals what that interpreter's own
//!   `marshal.loads` returns (compared as oracle JSON).

use pyctrace_marshal::oracle::pyc_to_json;
use pyctrace_marshal::{read_pyc, write_pyc, PyVersion, ReadOptions};
use pyctrace_pythons::corpus::{oracle_marshal_json, stdlib_corpus};
use pyctrace_version::PycKind;

#[derive(Default, Debug)]
struct Counts {
    files: usize,
    hash_based: usize,
    round_trip: usize,
    version_ok: usize,
    oracle_equal: usize,
    failures: Vec<String>,
}

fn check_version(interp: &pyctrace_pythons::Interpreter) -> Counts {
    let mut counts = Counts::default();
    let corpus = match stdlib_corpus(interp) {
        Ok(c) => c,
        Err(e) => {
            counts.failures.push(format!("corpus build failed: {e}"));
            return counts;
        }
    };
    let want = PyVersion::new(interp.version.0, interp.version.1);
    for chunk in corpus.files.chunks(400) {
        let oracle = match oracle_marshal_json(interp, chunk) {
            Ok(o) => o,
            Err(e) => {
                counts.failures.push(format!("oracle failed: {e}"));
                continue;
            }
        };
        for (path, record) in chunk.iter().zip(oracle) {
            counts.files += 1;
            let fail = |counts: &mut Counts, what: String| {
                if counts.failures.len() < 20 {
                    counts.failures.push(format!("{}: {what}", path.display()));
                }
            };
            let bytes = std::fs::read(path).expect("corpus file readable");
            let pyc = match read_pyc(&bytes, &ReadOptions::default()) {
                Ok(p) => p,
                Err(e) => {
                    fail(&mut counts, format!("read failed: {e}"));
                    continue;
                }
            };
            let header = pyc.header.as_ref().expect("pyc has a header");
            let in_hash_dir = |dir: &str| path.components().any(|c| c.as_os_str() == dir);
            let kind_ok = match header.kind {
                PycKind::Hash { checked: true, .. } => in_hash_dir("checked-hash"),
                PycKind::Hash { checked: false, .. } => in_hash_dir("unchecked-hash"),
                PycKind::Timestamp { .. } => {
                    !in_hash_dir("checked-hash") && !in_hash_dir("unchecked-hash")
                }
            };
            if matches!(header.kind, PycKind::Hash { .. }) {
                counts.hash_based += 1;
            }
            if header.version == want && kind_ok {
                counts.version_ok += 1;
            } else {
                fail(
                    &mut counts,
                    format!("header says {} {:?}", header.version, header.kind),
                );
            }
            match write_pyc(&pyc) {
                Ok(out) if out == bytes => counts.round_trip += 1,
                Ok(out) => fail(
                    &mut counts,
                    format!("rewrite differs ({} vs {} bytes)", out.len(), bytes.len()),
                ),
                Err(e) => fail(&mut counts, format!("write failed: {e}")),
            }
            let ours = pyc_to_json(&pyc);
            match (ours, record.value) {
                (Ok(a), Ok(b)) if a == b => counts.oracle_equal += 1,
                (Ok(a), Ok(b)) => fail(&mut counts, first_difference(&a, &b, String::new())),
                (Err(e), _) => fail(&mut counts, format!("our JSON failed: {e}")),
                (_, Err(e)) => fail(&mut counts, format!("CPython could not load it: {e}")),
            }
        }
    }
    counts
}

/// Where two JSON trees first differ, as a path.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: String) -> String {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) if va != vb => return first_difference(va, vb, format!("{path}.{k}")),
                    None => return format!("{path}.{k}: only ours has it"),
                    _ => {}
                }
            }
            format!(
                "{path}: keys differ: ours {:?} theirs {:?}",
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>()
            )
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                if va != vb {
                    return first_difference(va, vb, format!("{path}[{i}]"));
                }
            }
            format!("{path}: equal?")
        }
        _ => {
            let cut = |v: &Value| v.to_string().chars().take(200).collect::<String>();
            format!("{path}: ours {} theirs {}", cut(a), cut(b))
        }
    }
}

#[test]
fn stdlib_round_trip_and_oracle_equality() {
    let interps = pyctrace_pythons::installed();
    let used: Vec<_> = interps.iter().collect();
    pyctrace_pythons::announce("stdlib marshal round trip", &used);
    if interps.is_empty() {
        eprintln!("no interpreters installed: differential marshal test skipped");
        return;
    }
    let results: Vec<(String, Counts)> = std::thread::scope(|scope| {
        let handles: Vec<_> = interps
            .iter()
            .map(|interp| scope.spawn(move || (interp.full_version.clone(), check_version(interp))))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let mut all_ok = true;
    eprintln!(
        "{:<10} {:>6} {:>6} {:>10} {:>8} {:>8}",
        "version", "files", "hash", "roundtrip", "version", "oracle"
    );
    for (version, c) in &results {
        eprintln!(
            "{:<10} {:>6} {:>6} {:>10} {:>8} {:>8}",
            version, c.files, c.hash_based, c.round_trip, c.version_ok, c.oracle_equal
        );
        for f in &c.failures {
            eprintln!("  FAIL {f}");
        }
        let ok = c.files > 500
            && c.failures.is_empty()
            && c.round_trip == c.files
            && c.version_ok == c.files
            && c.oracle_equal == c.files;
        all_ok &= ok;
    }
    assert!(all_ok, "stdlib differential test failed (see table above)");
}
