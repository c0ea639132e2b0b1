//! Hand-checked spot checks of the tables recorded by hand (3.0-3.5, 3.14)
//! and of the decoder on hostile 2.7 code.
//!
//! Sources read:
//! - 3.5: CPython 3.5.10 Lib/opcode.py (tree mirrored at
//!   github.com/R-YaTian/CPython3.5.10WinXP, commit 33906cc0e7135d91dc94dd61780b3f8654106a05);
//!   3.0-3.4 differences: that tree's Lib/importlib/_bootstrap_external.py
//!   magic-number history (lines 204-233).
//! - 3.14: Include/opcode_ids.h of a CPython 3.14.0b4+ tree (fork
//!   github.com/johndoe6345789/typthon, commit b198f511d2385f51c086165c2f87da0b5ad786a9)
//!   and 3.14 Lib/opcode.py `_cache_format`.

use pyctrace_bytecode::{instructions, op_info, op_table, ArgKind, Mnemonic, PyVersion};

fn name(v: (u8, u8), b: u8) -> Option<&'static str> {
    op_info(PyVersion::new(v.0, v.1), b).map(|i| i.mnemonic.name())
}

#[test]
fn python_3_0_to_3_5_spot_checks() {
    // 3.0: SET_ADD 17 / LIST_APPEND 18 without argument, JUMP_IF_FALSE 111 relative,
    // ROT_FOUR 5, DUP_TOPX 99, EXTENDED_ARG 143.
    assert_eq!(name((3, 0), 17), Some("SET_ADD"));
    assert_eq!(name((3, 0), 18), Some("LIST_APPEND"));
    assert_eq!(name((3, 0), 5), Some("ROT_FOUR"));
    assert_eq!(name((3, 0), 99), Some("DUP_TOPX"));
    assert_eq!(name((3, 0), 111), Some("JUMP_IF_FALSE"));
    assert_eq!(
        op_info(PyVersion::new(3, 0), 111).unwrap().kind,
        ArgKind::JumpForward
    );
    assert_eq!(op_table(PyVersion::new(3, 0)).unwrap().extended_arg, 143);
    // 3.1: POP_JUMP_IF_FALSE 114 absolute, LIST_APPEND 145, MAP_ADD 147.
    assert_eq!(name((3, 1), 114), Some("POP_JUMP_IF_FALSE"));
    assert_eq!(
        op_info(PyVersion::new(3, 1), 114).unwrap().kind,
        ArgKind::JumpAbsolute
    );
    assert_eq!(name((3, 1), 145), Some("LIST_APPEND"));
    assert_eq!(name((3, 1), 147), Some("MAP_ADD"));
    assert_eq!(name((3, 1), 143), Some("EXTENDED_ARG"));
    // 3.2: SETUP_WITH 143, EXTENDED_ARG 144, DUP_TOP_TWO 5, DELETE_DEREF 138.
    assert_eq!(name((3, 2), 143), Some("SETUP_WITH"));
    assert_eq!(name((3, 2), 144), Some("EXTENDED_ARG"));
    assert_eq!(name((3, 2), 5), Some("DUP_TOP_TWO"));
    assert_eq!(name((3, 2), 99), None);
    assert_eq!(
        op_info(PyVersion::new(3, 2), 138).unwrap().kind,
        ArgKind::Free
    );
    // 3.3: YIELD_FROM 72, STORE_LOCALS 69; 3.4: LOAD_CLASSDEREF 148, no STORE_LOCALS.
    assert_eq!(name((3, 3), 72), Some("YIELD_FROM"));
    assert_eq!(name((3, 3), 69), Some("STORE_LOCALS"));
    assert_eq!(name((3, 4), 148), Some("LOAD_CLASSDEREF"));
    assert_eq!(name((3, 4), 69), None);
    assert_eq!(name((3, 4), 54), Some("STORE_MAP"));
    // 3.5: STORE_MAP gone, GET_YIELD_FROM_ITER 69, WITH_CLEANUP_START 81, SETUP_ASYNC_WITH 154.
    assert_eq!(name((3, 5), 54), None);
    assert_eq!(name((3, 5), 69), Some("GET_YIELD_FROM_ITER"));
    assert_eq!(name((3, 5), 81), Some("WITH_CLEANUP_START"));
    assert_eq!(name((3, 5), 16), Some("BINARY_MATRIX_MULTIPLY"));
    assert_eq!(name((3, 5), 154), Some("SETUP_ASYNC_WITH"));
    assert_eq!(
        op_info(PyVersion::new(3, 5), 131).unwrap().kind,
        ArgKind::CallNargsKw
    );
    assert_eq!(
        op_info(PyVersion::new(3, 5), 100).unwrap().kind,
        ArgKind::Const
    );
    assert_eq!(
        op_info(PyVersion::new(3, 5), 107).unwrap().kind,
        ArgKind::Compare
    );
}

