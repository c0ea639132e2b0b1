//! The vm engine's sandbox, checked from outside: a program that tries to
//! write, delete, list directories, spawn processes, open sockets, read the
//! environment and load native code leaves the host untouched, and every
//! attempt appears in `--effects json`.

use std::process::Command;

const PROGRAM: &str = r#"
import os, sys, socket, subprocess, time
M = sys.argv[1]
f = open(M + ".written", "w")
f.write("pwned")
f.close()
os.remove(M + ".victim")
print("listed", os.listdir("/"))
print("system", os.system("touch " + M + ".spawned"))
subprocess.run(["touch", M + ".spawned2"])
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9))
except OSError as e:
    print("connect failed")
print("env", os.getenv("HOME"))
try:
    import ctypes
except ImportError:
    print("no ctypes")
print("mapped", open("input.txt").read().strip())
t0 = time.time(); time.sleep(30); print("slept", time.time() - t0 >= 30)
print("done")
"#;

#[test]
fn sandbox_leaves_host_untouched() {
    let Some(py) = pyctrace_pythons::find(3, 11).or_else(|| pyctrace_pythons::find(3, 12)) else {
        eprintln!("no CPython 3.11/3.12 to compile the sandbox program: skipped");
        return;
    };
    let dir = std::env::temp_dir().join(format!("pyctrace-sandbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("effects.py");
    std::fs::write(&src, PROGRAM).unwrap();
    let pyc = dir.join("effects.pyc");
    let ok = Command::new(&py.executable)
        .args(["-c", "import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)"])
        .arg(&src)
        .arg(&pyc)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let marker = dir.join("marker");
    let victim = dir.join("marker.victim");
    std::fs::write(&victim, "keep me").unwrap();
    let input = dir.join("input.txt");
    std::fs::write(&input, "hello from the host\n").unwrap();
    let effects = dir.join("effects.json");
    let out = Command::new(env!("CARGO_BIN_EXE_pyctrace"))
        .arg("run")
        .arg(&pyc)
        .arg("--map-file")
        .arg(format!("{}=input.txt", input.display()))
        .args(["--effects", "json", "--effects-output"])
        .arg(&effects)
        .arg("--")
        .arg(&marker)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout {stdout}\nstderr {stderr}"
    );
    for want in [
        "system 0",
        "connect failed",
        "env None",
        "no ctypes",
        "mapped hello from the host",
        "slept True",
        "done",
    ] {
        assert!(stdout.contains(want), "stdout lacks {want:?}:\n{stdout}");
    }
    // the host, from outside
    for ext in ["written", "spawned", "spawned2"] {
        assert!(
            !dir.join(format!("marker.{ext}")).exists(),
            "marker.{ext} exists"
        );
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let json = std::fs::read_to_string(&effects).unwrap();
    for kind in [
        "write",
        "delete",
        "listdir",
        "spawn",
        "connect",
        "env",
        "load-native",
    ] {
        assert!(
            json.contains(&format!("\"kind\":\"{kind}\"")),
            "effects lack {kind}:\n{json}"
        );
    }
    assert!(json.contains("marker.written") && json.contains("127.0.0.1:9"));
    let _ = std::fs::remove_dir_all(&dir);
}
