//! Tests against the real interpreters installed on this machine. Each test
//! prints a notice and passes when the interpreters it needs are missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use pyctrace_pythons::corpus::{self, OracleRecord};
use pyctrace_pythons::{announce, find, from_path, installed, Interpreter};
use serde_json::{json, Value};

/// A fresh scratch folder under the target dir, for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = corpus::target_dir()
        .join("pyctrace-pythons-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a Python snippet (2.7 and 3.x compatible) with arguments.
fn run_python(interp: &Interpreter, code: &str, args: &[&Path]) {
    let out = Command::new(&interp.executable)
        .args(["-E", "-s", "-c", code])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} failed: {}",
        interp.full_version,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `py_compile` of `src` to `cfile`, recording `dfile` as co_filename.
fn py_compile(interp: &Interpreter, src: &Path, cfile: &Path, dfile: &str) {
    run_python(
        interp,
        "import py_compile, sys\n\
         py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3], doraise=True)",
        &[src, cfile, Path::new(dfile)],
    );
}

fn oracle_ok(interp: &Interpreter, files: &[PathBuf]) -> Vec<Value> {
    let records = corpus::oracle_marshal_json(interp, files).unwrap();
    assert_eq!(records.len(), files.len());
    records
        .into_iter()
        .zip(files)
        .map(|(OracleRecord { file, value }, expected)| {
            assert_eq!(&file, expected);
            value.unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        })
        .collect()
}

/// The code-object keys of the oracle format, by version (from the spec).
fn code_keys(version: (u8, u8)) -> Vec<&'static str> {
    if version >= (3, 11) {
        return vec![
            "co_argcount",
            "co_posonlyargcount",
            "co_kwonlyargcount",
            "co_stacksize",
            "co_flags",
            "co_code",
            "co_consts",
            "co_names",
            "co_varnames",
            "co_cellvars",
            "co_freevars",
            "co_nlocals",
            "co_filename",
            "co_name",
            "co_qualname",
            "co_firstlineno",
            "co_linetable",
            "co_exceptiontable",
        ];
    }
    let mut keys = vec![
        "co_argcount",
        "co_nlocals",
        "co_stacksize",
        "co_flags",
        "co_code",
        "co_consts",
        "co_names",
        "co_varnames",
        "co_freevars",
        "co_cellvars",
        "co_filename",
        "co_name",
        "co_firstlineno",
        "co_linetable",
    ];
    if version >= (3, 0) {
        keys.push("co_kwonlyargcount");
    }
    if version >= (3, 8) {
        keys.push("co_posonlyargcount");
    }
    keys
}

fn assert_code_keys(version: (u8, u8), code: &Value) {
    let mut got: Vec<&str> = code
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    let mut want = code_keys(version);
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "code keys for {version:?}");
}

/// A name as the code object holds it: 2.x `str` is bytes, 3.x `str` is text.
fn name(version: (u8, u8), hex: &str) -> Value {
    let kind = if version.0 == 2 { "bytes" } else { "str" };
    json!({"t": kind, "v": hex})
}

#[test]
fn discovery_finds_installed_versions() {
    let all = installed();
    if all.is_empty() {
        eprintln!("pyctrace-pythons: discovery: no pyenv interpreters found, skipping");
        return;
    }
    announce("discovery", &all.iter().collect::<Vec<_>>());
    for pair in all.windows(2) {
        assert!(pair[0].version < pair[1].version, "sorted, one per X.Y");
    }
    for interp in &all {
        let xy = interp.short_version();
        assert!(interp.full_version.starts_with(&format!("{xy}.")));
        assert!(interp.executable.is_file());
        assert!(
            interp.stdlib.join("os.py").is_file(),
            "{}",
            interp.stdlib.display()
        );
        assert_eq!(
            find(interp.version.0, interp.version.1).as_ref(),
            Some(interp)
        );

        // Asking the interpreter itself gives the same answers.
        let asked = from_path(&interp.executable).unwrap();
        assert_eq!(asked.version, interp.version);
        assert_eq!(asked.full_version, interp.full_version);
        let same = |a: &Path, b: &Path| a.canonicalize().unwrap() == b.canonicalize().unwrap();
        assert!(same(&asked.prefix, &interp.prefix));
        assert!(same(&asked.stdlib, &interp.stdlib));
        match (&asked.libpython, &interp.libpython) {
            (Some(a), Some(b)) => assert!(same(a, b), "{} vs {}", a.display(), b.display()),
            (a, b) => assert_eq!(a, b),
        }
    }
    assert_eq!(find(1, 5), None);
    assert!(from_path(Path::new("/nonexistent/python")).is_err());
}

