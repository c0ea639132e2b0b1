//! The protected corpus (samples/protected, made by scripts/protect): the
//! `pyctrace dis` command exits 0 on every sample, where CPython's own dis
//! (as recorded in the manifest, which `generate.py --check` re-measures)
//! fails on many; and junk planted after unconditional transfers is never
//! reachable in our traversal.

use std::path::Path;
use std::process::Command;

use pyctrace_marshal::{read_pyc, ReadOptions};

fn samples_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/protected")
}

#[test]
fn dis_never_fails_on_the_protected_corpus() {
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(samples_dir().join("manifest.json")).expect("manifest"),
    )
    .unwrap();
    let samples = manifest["samples"].as_array().expect("samples");
    assert!(samples.len() >= 200, "corpus present");
    let mut ours_ok = 0;
    let mut cpython_fails = 0;
    let mut per_version: std::collections::BTreeMap<String, (usize, usize, usize)> =
        Default::default();
    for sample in samples {
        let file = samples_dir().join(sample["file"].as_str().unwrap());
        let out = Command::new(env!("CARGO_BIN_EXE_pyctrace"))
            .arg("dis")
            .arg(&file)
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let entry = per_version
            .entry(sample["version"].as_str().unwrap().to_string())
            .or_default();
        entry.0 += 1;
        if out.status.success() && !stdout.is_empty() {
            ours_ok += 1;
            entry.1 += 1;
        } else {
            eprintln!(
                "FAIL {}: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if sample["cpython_dis_every_code_object_crashes"].as_bool() == Some(true) {
            cpython_fails += 1;
            entry.2 += 1;
        }
    }
    eprintln!(
        "{:<8} {:>8} {:>14} {:>18}",
        "version", "samples", "pyctrace ok", "CPython dis fails"
    );
    for (v, (n, ok, fails)) in &per_version {
        eprintln!("{v:<8} {n:>8} {ok:>14} {fails:>18}");
    }
    eprintln!(
        "total: pyctrace dis exits 0 on {ours_ok}/{}; CPython's dis fails on {cpython_fails}",
        samples.len()
    );
    assert_eq!(ours_ok, samples.len());
    assert!(
        cpython_fails > 0,
        "the corpus is hostile enough to break CPython's dis"
    );
}

#[test]
fn planted_junk_is_unreachable() {
    // In the `junk` set the only change is bytes after RETURN/jumps/raise:
    // every undefined opcode and out-of-range argument must be unreachable,
    // and every sample must have some unreachable bytes.
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(samples_dir().join("manifest.json")).expect("manifest"),
    )
    .unwrap();
    let mut checked = 0;
    for sample in manifest["samples"].as_array().unwrap() {
        if sample["protection_set"] != "junk" {
            continue;
        }
        let file = samples_dir().join(sample["file"].as_str().unwrap());
        let bytes = std::fs::read(&file).unwrap();
        let pyc = read_pyc(&bytes, &ReadOptions::default()).expect("loads strictly");
        let dis = pyctrace_dis::disassemble_pyc(&pyc);
        let mut unreachable = 0;
        for code in &dis.codes {
            unreachable += code.unreachable_bytes;
            for ins in &code.instructions {
                if ins.mnemonic.is_none() || ins.bad_arg {
                    assert!(
                        !ins.reachable,
                        "{}: {} at {} in {} is junk but reachable",
                        file.display(),
                        ins.opname,
                        ins.offset,
                        code.name
                    );
                }
            }
        }
        assert!(unreachable > 0, "{}: junk found", file.display());
        checked += 1;
    }
    assert!(checked >= 30, "junk samples for every version: {checked}");
}
