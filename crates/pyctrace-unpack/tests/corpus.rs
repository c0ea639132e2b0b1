//! Static unpacking of every committed layered sample recovers the layer
//! tree the generator recorded (scripts/layers/generate.py).

use std::path::{Path, PathBuf};
use std::process::Command;

use pyctrace_marshal::{read_pyc, ReadOptions};
use pyctrace_unpack::{sha256_hex, unpack_file, Options};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn layered_corpus_unpacks_statically() {
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(root().join("samples/layered/manifest.json")).expect("manifest"),
    )
    .expect("manifest json");
    let samples = manifest["samples"].as_array().expect("samples");
    assert!(samples.len() >= 40, "corpus too small: {}", samples.len());
    let mut ran = 0;
    for (i, sample) in samples.iter().enumerate() {
        let file = sample["file"].as_str().unwrap();
        let version = sample["version"].as_str().unwrap();
        let out =
            std::env::temp_dir().join(format!("pyctrace-unpack-test-{}-{i}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let input = root().join("samples/layered").join(file);
        let report = unpack_file(&input, &out, &Options::default(), None)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let want = sample["layers"].as_array().unwrap();
        assert_eq!(report.layers.len(), want.len(), "{file}: layer count");
        for (got, want) in report.layers.iter().zip(want) {
            let steps: Vec<&str> = want["decode_steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            assert_eq!(
                got.kind,
                want["kind"].as_str().unwrap(),
                "{file} layer {}",
                got.index
            );
            assert_eq!(got.steps, steps, "{file} layer {}", got.index);
            assert_eq!(
                got.parent as u64,
                want["parent"].as_u64().unwrap(),
                "{file}"
            );
            assert_eq!(
                got.payload_sha256,
                want["payload_sha256"].as_str().unwrap(),
                "{file}"
            );
            assert_eq!(
                got.constant_sha256,
                want["constant_sha256"].as_str().unwrap(),
                "{file}"
            );
        }
        let interp = pyctrace_unpack_test_interp(version);
        let last = report.layers.last().unwrap();
        let innermost = out.join(&last.file);
        if last.kind == "marshal" {
            let bytes = std::fs::read(&innermost).unwrap();
            let pyc = read_pyc(&bytes, &ReadOptions::default()).expect("innermost loads");
            assert_eq!(pyc.version.to_string(), version, "{file}");
        }
        if let Some(exe) = interp {
            // Every layer was compiled (source) or parsed (marshal) and the last is final.
            for l in &report.layers {
                assert!(
                    l.stopped.is_none(),
                    "{file} layer {}: {:?}",
                    l.index,
                    l.stopped
                );
            }
            assert!(last.is_final, "{file}: innermost not marked final");
            let run = Command::new(&exe)
                .arg(&innermost)
                .current_dir(root())
                .stdin(std::process::Stdio::null())
                .output()
                .expect("run interpreter");
            assert!(
                run.status.success(),
                "{file}: {}",
                String::from_utf8_lossy(&run.stderr)
            );
            assert_eq!(
                sha256_hex(&run.stdout),
                sample["stdout_sha256"].as_str().unwrap(),
                "{file}: innermost layer prints something else"
            );
            ran += 1;
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    eprintln!(
        "{} samples unpacked, {ran} innermost layers run",
        samples.len()
    );
}

fn pyctrace_unpack_test_interp(version: &str) -> Option<PathBuf> {
    let (a, b) = version.split_once('.')?;
    pyctrace_pythons::find(a.parse().ok()?, b.parse().ok()?).map(|i| i.executable)
}