#[test]
fn stdlib_corpus_3_11() {
    let Some(interp) = find(3, 11) else {
        eprintln!("pyctrace-pythons: corpus: Python 3.11 not installed, skipping");
        return;
    };
    announce("stdlib corpus", &[&interp]);
    let start = Instant::now();
    let corpus = corpus::stdlib_corpus(&interp).unwrap();
    eprintln!(
        "pyctrace-pythons: corpus {}: {} files in {:.2?} (at {})",
        interp.full_version,
        corpus.files.len(),
        start.elapsed(),
        corpus.root.display()
    );
    assert!(corpus.files.len() > 1000, "{} files", corpus.files.len());
    assert!(corpus.files.windows(2).all(|w| w[0] < w[1]), "sorted");
    assert!(corpus.files.contains(&corpus.root.join("os.pyc")));
    assert!(corpus.files.contains(&corpus.root.join("json/decoder.pyc")));
    assert!(!corpus
        .files
        .iter()
        .any(|f| f.to_string_lossy().contains("site-packages")));

    // Header flags word (bytes 4..8): 0 timestamp, 0b11 checked hash, 0b01 unchecked.
    let flags = |f: &PathBuf| {
        let data = std::fs::read(f).unwrap();
        u32::from_le_bytes(data[4..8].try_into().unwrap())
    };
    let under = |dir: &str| -> Vec<u32> {
        let base = corpus.root.join(dir);
        corpus
            .files
            .iter()
            .filter(|f| f.starts_with(&base))
            .map(flags)
            .collect()
    };
    let (checked, unchecked) = (under("checked-hash"), under("unchecked-hash"));
    assert!(!checked.is_empty() && checked.len() == unchecked.len());
    assert!(
        corpus.files.len() > 10 * checked.len(),
        "hash-based: a subset"
    );
    assert_eq!(
        under("json").into_iter().filter(|&f| f != 0).count(),
        0,
        "timestamp"
    );
    assert!(checked.iter().all(|&f| f == 3));
    assert!(unchecked.iter().all(|&f| f == 1));

    // Second call: served from the cache.
    let start = Instant::now();
    let again = corpus::stdlib_corpus(&interp).unwrap();
    assert_eq!(again.files, corpus.files);
    assert!(start.elapsed().as_secs() < 5, "cache not reused");

    // The oracle reads a slice of it.
    let some: Vec<PathBuf> = corpus.files.iter().step_by(97).cloned().collect();
    for value in oracle_ok(&interp, &some) {
        assert_eq!(value["t"], "code");
        assert_code_keys(interp.version, &value["v"]);
    }
}

