//! The engine-independent layer tree of dynamic unpacking, fed by hand.

use pyctrace_marshal::PyVersion;
use pyctrace_unpack::dynamic::{DynOptions, Recorder, SiteInfo};

fn site(code_id: u64, offset: u32) -> SiteInfo {
    SiteInfo {
        code_id,
        code_name: format!("code{code_id}"),
        first_line: 1,
        offset,
    }
}

fn tmp(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pyctrace-recorder-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn parents_follow_the_running_code_and_finals_are_leaves_that_ran() {
    let out = tmp("tree");
    let v = PyVersion::new(3, 12);
    let mut r = Recorder::new(v, &out, DynOptions::default()).unwrap();
    // input code 1 decodes and loads layer 1 (codes 10, 11 nested)
    r.buffer("base64", b"QUJD", b"ABC");
    r.buffer("zlib", b"ABC", b"\xe3marshal-1");
    r.code(
        "marshal.loads",
        b"\xe3marshal-1",
        &[10, 11],
        Some(&site(1, 20)),
    )
    .unwrap();
    r.exec(10, Some(&site(1, 30)));
    // a function of layer 1 (code 11) compiles a source: layer 2
    r.source("exec", b"print(1)\n", Some(&site(11, 8))).unwrap();
    r.code("compile", b"\xe3compiled-2", &[20], Some(&site(11, 8)))
        .unwrap();
    r.exec(20, Some(&site(11, 8)));
    // the input also loads a sibling that never runs: layer 3
    r.code("marshal.loads", b"\xe3marshal-3", &[30], Some(&site(1, 40)))
        .unwrap();
    let tree: Vec<(usize, usize, &str)> = r
        .layers
        .iter()
        .map(|l| (l.index, l.parent, l.kind))
        .collect();
    assert_eq!(
        tree,
        [(1, 0, "marshal"), (2, 1, "source"), (3, 0, "marshal")]
    );
    assert_eq!(r.layers[0].decode_steps, ["base64", "zlib"]);
    assert!(r.layers[1].decode_steps.is_empty());
    let finals: Vec<usize> = r.finals().map(|l| l.index).collect();
    assert_eq!(finals, [2], "layer 1 has a child, layer 3 never ran");
    assert_eq!(r.layers[1].compiled.as_deref(), Some("layer-2-source.pyc"));
    assert_eq!(r.layers[0].exec_site.as_ref().map(|s| s.offset), Some(30));
    // files: .pyc with the 3.12 magic, .py as given
    let pyc = std::fs::read(out.join("layer-1-marshal.pyc")).unwrap();
    let magic = pyctrace_version::release_magic(v).unwrap().to_le_bytes();
    assert_eq!(&pyc[..2], &magic[..2]);
    assert_eq!(&pyc[2..4], b"\r\n");
    assert_eq!(&pyc[16..], b"\xe3marshal-1");
    assert_eq!(
        std::fs::read(out.join("layer-2-source.py")).unwrap(),
        b"print(1)\n"
    );
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn max_layers_stops_with_a_reason() {
    let out = tmp("max");
    let opts = DynOptions {
        max_layers: 2,
        ..DynOptions::default()
    };
    let mut r = Recorder::new(PyVersion::new(3, 11), &out, opts).unwrap();
    for i in 0..2 {
        r.code("marshal.loads", b"\xe3x", &[i], None).unwrap();
    }
    let err = r
        .code("marshal.loads", b"\xe3x", &[9], Some(&site(1, 4)))
        .unwrap_err();
    assert!(err.contains("--max-layers 2"), "{err}");
    assert_eq!(r.layers.len(), 2);
    assert!(r.stopped.is_some());
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn dump_size_cap_stops_the_run() {
    let out = tmp("cap");
    let opts = DynOptions {
        max_dump_bytes: 1000,
        ..DynOptions::default()
    };
    let mut r = Recorder::new(PyVersion::new(3, 10), &out, opts).unwrap();
    let big = vec![0xe3u8; 2000];
    let err = r.code("marshal.loads", &big, &[1], None).unwrap_err();
    assert!(err.contains("exceed 1000 bytes"), "{err}");
    assert!(r.stopped.is_some());
    let _ = std::fs::remove_dir_all(out);
}
