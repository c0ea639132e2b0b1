//! CLI tests as data: every `tests/cli/*.case` file is a script of
//!   `@file NAME HEX`    write bytes (hex, spaces allowed) to a temp file NAME
//!   `@copy NAME PATH`   copy a repo file (relative to the repo root) to NAME
//!   `$ ARGS`            run pyctrace with ARGS ({tmp} expands to the temp dir)
//!   `? N`               expected exit status of the last command
//!   `> TEXT`            a stdout line must contain TEXT
//!   `! TEXT`            stderr must contain TEXT
//!   `= A B`             files A and B (in the temp dir) are byte-identical
//! Lines starting with `#` are comments.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

fn run_case(path: &Path, root: &Path) {
    let tmp = std::env::temp_dir().join(format!(
        "pyctrace-cli-{}-{}",
        path.file_stem().unwrap().to_string_lossy(),
        std::process::id()
    ));
    std::fs::create_dir_all(&tmp).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let mut last: Option<Output> = None;
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    for (n, line) in text.lines().enumerate() {
        let at = format!("{name}:{}", n + 1);
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
        match tag {
            "@file" => {
                let (file, bytes) = rest.split_once(' ').unwrap_or((rest, ""));
                std::fs::write(tmp.join(file), hex(bytes)).unwrap();
            }
            "@copy" => {
                let (file, src) = rest.split_once(' ').unwrap();
                std::fs::copy(root.join(src), tmp.join(file)).unwrap();
            }
            "$" => {
                let args: Vec<String> = rest
                    .split_whitespace()
                    .map(|a| a.replace("{tmp}", &tmp.display().to_string()))
                    .collect();
                last = Some(
                    Command::new(env!("CARGO_BIN_EXE_pyctrace"))
                        .args(&args)
                        .output()
                        .unwrap(),
                );
            }
            "?" => {
                let out = last.as_ref().expect("a command ran");
                let want: i32 = rest.trim().parse().unwrap();
                assert_eq!(
                    out.status.code(),
                    Some(want),
                    "{at}: exit status; stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            ">" => {
                let out = last.as_ref().expect("a command ran");
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert!(
                    stdout.lines().any(|l| l.contains(rest)),
                    "{at}: stdout lacks {rest:?}:\n{stdout}"
                );
            }
            "!" => {
                let out = last.as_ref().expect("a command ran");
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(
                    stderr.contains(rest),
                    "{at}: stderr lacks {rest:?}:\n{stderr}"
                );
            }
            "=" => {
                let (a, b) = rest.split_once(' ').unwrap();
                assert!(
                    std::fs::read(tmp.join(a)).unwrap() == std::fs::read(tmp.join(b)).unwrap(),
                    "{at}: {a} and {b} differ"
                );
            }
            other => panic!("{at}: unknown directive {other:?}"),
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn cli_cases() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = here.join("../..");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(here.join("tests/cli"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "case"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    for case in &cases {
        run_case(case, &root);
    }
    eprintln!("{} CLI case files passed", cases.len());
}