#[test]
fn python_3_14_spot_checks() {
    let v = PyVersion::new(3, 14);
    let t = op_table(v).unwrap();
    assert_eq!(t.extended_arg, 69);
    assert_eq!(t.have_argument, 43);
    assert_eq!(name((3, 14), 0), Some("CACHE"));
    assert_eq!(name((3, 14), 2), Some("BUILD_TEMPLATE"));
    assert_eq!(name((3, 14), 44), Some("BINARY_OP"));
    assert_eq!(name((3, 14), 82), Some("LOAD_CONST"));
    assert_eq!(name((3, 14), 86), Some("LOAD_FAST_BORROW"));
    assert_eq!(name((3, 14), 94), Some("LOAD_SMALL_INT"));
    assert_eq!(name((3, 14), 128), Some("RESUME"));
    assert_eq!(name((3, 14), 255), Some("ENTER_EXECUTOR"));
    let bin = op_info(v, 44).unwrap();
    assert_eq!(
        (bin.kind, bin.caches, bin.has_arg),
        (ArgKind::BinaryOp, 5, true)
    );
    assert_eq!(op_info(v, 80).unwrap().caches, 9); // LOAD_ATTR
    assert_eq!(op_info(v, 92).unwrap().kind, ArgKind::LoadGlobal);
    assert_eq!(op_info(v, 87).unwrap().kind, ArgKind::LocalPair);
    assert_eq!(op_info(v, 75).unwrap().kind, ArgKind::JumpBackward);
    assert!(!op_info(v, 43).unwrap().has_arg); // WITH_EXCEPT_START
                                               // specialised bytes decode by name and carry their base's shape
    let spec = op_info(v, 135).unwrap();
    assert_eq!(spec.mnemonic, Mnemonic::BINARY_OP_SUBSCR_DICT);
    assert_eq!(spec.deopt, Some(Mnemonic::BINARY_OP));
    assert_eq!((spec.has_arg, spec.caches), (true, 5));
    assert_eq!(name((3, 14), 212), None);
    // LOAD_CONST 1; BINARY_OP 0 + 5 caches; RETURN_VALUE
    let code = [82, 1, 44, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 35, 0];
    let got: Vec<_> = instructions(&code, v)
        .map(|i| (i.offset, i.opname(), i.arg))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, "LOAD_CONST".into(), Some(1)),
            (2, "BINARY_OP".into(), Some(0)),
            (14, "RETURN_VALUE".into(), None)
        ]
    );
}

#[test]
fn mnemonics_are_shared_across_versions() {
    // one LOAD_CONST although its byte differs by version
    for (v, b) in [((2, 7), 100), ((3, 11), 100), ((3, 13), 83), ((3, 14), 82)] {
        assert_eq!(
            op_info(PyVersion::new(v.0, v.1), b).unwrap().mnemonic,
            Mnemonic::LOAD_CONST
        );
    }
    assert_eq!(Mnemonic::SLICE_0.name(), "SLICE+0");
}

#[test]
fn hostile_python_2_7() {
    let v = PyVersion::new(2, 7);
    // JUMP_FORWARD 3; <218> 0; STOP_CODE; LOAD_CONST 65535; EXTENDED_ARG 1; LOAD_CONST 2;
    // then a LOAD_CONST cut short
    let code = [
        110, 3, 0, 218, 0, 0, 0, 100, 0xff, 0xff, 145, 1, 0, 100, 2, 0, 100, 7,
    ];
    let ins: Vec<_> = instructions(&code, v).collect();
    let summary: Vec<_> = ins
        .iter()
        .map(|i| (i.offset, i.opname(), i.arg, i.truncated.is_some()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (0, "JUMP_FORWARD".into(), Some(3), false),
            (3, "<218>".into(), Some(0), false),
            (6, "STOP_CODE".into(), None, false),
            (7, "LOAD_CONST".into(), Some(65535), false),
            (10, "EXTENDED_ARG".into(), Some(1), false),
            (13, "LOAD_CONST".into(), Some(0x10002), false),
            (16, "LOAD_CONST".into(), None, true),
        ]
    );
    assert_eq!(ins[0].jump_target(code.len()), Some(6));
    assert_eq!(ins[5].start_offset, 10);
    assert_eq!(ins[6].size_in_bytes, 2);
}
