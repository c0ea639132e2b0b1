//! Benchmark (not a test): `cargo bench -p pyctrace-deobf --bench deobf`.
//!
//! 1. deobfuscation of the largest module of the 3.11 standard library
//!    (compiled by `pyctrace_pythons::corpus::stdlib_corpus`; skipped when
//!    no 3.11 is installed);
//! 2. deobfuscation of every file of the protected corpus
//!    (`samples/protected/`).
//!
//! Prints the time per file (best of a few runs for the stdlib module,
//! mean and worst for the corpus) against the goal of 1 s per file.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pyctrace_deobf::{deobfuscate_pyc, Options};

fn time_one(bytes: &[u8]) -> (Duration, usize, usize) {
    let t = Instant::now();
    let (out, report) = deobfuscate_pyc(bytes, &Options::default()).expect("deobf");
    let d = t.elapsed();
    let kept = report.codes.iter().filter(|c| c.kept.is_some()).count();
    std::hint::black_box(out);
    (d, report.codes.len(), kept)
}

fn pycs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            pycs(&p, out);
        } else if p.extension().is_some_and(|x| x == "pyc") {
            out.push(p);
        }
    }
}

fn main() {
    let goal = Duration::from_secs(1);
    let mut worst_overall = Duration::ZERO;

    // 1. the largest 3.11 stdlib module
    match pyctrace_pythons::find(3, 11) {
        None => println!("stdlib 3.11: no interpreter installed, skipped"),
        Some(interp) => match pyctrace_pythons::corpus::stdlib_corpus(&interp) {
            Err(e) => println!("stdlib 3.11: corpus unavailable ({e}), skipped"),
            Ok(corpus) => {
                let largest = corpus
                    .files
                    .iter()
                    .filter(|p| {
                        !p.components()
                            .any(|c| c.as_os_str().to_string_lossy().contains("hash"))
                    })
                    .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
                    .expect("a file");
                let bytes = std::fs::read(largest).unwrap();
                let mut best = Duration::MAX;
                let mut info = (0, 0);
                for _ in 0..5 {
                    let (d, n, k) = time_one(&bytes);
                    best = best.min(d);
                    info = (n, k);
                }
                worst_overall = worst_overall.max(best);
                println!(
                    "stdlib 3.11 largest module: {} ({} bytes, {} code objects, {} kept): {:.1} ms (best of 5)",
                    largest.strip_prefix(&corpus.root).unwrap_or(largest).display(),
                    bytes.len(),
                    info.0,
                    info.1,
                    best.as_secs_f64() * 1e3
                );
            }
        },
    }

    // 2. the protected corpus
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/protected");
    let mut files = Vec::new();
    pycs(&root, &mut files);
    files.sort();
    let mut total = Duration::ZERO;
    let mut worst = (Duration::ZERO, PathBuf::new());
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let (d, _, _) = time_one(&bytes);
        total += d;
        if d > worst.0 {
            worst = (d, f.clone());
        }
    }
    worst_overall = worst_overall.max(worst.0);
    if !files.is_empty() {
        println!(
            "protected corpus: {} files, total {:.1} ms, mean {:.2} ms/file, worst {:.2} ms ({})",
            files.len(),
            total.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3 / files.len() as f64,
            worst.0.as_secs_f64() * 1e3,
            worst.1.strip_prefix(&root).unwrap_or(&worst.1).display()
        );
    }
    println!(
        "goal < 1 s per file: {}",
        if worst_overall < goal {
            "met"
        } else {
            "NOT met"
        }
    );
}
