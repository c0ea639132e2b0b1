//! Load (and load + write) the whole compiled 3.11 standard library, beside
//! CPython 3.11's own `marshal.loads` (and `loads` + `dumps`) over the same
//! bytes. Run: `cargo bench -p pyctrace-marshal --bench stdlib_corpus`.
//! Best of N rounds, wall clock; both sides hold every file in memory first.

use std::path::Path;
use std::time::{Duration, Instant};

use pyctrace_marshal::{read_pyc, write_pyc, ReadOptions};

const ROUNDS: usize = 7;

fn best(mut f: impl FnMut()) -> Duration {
    (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let version = std::env::var("PYCTRACE_BENCH_VERSION").unwrap_or_else(|_| "3.11".into());
    let (major, minor) = version
        .split_once('.')
        .map(|(a, b)| (a.parse().unwrap(), b.parse().unwrap()))
        .unwrap();
    let Some(interp) = pyctrace_pythons::find(major, minor) else {
        eprintln!("no Python {version} installed: benchmark skipped");
        return;
    };
    pyctrace_pythons::announce("marshal benchmark", &[&interp]);
    let corpus = pyctrace_pythons::corpus::stdlib_corpus(&interp).expect("corpus");
    let files: Vec<Vec<u8>> = corpus
        .files
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect();
    let body_bytes: usize = files.iter().map(|f| f.len() - 16).sum();
    let mb = body_bytes as f64 / 1e6;

    let options = ReadOptions::default();
    let load = best(|| {
        for f in &files {
            std::hint::black_box(read_pyc(f, &options).expect("loads"));
        }
    });
    let load_write = best(|| {
        for f in &files {
            let pyc = read_pyc(f, &options).expect("loads");
            std::hint::black_box(write_pyc(&pyc).expect("writes"));
        }
    });

    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/bench/marshal_loads.py"
    );
    let rounds = ROUNDS.to_string();
    let theirs =
        pyctrace_pythons::run_json_script(&interp, Path::new(script), &[&rounds], &corpus.files)
            .expect("measurement script runs");
    assert_eq!(
        theirs["bytes"].as_u64(),
        Some(body_bytes as u64),
        "both sides read the same bytes"
    );
    let py_load = theirs["load_s"].as_f64().unwrap();
    let py_both = theirs["load_dump_s"].as_f64().unwrap();

    println!(
        "corpus: {} files, {:.1} MB of marshal data (Python {})",
        files.len(),
        mb,
        interp.full_version
    );
    println!(
        "pyctrace read_pyc            {:8.1} MB/s  ({:.3} s)",
        mb / load.as_secs_f64(),
        load.as_secs_f64()
    );
    println!(
        "CPython  marshal.loads       {:8.1} MB/s  ({:.3} s)",
        mb / py_load,
        py_load
    );
    println!(
        "pyctrace read + write        {:8.1} MB/s  ({:.3} s)",
        mb / load_write.as_secs_f64(),
        load_write.as_secs_f64()
    );
    println!(
        "CPython  loads + dumps       {:8.1} MB/s  ({:.3} s)",
        mb / py_both,
        py_both
    );
    println!(
        "ratio (ours / CPython): load {:.2}x, load+write {:.2}x",
        py_load / load.as_secs_f64(),
        py_both / load_write.as_secs_f64()
    );
}
