//! The pre-flight check that keeps CPython 3.12+'s instrumentation from
//! writing out of bounds: it flags protected code with junk jumps outside
//! the code, and never flags what compilers produce.

use std::path::Path;

use pyctrace_cpython::hazards::instrumentation_hazards;
use pyctrace_marshal::{read_pyc, ReadOptions};

fn hazards_of(path: &Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    let pyc = read_pyc(&bytes, &ReadOptions::default()).unwrap();
    instrumentation_hazards(&pyc).len()
}

#[test]
fn flags_junk_jumps_outside_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // This sample crashed CPython 3.12.1 (initialize_lines) when traced.
    let sample = root.join("samples/protected/3.12/license_check__all.pyc");
    assert!(hazards_of(&sample) > 0);
    // Clean compiler output: none.
    for v in ["3.12", "3.13"] {
        let clean = root.join(format!(
            "crates/pyctrace-marshal/tests/fixtures/real/{v}.pyc"
        ));
        assert_eq!(hazards_of(&clean), 0, "{v} fixture");
    }
    // Protections that keep every jump in range: none either.
    for set in ["names", "spaghetti", "chains"] {
        for v in ["3.12", "3.13"] {
            let p = root.join(format!("samples/protected/{v}/license_check__{set}.pyc"));
            assert_eq!(hazards_of(&p), 0, "{}", p.display());
        }
    }
}

#[test]
fn no_false_positive_on_the_stdlib() {
    let mut used = Vec::new();
    for (major, minor) in [(3, 12), (3, 13)] {
        let Some(interp) = pyctrace_pythons::find(major, minor) else {
            continue;
        };
        let corpus = pyctrace_pythons::corpus::stdlib_corpus(&interp).expect("corpus");
        let flagged: Vec<_> = corpus.files.iter().filter(|f| hazards_of(f) > 0).collect();
        assert!(
            flagged.is_empty(),
            "{}: {:?}",
            interp.full_version,
            &flagged[..flagged.len().min(5)]
        );
        eprintln!(
            "{}: {} stdlib files, none flagged",
            interp.full_version,
            corpus.files.len()
        );
        used.push(interp);
    }
    pyctrace_pythons::announce("instrumentation hazards", &used.iter().collect::<Vec<_>>());
}
