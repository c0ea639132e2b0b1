//! `deobf --trace T --trust-trace` against real interpreters: the sample
//! `tests/fixtures/opaque_runtime.py` (an opaque predicate on a run-time
//! value) is compiled by each installed CPython, traced by it (cpython
//! engine), folded, and the result must print what the original prints
//! under the same interpreter, with both dead sides gone (one jump that
//! never jumped, one that always did).

use std::path::{Path, PathBuf};
use std::process::Command;

fn pyctrace(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pyctrace"))
        .args(args)
        .output()
        .expect("pyctrace runs")
}

fn python(exe: &Path, args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(exe)
        .args(["-E", "-s"])
        .args(args)
        .env("PYTHONHASHSEED", "0")
        .output()
        .expect("python runs")
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

#[test]
fn trust_trace_folds_the_runtime_opaque_predicate() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/opaque_runtime.py");
    let wanted = [(2, 7), (3, 8), (3, 10), (3, 11), (3, 12), (3, 13)];
    let found: Vec<_> = wanted
        .iter()
        .filter_map(|&(a, b)| pyctrace_pythons::find(a, b))
        .collect();
    pyctrace_pythons::announce("deobf --trust-trace", &found.iter().collect::<Vec<_>>());
    if found.is_empty() {
        eprintln!("skipped: no interpreter");
        return;
    }
    let tmp = std::env::temp_dir().join(format!("pyctrace-deobf-trace-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for py in &found {
        let v = py.short_version();
        let file = |name: &str| -> PathBuf { tmp.join(format!("{v}_{name}")) };
        let pyc = file("s.pyc");
        let compile = python(
            &py.executable,
            &[
                os("-c"),
                os("import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile='opaque_runtime.py', doraise=True)"),
                source.as_os_str(),
                pyc.as_os_str(),
            ],
        );
        assert!(compile.status.success(), "{v}: compile: {:?}", compile);
        let original = python(&py.executable, &[pyc.as_os_str()]);
        assert!(original.status.success(), "{v}: {original:?}");
        assert_eq!(
            String::from_utf8_lossy(&original.stdout),
            "abc ok 3\nPYCT ok 29\n",
            "{v}"
        );
        let trace = file("t.jsonl");
        let out = pyctrace(&[
            os("trace"),
            pyc.as_os_str(),
            os("--engine"),
            os("cpython"),
            os("--format"),
            os("jsonl"),
            os("-o"),
            trace.as_os_str(),
        ]);
        assert!(out.status.success(), "{v}: trace: {out:?}");
        let dis = |p: &Path| {
            String::from_utf8_lossy(&pyctrace(&[os("dis"), p.as_os_str()]).stdout).into_owned()
        };
        assert!(dis(&pyc).contains("'tampered'"), "{v}");
        let report = |trust: bool, out: &Path| -> serde_json::Value {
            let mut args = vec![
                os("deobf"),
                pyc.as_os_str(),
                os("-o"),
                out.as_os_str(),
                os("--trace"),
                trace.as_os_str(),
                os("--report"),
                os("json"),
            ];
            if trust {
                args.push(os("--trust-trace"));
            }
            let res = pyctrace(&args);
            assert!(res.status.success(), "{v}: deobf: {res:?}");
            serde_json::from_slice(&res.stdout).expect("json report")
        };
        // reported, not folded
        let plain = file("plain.pyc");
        let rep = report(false, &plain);
        let never = rep["trace"]["branches_never_taken"].as_array().unwrap();
        assert!(
            never
                .iter()
                .any(|b| b["code"] == "check" && b["line"] == 9 && b["never"] == "jumped")
                && never.iter().any(|b| b["code"] == "check"
                    && b["line"] == 13
                    && b["never"] == "fell_through"),
            "{v}: {never:?}"
        );
        assert_eq!(rep["trace"]["folded"], serde_json::json!([]), "{v}");
        assert!(dis(&plain).contains("'tampered'"), "{v}");
        assert!(dis(&plain).contains("'never'"), "{v}");
        // folded
        let folded = file("d.pyc");
        let rep = report(true, &folded);
        let list = rep["trace"]["folded"].as_array().unwrap();
        assert_eq!(list.len(), 2, "{v}: {rep:#}");
        assert!(
            list.iter()
                .all(|f| f["code"].as_str().unwrap().ends_with("check")),
            "{v}: {list:?}"
        );
        let text = dis(&folded);
        assert!(
            !text.contains("'tampered'") && !text.contains("'never'"),
            "{v}: {text}"
        );
        let after = python(&py.executable, &[folded.as_os_str()]);
        assert_eq!(after.stdout, original.stdout, "{v}: {after:?}");
        assert!(after.status.success(), "{v}");
        for f in list {
            eprintln!("{v}: folded {}", f["change"].as_str().unwrap_or(""));
        }
        eprintln!("{v}: output identical");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Two lambdas with the same name, line and bytes: the traces cannot say
/// which one ran, so neither is folded (the report says why).
#[test]
fn trust_trace_leaves_ambiguous_code_objects_alone() {
    let Some(py) = pyctrace_pythons::find(3, 11) else {
        eprintln!("skipped: no CPython 3.11");
        return;
    };
    pyctrace_pythons::announce("deobf --trust-trace, ambiguous", &[&py]);
    let tmp = std::env::temp_dir().join(format!("pyctrace-deobf-amb-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let src = tmp.join("amb.py");
    std::fs::write(
        &src,
        "fs = [lambda x: 'pos' if x > 0 else 'neg', lambda x: 'pos' if x > 0 else 'neg']\nprint(fs[0](1), fs[1](2))\n",
    )
    .unwrap();
    let pyc = tmp.join("amb.pyc");
    let compile = python(
        &py.executable,
        &[
            os("-c"),
            os("import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)"),
            src.as_os_str(),
            pyc.as_os_str(),
        ],
    );
    assert!(compile.status.success(), "{compile:?}");
    let trace = tmp.join("t.jsonl");
    let out = pyctrace(&[
        os("trace"),
        pyc.as_os_str(),
        os("--engine"),
        os("cpython"),
        os("--format"),
        os("jsonl"),
        os("-o"),
        trace.as_os_str(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let res = pyctrace(&[
        os("deobf"),
        pyc.as_os_str(),
        os("-o"),
        tmp.join("d.pyc").as_os_str(),
        os("--trace"),
        trace.as_os_str(),
        os("--trust-trace"),
        os("--report"),
        os("json"),
    ]);
    assert!(res.status.success(), "{res:?}");
    let rep: serde_json::Value = serde_json::from_slice(&res.stdout).unwrap();
    // the branch ran one way (x > 0 both times) ...
    assert!(!rep["trace"]["branches_never_taken"]
        .as_array()
        .unwrap()
        .is_empty());
    // ... but is not folded
    assert_eq!(rep["trace"]["folded"], serde_json::json!([]), "{rep:#}");
    let notes = rep["trace"]["not_folded"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("several code objects share its name, first line and length")),
        "{notes:?}"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The same program run through the protector (`scripts/protect`, set
/// `all`: junk, spaghetti, chains, constant opaque predicates, names; see
/// tests/fixtures/README.md): the static passes fold the protector's
/// constant predicates, `--trust-trace` only the two run-time ones, and
/// the result prints what the original prints under the real interpreter.
#[test]
fn trust_trace_on_protected_samples() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let tmp = std::env::temp_dir().join(format!("pyctrace-deobf-prot-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut used = Vec::new();
    // 3.13's instrumentation cannot trace code with junk jumps: vm engine
    for (major, minor, engine) in [(3, 8, "cpython"), (3, 11, "cpython"), (3, 13, "vm")] {
        let Some(py) = pyctrace_pythons::find(major, minor) else {
            continue;
        };
        let v = py.short_version();
        let pyc = fixtures.join(format!("opaque_runtime__all_{v}.pyc"));
        let original = python(&py.executable, &[pyc.as_os_str()]);
        assert_eq!(
            String::from_utf8_lossy(&original.stdout),
            "abc ok 3\nPYCT ok 29\n",
            "{v}"
        );
        let trace = tmp.join(format!("{v}.jsonl"));
        let out = pyctrace(&[
            os("trace"),
            pyc.as_os_str(),
            os("--engine"),
            os(engine),
            os("--format"),
            os("jsonl"),
            os("-o"),
            trace.as_os_str(),
        ]);
        assert!(out.status.success(), "{v}: {out:?}");
        let dis = |p: &Path| {
            String::from_utf8_lossy(&pyctrace(&[os("dis"), p.as_os_str()]).stdout).into_owned()
        };
        let deobf = |trust: bool| -> (PathBuf, serde_json::Value) {
            let dest = tmp.join(format!("{v}_{trust}.pyc"));
            let mut args = vec![
                os("deobf"),
                pyc.as_os_str(),
                os("-o"),
                dest.as_os_str(),
                os("--trace"),
                trace.as_os_str(),
                os("--report"),
                os("json"),
            ];
            if trust {
                args.push(os("--trust-trace"));
            }
            let res = pyctrace(&args);
            assert!(res.status.success(), "{v}: {res:?}");
            (dest, serde_json::from_slice(&res.stdout).unwrap())
        };
        let (plain, _) = deobf(false);
        assert!(
            dis(&plain).contains("'tampered'"),
            "{v}: static passes cannot prove it"
        );
        let (folded, rep) = deobf(true);
        let list = rep["trace"]["folded"].as_array().unwrap();
        assert_eq!(list.len(), 2, "{v}: {:#}", rep["trace"]["folded"]);
        let notes = rep["trace"]["not_folded"].as_array().unwrap();
        assert!(
            notes
                .iter()
                .all(|n| n.as_str().unwrap().contains("already gone")),
            "{v}: {notes:?}"
        );
        let text = dis(&folded);
        assert!(
            !text.contains("'tampered'") && !text.contains("'never'"),
            "{v}: {text}"
        );
        let after = python(&py.executable, &[folded.as_os_str()]);
        assert_eq!(after.stdout, original.stdout, "{v}: {after:?}");
        eprintln!(
            "{v} ({engine} trace): 2 run-time predicates folded, {} left to the static passes, output identical",
            notes.len()
        );
        used.push(py);
    }
    pyctrace_pythons::announce(
        "deobf --trust-trace, protected",
        &used.iter().collect::<Vec<_>>(),
    );
    let _ = std::fs::remove_dir_all(&tmp);
}
