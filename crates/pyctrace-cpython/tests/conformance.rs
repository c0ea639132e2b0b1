//! The engine against the interpreters installed here (pyenv, 3.7+):
//!
//! 1. every conformance program of `tests/programs/trace/`: our
//!    `(ev, depth, code, offset, op, arg)` sequence equals the one of the
//!    interpreter's own Python-level `sys.settrace` + `f_trace_opcodes`
//!    tracer (`scripts/oracle/settrace_reference.py`), and the program's
//!    stdout and status are those of the reference run. Prints a matrix.
//! 2. every anti-debug program of `tests/programs/antidebug/`: traced by
//!    us it prints what it prints untraced (`python FILE.pyc`), and under
//!    the naive tracer it prints "debugger found".
//!
//! 3. 2.7 and 3.6 (no opcode events; per-instruction line tables): every
//!    conformance program that runs there (`tests/programs/trace/py27/`
//!    holds 2.7 variants of those that need 3.x syntax) traces like the
//!    reference's `--lines` mode, which rebuilds every code object so that
//!    each instruction starts a line. Prints a matrix.
//! 4. values: the operands and results of the arithmetic and comparisons
//!    of `tests/programs/trace/values.py`, on every version where values
//!    are claimed (2.7, 3.6–3.11); none of the program's `__repr__` runs.
//!
//! Versions not installed are announced and skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pyctrace_pythons::Interpreter;
use pyctrace_trace::{parse_key, Key};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn probe() -> &'static str {
    env!("CARGO_BIN_EXE_pyctrace-cpython-probe")
}

fn interpreters() -> Vec<Interpreter> {
    let used: Vec<Interpreter> = pyctrace_pythons::installed()
        .into_iter()
        .filter(|i| i.version >= (3, 7) && i.libpython.is_some())
        .collect();
    let refs: Vec<&Interpreter> = used.iter().collect();
    pyctrace_pythons::announce("cpython engine conformance", &refs);
    used
}

fn programs(folder: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join("tests/programs").join(folder))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    out.sort();
    out
}

/// Compiles `src` with `interp` into `dir`, with `co_filename` = its file name.
fn compile(interp: &Interpreter, src: &Path, dir: &Path) -> PathBuf {
    let name = src.file_name().unwrap().to_string_lossy().into_owned();
    let pyc = dir.join(format!("{}.pyc", name.trim_end_matches(".py")));
    let status = Command::new(&interp.executable)
        .args([
            "-c",
            "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3], doraise=True)",
        ])
        .arg(src)
        .arg(&pyc)
        .arg(&name)
        .status()
        .unwrap();
    assert!(status.success(), "compiling {}", src.display());
    pyc
}

fn work_dir(tag: &str, interp: &Interpreter) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("pyctrace-cpython-{}-{tag}", std::process::id()))
        .join(interp.short_version());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn keys(path: &Path) -> Vec<Key> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(parse_key)
        .collect()
}

fn reference(interp: &Interpreter, pyc: &Path, out: &Path, naive: bool) -> Output {
    reference_with(interp, pyc, out, if naive { &["--naive"] } else { &[] })
}

fn reference_with(interp: &Interpreter, pyc: &Path, out: &Path, flags: &[&str]) -> Output {
    let mut cmd = Command::new(&interp.executable);
    cmd.arg(root().join("scripts/oracle/settrace_reference.py"));
    cmd.args(flags);
    cmd.arg(pyc).arg("-o").arg(out).output().unwrap()
}

fn ours(pyc: &Path, out: Option<&Path>) -> Output {
    let mut cmd = Command::new(probe());
    cmd.arg(pyc);
    if let Some(out) = out {
        cmd.arg(out);
    }
    cmd.output().unwrap()
}

