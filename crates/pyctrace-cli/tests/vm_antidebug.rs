//! The anti-debug programs of tests/programs/antidebug under the `vm`
//! engine: for every program x every installed 3.8-3.13, the real
//! interpreter prints "clean" untraced, and `pyctrace run` and
//! `pyctrace trace --engine vm -o T` print exactly what the real
//! interpreter prints untraced, with its exit status, the trace file
//! holding records. Prints the program x version matrix.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn pyctrace(args: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pyctrace"))
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("run pyctrace")
}

#[test]
fn antidebug_programs_print_their_untraced_output_in_the_vm() {
    let interps: Vec<_> = pyctrace_pythons::installed()
        .into_iter()
        .filter(|i| i.version.0 == 3 && (8..=13).contains(&i.version.1))
        .collect();
    if interps.is_empty() {
        eprintln!("no CPython 3.8-3.13 installed: vm anti-debug test skipped");
        return;
    }
    let used: Vec<_> = interps.iter().collect();
    pyctrace_pythons::announce("vm anti-debug oracle", &used);
    let mut programs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/programs/antidebug"))
        .expect("tests/programs/antidebug")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    programs.sort();
    assert!(!programs.is_empty(), "no anti-debug programs found");
    let scratch = std::env::temp_dir().join(format!("pyctrace-vmanti-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut header = format!("{:<24}", "program");
    for i in &interps {
        header.push_str(&format!(" {:>5}", i.short_version()));
    }
    let mut rows = vec![header];
    let mut failures = Vec::new();
    for src in &programs {
        let name = src.file_name().unwrap().to_string_lossy().into_owned();
        let mut row = format!("{:<24}", name);
        for interp in &interps {
            let tag = interp.short_version();
            let pyc = scratch.join(format!("{name}-{tag}.pyc"));
            let compiled = Command::new(&interp.executable)
                .args([
                    "-c",
                    "import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3], doraise=True)",
                ])
                .arg(src)
                .arg(&pyc)
                .arg(&name)
                .status()
                .expect("run python");
            assert!(compiled.success(), "py_compile {name} with {tag}");
            let real = Command::new(&interp.executable)
                .arg(&pyc)
                .stdin(Stdio::null())
                .output()
                .expect("run python");
            let real_text = String::from_utf8_lossy(&real.stdout).into_owned();
            let run = pyctrace(&["run"], &pyc);
            let trace_file = scratch.join(format!("{name}-{tag}.trace"));
            let _ = std::fs::remove_file(&trace_file);
            let traced = pyctrace(
                &[
                    "trace",
                    "--engine",
                    "vm",
                    "-o",
                    trace_file.to_str().unwrap(),
                ],
                &pyc,
            );
            let trace_len = std::fs::metadata(&trace_file).map_or(0, |m| m.len());
            let mut problems = Vec::new();
            if !real_text.starts_with("clean") {
                problems.push(format!("the real interpreter printed {real_text:?}"));
            }
            for (what, out) in [("run", &run), ("trace --engine vm", &traced)] {
                if out.stdout != real.stdout || out.status.code() != real.status.code() {
                    problems.push(format!(
                        "{what}: stdout {:?} status {:?} (real: {:?} status {:?}); stderr {}",
                        String::from_utf8_lossy(&out.stdout),
                        out.status.code(),
                        real_text,
                        real.status.code(),
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
            }
            if trace_len == 0 {
                problems.push("the trace file is empty".into());
            }
            row.push_str(&format!(
                " {:>5}",
                if problems.is_empty() { "ok" } else { "FAIL" }
            ));
            for p in problems {
                failures.push(format!("{name} @ {tag}: {p}"));
            }
        }
        rows.push(row);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "\nanti-debug programs under the vm engine (untraced output, run and trace):\n{}",
        rows.join("\n")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
