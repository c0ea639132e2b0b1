//! Properties that must hold for ANY input; shared by the cargo-fuzz
//! targets (`fuzz/`) and the in-tree fuzz tests so both check the same thing.

use pyctrace_version::PyVersion;

use crate::node::Node;
use crate::oracle::node_to_json_within;
use crate::pyc::{read_marshal, read_pyc};
use crate::read::ReadOptions;
use crate::walk::code_objects;
use crate::write::write_pyc;

/// Reads `data` as a `.pyc` and, with the version taken from its first
/// byte, as a headerless blob; strict and permissive. Panics if a property
/// is violated:
/// - a strict read that succeeds writes back exactly the bytes it consumed;
/// - every error names an offset inside the input (or its end);
/// - a permissive read of anything a strict read rejected in the body
///   still returns a tree, and reports at least one problem;
/// - resolving refs, walking code objects and the JSON view terminate.
pub fn check(data: &[u8]) {
    let options = ReadOptions {
        max_objects: 200_000,
        ..ReadOptions::default()
    };
    let permissive = ReadOptions {
        max_objects: 200_000,
        ..ReadOptions::permissive()
    };
    match read_pyc(data, &options) {
        Ok(pyc) => {
            let out = write_pyc(&pyc).expect("a strict read writes back");
            assert_eq!(out, data, "round trip");
            exercise(&pyc.root, pyc.version);
        }
        Err(err) => {
            assert!(
                err.offset() <= data.len(),
                "error offset {} beyond {} bytes",
                err.offset(),
                data.len()
            );
            if let Ok(pyc) = read_pyc(data, &permissive) {
                assert!(
                    !pyc.problems.is_empty(),
                    "permissive read of rejected data reports problems"
                );
                exercise(&pyc.root, pyc.version);
            }
        }
    }
    let versions = [
        (2, 7),
        (3, 3),
        (3, 6),
        (3, 8),
        (3, 10),
        (3, 11),
        (3, 12),
        (3, 13),
        (3, 14),
    ];
    let (major, minor) = versions[data.first().copied().unwrap_or(0) as usize % versions.len()];
    let version = PyVersion::new(major, minor);
    let body = data.get(1..).unwrap_or(&[]);
    match read_marshal(body, version, &options) {
        Ok(pyc) => {
            let mut out = write_pyc(&pyc).expect("a strict read writes back");
            out.truncate(pyc.trailing_offset);
            assert_eq!(out, &body[..pyc.trailing_offset], "round trip of a blob");
            exercise(&pyc.root, version);
        }
        Err(err) => {
            assert!(err.offset() <= body.len());
            let pyc =
                read_marshal(body, version, &permissive).expect("permissive blob reads never fail");
            assert!(!pyc.problems.is_empty());
            exercise(&pyc.root, version);
        }
    }
}

fn exercise(root: &Node<'_>, version: PyVersion) {
    let _ = node_to_json_within(root, version, 100_000);
    for entry in code_objects(root, version) {
        let _ = entry.code.name_text();
    }
}