#[test]
fn oracle_on_stdlib_files_2_7_and_3_13() {
    let wanted: Vec<Interpreter> = [(2, 7), (3, 13)]
        .into_iter()
        .filter_map(|(a, b)| find(a, b))
        .collect();
    announce("oracle smoke", &wanted.iter().collect::<Vec<_>>());
    for interp in &wanted {
        let dir = scratch(&format!("oracle-{}", interp.full_version));
        let mut files = Vec::new();
        for module in [
            "os.py",
            "string.py",
            "json/decoder.py",
            "collections/__init__.py",
        ] {
            let src = interp.stdlib.join(module);
            if !src.is_file() {
                continue; // 2.7 has collections.py
            }
            let cfile = dir.join(module.replace('/', "_") + "c");
            py_compile(interp, &src, &cfile, module);
            files.push(cfile);
        }
        assert!(files.len() >= 3);
        // A file too short for the header and one with a garbage body.
        let short = dir.join("short.pyc");
        std::fs::write(&short, b"\x03\xf3").unwrap();
        let garbage = dir.join("garbage.pyc");
        std::fs::write(&garbage, [&[0u8; 16][..], b"\xff\xfe\xfd"].concat()).unwrap();
        let mut all = files.clone();
        all.push(short);
        all.push(garbage);

        let records = corpus::oracle_marshal_json(interp, &all).unwrap();
        assert_eq!(records.len(), all.len());
        for (record, file) in records.iter().zip(&all) {
            assert_eq!(&record.file, file);
        }
        let module_name = name(interp.version, "3c6d6f64756c653e"); // "<module>"
        for record in &records[..files.len()] {
            let value = record.value.as_ref().unwrap();
            assert_eq!(value["t"], "code");
            let code = &value["v"];
            assert_code_keys(interp.version, code);
            assert_eq!(code["co_name"], module_name);
            assert_eq!(code["co_argcount"], 0);
            assert_eq!(code["co_code"]["t"], "bytes");
            assert_eq!(code["co_consts"]["t"], "tuple");
        }
        for record in &records[files.len()..] {
            assert!(record.value.is_err(), "{}", record.file.display());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn hand_made_module_on_every_version() {
    let all = installed();
    if all.is_empty() {
        eprintln!("pyctrace-pythons: hand-made module: no interpreters, skipping");
        return;
    }
    announce("hand-made module", &all.iter().collect::<Vec<_>>());
    let dir = scratch("hand");
    let src = dir.join("hand.py");
    std::fs::write(
        &src,
        "x = (1, 2.5, b'a', u'\\xe9', None, frozenset({1}))\ny = x in {10, 9}\n",
    )
    .unwrap();

    for interp in &all {
        let v = interp.version;
        let cfile = dir.join(format!("hand-{}.pyc", interp.full_version));
        py_compile(interp, &src, &cfile, "hand.py");
        let value = oracle_ok(interp, &[cfile]).remove(0);
        assert_eq!(value["t"], "code", "{v:?}");
        let code = &value["v"];
        assert_code_keys(v, code);
        assert_eq!(code["co_argcount"], 0);
        assert_eq!(code["co_firstlineno"], 1);
        assert_eq!(code["co_filename"], name(v, "68616e642e7079")); // "hand.py"
        assert_eq!(code["co_name"], name(v, "3c6d6f64756c653e")); // "<module>"
        if v >= (3, 11) {
            assert_eq!(code["co_qualname"], name(v, "3c6d6f64756c653e"));
            assert_eq!(code["co_exceptiontable"], json!({"t": "bytes", "v": ""}));
        }
        assert_eq!(code["co_varnames"], json!({"t": "tuple", "v": []}));

        let names = code["co_names"]["v"].as_array().unwrap();
        for n in ["78", "79", "66726f7a656e736574"] {
            // x, y, frozenset
            assert!(names.contains(&name(v, n)), "{v:?}: {n} in {names:?}");
        }

        let consts = code["co_consts"]["v"].as_array().unwrap();
        let mut want = vec![
            json!({"t": "int", "v": "1"}),
            json!({"t": "float", "v": "4004000000000000"}), // 2.5 = 1.25 * 2^1
            json!({"t": "bytes", "v": "61"}),               // b'a' (a 2.x str)
            json!({"t": "str", "v": "c3a9"}),               // U+00E9 in UTF-8
            json!({"t": "none"}),
        ];
        if v >= (3, 0) {
            // `x in {10, 9}` is folded into a frozenset constant (not by
            // 2.7); elements sorted by JSON text: "10" before "9".
            want.push(json!({"t": "frozenset", "v": [
                {"t": "int", "v": "10"},
                {"t": "int", "v": "9"},
            ]}));
        }
        for c in &want {
            assert!(consts.contains(c), "{v:?}: {c} in {consts:?}");
        }
        assert!(
            consts.iter().all(|c| c["t"] != "tuple"),
            "{v:?}: the tuple is not constant"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every kind of value marshal can hold, dumped by each interpreter itself.
#[test]
fn marshalled_values_on_every_version() {
    let all = installed();
    if all.is_empty() {
        eprintln!("pyctrace-pythons: marshalled values: no interpreters, skipping");
        return;
    }
    announce("marshalled values", &all.iter().collect::<Vec<_>>());
    let dir = scratch("values");
    let make = "import marshal, sys\n\
        v = sys.version_info\n\
        header = 8 if v < (3, 3) else 12 if v < (3, 7) else 16\n\
        obj = (frozenset([10, 9]), set([b'b', b'a']), {u'k': [True, False]}, \
               complex(1.5, -0.0), 2 ** 70, -5, 0.1, StopIteration, Ellipsis, None, \
               u'\\u20ac', b'\\x00\\xff')\n\
        f = open(sys.argv[1], 'wb')\n\
        f.write(b'\\0' * header + marshal.dumps(obj))\n\
        f.close()\n";
    let expected = json!({"t": "tuple", "v": [
        {"t": "frozenset", "v": [{"t": "int", "v": "10"}, {"t": "int", "v": "9"}]},
        {"t": "set", "v": [{"t": "bytes", "v": "61"}, {"t": "bytes", "v": "62"}]},
        {"t": "dict", "v": [[
            {"t": "str", "v": "6b"},
            {"t": "list", "v": [{"t": "true"}, {"t": "false"}]},
        ]]},
        // 1.5 = 1.1b * 2^0 -> 0x3ff8...; -0.0 is the sign bit alone.
        {"t": "complex", "re": "3ff8000000000000", "im": "8000000000000000"},
        {"t": "int", "v": "1180591620717411303424"},
        {"t": "int", "v": "-5"},
        {"t": "float", "v": "3fb999999999999a"},
        {"t": "stopiter"},
        {"t": "ellipsis"},
        {"t": "none"},
        {"t": "str", "v": "e282ac"},
        {"t": "bytes", "v": "00ff"},
    ]});
    for interp in &all {
        let file = dir.join(format!("values-{}.pyc", interp.full_version));
        run_python(interp, make, &[&file]);
        let value = oracle_ok(interp, &[file]).remove(0);
        assert_eq!(value, expected, "{}", interp.full_version);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Whole stdlib of every installed version, compiled afresh into a private
/// cache and put through the oracle, with timings. Slow (a minute or two):
/// `cargo test -p pyctrace-pythons -- --ignored --nocapture`.
#[test]
#[ignore]
fn every_stdlib_through_the_oracle() {
    let all = installed();
    announce(
        "every stdlib through the oracle",
        &all.iter().collect::<Vec<_>>(),
    );
    let cache = scratch("every-stdlib");
    for interp in &all {
        let start = Instant::now();
        let corpus = corpus::stdlib_corpus_in(interp, &cache).unwrap();
        assert!(corpus.root.starts_with(&cache));
        let built = start.elapsed();
        let start = Instant::now();
        let (mut ok, mut failed) = (0, Vec::new());
        for batch in corpus.files.chunks(500) {
            for record in corpus::oracle_marshal_json(interp, batch).unwrap() {
                match record.value {
                    Ok(value) => {
                        assert_eq!(value["t"], "code");
                        ok += 1;
                    }
                    Err(e) => failed.push(format!("{}: {e}", record.file.display())),
                }
            }
        }
        eprintln!(
            "pyctrace-pythons: {}: corpus {} files in {:.2?}, oracle {ok} ok {} failed in {:.2?}",
            interp.full_version,
            corpus.files.len(),
            built,
            failed.len(),
            start.elapsed()
        );
        assert!(failed.is_empty(), "{failed:#?}");
        std::fs::remove_dir_all(&corpus.root).unwrap();
    }
    let _ = std::fs::remove_dir_all(&cache);
}
