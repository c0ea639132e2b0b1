//! `pyctrace analyze FILE -o DIR [--engine cpython] [--python X.Y|PATH] [-- ARGS]`
//!
//! The one command an analyst runs first. Writes into DIR:
//! `info.txt`/`info.json`, `dis.txt` (unreachable instructions marked
//! `xx`), with `--engine cpython` a `trace.jsonl` of one run (program
//! output in `stdout.txt`/`stderr.txt`) folded into `cover.txt`/
//! `cover.json`, the deobfuscated `deobf.pyc` with `deobf.dis.txt` and
//! `deobf.report.json`, and `summary.md` (also printed on stdout).
//!
//! Nothing runs without `--engine cpython`, which runs the program for
//! real (NO SANDBOX). The trace is taken by a child `pyctrace trace`
//! process: a program that calls `sys.exit` ends that process, not this
//! one.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::anyhow;
use clap::Args as ClapArgs;
use pyctrace_cover::Coverage;
use pyctrace_dis::{disassemble_pyc, to_text, Disassembly, TextOptions, Unreachable};

use super::run::{pick_interpreter, Engine};
use crate::load::read_file;
use crate::Failure;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The .pyc to analyse.
    file: PathBuf,
    /// Directory to write the results into (created if needed).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    output: PathBuf,
    /// Run and trace the program with this engine. `cpython` runs it for
    /// real in an installed interpreter: NO SANDBOX. Without it only the
    /// static parts are done.
    #[arg(long, value_enum)]
    engine: Option<Engine>,
    /// Interpreter for `--engine cpython` (X.Y or a path; default: the
    /// .pyc's version).
    #[arg(long, value_name = "X.Y|PATH")]
    python: Option<String>,
    /// Arguments for the program (`sys.argv[1:]`), after `--`.
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<OsString>,
}

fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) -> Result<(), Failure> {
    let path = dir.join(name);
    std::fs::write(&path, data)
        .map_err(|e| Failure::Input(anyhow!("cannot write {}: {e}", path.display())))
}

/// What the run of the program gave.
struct RunResult {
    status: Option<i32>,
    stdout_bytes: usize,
    stdout_head: String,
    trace_records: usize,
}

/// Junk statistics of a disassembly.
#[derive(Default)]
struct Junk {
    unreachable_bytes: usize,
    unreachable_ins: usize,
    undefined_ops: usize,
    bad_args: usize,
    notes: usize,
}

fn junk(dis: &Disassembly) -> Junk {
    let mut j = Junk::default();
    for code in &dis.codes {
        j.unreachable_bytes += code.unreachable_bytes;
        j.notes += code.notes.len();
        for ins in code.instructions.iter().filter(|i| !i.reachable) {
            j.unreachable_ins += 1;
            j.undefined_ops += usize::from(ins.mnemonic.is_none());
            j.bad_args += usize::from(ins.bad_arg);
        }
    }
    j
}

fn self_exe() -> Result<PathBuf, Failure> {
    std::env::current_exe().map_err(|e| Failure::Input(anyhow!("cannot find pyctrace itself: {e}")))
}

