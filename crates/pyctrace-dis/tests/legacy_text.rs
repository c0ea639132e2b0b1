//! `dis` text of 3.0-3.5, for which no interpreter is installed here: the
//! hand-built fixtures of pyctrace-marshal (`tests/fixtures/legacy`)
//! against texts checked by hand against those releases' `Lib/dis.py`:
//! - 3.0-3.3 `disassemble` prints every column with `print(..., end=' ')`,
//!   so each instruction line ends in a space (2.x's `print x,` does not);
//! - 3.3 (`hasnargs`, print layout) and 3.4/3.5 (`_get_instructions_bytes`)
//!   show `CALL_FUNCTION*` arguments as `N positional, M keyword pair` from
//!   the instruction's two argument bytes; 3.0-3.2 show nothing;
//! - 3.4/3.5 `Instruction._disassemble` joins the columns and strips the
//!   line, like 3.6.
//!
//! Both the streamed text and the model's text are compared.

use std::path::Path;

use pyctrace_dis::{disassemble_pyc, to_text, write_pyc_text, TextOptions};
use pyctrace_marshal::{read_pyc, ReadOptions};

fn check(version: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pyc = root.join(format!(
        "../pyctrace-marshal/tests/fixtures/legacy/{version}.pyc"
    ));
    let expected = root.join(format!("tests/fixtures/legacy_text/{version}.txt"));
    let bytes = std::fs::read(&pyc).expect("fixture");
    let expected = std::fs::read_to_string(&expected).expect("expected text");
    let pyc = read_pyc(&bytes, &ReadOptions::default()).expect("loads");
    let mut streamed = String::new();
    write_pyc_text(&pyc, &TextOptions::default(), &mut streamed);
    assert_eq!(streamed, expected, "{version}: streamed text");
    let model = to_text(&disassemble_pyc(&pyc), &TextOptions::default());
    assert_eq!(model, expected, "{version}: model text");
}

#[test]
fn print_layout_of_3_0_to_3_2() {
    for v in ["3.0", "3.1", "3.2"] {
        check(v);
    }
}

#[test]
fn print_layout_with_nargs_in_3_3() {
    check("3.3");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/legacy_text/3.3.txt"),
    )
    .expect("expected text");
    assert!(text
        .contains("             27 CALL_FUNCTION            1 (1 positional, 0 keyword pair) \n"));
    assert!(text.contains("             39 POP_TOP              \n"));
}

#[test]
fn instruction_layout_with_nargs_in_3_4_and_3_5() {
    for v in ["3.4", "3.5"] {
        check(v);
    }
}
