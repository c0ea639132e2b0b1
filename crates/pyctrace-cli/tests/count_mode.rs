//! `pyctrace trace --engine cpython --count` counts ops of the code object
//! seen last without reading the frame (a fast path for benchmarks). Its
//! counts must equal those of the full JSONL trace of the same run, per
//! event kind, on every installed interpreter, for programs that move
//! between many code objects (calls, generators, exceptions, classes).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn pyctrace() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pyctrace"))
}

/// (op, call, return, exception) from the `--count` report on stderr.
fn counted(stderr: &str) -> Option<[u64; 4]> {
    let line = stderr.lines().find(|l| l.starts_with("pyctrace: "))?;
    let inner = line.split_once('(')?.1.trim_end_matches(')');
    let mut out = [0u64; 4];
    for (slot, part) in out.iter_mut().zip(inner.split(", ")) {
        *slot = part.split_whitespace().next()?.parse().ok()?;
    }
    Some(out)
}

fn jsonl_counts(text: &str) -> [u64; 4] {
    let mut out = [0u64; 4];
    for line in text.lines() {
        let slot = if line.contains("\"ev\":\"op\"") {
            0
        } else if line.contains("\"ev\":\"call\"") {
            1
        } else if line.contains("\"ev\":\"return\"") {
            2
        } else if line.contains("\"ev\":\"exception\"") {
            3
        } else {
            continue;
        };
        out[slot] += 1;
    }
    out
}

#[test]
fn count_mode_equals_full_trace() {
    let interps: Vec<_> = pyctrace_pythons::installed()
        .into_iter()
        .filter(|i| i.libpython.is_some())
        .collect();
    if interps.is_empty() {
        eprintln!("no CPython with a shared libpython: count-mode test skipped");
        return;
    }
    pyctrace_pythons::announce("count mode vs JSONL", &interps.iter().collect::<Vec<_>>());
    let programs = ["calls.py", "generators.py", "exceptions.py", "classes.py"];
    let scratch = std::env::temp_dir().join(format!("pyctrace-count-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut checked = 0;
    for interp in &interps {
        for name in programs {
            let src = root().join("tests/programs/trace").join(name);
            if !src.exists() {
                continue;
            }
            let pyc = scratch.join(format!("{name}-{}.pyc", interp.short_version()));
            let compiled = Command::new(&interp.executable)
                .args([
                    "-c",
                    "import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3], doraise=True)",
                ])
                .arg(&src)
                .arg(&pyc)
                .arg(name)
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !compiled {
                continue; // a program written for a newer syntax
            }
            let jsonl = scratch.join("t.jsonl");
            let full = pyctrace()
                .args(["trace", "--engine", "cpython", "--format", "jsonl", "-o"])
                .arg(&jsonl)
                .arg(&pyc)
                .output()
                .unwrap();
            let count = pyctrace()
                .args(["trace", "--engine", "cpython", "--count"])
                .arg(&pyc)
                .output()
                .unwrap();
            assert_eq!(
                full.status.code(),
                count.status.code(),
                "{name} @ {}",
                interp.short_version()
            );
            let want = jsonl_counts(&std::fs::read_to_string(&jsonl).unwrap());
            let got = counted(&String::from_utf8_lossy(&count.stderr)).unwrap_or_else(|| {
                panic!("no count report for {name} @ {}", interp.short_version())
            });
            assert_eq!(
                got,
                want,
                "{name} @ {}: (op, call, return, exception)",
                interp.short_version()
            );
            assert!(want[0] > 0);
            checked += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!("count mode equals the JSONL trace on {checked} (program, version) pairs");
    assert!(checked > 0);
}
