//! `input()` reads the program's stdin: a program fed the same lines prints
//! under the VM what it prints under every installed 3.8-3.13 (prompts go
//! to stdout, end of input raises EOFError).

#[allow(dead_code)]
mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;

const PROGRAM: &str = r#"name = input("name? ")
n = int(input())
print("hello", name, n * 2)
print(repr(input("last: ")))
try:
    input("more? ")
except EOFError as e:
    print("EOFError", e)
"#;

const STDIN: &str = "Ada Lovelace\n21\n  spaced line  ";

fn real_with_stdin(interp: &pyctrace_pythons::Interpreter, src: &std::path::Path) -> String {
    let mut child = Command::new(&interp.executable)
        .arg(src)
        .env("PYTHONHASHSEED", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(STDIN.as_bytes())
        .expect("feed stdin");
    let out = child.wait_with_output().expect("python output");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn input_reads_stdin_like_cpython() {
    let interps = interpreters();
    if interps.is_empty() {
        eprintln!("no CPython 3.8-3.13 installed: stdin test skipped");
        return;
    }
    let scratch = scratch_dir("stdin");
    let src = scratch.join("stdin_input.py");
    std::fs::write(&src, PROGRAM).expect("write program");
    for interp in &interps {
        let pyc = compile(interp, &src, &scratch);
        let expected = real_with_stdin(interp, &src);
        let parsed = pyctrace_marshal::read_pyc(&pyc, &Default::default()).expect("load pyc");
        let mut io = pyctrace_vm::BufferIo {
            stdin: STDIN.split('\n').map(str::to_string).collect(),
            ..Default::default()
        };
        let status = pyctrace_vm::run(&parsed, &Default::default(), &mut io);
        assert_eq!(
            status.map(|s| s.code()),
            Ok(0),
            "{}",
            interp.short_version()
        );
        assert_eq!(io.stdout, expected, "{}", interp.short_version());
        assert!(expected.contains("EOFError EOF when reading a line"));
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
