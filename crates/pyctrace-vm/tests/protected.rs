//! Protected samples (samples/protected/<ver>/*.pyc): junk after
//! unconditional jumps (undefined opcodes, out-of-range indexes, jumps
//! outside the code, stray EXTENDED_ARG), jump spaghetti, call chains,
//! opaque predicates, garbage names. CPython never runs the junk, so neither
//! may the VM: every 3.8-3.13 sample must print the manifest's
//! `expected_stdout` (what the unprotected program prints). Prints the
//! version x protection-set matrix.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

/// Samples whose program uses a feature the VM does not support yet:
/// (file, why). Empty: every 3.8-3.13 sample runs.
const UNSUPPORTED: &[(&str, &str)] = &[];

const VERSIONS: &[&str] = &["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"];

#[test]
fn protected_samples_print_expected_stdout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/protected");
    let text = std::fs::read_to_string(root.join("manifest.json")).expect("manifest.json");
    let manifest = serde_json::from_str::<serde_json::Value>(&text).expect("manifest.json parses");
    let samples = manifest
        .get("samples")
        .and_then(|s| s.as_array())
        .expect("samples");
    let sets: Vec<String> = match manifest.get("protection_sets") {
        Some(serde_json::Value::Object(o)) => o.keys().cloned().collect(),
        _ => Vec::new(),
    };
    // (version, set) -> (passed, total)
    let mut cells: BTreeMap<(String, String), (u32, u32)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut expected_failures = Vec::new();
    let mut ran = 0;
    for s in samples {
        let file = s.get("file").and_then(|f| f.as_str()).expect("file");
        let version = file.split('/').next().unwrap_or("");
        if !VERSIONS.contains(&version) {
            continue;
        }
        let set = s
            .get("protection_set")
            .and_then(|f| f.as_str())
            .unwrap_or("?");
        let expected = s
            .get("expected_stdout")
            .and_then(|f| f.as_str())
            .expect("expected_stdout");
        let pyc = std::fs::read(root.join(file)).expect("read sample");
        let (stdout, stderr, status) = common::vm_run(&pyc, Some(50_000_000));
        ran += 1;
        let ok = stdout == expected && status == Ok(0);
        let cell = cells
            .entry((version.to_string(), set.to_string()))
            .or_default();
        cell.1 += 1;
        if ok {
            cell.0 += 1;
        } else {
            let why = format!(
                "{}: status {:?}; stderr tail: {}",
                file,
                status,
                stderr.lines().last().unwrap_or("")
            );
            if UNSUPPORTED.iter().any(|(f, _)| *f == file) {
                expected_failures.push(why);
            } else {
                failures.push(why);
            }
        }
    }
    let mut out = format!("{:<8}", "version");
    for set in &sets {
        out.push_str(&format!(" {:>10}", set));
    }
    out.push('\n');
    for v in VERSIONS {
        out.push_str(&format!("{:<8}", v));
        for set in &sets {
            let cell = match cells.get(&(v.to_string(), set.clone())) {
                Some((p, t)) => format!("{}/{}", p, t),
                None => "-".into(),
            };
            out.push_str(&format!(" {:>10}", cell));
        }
        out.push('\n');
    }
    let passed: u32 = cells.values().map(|c| c.0).sum();
    eprintln!(
        "protected samples under the vm (passed/total per version x protection set):\n{}total {}/{}",
        out, passed, ran
    );
    for (f, why) in UNSUPPORTED {
        eprintln!("  unsupported: {}: {}", f, why);
    }
    for f in &expected_failures {
        eprintln!("  (expected) {}", f);
    }
    assert!(ran > 0, "no 3.8-3.13 samples in the manifest");
    assert!(
        failures.is_empty(),
        "failing samples:\n{}",
        failures.join("\n")
    );
}
