//! Folds a real trace: `tests/programs/branches.py` compiled and traced by
//! the `cpython` engine with the installed 3.11 (found through
//! pyctrace-pythons; skipped with a note when it is not installed).
//! From the source: the loop body runs 10 times, `i < 3` is true 3 times
//! and false 7 times, `hits += 1` runs 3 times, `FOR_ITER` runs 11 times.

use std::path::{Path, PathBuf};
use std::process::Command;

use pyctrace_cover::{fold, is_conditional, Coverage};
use pyctrace_cpython::{RunOptions, TraceOptions};
use pyctrace_dis::{disassemble_pyc, Disassembly};
use pyctrace_trace::{Format, WriterSink};

fn compile(python: &Path, src: &Path, out: &Path) {
    let status = Command::new(python)
        .args([
            "-c",
            "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile='branches.py', doraise=True)",
        ])
        .arg(src)
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Line of the first source line containing `text`.
fn line_of(src: &str, text: &str) -> i32 {
    src.lines().position(|l| l.contains(text)).unwrap() as i32 + 1
}

/// (count, taken, not_taken) of the first instruction of `count` on `line`
/// satisfying `pick`.
fn on_line(
    dis: &Disassembly,
    cov: &Coverage,
    line: i32,
    pick: impl Fn(&pyctrace_dis::DisInstruction) -> bool,
) -> (String, u64, u64, u64) {
    let ci = dis.codes.iter().position(|c| c.name == "count").unwrap();
    let (j, ins) = dis.codes[ci]
        .instructions
        .iter()
        .enumerate()
        .find(|(_, i)| i.line == Some(line) && pick(i))
        .unwrap_or_else(|| panic!("no such instruction on line {line}"));
    let c = &cov.codes[ci].ins[j];
    (ins.opname.clone(), c.count, c.taken, c.not_taken)
}

#[test]
fn folds_a_cpython_trace() {
    let Some(interp) = pyctrace_pythons::find(3, 11).filter(|i| i.libpython.is_some()) else {
        eprintln!(
            "note: no Python 3.11 with libpython installed; cpython trace folding not tested"
        );
        return;
    };
    pyctrace_pythons::announce("cover: fold a cpython trace", &[&interp]);
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src_path = here.join("tests/programs/branches.py");
    let src = std::fs::read_to_string(&src_path).unwrap();
    let tmp: PathBuf = std::env::temp_dir().join(format!("pyctrace-cover-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let pyc_path = tmp.join("branches.pyc");
    compile(&interp.executable, &src_path, &pyc_path);
    let bytes = std::fs::read(&pyc_path).unwrap();
    let trace_path = tmp.join("t.jsonl");
    let sink = WriterSink::new(std::fs::File::create(&trace_path).unwrap(), Format::Jsonl);
    let outcome = pyctrace_cpython::run(
        &bytes,
        RunOptions {
            interpreter: interp,
            file: pyc_path.clone(),
            args: vec![],
            trace: Some(TraceOptions {
                sink: Box::new(sink),
                all_frames: false,
            }),
        },
    )
    .unwrap();
    assert_eq!(outcome.status, 0);
    let trace = std::fs::read_to_string(&trace_path).unwrap();
    let pyc = pyctrace_marshal::read_pyc(&bytes, &Default::default()).unwrap();
    let dis = disassemble_pyc(&pyc);
    let cov = fold(&dis, &[&trace]);
    assert_eq!(cov.unmatched, 0, "every record lands on an instruction");
    assert!(cov.ops > 50);

    let if_line = line_of(&src, "if i < 3");
    let (name, n, taken, not_taken) = on_line(&dis, &cov, if_line, is_conditional);
    assert_eq!(n, 10, "{name}");
    // POP_JUMP_*_IF_FALSE jumps when `i < 3` is false
    if name.contains("FALSE") {
        assert_eq!((taken, not_taken), (7, 3), "{name}");
    } else {
        assert_eq!((taken, not_taken), (3, 7), "{name}");
    }
    let (_, n, _, _) = on_line(&dis, &cov, if_line, |i| i.opname == "COMPARE_OP");
    assert_eq!(n, 10);
    let (_, n, _, _) = on_line(&dis, &cov, line_of(&src, "hits += 1"), |_| true);
    assert_eq!(n, 3);
    let (_, n, taken, not_taken) = on_line(&dis, &cov, line_of(&src, "for i in"), |i| {
        i.opname == "FOR_ITER"
    });
    assert_eq!((n, taken, not_taken), (11, 1, 10));
    let ci = dis.codes.iter().position(|c| c.name == "count").unwrap();
    assert_eq!(cov.codes[ci].calls, 1);

    // the same run folded twice: every count doubles
    let twice = fold(&dis, &[&trace, &trace]);
    let (_, n, taken, not_taken) = on_line(&dis, &twice, if_line, is_conditional);
    assert_eq!((n, taken + not_taken), (20, 20));

    let text = cov.to_text(&dis);
    assert!(text.contains("FOR_ITER"));
    eprintln!("{text}");
    let _ = std::fs::remove_dir_all(&tmp);
}
