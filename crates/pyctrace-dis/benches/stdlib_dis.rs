//! Disassemble the whole compiled 3.11 standard library to text (a String
//! sink, like /dev/null), beside an in-process loop of CPython 3.11's own
//! `dis.dis` over the same code objects into a StringIO.
//! Run: `cargo bench -p pyctrace-dis --bench stdlib_dis`.
//! Ours includes loading each file (read_pyc) and dropping it; CPython's
//! loop gets its code objects unmarshalled beforehand (the dis phase alone
//! is reported too). Both single-threaded; rounds alternate between the
//! two, best of N (`PYCTRACE_BENCH_ROUNDS`), wall clock.

use std::path::Path;
use std::time::{Duration, Instant};

use pyctrace_marshal::{read_pyc, ReadOptions};

const ROUNDS: usize = 3;

/// Rounds to run: `PYCTRACE_BENCH_ROUNDS` (0 measures only the setup, for
/// instruction counts under callgrind), else [`ROUNDS`].
fn rounds() -> usize {
    std::env::var("PYCTRACE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS)
}

fn main() {
    let Some(interp) = pyctrace_pythons::find(3, 11) else {
        eprintln!("no Python 3.11 installed: benchmark skipped");
        return;
    };
    pyctrace_pythons::announce("dis benchmark", &[&interp]);
    let corpus = pyctrace_pythons::corpus::stdlib_corpus(&interp).expect("corpus");
    let files: Vec<Vec<u8>> = corpus
        .files
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect();
    let total: usize = files.iter().map(Vec::len).sum();

    let opts = pyctrace_dis::TextOptions::default();
    let mut chars = 0;
    // Phases, for the report: load, disassemble to text (into one reused
    // buffer, as writing to /dev/null through a buffered sink does), drop
    // the loaded tree. `pyctrace dis` streams the same way
    // (write_pyc_text_io); the model path (disassemble_pyc + write_text,
    // what the JSON output and the analyses use) is timed apart.
    let mut phases = [Duration::MAX; 3];
    let mut text = String::new();
    let mut ours_round = |chars: &mut usize| {
        let t = Instant::now();
        let mut round = [Duration::ZERO; 3];
        *chars = 0;
        for f in &files {
            let t0 = Instant::now();
            let pyc = read_pyc(f, &ReadOptions::default()).expect("loads");
            let t1 = Instant::now();
            text.clear();
            pyctrace_dis::write_pyc_text(&pyc, &opts, &mut text);
            *chars += std::hint::black_box(&text).len();
            let t2 = Instant::now();
            drop(pyc);
            let t3 = Instant::now();
            round[0] += t1 - t0;
            round[1] += t2 - t1;
            round[2] += t3 - t2;
        }
        for (p, r) in phases.iter_mut().zip(round) {
            *p = (*p).min(r);
        }
        t.elapsed()
    };
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/bench/dis_loop.py"
    );
    let ours_only = std::env::var_os("PYCTRACE_BENCH_OURS_ONLY").is_some();
    // Rounds alternate between ours and CPython's (one round per run of
    // the script), so that a machine whose load changes slows both alike;
    // the best round of each counts.
    let mut ours = Duration::MAX;
    let mut py = f64::INFINITY;
    let mut theirs_chars = serde_json::Value::Null;
    for _ in 0..rounds() {
        ours = ours.min(ours_round(&mut chars));
        if ours_only {
            continue;
        }
        let theirs =
            pyctrace_pythons::run_json_script(&interp, Path::new(script), &["1"], &corpus.files)
                .expect("measurement script runs");
        py = py.min(theirs["dis_s"].as_f64().expect("dis_s"));
        theirs_chars = theirs["chars"].clone();
    }
    // (PYCTRACE_BENCH_STREAM_ONLY: skipped, for instruction counts)
    let model_rounds = if std::env::var_os("PYCTRACE_BENCH_STREAM_ONLY").is_some() {
        0
    } else {
        rounds().min(1)
    };
    let model_path = (0..model_rounds)
        .map(|_| {
            let t = Instant::now();
            for f in &files {
                let pyc = read_pyc(f, &ReadOptions::default()).expect("loads");
                let dis = pyctrace_dis::disassemble_pyc(&pyc);
                text.clear();
                pyctrace_dis::write_text(&dis, &opts, &mut text).expect("format");
                std::hint::black_box(&text);
            }
            t.elapsed()
        })
        .min()
        .unwrap_or(Duration::ZERO);

    if ours_only {
        println!(
            "ours: {:.3} s (phases: {phases:?}; model path {:.3} s)",
            ours.as_secs_f64(),
            model_path.as_secs_f64()
        );
        return;
    }

    let mb = total as f64 / 1e6;
    println!(
        "corpus: {} files, {:.1} MB of .pyc (Python {})",
        files.len(),
        mb,
        interp.full_version
    );
    println!(
        "pyctrace load+dis  {:8.3} s  {:7.1} MB/s  {} chars of text",
        ours.as_secs_f64(),
        mb / ours.as_secs_f64(),
        chars
    );
    println!(
        "CPython dis.dis    {:8.3} s  {:7.1} MB/s  {} chars of text",
        py,
        mb / py,
        theirs_chars
    );
    println!(
        "phases (best): load {:.3} s, dis to text {:.3} s, drop {:.3} s",
        phases[0].as_secs_f64(),
        phases[1].as_secs_f64(),
        phases[2].as_secs_f64()
    );
    println!(
        "model path (disassemble_pyc + write_text, one round): {:.3} s",
        model_path.as_secs_f64()
    );
    println!("speed-up: {:.1}x", py / ours.as_secs_f64());
    println!(
        "speed-up of the dis phase alone (CPython's loop times only dis.dis too): {:.1}x",
        py / phases[1].as_secs_f64()
    );
}
