//! Versions with no interpreter here (3.0–3.5, 3.14): hand-built fixtures
//! (scripts/gen_legacy_fixtures.py, facts in each `<X.Y>.notes.md`) must
//! load with the right version, give the hand-derived tree, and round-trip.

use std::path::Path;

use pyctrace_marshal::oracle::pyc_to_json;
use pyctrace_marshal::{read_pyc, write_pyc, CodeField, ReadOptions};

const FIXTURES: &[(&str, u8, u8, usize)] = &[
    ("3.0", 3, 0, 8),
    ("3.1", 3, 1, 8),
    ("3.2", 3, 2, 8),
    ("3.3", 3, 3, 12),
    ("3.4", 3, 4, 12),
    ("3.5", 3, 5, 12),
    ("3.14", 3, 14, 16),
];

#[test]
fn legacy_fixtures_load_to_their_expected_trees() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/legacy");
    for &(name, major, minor, header_len) in FIXTURES {
        let bytes = std::fs::read(dir.join(format!("{name}.pyc"))).expect("fixture");
        let expected: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("{name}.expected.json"))).expect("json"),
        )
        .expect("valid json");
        let pyc =
            read_pyc(&bytes, &ReadOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let header = pyc.header.as_ref().expect("header");
        assert_eq!(
            (header.version.major, header.version.minor),
            (major, minor),
            "{name}: version"
        );
        assert_eq!(header.len, header_len, "{name}: header length");
        assert_eq!(
            pyc_to_json(&pyc).expect("json view"),
            expected,
            "{name}: tree"
        );
        assert_eq!(write_pyc(&pyc).expect("write"), bytes, "{name}: round trip");
        assert!(pyc.trailing.is_empty(), "{name}: no trailing bytes");
        // The layouts differ exactly where CPython's did.
        let code = pyc.root.as_code().expect("module code");
        assert_eq!(
            code.int(CodeField::KwOnlyArgCount).is_some(),
            true,
            "{name}: 3.x has kwonlyargcount"
        );
        assert_eq!(
            code.int(CodeField::PosOnlyArgCount).is_some(),
            minor >= 8,
            "{name}: posonlyargcount"
        );
        assert_eq!(
            code.obj(CodeField::QualName).is_some(),
            minor >= 11,
            "{name}: qualname"
        );
        assert_eq!(
            code.obj(CodeField::ExceptionTable).is_some(),
            minor >= 11,
            "{name}: exception table"
        );
    }
}

#[test]
fn refs_and_short_forms_only_from_3_4() {
    // A FLAG_REF'd small int then a ref to it: valid marshal for 3.4+, an
    // unknown type code for 3.3 (FLAG_REF did not exist).
    let data = [b'(', 2, 0, 0, 0, b'i' | 0x80, 7, 0, 0, 0, b'r', 0, 0, 0, 0];
    let v34 = pyctrace_marshal::PyVersion::new(3, 4);
    let v33 = pyctrace_marshal::PyVersion::new(3, 3);
    let pyc = pyctrace_marshal::read_marshal(&data, v34, &ReadOptions::default())
        .expect("3.4 reads refs");
    let json = pyc_to_json(&pyc).expect("json");
    assert_eq!(json["v"][1], serde_json::json!({"t": "int", "v": "7"}));
    let err = pyctrace_marshal::read_marshal(&data, v33, &ReadOptions::default()).unwrap_err();
    assert_eq!(
        err.offset(),
        5,
        "the flagged byte is rejected where it stands"
    );
    let short = [b'z', 2, b'h', b'i'];
    assert!(pyctrace_marshal::read_marshal(&short, v33, &ReadOptions::default()).is_err());
    assert!(pyctrace_marshal::read_marshal(&short, v34, &ReadOptions::default()).is_ok());
}
