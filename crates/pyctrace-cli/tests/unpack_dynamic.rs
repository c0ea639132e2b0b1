//! `pyctrace unpack --engine vm|cpython`, checked against the layered
//! corpus's generator record (samples/layered/manifest.json) and the real
//! interpreters:
//!
//! * the dynamic tree (kind, parent, payload hash and size of every layer)
//!   is the generator's, the innermost layer is the final program;
//! * every dumped `.pyc` (and every dumped source's compiled `.pyc`) runs
//!   under the real interpreter with the plain program's stdout, and every
//!   dumped source compiles;
//! * static unpacking finds the same layers as the dynamic run;
//! * under `--engine vm` a payload that writes a marker file leaves no file;
//! * thousands of layers and decompression bombs stop cleanly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn pyctrace(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pyctrace"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run pyctrace")
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pyctrace-unpack-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// (kind, parent, payload sha256, payload size) per layer.
fn tree(layers: &Value) -> Vec<(String, u64, String, u64)> {
    layers
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_string(),
                l["parent"].as_u64().unwrap(),
                l["payload_sha256"].as_str().unwrap().to_string(),
                l["payload_size"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn python_run(exe: &Path, file: &Path) -> Output {
    Command::new(exe)
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("run python")
}

/// Checks one sample's dynamic unpacking with `engine`; returns the dir.
fn check_sample(sample: &Value, engine: &str) -> Result<PathBuf, String> {
    let rel = sample["file"].as_str().unwrap();
    let version = sample["version"].as_str().unwrap();
    let (maj, min) = version.split_once('.').unwrap();
    let interp = pyctrace_pythons::find(maj.parse().unwrap(), min.parse().unwrap())
        .ok_or_else(|| format!("skip: no Python {version}"))?;
    let input = root().join("samples/layered").join(rel);
    let dir = tmpdir(&format!("{engine}-{}", rel.replace('/', "_")));
    let out = pyctrace(&[
        "unpack".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        dir.as_os_str(),
        "--engine".as_ref(),
        engine.as_ref(),
    ]);
    let stdout_want = sample["stdout_sha256"].as_str().unwrap();
    if !out.status.success() {
        return Err(format!(
            "{rel}: unpack failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // the program itself ran to its end with its own output (printed first)
    let text = String::from_utf8_lossy(&out.stdout);
    let program_out = text
        .split_once(&format!("{}: Python", input.display()))
        .map(|(a, _)| a)
        .unwrap_or("");
    if sha256_hex(program_out.as_bytes()) != stdout_want {
        return Err(format!(
            "{rel}: the program's output under unpack differs:\n{text}"
        ));
    }
    let m = read_json(&dir.join("manifest.json"));
    let mut want = tree(&sample["layers"]);
    let mut have = tree(&m["layers"]);
    let layers = m["layers"].as_array().unwrap();
    // A payload the engine could only re-marshal from the running code
    // (cpython engine: 2.7, and marshal layers on 3.8) or whose source
    // text it could not see (2.7) is compared by kind and parent only; the
    // dumped code must still run like the program (below).
    for (i, l) in layers.iter().enumerate() {
        if !l["note"].is_null() && i < want.len() {
            want[i].2.clear();
            want[i].3 = 0;
            have[i].2.clear();
            have[i].3 = 0;
        }
    }
    if want != have {
        return Err(format!(
            "{rel}: tree differs\n want {want:?}\n have {have:?}"
        ));
    }
    let last = layers.last().unwrap();
    let finals: Vec<&str> = m["final_program"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    if finals != [last["file"].as_str().unwrap()] {
        return Err(format!(
            "{rel}: final program {finals:?}, want the innermost layer"
        ));
    }
    for l in layers {
        let mut pycs = Vec::new();
        let file = dir.join(l["file"].as_str().unwrap());
        if l["kind"] == "source" && file.extension().is_some_and(|e| e == "py") {
            // the dumped source compiles under the real interpreter
            let ok = Command::new(&interp.executable)
                .args([
                    "-c",
                    "import sys; compile(open(sys.argv[1], 'rb').read(), sys.argv[1], 'exec')",
                ])
                .arg(&file)
                .status()
                .unwrap()
                .success();
            if !ok {
                return Err(format!("{rel}: {} does not compile", file.display()));
            }
            if let Some(c) = l["compiled"].as_str() {
                pycs.push(dir.join(c));
            }
        } else {
            // a marshal layer, or a 2.7 source layer known by its code only
            pycs.push(file);
        }
        for pyc in pycs {
            let r = python_run(&interp.executable, &pyc);
            if !r.status.success() || sha256_hex(&r.stdout) != stdout_want {
                return Err(format!(
                    "{rel}: {} does not run like the program under Python {version}: {}",
                    pyc.display(),
                    String::from_utf8_lossy(&r.stderr)
                ));
            }
        }
    }
    Ok(dir)
}

fn corpus() -> Vec<Value> {
    let m = read_json(&root().join("samples/layered/manifest.json"));
    m["samples"].as_array().unwrap().clone()
}

#[test]
fn vm_engine_recovers_every_layered_sample() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for s in corpus() {
        if s["version"] == "2.7" {
            continue; // the vm engine runs 3.8-3.13: 2.7 goes through the cpython engine
        }
        match check_sample(&s, "vm") {
            Ok(dir) => {
                checked += 1;
                let _ = std::fs::remove_dir_all(dir);
            }
            Err(e) if e.starts_with("skip:") => eprintln!("{}: {e}", s["file"]),
            Err(e) => failures.push(e),
        }
    }
    eprintln!("vm engine: {checked} layered samples recovered");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn cpython_engine_recovers_every_layered_sample() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for s in corpus() {
        match check_sample(&s, "cpython") {
            Ok(dir) => {
                checked += 1;
                let _ = std::fs::remove_dir_all(dir);
            }
            Err(e) if e.starts_with("skip:") => eprintln!("{}: {e}", s["file"]),
            Err(e) => failures.push(e),
        }
    }
    eprintln!("cpython engine: {checked} layered samples recovered");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn static_unpacking_finds_the_dynamic_layers() {
    let mut compared = 0;
    let mut failures = Vec::new();
    for s in corpus() {
        let rel = s["file"].as_str().unwrap();
        if s["version"] == "2.7" {
            continue;
        }
        let (maj, min) = s["version"].as_str().unwrap().split_once('.').unwrap();
        if pyctrace_pythons::find(maj.parse().unwrap(), min.parse().unwrap()).is_none() {
            eprintln!("{rel}: no interpreter (source layers cannot be compiled): skipped");
            continue;
        }
        let input = root().join("samples/layered").join(rel);
        let stat = tmpdir(&format!("static-{}", rel.replace('/', "_")));
        let dynd = tmpdir(&format!("dyn-{}", rel.replace('/', "_")));
        let a = pyctrace(&[
            "unpack".as_ref(),
            input.as_os_str(),
            "-o".as_ref(),
            stat.as_os_str(),
        ]);
        let b = pyctrace(&[
            "unpack".as_ref(),
            input.as_os_str(),
            "-o".as_ref(),
            dynd.as_os_str(),
            "--engine".as_ref(),
            "vm".as_ref(),
        ]);
        assert!(a.status.success() && b.status.success(), "{rel}");
        let ms = read_json(&stat.join("manifest.json"));
        let md = read_json(&dynd.join("manifest.json"));
        let (ts, td) = (tree(&ms["layers"]), tree(&md["layers"]));
        if ts != td {
            failures.push(format!("{rel}: static {ts:?}\n dynamic {td:?}"));
        }
        // the same files, byte for byte
        for (ls, ld) in ms["layers"]
            .as_array()
            .unwrap()
            .iter()
            .zip(md["layers"].as_array().unwrap())
        {
            let fs = std::fs::read(stat.join(ls["file"].as_str().unwrap())).unwrap();
            let fd = std::fs::read(dynd.join(ld["file"].as_str().unwrap())).unwrap();
            if fs != fd {
                failures.push(format!("{rel}: layer {} files differ", ls["index"]));
            }
            // the static layer's sink (exec/eval call) is the instruction
            // that ran the dynamic layer
            let (ps, pd) = (&ls["produced_by"], &ld["executed_by"]);
            if ps["code_object"] != pd["code_object"] || ps["offset"] != pd["offset"] {
                failures.push(format!(
                    "{rel}: layer {} run by {ps} statically, {pd} dynamically",
                    ls["index"]
                ));
            }
        }
        compared += 1;
        let _ = std::fs::remove_dir_all(stat);
        let _ = std::fs::remove_dir_all(dynd);
    }
    eprintln!("static = dynamic on {compared} samples");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A .pyc of `source` compiled by `exe`.
fn compile_pyc(exe: &Path, source: &str, dir: &Path, name: &str) -> PathBuf {
    let src = dir.join(format!("{name}.py"));
    std::fs::write(&src, source).unwrap();
    let pyc = dir.join(format!("{name}.pyc"));
    let ok = Command::new(exe)
        .args([
            "-c",
            "import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
        ])
        .arg(&src)
        .arg(&pyc)
        .status()
        .unwrap()
        .success();
    assert!(ok, "py_compile {name}");
    pyc
}

/// Output of `code` run by `exe` (a helper computing test data).
fn python_eval(exe: &Path, code: &str) -> String {
    let out = Command::new(exe).args(["-c", code]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn vm_payload_never_touches_the_host() {
    let Some(py) = pyctrace_pythons::find(3, 12).or_else(|| pyctrace_pythons::find(3, 11)) else {
        eprintln!("no CPython 3.11/3.12 to build the marker program: skipped");
        return;
    };
    let dir = tmpdir("marker");
    let marker = dir.join("MARKER");
    // The payload (layer 2, a source layer inside a marshal layer) writes
    // the marker with open() and with os.system.
    let payload = format!(
        "import os\nopen({m:?}, 'w').write('pwned')\nos.system('touch {m}.sh')\nprint('payload ran')\n",
        m = marker.display().to_string()
    );
    let wrapper = python_eval(
        &py.executable,
        &format!(
            "import marshal, zlib, base64\n\
             inner = 'import zlib\\nexec(zlib.decompress(%r))\\n' % zlib.compress({payload:?}.encode())\n\
             print(repr(base64.b64encode(marshal.dumps(compile(inner, '<l1>', 'exec')))))"
        ),
    );
    let program =
        format!("import marshal, base64\nexec(marshal.loads(base64.b64decode({wrapper})))\n");
    let pyc = compile_pyc(&py.executable, &program, &dir, "dropper");
    let out_dir = dir.join("out");
    let out = pyctrace(&[
        "unpack".as_ref(),
        pyc.as_os_str(),
        "-o".as_ref(),
        out_dir.as_os_str(),
        "--engine".as_ref(),
        "vm".as_ref(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("payload ran"), "{text}");
    assert!(
        !marker.exists(),
        "the payload wrote {} on the host",
        marker.display()
    );
    assert!(
        !dir.join("MARKER.sh").exists(),
        "the payload spawned a process on the host"
    );
    let m = read_json(&out_dir.join("manifest.json"));
    let layers = m["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2, "{m:#}");
    assert_eq!(layers[1]["kind"], "source");
    assert_eq!(layers[1]["parent"], 1);
    let src = std::fs::read_to_string(out_dir.join(layers[1]["file"].as_str().unwrap())).unwrap();
    assert_eq!(
        src, payload,
        "the dumped payload is the source the program executed"
    );
    let effects = m["run"]["effects"].to_string();
    assert!(
        effects.contains("MARKER"),
        "the attempt is recorded: {effects}"
    );
    // The same program under the real interpreter does write the marker:
    // the check above can fail.
    let real = python_run(&py.executable, &pyc);
    assert!(real.status.success());
    assert!(
        marker.exists(),
        "control run: the real interpreter writes the marker"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Unpacks a program that runs `exec(marshal.loads(...))` 100,000 times
/// with `--max-layers max`: the run must stop there cleanly, print that it
/// did, never reach the program's last line, and record `max` layers.
/// Returns the output folder and the manifest.
fn unpack_many_layers(
    py: &pyctrace_pythons::Interpreter,
    dir: &Path,
    engine: &str,
    max: usize,
) -> (PathBuf, serde_json::Value) {
    let blob = python_eval(
        &py.executable,
        "import marshal; print(repr(marshal.dumps(compile('x = 1', '<l>', 'exec'))))",
    );
    let program = format!(
        "import marshal\nfor i in range(100000):\n    exec(marshal.loads({blob}))\nprint('never')\n"
    );
    let pyc = compile_pyc(&py.executable, &program, dir, "many");
    let out_dir = dir.join("out");
    let max_text = max.to_string();
    let out = pyctrace(&[
        "unpack".as_ref(),
        pyc.as_os_str(),
        "-o".as_ref(),
        out_dir.as_os_str(),
        "--engine".as_ref(),
        engine.as_ref(),
        "--max-layers".as_ref(),
        max_text.as_ref(),
    ]);
    let v = py.short_version();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{engine} {v}: {text}");
    assert!(!text.contains("never"), "{engine} {v}: {text}");
    assert!(
        text.contains(&format!("--max-layers {max} reached")),
        "{engine} {v}: {text}"
    );
    let m = read_json(&out_dir.join("manifest.json"));
    assert_eq!(m["layers"].as_array().unwrap().len(), max, "{engine} {v}");
    (out_dir, m)
}

#[test]
fn thousands_of_layers_stop_at_max_layers() {
    let Some(py) = pyctrace_pythons::find(3, 12).or_else(|| pyctrace_pythons::find(3, 11)) else {
        eprintln!("no CPython 3.11/3.12: skipped");
        return;
    };
    let dir = tmpdir("many");
    let (out_dir, m) = unpack_many_layers(&py, &dir, "vm", 10);
    assert!(m["stopped"].as_str().unwrap().contains("--max-layers 10"));
    let dumped = std::fs::read_dir(&out_dir).unwrap().count();
    assert_eq!(dumped, 11, "10 layers and the manifest");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn decompression_bomb_stops_at_the_memory_cap() {
    let Some(py) = pyctrace_pythons::find(3, 12).or_else(|| pyctrace_pythons::find(3, 11)) else {
        eprintln!("no CPython 3.11/3.12: skipped");
        return;
    };
    let dir = tmpdir("bomb");
    // 1 GiB of zeros, about 1 MB compressed.
    let bomb = dir.join("bomb.bin");
    python_eval(
        &py.executable,
        &format!(
            "import zlib\nc = zlib.compressobj(9)\nz = bytes(1 << 24)\n\
             with open({:?}, 'wb') as f:\n    for _ in range(64): f.write(c.compress(z))\n    f.write(c.flush())",
            bomb.display().to_string()
        ),
    );
    let program = "import zlib, marshal\nwith open('bomb.bin', 'rb') as f:\n    data = f.read()\n\
                   exec(marshal.loads(zlib.decompress(data)))\nprint('never')\n";
    let pyc = compile_pyc(&py.executable, program, &dir, "bomb");
    let out_dir = dir.join("out");
    let map = format!("{}=bomb.bin", bomb.display());
    let out = pyctrace(&[
        "unpack".as_ref(),
        pyc.as_os_str(),
        "-o".as_ref(),
        out_dir.as_os_str(),
        "--engine".as_ref(),
        "vm".as_ref(),
        "--max-memory".as_ref(),
        "100000000".as_ref(),
        "--map-file".as_ref(),
        map.as_ref(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("memory limit reached"), "{text}");
    assert!(!text.contains("never"));
    let m = read_json(&out_dir.join("manifest.json"));
    assert_eq!(m["layers"].as_array().unwrap().len(), 0);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn vm_compile_without_interpreter_dumps_the_source_and_stops() {
    // 3.12/01_recursion_s.pyc: one source layer around the program.
    let input = root().join("samples/layered/3.12/01_recursion_s.pyc");
    let want = corpus()
        .into_iter()
        .find(|s| s["file"] == "3.12/01_recursion_s.pyc")
        .unwrap();
    let dir = tmpdir("nocompiler");
    let empty = dir.join("no-pyenv");
    std::fs::create_dir_all(&empty).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pyctrace"))
        .arg("unpack")
        .arg(&input)
        .arg("-o")
        .arg(dir.join("out"))
        .args(["--engine", "vm"])
        .env("PYENV_ROOT", &empty)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("no Python 3.12 installed") && text.contains("layer-1-source.py"),
        "the message names what is missing and where the source is: {text}"
    );
    assert!(
        !text.contains("flatten"),
        "the program must not have run on: {text}"
    );
    let m = read_json(&dir.join("out/manifest.json"));
    let layers = m["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0]["kind"], "source");
    assert_eq!(
        layers[0]["payload_sha256"],
        want["layers"][0]["payload_sha256"]
    );
    assert!(m["stopped"].as_str().unwrap().contains("Python 3.12"));
    let _ = std::fs::remove_dir_all(dir);
}

/// `exec`, `eval`, `compile`, `globals`, `locals` in `pyctrace run` (vm
/// engine; source compiled by the real interpreter) print what CPython
/// prints, on every installed 3.8-3.13.
#[test]
fn vm_exec_eval_compile_match_cpython() {
    let src = root().join("tests/programs/unpack/exec_eval.py");
    let source = std::fs::read_to_string(&src).unwrap();
    let dir = tmpdir("execeval");
    let mut compared = Vec::new();
    for minor in 8..=13u8 {
        let Some(py) = pyctrace_pythons::find(3, minor) else {
            eprintln!("no Python 3.{minor}: skipped");
            continue;
        };
        let pyc = compile_pyc(
            &py.executable,
            &source,
            &dir,
            &format!("exec_eval_3{minor}"),
        );
        let real = python_run(&py.executable, &pyc);
        let vm = pyctrace(&["run".as_ref(), pyc.as_os_str()]);
        assert!(real.status.success());
        assert_eq!(
            String::from_utf8_lossy(&vm.stdout),
            String::from_utf8_lossy(&real.stdout),
            "3.{minor}: {}",
            String::from_utf8_lossy(&vm.stderr)
        );
        compared.push(format!("3.{minor}"));
    }
    eprintln!("exec/eval/compile identical on {}", compared.join(", "));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cpython_engine_stops_at_max_layers() {
    for (maj, min) in [(2u8, 7u8), (3, 8), (3, 12)] {
        let Some(py) = pyctrace_pythons::find(maj, min) else {
            eprintln!("no Python {maj}.{min}: skipped");
            continue;
        };
        let dir = tmpdir(&format!("cpy-many-{maj}{min}"));
        unpack_many_layers(&py, &dir, "cpython", 5);
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Marshal data sharing one code object 2^60 ways through references loads
/// once (as in CPython), in the vm engine's marshal.loads and in the
/// unpacker's bookkeeping.
#[test]
fn shared_references_do_not_explode() {
    let Some(py) = pyctrace_pythons::find(3, 12).or_else(|| pyctrace_pythons::find(3, 11)) else {
        eprintln!("no CPython 3.11/3.12: skipped");
        return;
    };
    let dir = tmpdir("dag");
    let blob = python_eval(
        &py.executable,
        "import marshal\nc = compile('x = 1', '<l>', 'exec')\n\
         for i in range(60): c = c.replace(co_consts=(c, c, None))\n\
         print(repr(marshal.dumps(c)))",
    );
    let program = format!("import marshal\nexec(marshal.loads({blob}))\nprint('ran')\n");
    let pyc = compile_pyc(&py.executable, &program, &dir, "dag");
    let out_dir = dir.join("out");
    let out = pyctrace(&[
        "unpack".as_ref(),
        pyc.as_os_str(),
        "-o".as_ref(),
        out_dir.as_os_str(),
        "--engine".as_ref(),
        "vm".as_ref(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("ran"), "{text}");
    let m = read_json(&out_dir.join("manifest.json"));
    assert_eq!(m["layers"].as_array().unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(dir);
}

/// `--dump-buffers` keeps each decoder call's input and output; the last
/// buffer of a layer's chain is its payload.
#[test]
fn dump_buffers_keep_the_decoding_chain() {
    // 3.12/04_mini_vm_s-s-m-s.pyc: layer 1 is zlib(base85(hex(source)))
    let input = root().join("samples/layered/3.12/04_mini_vm_s-s-m-s.pyc");
    if pyctrace_pythons::find(3, 12).is_none() {
        eprintln!("no Python 3.12 (source layers): skipped");
        return;
    }
    let dir = tmpdir("buffers");
    let out = pyctrace(&[
        "unpack".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        dir.as_os_str(),
        "--engine".as_ref(),
        "vm".as_ref(),
        "--dump-buffers".as_ref(),
    ]);
    assert!(out.status.success());
    let m = read_json(&dir.join("manifest.json"));
    let l1 = &m["layers"][0];
    assert_eq!(
        l1["decode_steps"],
        serde_json::json!(["zlib", "base85", "hex"])
    );
    let bufs: Vec<&str> = l1["buffers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert_eq!(bufs.len(), 4, "{bufs:?}");
    let payload = std::fs::read(dir.join(l1["file"].as_str().unwrap())).unwrap();
    assert_eq!(std::fs::read(dir.join(bufs[3])).unwrap(), payload);
    // the first buffer is the constant the generator recorded
    let want = corpus()
        .into_iter()
        .find(|s| s["file"] == "3.12/04_mini_vm_s-s-m-s.pyc")
        .unwrap();
    let constant = std::fs::read(dir.join(bufs[0])).unwrap();
    assert_eq!(
        sha256_hex(&constant),
        want["layers"][0]["constant_sha256"].as_str().unwrap()
    );
    let _ = std::fs::remove_dir_all(dir);
}