/// `pyctrace info [--json] FILE` into DIR/NAME.
fn info(file: &Path, dir: &Path, json: bool, name: &str, notes: &mut Vec<String>) {
    let mut cmd = Command::new(match self_exe() {
        Ok(p) => p,
        Err(_) => return,
    });
    cmd.arg("info");
    if json {
        cmd.arg("--json");
    }
    match cmd.arg(file).stdin(Stdio::null()).output() {
        Ok(out) => {
            if let Err(e) = std::fs::write(dir.join(name), &out.stdout) {
                notes.push(format!("{name}: cannot write: {e}"));
            }
            if !out.status.success() {
                notes.push(format!(
                    "{name}: `pyctrace info` failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        Err(e) => notes.push(format!("{name}: cannot run pyctrace info: {e}")),
    }
}

pub fn run(args: Args) -> Result<(), Failure> {
    let bytes = read_file(&args.file)?;
    let pyc = pyctrace_marshal::read_pyc(&bytes, &Default::default()).map_err(|e| {
        Failure::Input(anyhow!(
            "{}: {e} (offset {:#x})",
            args.file.display(),
            e.offset()
        ))
    })?;
    let dir = &args.output;
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Input(anyhow!("cannot create {}: {e}", dir.display())))?;
    let mut notes: Vec<String> = pyc.problems.iter().map(|p| format!("load: {p}")).collect();
    let mut files: Vec<&str> = Vec::new();

    // static: info, disassembly
    info(&args.file, dir, false, "info.txt", &mut notes);
    info(&args.file, dir, true, "info.json", &mut notes);
    files.extend(["info.txt", "info.json"]);
    let dis = disassemble_pyc(&pyc);
    let marked = TextOptions {
        unreachable: Unreachable::Mark,
        show_offsets: true,
    };
    write(dir, "dis.txt", to_text(&dis, &marked))?;
    files.push("dis.txt");
    let junk = junk(&dis);

    // dynamic: one traced run, only when asked for
    let trace_path = dir.join("trace.jsonl");
    let _ = std::fs::remove_file(&trace_path);
    let mut run_result: Option<RunResult> = None;
    let trace_note = match args.engine {
        None => "no trace taken: nothing was run (pass `--engine cpython` to run the program for real in an installed interpreter, NO SANDBOX)".to_string(),
        Some(Engine::Vm) => "no trace taken: the vm engine is not implemented yet (`--engine cpython` runs the program for real, NO SANDBOX)".to_string(),
        Some(Engine::Cpython) => {
            let version = (pyc.version.major, pyc.version.minor);
            match pick_interpreter(version, args.python.as_deref()) {
                Err(Failure::Input(e)) => format!("no trace taken: {e}"),
                Err(Failure::Program(_)) => "no trace taken".to_string(),
                Ok(interp) => {
                    let r = trace(&args, dir, &trace_path)?;
                    files.extend(["trace.jsonl", "stdout.txt", "stderr.txt"]);
                    let note = format!(
                        "traced one run with the cpython engine ({}, {}; NO SANDBOX): {} records, program exit status {}",
                        interp.full_version,
                        interp.executable.display(),
                        r.trace_records,
                        r.status.map_or("killed by a signal".to_string(), |s| s.to_string())
                    );
                    run_result = Some(r);
                    note
                }
            }
        }
    };

    // coverage
    let coverage: Option<Coverage> = if trace_path.is_file() {
        let cov = super::cover::fold_files(&dis, std::slice::from_ref(&trace_path))?;
        write(dir, "cover.txt", cov.to_text(&dis))?;
        write(
            dir,
            "cover.json",
            serde_json::to_string_pretty(&cov.to_json(&dis)).unwrap_or_default() + "\n",
        )?;
        files.extend(["cover.txt", "cover.json"]);
        Some(cov)
    } else {
        None
    };

    // deobfuscation
    let deobf = match pyctrace_deobf::deobfuscate(&pyc, &pyctrace_deobf::Options::default()) {
        Ok((out, report)) => {
            write(dir, "deobf.pyc", &out)?;
            let mut json = report.to_json();
            if let Some(cov) = &coverage {
                json["trace"] = super::cover::trace_facts(&dis, cov);
            }
            write(
                dir,
                "deobf.report.json",
                serde_json::to_string_pretty(&json).unwrap_or_default() + "\n",
            )?;
            files.extend(["deobf.pyc", "deobf.report.json"]);
            match pyctrace_marshal::read_pyc(&out, &Default::default()) {
                Ok(clean) => {
                    let cdis = disassemble_pyc(&clean);
                    write(dir, "deobf.dis.txt", to_text(&cdis, &marked))?;
                    files.push("deobf.dis.txt");
                    let cjunk = self::junk(&cdis);
                    Some((report, cdis.codes.len(), cjunk))
                }
                Err(e) => {
                    notes.push(format!("deobf.pyc does not load back: {e}"));
                    Some((report, 0, Junk::default()))
                }
            }
        }
        Err(e) => {
            notes.push(format!("deobf failed: {e}"));
            None
        }
    };

    // summary
    let mut s = String::new();
    let _ = writeln!(s, "# pyctrace analyze: {}\n", args.file.display());
    let _ = writeln!(s, "- Python version: {}", pyc.version);
    let _ = writeln!(s, "- code objects: {}", dis.codes.len());
    let total_ins: usize = dis.codes.iter().map(|c| c.instructions.len()).sum();
    let _ = writeln!(s, "- instructions: {total_ins}");
    let _ = writeln!(
        s,
        "- unreachable: {} bytes, {} instructions ({} undefined opcodes, {} out-of-range arguments); {} anomaly notes (see dis.txt, `xx` marks)",
        junk.unreachable_bytes, junk.unreachable_ins, junk.undefined_ops, junk.bad_args, junk.notes
    );
    let _ = writeln!(s, "\n## Run and trace\n\n{trace_note}");
    if let Some(r) = &run_result {
        let _ = writeln!(
            s,
            "\nstdout ({} bytes, stdout.txt){}",
            r.stdout_bytes,
            if r.stdout_head.is_empty() {
                ":  (empty)"
            } else {
                ":"
            }
        );
        if !r.stdout_head.is_empty() {
            let _ = writeln!(s, "\n```\n{}\n```", r.stdout_head.trim_end());
        }
    }
    let _ = writeln!(s, "\n## Coverage\n");
    match &coverage {
        None => {
            let _ = writeln!(s, "none: no trace was taken.");
        }
        Some(cov) => {
            let (executed, total) = cov.totals();
            let one_way = cov.one_way_branches(&dis);
            let _ = writeln!(
                s,
                "{executed}/{total} instructions executed ({} ops folded, {} records of other code, {} unmatched); {} conditional branch(es) always went one way:",
                cov.ops, cov.foreign, cov.unmatched, one_way.len()
            );
            for b in one_way.iter().take(40) {
                let code = &dis.codes[b.code];
                let _ = writeln!(
                    s,
                    "- `{}` @{} {} (line {}): ran {}, never {}",
                    code.qualname.as_deref().unwrap_or(&code.name),
                    b.offset,
                    b.opname,
                    b.line.map_or("-".to_string(), |l| l.to_string()),
                    b.count,
                    if b.always_jumped {
                        "fell through"
                    } else {
                        "jumped"
                    }
                );
            }
            if one_way.len() > 40 {
                let _ = writeln!(s, "- ... {} more in cover.json", one_way.len() - 40);
            }
        }
    }
    let _ = writeln!(s, "\n## Deobfuscation\n");
    match &deobf {
        None => {
            let _ = writeln!(s, "failed (see notes).");
        }
        Some((report, ncodes, cjunk)) => {
            let before: usize = report.codes.iter().map(|c| c.instructions_before).sum();
            let after: usize = report.codes.iter().map(|c| c.instructions_after).sum();
            let kept = report.codes.iter().filter(|c| c.kept.is_some()).count();
            let _ = writeln!(
                s,
                "{} code objects: instructions {before} -> {after}; {kept} kept as they were; deobf.pyc has {ncodes} code objects, {} unreachable bytes.",
                report.codes.len(),
                cjunk.unreachable_bytes
            );
            let mut per_pass: Vec<(String, usize)> = Vec::new();
            for c in &report.codes {
                for (name, changes) in &c.passes {
                    match per_pass.iter_mut().find(|(n, _)| n == name) {
                        Some(e) => e.1 += changes.len(),
                        None => per_pass.push((name.clone(), changes.len())),
                    }
                }
            }
            for (name, n) in &per_pass {
                let _ = writeln!(s, "- {name}: {n} change(s)");
            }
            for c in report.codes.iter().filter(|c| c.kept.is_some()) {
                let _ = writeln!(
                    s,
                    "- kept `{}`: {}",
                    c.path,
                    c.kept.as_deref().unwrap_or("")
                );
            }
            if coverage.is_some() {
                let _ = writeln!(
                    s,
                    "- trace facts (never-taken branches, values seen) are in deobf.report.json under \"trace\"; nothing was folded from them"
                );
            }
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(s, "\n## Notes\n");
        for n in &notes {
            let _ = writeln!(s, "- {n}");
        }
    }
    files.push("summary.md");
    let _ = writeln!(s, "\n## Files\n\n{}", files.join(", "));
    write(dir, "summary.md", &s)?;
    print!("{s}");
    Ok(())
}

/// Runs `pyctrace trace FILE --engine cpython --format jsonl -o TRACE`
/// as a child, its stdout/stderr into DIR/stdout.txt and DIR/stderr.txt.
fn trace(args: &Args, dir: &Path, trace_path: &Path) -> Result<RunResult, Failure> {
    let mut cmd = Command::new(self_exe()?);
    cmd.args(["trace", "--engine", "cpython", "--format", "jsonl", "-o"])
        .arg(trace_path);
    if let Some(p) = &args.python {
        cmd.arg("--python").arg(p);
    }
    cmd.arg(&args.file);
    if !args.args.is_empty() {
        cmd.arg("--").args(&args.args);
    }
    let out = cmd
        .stdin(Stdio::inherit())
        .output()
        .map_err(|e| Failure::Input(anyhow!("cannot run pyctrace trace: {e}")))?;
    write(dir, "stdout.txt", &out.stdout)?;
    write(dir, "stderr.txt", &out.stderr)?;
    let records = std::fs::read(trace_path)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&out.stdout);
    let head: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
    Ok(RunResult {
        status: out.status.code(),
        stdout_bytes: out.stdout.len(),
        stdout_head: head,
        trace_records: records,
    })
}
