//! The protected corpus (`samples/protected/`): every deobfuscated sample
//! must run in its real interpreter and print the manifest's
//! `expected_stdout`, deobfuscated as is and with `--rename`; for the protections that lose no information (junk,
//! chains, spaghetti) the code objects are compared with what the
//! interpreter's own compiler makes of the program (instructions with jump
//! targets compared as targets; NOP, EXTENDED_ARG and CACHE ignored; the
//! direction variants of a jump count as one), and the rate of equal code
//! objects must stay above a floor per version.
//!
//! `PYCTRACE_CORPUS_VERSIONS=3.8,3.11` restricts the versions;
//! `PYCTRACE_CORPUS_DIFF=1` (or `=full`) prints the code objects that
//! differ (in full, as a diff); `PYCTRACE_CORPUS_ALLSETS=1` compares every
//! protection set (no floors then); `PYCTRACE_CORPUS_KEEP=DIR` keeps the
//! `--rename` outputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use pyctrace_bytecode::{instructions, PyVersion};
use pyctrace_deobf::{deobfuscate_pyc, Options};
use pyctrace_marshal::refs::RefTable;
use pyctrace_marshal::{read_marshal, read_pyc, CodeField, Node, Obj, ReadOptions};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn code_bytes(node: &Node<'_>, refs: &RefTable<'_, '_>, out: &mut Vec<Vec<u8>>, depth: usize) {
    if depth > 100 {
        return;
    }
    let Some(node) = refs.resolve(node) else {
        return;
    };
    match &node.obj {
        Obj::Code(code) => {
            let c = code
                .obj(CodeField::Code)
                .and_then(|n| refs.resolve(n))
                .and_then(|n| n.as_str_bytes())
                .unwrap_or(b"")
                .to_vec();
            out.push(c);
            if let Some(k) = code.obj(CodeField::Consts) {
                code_bytes(k, refs, out, depth + 1);
            }
        }
        Obj::Tuple { items, .. } | Obj::List(items) | Obj::FrozenSet(items) => {
            for it in items {
                code_bytes(it, refs, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn seq_len(code: &pyctrace_marshal::Code<'_>, f: CodeField, refs: &RefTable<'_, '_>) -> usize {
    code.obj(f)
        .and_then(|n| refs.resolve(n))
        .and_then(|n| n.as_seq())
        .map_or(0, |s| s.len())
}

/// Every instruction of every code object, reachable or not, decoded
/// linearly: undefined opcodes, truncated instructions and arguments out
/// of range (constants, names, locals, cells, comparisons, operators,
/// jump targets) are reported.
fn bad_instructions(
    node: &Node<'_>,
    refs: &RefTable<'_, '_>,
    v: PyVersion,
    out: &mut Vec<String>,
    depth: usize,
) {
    if depth > 100 {
        return;
    }
    let Some(node) = refs.resolve(node) else {
        return;
    };
    match &node.obj {
        Obj::Code(code) => {
            let bytes = code
                .obj(CodeField::Code)
                .and_then(|n| refs.resolve(n))
                .and_then(|n| n.as_str_bytes())
                .unwrap_or(b"");
            let name = code.name_text().unwrap_or_default();
            let nconsts = seq_len(code, CodeField::Consts, refs);
            let nnames = seq_len(code, CodeField::Names, refs);
            let (nlocals, nfree) = if v.at_least(3, 11) {
                let n = seq_len(code, CodeField::LocalsPlusNames, refs);
                (n, n)
            } else {
                (
                    seq_len(code, CodeField::VarNames, refs),
                    seq_len(code, CodeField::CellVars, refs)
                        + seq_len(code, CodeField::FreeVars, refs),
                )
            };
            let table = pyctrace_bytecode::op_table(v).expect("table");
            use pyctrace_bytecode::ArgKind as K;
            for i in instructions(bytes, v) {
                let at = format!("{name}@{}", i.offset);
                if i.truncated.is_some() {
                    out.push(format!("{at}: truncated"));
                    continue;
                }
                if i.mnemonic.is_none() {
                    out.push(format!("{at}: undefined opcode {}", i.opcode));
                    continue;
                }
                let a = i.arg.unwrap_or(0) as usize;
                let (idx, lim) = match i.kind() {
                    K::Const => (a, nconsts),
                    K::Name => (a, nnames),
                    K::LoadGlobal | K::LoadAttr => (a >> 1, nnames),
                    K::LoadSuperAttr => (a >> 2, nnames),
                    K::Local => (a, nlocals),
                    K::LocalPair => ((a >> 4).max(a & 15), nlocals),
                    K::Free => (a, nfree),
                    K::Compare => (
                        if v.at_least(3, 13) {
                            a >> 5
                        } else if v.at_least(3, 12) {
                            a >> 4
                        } else {
                            a
                        },
                        table.cmp_op.len(),
                    ),
                    K::BinaryOp => (a, table.nb_ops.len()),
                    K::JumpForward | K::JumpBackward | K::JumpAbsolute => {
                        match i.raw_jump_target() {
                            Some(t) if t >= 0 && (t as usize) < bytes.len() => (0, 1),
                            _ => (1, 0),
                        }
                    }
                    _ => (0, 1),
                };
                if idx >= lim {
                    out.push(format!("{at}: {} argument {} out of range", i.opname(), a));
                }
            }
            if let Some(k) = code.obj(CodeField::Consts) {
                bad_instructions(k, refs, v, out, depth + 1);
            }
        }
        Obj::Tuple { items, .. } | Obj::List(items) | Obj::FrozenSet(items) => {
            for it in items {
                bad_instructions(it, refs, v, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Normalised instruction list: (name, argument or target index).
fn normalise(code: &[u8], v: PyVersion) -> Vec<(String, i64)> {
    let ins: Vec<_> = instructions(code, v)
        .filter(|i| {
            !i.is_extended_arg()
                && !matches!(i.mnemonic.map(|m| m.name()), Some("NOP") | Some("CACHE"))
        })
        .collect();
    let index_of = |t: i64| -> i64 {
        ins.iter()
            .position(|i| i.start_offset as i64 >= t || i.offset as i64 >= t)
            .map_or(-1, |p| p as i64)
    };
    ins.iter()
        .map(|i| {
            let mut name = i.opname();
            if matches!(
                name.as_str(),
                "JUMP_FORWARD" | "JUMP_ABSOLUTE" | "JUMP_BACKWARD"
            ) {
                name = "JUMP".into();
            }
            name = name
                .replace("POP_JUMP_FORWARD_IF_", "POP_JUMP_IF_")
                .replace("POP_JUMP_BACKWARD_IF_", "POP_JUMP_IF_");
            let arg = match i.raw_jump_target() {
                Some(t) => index_of(t),
                None => i.arg.map_or(-1, |a| a as i64),
            };
            (name, arg)
        })
        .collect()
}

/// A line diff of two normalised listings (`-` original only, `+`
/// deobfuscated only), by longest common subsequence.
fn listing_diff(a: &[(String, i64)], b: &[(String, i64)]) -> String {
    let (n, m) = (a.len(), b.len());
    let mut l = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            l[i][j] = if a[i] == b[j] {
                l[i + 1][j + 1] + 1
            } else {
                l[i + 1][j].max(l[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out += &format!("      {i:4} {j:4}  {} {}\n", a[i].0, a[i].1);
            i += 1;
            j += 1;
        } else if j < m && (i == n || l[i][j + 1] >= l[i + 1][j]) {
            out += &format!("    +      {j:4}  {} {}\n", b[j].0, b[j].1);
            j += 1;
        } else {
            out += &format!("    - {i:4}       {} {}\n", a[i].0, a[i].1);
            i += 1;
        }
    }
    out
}

fn compile_original(python: &Path, program: &Path) -> Option<Vec<u8>> {
    let name = program.file_name()?.to_string_lossy().into_owned();
    let script = format!(
        "import marshal,sys\nsrc=open(sys.argv[1]).read()\nco=compile(src, {:?}, 'exec', 0, True)\nsys.stdout.write(marshal.dumps(co).hex() if sys.version_info[0]>2 else marshal.dumps(co).encode('hex'))\n",
        name
    );
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(program)
        .output()
        .ok()?;
    let hex = String::from_utf8(out.stdout).ok()?;
    (0..hex.len() / 2)
        .map(|k| u8::from_str_radix(&hex[2 * k..2 * k + 2], 16).ok())
        .collect()
}

#[derive(Default, Debug, Clone, Copy)]
struct Cell {
    samples: usize,
    runs_ok: usize,
    /// Runs of the `--rename` output that printed the expected output.
    renamed_ok: usize,
    codes: usize,
    codes_equal: usize,
    /// Code objects of the output, and those kept unchanged (still protected).
    out_codes: usize,
    kept: usize,
}

#[test]
fn protected_corpus_runs_and_recovers() {
    let root = repo();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join("samples/protected/manifest.json")).expect("manifest"),
    )
    .expect("json");
    let only: Option<Vec<String>> = std::env::var("PYCTRACE_CORPUS_VERSIONS")
        .ok()
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect());
    let tmp = std::env::temp_dir().join(format!("pyctrace-deobf-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut table: BTreeMap<(String, String), Cell> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut used = Vec::new();
    let mut originals: BTreeMap<(String, String), Option<Vec<u8>>> = BTreeMap::new();
    for s in manifest["samples"].as_array().expect("samples") {
        let version = s["version"].as_str().unwrap().to_string();
        if only.as_ref().is_some_and(|o| !o.contains(&version)) {
            continue;
        }
        let (maj, min) = {
            let mut p = version.split('.').map(|x| x.parse::<u8>().unwrap());
            (p.next().unwrap(), p.next().unwrap())
        };
        let Some(interp) = pyctrace_pythons::find(maj, min) else {
            continue;
        };
        if !used
            .iter()
            .any(|u: &pyctrace_pythons::Interpreter| u.version == interp.version)
        {
            used.push(interp.clone());
        }
        let file = s["file"].as_str().unwrap();
        let set = s["protection_set"].as_str().unwrap().to_string();
        let input = std::fs::read(root.join("samples/protected").join(file)).unwrap();
        let cell = table.entry((version.clone(), set.clone())).or_default();
        cell.samples += 1;
        let (out, report) = match deobfuscate_pyc(&input, &Options::default()) {
            Ok(x) => x,
            Err(e) => {
                failures.push(format!("{file}: {e}"));
                continue;
            }
        };
        cell.out_codes += report.codes.len();
        for c in &report.codes {
            if let Some(k) = &c.kept {
                cell.kept += 1;
                eprintln!("note: {file} {}: kept ({k})", c.path);
                failures.push(format!("{file} {}: kept unchanged ({k})", c.path));
            }
        }
        {
            let p = read_pyc(&out, &ReadOptions::default()).expect("deobfuscated loads");
            let refs = RefTable::build(&p.root, p.version);
            let mut bad = Vec::new();
            bad_instructions(&p.root, &refs, p.version, &mut bad, 0);
            for b in bad {
                failures.push(format!("{file}: {b}"));
            }
        }
        let dest = tmp.join(file.replace('/', "_"));
        std::fs::write(&dest, &out).unwrap();
        let run = Command::new(&interp.executable)
            .arg(&dest)
            .env("PYTHONHASHSEED", "0")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(&tmp)
            .output()
            .unwrap();
        let want = s["expected_stdout"].as_str().unwrap();
        if run.status.success() && String::from_utf8_lossy(&run.stdout) == want {
            cell.runs_ok += 1;
        } else {
            failures.push(format!(
                "{file}: status {:?}, stderr {}",
                run.status.code(),
                String::from_utf8_lossy(&run.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            ));
        }
        // the same with --rename
        let renamed = deobfuscate_pyc(
            &input,
            &Options {
                rename: true,
                ..Options::default()
            },
        );
        match renamed {
            Ok((out_r, _)) => {
                let dest_r = tmp.join(file.replace('/', "_").replace(".pyc", "__renamed.pyc"));
                std::fs::write(&dest_r, &out_r).unwrap();
                // `PYCTRACE_CORPUS_KEEP=DIR` keeps the `--rename` outputs
                // (to feed decompilers by hand)
                if let Ok(keep) = std::env::var("PYCTRACE_CORPUS_KEEP") {
                    let d = Path::new(&keep).join(&version);
                    let _ = std::fs::create_dir_all(&d);
                    let base = Path::new(file).file_name().unwrap().to_string_lossy();
                    let _ =
                        std::fs::write(d.join(base.replace(".pyc", "__deobfuscated.pyc")), &out_r);
                }
                let run = Command::new(&interp.executable)
                    .arg(&dest_r)
                    .env("PYTHONHASHSEED", "0")
                    .env("PYTHONDONTWRITEBYTECODE", "1")
                    .current_dir(&tmp)
                    .output()
                    .unwrap();
                if run.status.success() && String::from_utf8_lossy(&run.stdout) == want {
                    cell.renamed_ok += 1;
                } else {
                    failures.push(format!(
                        "{file} (--rename): status {:?}, stderr {}",
                        run.status.code(),
                        String::from_utf8_lossy(&run.stderr)
                            .lines()
                            .last()
                            .unwrap_or("")
                    ));
                }
            }
            Err(e) => failures.push(format!("{file} (--rename): {e}")),
        }
        // recovery, for the protections that lose nothing
        // (`PYCTRACE_CORPUS_ALLSETS=1`: every set, to look at differences)
        if !["junk", "chains", "spaghetti"].contains(&set.as_str())
            && std::env::var("PYCTRACE_CORPUS_ALLSETS").is_err()
        {
            continue;
        }
        let program = s["program"].as_str().unwrap().to_string();
        let orig = originals
            .entry((version.clone(), program.clone()))
            .or_insert_with(|| {
                compile_original(
                    &interp.executable,
                    &root.join("samples/programs").join(format!("{program}.py")),
                )
            })
            .clone();
        let Some(orig) = orig else { continue };
        let v = PyVersion::new(maj, min);
        let a = read_marshal(&orig, v, &ReadOptions::default()).expect("original");
        let b = read_pyc(&out, &ReadOptions::default()).expect("deobfuscated");
        let (ra, rb) = (RefTable::build(&a.root, v), RefTable::build(&b.root, v));
        let (mut ca, mut cb) = (Vec::new(), Vec::new());
        code_bytes(&a.root, &ra, &mut ca, 0);
        code_bytes(&b.root, &rb, &mut cb, 0);
        for (k, x) in ca.iter().enumerate() {
            cell.codes += 1;
            let same = cb
                .get(k)
                .is_some_and(|y| normalise(x, v) == normalise(y, v));
            if same {
                cell.codes_equal += 1;
            } else if std::env::var("PYCTRACE_CORPUS_DIFF").is_ok() {
                let (na, nb) = (
                    normalise(x, v),
                    cb.get(k).map(|y| normalise(y, v)).unwrap_or_default(),
                );
                let at = na
                    .iter()
                    .zip(&nb)
                    .position(|(p, q)| p != q)
                    .unwrap_or(na.len().min(nb.len()));
                let lo = at.saturating_sub(3);
                eprintln!(
                    "differs: {file} code #{k} at {at} ({} vs {}):\n  orig  {:?}\n  deobf {:?}",
                    na.len(),
                    nb.len(),
                    &na[lo..(at + 4).min(na.len())],
                    &nb[lo.min(nb.len())..(at + 4).min(nb.len())]
                );
                if std::env::var("PYCTRACE_CORPUS_DIFF").as_deref() == Ok("full") {
                    eprint!("{}", listing_diff(&na, &nb));
                }
            }
        }
    }
    let refs: Vec<&pyctrace_pythons::Interpreter> = used.iter().collect();
    pyctrace_pythons::announce("deobfuscated protected corpus", &refs);
    println!("version  set        samples  runs-ok  renamed-ok  kept  recovered-code-objects");
    let mut per_version: BTreeMap<String, Cell> = BTreeMap::new();
    for ((v, set), c) in &table {
        let rec = if c.codes > 0 {
            format!(
                "{}/{} ({:.1}%)",
                c.codes_equal,
                c.codes,
                100.0 * c.codes_equal as f64 / c.codes as f64
            )
        } else {
            "-".into()
        };
        println!(
            "{v:8} {set:10} {:7}  {:7}  {:10}  {:4}  {rec}",
            c.samples, c.runs_ok, c.renamed_ok, c.kept
        );
        let p = per_version.entry(v.clone()).or_default();
        p.samples += c.samples;
        p.runs_ok += c.runs_ok;
        p.renamed_ok += c.renamed_ok;
        p.codes += c.codes;
        p.codes_equal += c.codes_equal;
        p.out_codes += c.out_codes;
        p.kept += c.kept;
    }
    for (v, c) in &per_version {
        println!(
            "TOTAL {v:5} runs {}/{}  with --rename {}/{}  kept unchanged {}/{} code objects  recovered {}/{} ({:.1}%)",
            c.runs_ok,
            c.samples,
            c.renamed_ok,
            c.samples,
            c.kept,
            c.out_codes,
            c.codes_equal,
            c.codes,
            if c.codes > 0 {
                100.0 * c.codes_equal as f64 / c.codes as f64
            } else {
                0.0
            }
        );
    }
    // recovery floors per version (junk, chains, spaghetti together),
    // measured: 2.7 95.2, 3.6 98.6, 3.7 97.9, 3.8 98.6, 3.9 90.8, 3.10
    // 96.5, 3.11 94.3, 3.12 94.4, 3.13 94.4 (%)
    if std::env::var("PYCTRACE_CORPUS_ALLSETS").is_err() {
        for (v, c) in &per_version {
            let floor = match v.as_str() {
                "2.7" => 94.0,
                "3.6" | "3.7" | "3.8" => 97.0,
                "3.9" => 90.0,
                "3.10" => 96.0,
                _ => 93.0,
            };
            let rate = if c.codes > 0 {
                100.0 * c.codes_equal as f64 / c.codes as f64
            } else {
                100.0
            };
            if rate < floor {
                failures.push(format!(
                    "{v}: recovered {rate:.1}% of the code objects, below the floor of {floor}%"
                ));
            }
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(failures.is_empty(), "{} samples failed", failures.len());
}