#[test]
fn trace_equals_settrace_reference() {
    let interps = interpreters();
    let progs = programs("trace");
    let mut failures = Vec::new();
    let mut table = String::from("program");
    for i in &interps {
        table.push_str(&format!("\t{}", i.short_version()));
    }
    let mut rows: Vec<String> = progs
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for interp in &interps {
        let dir = work_dir("trace", interp);
        for (row, src) in rows.iter_mut().zip(&progs) {
            let pyc = compile(interp, src, &dir);
            let ours_path = pyc.with_extension("ours.jsonl");
            let ref_path = pyc.with_extension("ref.jsonl");
            let a = ours(&pyc, Some(&ours_path));
            let b = reference(interp, &pyc, &ref_path, false);
            let (ka, kb) = (keys(&ours_path), keys(&ref_path));
            let same_run = a.stdout == b.stdout && a.status.code() == b.status.code();
            let cell = if ka == kb && same_run && !ka.is_empty() {
                format!("ok {}", ka.len())
            } else {
                let at = ka.iter().zip(&kb).take_while(|(x, y)| x == y).count();
                failures.push(format!(
                    "{} {}: events {} vs reference {}, first difference at #{at}: {:?} vs {:?}; \
                     stdout same: {}, status {:?} vs {:?}; stderr: {}",
                    interp.full_version,
                    src.display(),
                    ka.len(),
                    kb.len(),
                    ka.get(at).map(ToString::to_string),
                    kb.get(at).map(ToString::to_string),
                    a.stdout == b.stdout,
                    a.status.code(),
                    b.status.code(),
                    String::from_utf8_lossy(&a.stderr)
                ));
                "FAIL".to_string()
            };
            row.push_str(&format!("\t{cell}"));
        }
    }
    eprintln!("trace parity (events compared) with the settrace reference:\n{table}");
    for row in &rows {
        eprintln!("{row}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn antidebug_programs_see_nothing() {
    // Every version, 2.7 and 3.6 (line mode) included.
    let mut interps = line_mode_interpreters();
    interps.extend(interpreters());
    let progs = programs("antidebug");
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    for interp in &interps {
        let dir = work_dir("antidebug", interp);
        let mut cells = Vec::new();
        for src in &progs {
            let pyc = compile(interp, src, &dir);
            let plain = Command::new(&interp.executable).arg(&pyc).output().unwrap();
            let traced = ours(&pyc, Some(&pyc.with_extension("ours.jsonl")));
            let naive = reference(interp, &pyc, &pyc.with_extension("naive.jsonl"), true);
            let name = src.file_stem().unwrap().to_string_lossy().into_owned();
            let plain_text = String::from_utf8_lossy(&plain.stdout).into_owned();
            let ok_plain = plain_text.starts_with("clean");
            let ok_ours =
                traced.stdout == plain.stdout && traced.status.code() == plain.status.code();
            let ok_naive = String::from_utf8_lossy(&naive.stdout).starts_with("debugger found");
            let traced_events = keys(&pyc.with_extension("ours.jsonl")).len();
            if !(ok_plain && ok_ours && ok_naive && traced_events > 0) {
                failures.push(format!(
                    "{} {name}: untraced {:?}, ours {:?} (stderr {}), naive {:?}, events {traced_events}",
                    interp.full_version,
                    plain_text,
                    String::from_utf8_lossy(&traced.stdout),
                    String::from_utf8_lossy(&traced.stderr),
                    String::from_utf8_lossy(&naive.stdout)
                ));
            }
            cells.push(format!(
                "{name}={}",
                if ok_ours && ok_naive { "ok" } else { "FAIL" }
            ));
        }
        lines.push(format!("{}: {}", interp.short_version(), cells.join(" ")));
    }
    eprintln!(
        "anti-debug (ours = untraced output, naive tracer detected):\n{}",
        lines.join("\n")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The program's own tracer is chained, and ours keeps running after it
/// calls `sys.settrace(None)`: the loop after it is still traced.
#[test]
fn program_settrace_does_not_remove_our_hook() {
    let interps = interpreters();
    let src = root().join("tests/programs/antidebug/settrace_own.py");
    for interp in &interps {
        let dir = work_dir("chain", interp);
        let pyc = compile(interp, &src, &dir);
        let out = pyc.with_extension("chain.jsonl");
        let run = ours(&pyc, Some(&out));
        let text = String::from_utf8_lossy(&run.stdout).into_owned();
        let ks = keys(&out);
        // `work` is called once under the program's tracer and 3 times after.
        let work_calls = ks
            .iter()
            .filter(|k| k.code == "work" && k.ev == pyctrace_trace::Event::Call)
            .count();
        assert_eq!(work_calls, 4, "{}: {text}", interp.full_version);
        assert!(text.starts_with("clean"), "{}: {text}", interp.full_version);
    }
}

/// 2.7 and 3.6 with a shared libpython.
fn line_mode_interpreters() -> Vec<Interpreter> {
    let used: Vec<Interpreter> = pyctrace_pythons::installed()
        .into_iter()
        .filter(|i| (i.version == (2, 7) || i.version == (3, 6)) && i.libpython.is_some())
        .collect();
    let refs: Vec<&Interpreter> = used.iter().collect();
    pyctrace_pythons::announce("cpython engine line mode (2.7, 3.6)", &refs);
    used
}

/// The source of `src` for `interp`: its 2.7 variant under `py27/` when
/// there is one and the interpreter is 2.7.
fn source_for(interp: &Interpreter, src: &Path) -> PathBuf {
    let variant = src
        .parent()
        .unwrap()
        .join("py27")
        .join(src.file_name().unwrap());
    if interp.version.0 == 2 && variant.exists() {
        variant
    } else {
        src.to_path_buf()
    }
}

#[test]
fn line_mode_trace_equals_lines_reference() {
    let interps = line_mode_interpreters();
    let progs = programs("trace");
    let mut failures = Vec::new();
    let mut table = String::from("program");
    for i in &interps {
        table.push_str(&format!("\t{}", i.short_version()));
    }
    let mut rows: Vec<String> = progs
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for interp in &interps {
        let dir = work_dir("lines", interp);
        for (row, src) in rows.iter_mut().zip(&progs) {
            let src = source_for(interp, src);
            let pyc = compile(interp, &src, &dir);
            let ours_path = pyc.with_extension("ours.jsonl");
            let ref_path = pyc.with_extension("ref.jsonl");
            let a = ours(&pyc, Some(&ours_path));
            let b = reference_with(interp, &pyc, &ref_path, &["--lines"]);
            let (ka, kb) = (keys(&ours_path), keys(&ref_path));
            let ops = ka
                .iter()
                .filter(|k| k.ev == pyctrace_trace::Event::Op)
                .count();
            let same_run = a.stdout == b.stdout && a.status.code() == b.status.code();
            let cell = if ka == kb && same_run && ops > 0 {
                format!("ok {}", ka.len())
            } else {
                let at = ka.iter().zip(&kb).take_while(|(x, y)| x == y).count();
                failures.push(format!(
                    "{} {}: events {} vs reference {}, first difference at #{at}: {:?} vs {:?}; \
                     stdout same: {}, status {:?} vs {:?}; stderr: {} / {}",
                    interp.full_version,
                    src.display(),
                    ka.len(),
                    kb.len(),
                    ka.get(at).map(ToString::to_string),
                    kb.get(at).map(ToString::to_string),
                    a.stdout == b.stdout,
                    a.status.code(),
                    b.status.code(),
                    String::from_utf8_lossy(&a.stderr),
                    String::from_utf8_lossy(&b.stderr)
                ));
                "FAIL".to_string()
            };
            row.push_str(&format!("\t{cell}"));
        }
    }
    eprintln!("line-mode parity (events compared) with `settrace_reference.py --lines`:\n{table}");
    for row in &rows {
        eprintln!("{row}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `"push":[...],"pop":[...]` of the op records of `ops` (by name prefix).
fn stack_traffic(path: &Path, ops: &[&str]) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| ops.iter().any(|o| l.contains(&format!("\"op\":\"{o}"))))
        .map(|l| {
            let at = l.find("\"push\":").unwrap_or(l.len());
            l[at..].trim_end_matches('}').to_string()
        })
        .collect()
}

#[test]
fn values_are_what_the_program_computes() {
    let mut interps = line_mode_interpreters();
    interps.extend(interpreters());
    let src = root().join("tests/programs/trace/values.py");
    // From the source: check(10, 4) computes 10+4, 10-4, 10*4, 10 != 4,
    // 40 > 39; then 'ab' + 'cd' and [1, 2] + [3].
    let expected = [
        r#""push":["14"],"pop":["10","4"]"#,
        r#""push":["6"],"pop":["10","4"]"#,
        r#""push":["40"],"pop":["10","4"]"#,
        r#""push":["True"],"pop":["10","4"]"#,
        r#""push":["True"],"pop":["40","39"]"#,
        r#""push":["'abcd'"],"pop":["'ab'","'cd'"]"#,
        r#""push":["[1, 2, 3]"],"pop":["[1, 2]","[3]"]"#,
        // spy is spy: the program's __repr__ must not run.
        r#""push":["True"],"pop":["<Spy object>","<Spy object>"]"#,
    ];
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    for interp in &interps {
        let dir = work_dir("values", interp);
        let pyc = compile(interp, &src, &dir);
        let out = pyc.with_extension("ours.jsonl");
        let run = ours(&pyc, Some(&out));
        let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
        let got = stack_traffic(&out, &["BINARY_", "COMPARE_OP", "IS_OP"]);
        let claimed = interp.version <= (3, 11);
        let ok = if claimed {
            got.len() == expected.len() && got.iter().zip(expected).all(|(g, e)| g == e)
        } else {
            // 3.12+: the stack pointer is not saved for opcode events.
            got.iter().all(|g| g == r#""push":[],"pop":[]"#)
        };
        if !ok || stdout.contains("__repr__ ran") || !run.status.success() {
            failures.push(format!(
                "{}: got {got:#?}, stdout {stdout:?}, stderr {}",
                interp.full_version,
                String::from_utf8_lossy(&run.stderr)
            ));
        }
        lines.push(format!(
            "{}: {}",
            interp.short_version(),
            match (claimed, ok) {
                (true, true) => "values ok",
                (false, true) => "no values (as documented)",
                _ => "FAIL",
            }
        ));
    }
    eprintln!("values (push/pop) on values.py:\n{}", lines.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
