//! Helpers shared by the VM tests: compiling programs with real
//! interpreters and running them in the VM.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use pyctrace_pythons::Interpreter;

/// The interpreters of the release lines the VM runs (3.8-3.13), installed here.
pub fn interpreters() -> Vec<Interpreter> {
    pyctrace_pythons::installed()
        .into_iter()
        .filter(|i| i.version.0 == 3 && (8..=13).contains(&i.version.1))
        .collect()
}

pub fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/programs/vm")
}

pub fn scratch_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pyctrace-vm-{}-{}", tag, std::process::id()));
    std::fs::create_dir_all(&d).expect("create scratch dir");
    d
}

/// The oldest release a program needs, from a first-line comment
/// `# requires: 3.10` (for syntax older compilers reject, like `match`).
pub fn required_version(src: &Path) -> Option<(u32, u32)> {
    let text = std::fs::read_to_string(src).ok()?;
    let first = text.lines().next()?;
    let v = first.trim().strip_prefix("# requires:")?.trim();
    let (major, minor) = v.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Whether `interp` can compile `src` (see [`required_version`]).
pub fn can_compile(interp: &Interpreter, src: &Path) -> bool {
    required_version(src).is_none_or(|(major, minor)| {
        (interp.version.0 as u32, interp.version.1 as u32) >= (major, minor)
    })
}

/// Compiles `src` with `interp` (py_compile, `co_filename` = the file name).
pub fn compile(interp: &Interpreter, src: &Path, out_dir: &Path) -> Vec<u8> {
    let name = src.file_name().unwrap().to_string_lossy().into_owned();
    let out = out_dir.join(format!("{}.{}.pyc", name, interp.short_version()));
    let script = "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3], doraise=True)";
    let status = Command::new(&interp.executable)
        .args(["-c", script])
        .arg(src)
        .arg(&out)
        .arg(&name)
        .status()
        .expect("run python");
    assert!(status.success(), "py_compile failed for {}", src.display());
    std::fs::read(&out).expect("read pyc")
}

/// stdout of the real interpreter running `src`.
pub fn real_stdout(interp: &Interpreter, src: &Path) -> String {
    let out = Command::new(&interp.executable)
        .arg(src)
        .env("PYTHONHASHSEED", "0")
        .output()
        .expect("run python");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn run_python(interp: &Interpreter, code: &str, args: &[&str]) -> String {
    let out = Command::new(&interp.executable)
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a .pyc in the VM: (stdout, stderr, exit code or VM error text).
pub fn vm_run(pyc: &[u8], max_instructions: Option<u64>) -> (String, String, Result<i32, String>) {
    let parsed = match pyctrace_marshal::read_pyc(pyc, &Default::default()) {
        Ok(p) => p,
        Err(e) => return (String::new(), String::new(), Err(format!("load: {}", e))),
    };
    let mut io = pyctrace_vm::BufferIo::default();
    let config = pyctrace_vm::VmConfig {
        max_instructions,
        ..Default::default()
    };
    let r = pyctrace_vm::run(&parsed, &config, &mut io);
    (
        io.stdout,
        io.stderr,
        r.map(|s| s.code()).map_err(|e| e.to_string()),
    )
}
