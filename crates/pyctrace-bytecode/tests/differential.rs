//! Differential test against the installed interpreters' own `dis`.
//!
//! For every CPython found under pyenv, `scripts/oracle/dis_instructions.py`
//! dumps code objects of that interpreter's standard library with what its
//! `dis` says (instructions, findlinestarts, exception table); our decoder,
//! line-table and exception-table parsers must agree exactly.
//! Skips (with a printed notice) when no interpreter is installed.

use pyctrace_bytecode::{instructions, line_ranges, line_starts, parse_exception_table, PyVersion};
use std::path::{Path, PathBuf};
use std::process::Command;

const MAX_CODE_OBJECTS: &str = "600";

/// Installed interpreters, through the project's one discovery helper.
fn interpreters() -> Vec<(PyVersion, PathBuf)> {
    let found = pyctrace_pythons::installed();
    pyctrace_pythons::announce("bytecode differential", &found.iter().collect::<Vec<_>>());
    found
        .into_iter()
        .map(|i| (PyVersion::new(i.version.0, i.version.1), i.executable))
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    if s == "-" {
        return Vec::new();
    }
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[derive(Default)]
struct Code {
    code: Vec<u8>,
    lines: Vec<u8>,
    firstlineno: i32,
    exc: Vec<u8>,
    instrs: Vec<String>,
    starts: Vec<String>,
    excs: Vec<String>,
    colines: Vec<String>,
}

fn parse(out: &str) -> Vec<Code> {
    let mut codes: Vec<Code> = Vec::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "C" => codes.push(Code {
                code: unhex(f[1]),
                lines: unhex(f[2]),
                firstlineno: f[3].parse().unwrap(),
                exc: unhex(f[4]),
                ..Default::default()
            }),
            "I" => codes.last_mut().unwrap().instrs.push(f[1..].join(" ")),
            "L" => codes.last_mut().unwrap().starts.push(f[1..].join(" ")),
            "E" => codes.last_mut().unwrap().excs.push(f[1..].join(" ")),
            "R" => codes.last_mut().unwrap().colines.push(f[1..].join(" ")),
            _ => panic!("bad oracle line {line:?}"),
        }
    }
    codes
}

fn our_colines(v: PyVersion, c: &Code) -> Vec<String> {
    if !v.at_least(3, 10) {
        return Vec::new();
    }
    line_ranges(v, &c.lines, c.firstlineno, c.code.len())
        .into_iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r.start,
                r.end,
                r.line.map_or("-".to_string(), |l| l.to_string())
            )
        })
        .collect()
}

fn ours(v: PyVersion, c: &Code) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut instrs = Vec::new();
    let mut covered = 0;
    for ins in instructions(&c.code, v) {
        assert_eq!(ins.offset, covered, "gap in decoding");
        covered = ins.end_offset();
        let arg = ins.dis_arg().map_or("-".to_string(), |a| a.to_string());
        let target = ins
            .raw_jump_target()
            .map_or("-".to_string(), |t| t.to_string());
        // 2.x dis has no start_offset: it reports the offset itself
        let start = if v.at_least(3, 13) {
            ins.start_offset
        } else {
            ins.offset
        };
        instrs.push(format!(
            "{} {} {} {} {}",
            ins.offset,
            start,
            ins.opname(),
            arg,
            target
        ));
    }
    assert_eq!(covered, c.code.len());
    let starts = line_starts(v, &c.lines, c.firstlineno, c.code.len())
        .into_iter()
        .map(|(o, l)| format!("{} {}", o, l.map_or("-".to_string(), |l| l.to_string())))
        .collect();
    let excs = if v.at_least(3, 11) {
        parse_exception_table(&c.exc)
            .into_iter()
            .map(|e| {
                format!(
                    "{} {} {} {} {}",
                    e.start, e.end, e.target, e.depth, e.lasti as u8
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    (instrs, starts, excs)
}

#[test]
fn matches_installed_dis() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = root.join("scripts/oracle/dis_instructions.py");
    let interps = interpreters();
    if interps.is_empty() {
        println!("NOTICE: no CPython under pyenv; differential test skipped");
        return;
    }
    let mut failures = Vec::new();
    for (v, exe) in &interps {
        let out = Command::new(exe)
            .arg(&script)
            .arg(MAX_CODE_OBJECTS)
            .output()
            .expect("run oracle");
        assert!(
            out.status.success(),
            "{v}: oracle failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let codes = parse(&String::from_utf8_lossy(&out.stdout));
        let (mut ok_i, mut n_i, mut ok_l, mut ok_e, mut ok_r) =
            (0usize, 0usize, 0usize, 0usize, 0usize);
        let mut shown = 0;
        for c in &codes {
            let (i, l, e) = ours(*v, c);
            n_i += c.instrs.len();
            ok_i += c.instrs.iter().zip(&i).filter(|(a, b)| a == b).count();
            let r = our_colines(*v, c);
            let mr = r == c.colines;
            ok_r += mr as usize;
            if !mr && shown < 3 {
                shown += 1;
                let first = c.colines.iter().zip(&r).position(|(a, b)| a != b);
                failures.push(format!(
                    "{v}: co_lines differ at entry {first:?}: dis {:?} ours {:?}",
                    &c.colines[..c.colines.len().min(8)],
                    &r[..r.len().min(8)]
                ));
            }
            let (mi, ml, me) = (i == c.instrs, l == c.starts, e == c.excs);
            ok_l += ml as usize;
            ok_e += me as usize;
            if !(mi && ml && me) && shown < 3 {
                shown += 1;
                let first = c.instrs.iter().zip(&i).find(|(a, b)| a != b);
                failures.push(format!(
                    "{v}: code {}: instrs {} (first diff dis/ours {:?}), linestarts {} (dis {:?} ours {:?}), exc {} (dis {:?} ours {:?})",
                    c.code.len(), mi, first, ml,
                    if ml { &[][..] } else { &c.starts[..c.starts.len().min(6)] },
                    if ml { &[][..] } else { &l[..l.len().min(6)] },
                    me, if me { &[][..] } else { &c.excs[..] }, if me { &[][..] } else { &e[..] }
                ));
            }
        }
        println!(
            "{v}: {} code objects; instructions {ok_i}/{n_i} identical; findlinestarts {ok_l}/{} identical; co_lines {}; exception tables {}",
            codes.len(),
            codes.len(),
            if v.at_least(3, 10) { format!("{ok_r}/{} identical", codes.len()) } else { "n/a".into() },
            if v.at_least(3, 11) { format!("{ok_e}/{} identical", codes.len()) } else { "n/a".into() }
        );
    }
    for f in &failures {
        println!("MISMATCH {f}");
    }
    assert!(
        failures.is_empty(),
        "{} mismatching code objects shown above",
        failures.len()
    );
}
