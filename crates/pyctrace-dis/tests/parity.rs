//! Differential test: `pyctrace-dis` text against each installed
//! interpreter's own `dis.dis` on its compiled standard library.
//!
//! For every CPython found (pyctrace-pythons), the stdlib corpus is run
//! through `scripts/oracle/dis_text.py` under that interpreter (one run per
//! batch of files) and compared with our text for the same file, after
//! normalising `0x...` addresses and the element order of frozensets (the
//! two differences PRODUCT.md allows).
//!
//! By default a deterministic sample (every `SAMPLE_STEP`-th file) keeps the
//! test short; `PYCTRACE_FULL_PARITY=1` runs every file. The test prints
//! per-version counts and the first few differences, and fails on any
//! difference. Skips (with a notice) when no interpreter is installed.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use pyctrace_dis::{disassemble_pyc, to_text, write_pyc_text, TextOptions};
use pyctrace_marshal::{read_pyc, ReadOptions};
use pyctrace_pythons::corpus::stdlib_corpus;
use pyctrace_pythons::{announce, installed, Interpreter};

/// Every n-th corpus file in the default run.
const SAMPLE_STEP: usize = 4;
const BATCH: usize = 150;
/// Differences shown per version (`PYCTRACE_PARITY_DIFFS` overrides).
fn show_diffs() -> usize {
    std::env::var("PYCTRACE_PARITY_DIFFS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

fn oracle_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/oracle/dis_text.py")
}

/// Runs the oracle on `files`: per file, its text or the error it reported.
fn oracle(interp: &Interpreter, files: &[PathBuf]) -> Result<Vec<Result<String, String>>, String> {
    let mut list = Vec::new();
    for f in files {
        list.extend_from_slice(f.as_os_str().as_encoded_bytes());
        list.push(b'\n');
    }
    let mut child = Command::new(&interp.executable)
        .arg(oracle_script())
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", interp.executable.display()))?;
    let mut stdin = child.stdin.take().expect("piped");
    let writer = std::thread::spawn(move || stdin.write_all(&list));
    let mut stderr = child.stderr.take().expect("piped");
    let errs = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut raw = Vec::new();
    child
        .stdout
        .take()
        .expect("piped")
        .read_to_end(&mut raw)
        .map_err(|e| e.to_string())?;
    let _ = writer.join();
    let status = child.wait().map_err(|e| e.to_string())?;
    let err_text = errs.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("oracle failed: {status}: {err_text}"));
    }
    let text = String::from_utf8_lossy(&raw);
    let mut out = Vec::new();
    for chunk in text.split("\x00FILE ").skip(1) {
        let body = chunk.split_once('\n').map_or("", |(_, b)| b);
        let (dis, status) = body
            .rsplit_once("\x00END ")
            .unwrap_or((body, "error truncated"));
        let status = status.trim_end();
        if status == "ok" {
            out.push(Ok(dis.to_string()));
        } else {
            out.push(Err(status.to_string()));
        }
    }
    if out.len() != files.len() {
        return Err(format!(
            "oracle answered {} of {} files; stderr: {err_text}",
            out.len(),
            files.len()
        ));
    }
    Ok(out)
}

/// Replaces every `0x<hex>` by `0x?`.
fn normalise_addresses(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut last = 0;
    while i + 2 < b.len() {
        if b[i] == b'0' && b[i + 1] == b'x' && b[i + 2].is_ascii_hexdigit() {
            out.push_str(&s[last..i]);
            out.push_str("0x?");
            i += 2;
            while i < b.len() && b[i].is_ascii_hexdigit() {
                i += 1;
            }
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[last..]);
    out
}

/// Splits the items of a repr'd container starting right after its opening
/// bracket: returns the top-level items and the index of the closing bracket.
fn split_items(s: &[u8], mut i: usize) -> Option<(Vec<(usize, usize)>, usize)> {
    let mut items = Vec::new();
    let mut start = i;
    let mut depth = 0i32;
    while i < s.len() {
        match s[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < s.len() && s[i] != q {
                    if s[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    if i > start {
                        items.push((start, i));
                    }
                    return Some((items, i));
                }
                depth -= 1;
            }
            b'<' => {
                // `<code object ...>` and friends may hold quotes; skip to '>'
                while i < s.len() && s[i] != b'>' {
                    i += 1;
                }
            }
            b',' if depth == 0 && s.get(i + 1) == Some(&b' ') => {
                items.push((start, i));
                start = i + 2;
                i += 1;
            }
            b'\n' => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Sorts the elements of every `frozenset({...})` / `frozenset([...])`.
fn normalise_frozensets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find("frozenset(") {
        let open = pos + "frozenset(".len();
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        let bytes = rest.as_bytes();
        if bytes.first().is_some_and(|&c| c == b'{' || c == b'[') {
            if let Some((items, close)) = split_items(bytes, 1) {
                let mut parts: Vec<String> = items
                    .iter()
                    .map(|&(a, b)| normalise_frozensets(&rest[a..b]))
                    .collect();
                parts.sort();
                out.push_str(&rest[..1]);
                out.push_str(&parts.join(", "));
                rest = &rest[close..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn normalise(s: &str) -> String {
    let s = normalise_addresses(s);
    if s.contains("frozenset(") {
        normalise_frozensets(&s)
    } else {
        s
    }
}

/// Code objects of a text: the module, then each `Disassembly of` section.
fn sections(s: &str) -> Vec<&str> {
    s.split("\n\nDisassembly of <code object").collect()
}

#[derive(Default)]
struct Counts {
    files: usize,
    files_equal: usize,
    codes: usize,
    codes_equal: usize,
    oracle_errors: usize,
    load_errors: usize,
    /// Files whose model text differs from the streamed text.
    model_differs: usize,
    diffs: Vec<String>,
}

fn first_difference(ours: &str, theirs: &str) -> String {
    let a: Vec<&str> = ours.lines().collect();
    let b: Vec<&str> = theirs.lines().collect();
    let n = a.len().max(b.len());
    for i in 0..n {
        if a.get(i) != b.get(i) {
            let lo = i.saturating_sub(2);
            let mut s = format!("  line {}:\n", i + 1);
            for j in lo..(i + 3).min(n) {
                s.push_str(&format!(
                    "    dis  |{}\n",
                    b.get(j).copied().unwrap_or("<end>")
                ));
                s.push_str(&format!(
                    "    ours |{}\n",
                    a.get(j).copied().unwrap_or("<end>")
                ));
            }
            return s;
        }
    }
    "  (texts differ only in trailing newlines)\n".to_string()
}

fn check_interpreter(interp: &Interpreter, full: bool) -> Counts {
    let mut counts = Counts::default();
    let corpus = match stdlib_corpus(interp) {
        Ok(c) => c,
        Err(e) => {
            counts.diffs.push(format!("corpus: {e}"));
            return counts;
        }
    };
    let files: Vec<PathBuf> = if full {
        corpus.files.clone()
    } else {
        corpus.files.iter().step_by(SAMPLE_STEP).cloned().collect()
    };
    for batch in files.chunks(BATCH) {
        let answers = match oracle(interp, batch) {
            Ok(a) => a,
            Err(e) => {
                counts.diffs.push(e);
                continue;
            }
        };
        for (path, answer) in batch.iter().zip(answers) {
            counts.files += 1;
            let expected = match answer {
                Ok(t) => t,
                Err(e) => {
                    counts.oracle_errors += 1;
                    if counts.diffs.len() < show_diffs() {
                        counts
                            .diffs
                            .push(format!("{}: dis itself failed: {e}", path.display()));
                    }
                    continue;
                }
            };
            let bytes = std::fs::read(path).expect("corpus file");
            let pyc = match read_pyc(&bytes, &ReadOptions::default()) {
                Ok(p) => p,
                Err(e) => {
                    counts.load_errors += 1;
                    counts.diffs.push(format!("{}: load: {e}", path.display()));
                    continue;
                }
            };
            // the streamed text (what `pyctrace dis` prints) is compared
            // with CPython's, and the model's text with the streamed one
            let mut ours = String::new();
            write_pyc_text(&pyc, &TextOptions::default(), &mut ours);
            let model = to_text(&disassemble_pyc(&pyc), &TextOptions::default());
            if model != ours {
                counts.model_differs += 1;
                if counts.diffs.len() < show_diffs() {
                    counts.diffs.push(format!(
                        "{}: model text differs from streamed text:\n{}",
                        path.display(),
                        first_difference(&model, &ours)
                    ));
                }
            }
            let (ours, theirs) = (normalise(&ours), normalise(&expected));
            let (a, b) = (sections(&ours), sections(&theirs));
            counts.codes += b.len();
            counts.codes_equal += a.iter().zip(&b).filter(|(x, y)| x == y).count();
            if ours == theirs {
                counts.files_equal += 1;
            } else if counts.diffs.len() < show_diffs() {
                counts.diffs.push(format!(
                    "{}:\n{}",
                    path.display(),
                    first_difference(&ours, &theirs)
                ));
            }
        }
    }
    counts
}

#[test]
fn dis_text_matches_cpython() {
    let full = std::env::var("PYCTRACE_FULL_PARITY").is_ok_and(|v| v == "1");
    let only = std::env::var("PYCTRACE_PARITY_VERSIONS").ok();
    let interps: Vec<Interpreter> = installed()
        .into_iter()
        .filter(|i| match only.as_deref() {
            None => true,
            Some(o) => o.split(',').any(|v| v.trim() == i.short_version()),
        })
        .collect();
    let used: Vec<&Interpreter> = interps.iter().collect();
    announce(
        if full {
            "dis parity (full)"
        } else {
            "dis parity (sample)"
        },
        &used,
    );
    if interps.is_empty() {
        eprintln!("dis parity: no CPython installed, skipped");
        return;
    }
    // two workers: the interpreters run dis, we format
    let queue = Mutex::new(interps.iter().collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let next = queue.lock().unwrap().pop();
                let Some(interp) = next else { break };
                let t = std::time::Instant::now();
                let c = check_interpreter(interp, full);
                results.lock().unwrap().push((
                    interp.version,
                    interp.full_version.clone(),
                    c,
                    t.elapsed(),
                ));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.0);
    let mut failed = false;
    for (_, full_version, c, took) in &results {
        eprintln!(
            "dis parity {full_version}: files {}/{} equal, code objects {}/{} equal, \
             dis errors {}, load errors {}, model/stream differences {} ({:.1}s)",
            c.files_equal,
            c.files,
            c.codes_equal,
            c.codes,
            c.oracle_errors,
            c.load_errors,
            c.model_differs,
            took.as_secs_f64()
        );
        for d in &c.diffs {
            eprintln!("{d}");
        }
        if c.files_equal + c.oracle_errors != c.files
            || c.load_errors > 0
            || c.model_differs > 0
            || c.files == 0
        {
            failed = true;
        }
    }
    assert!(!failed, "dis output differs from CPython's (see above)");
}

#[test]
fn frozenset_normalisation() {
    assert_eq!(
        normalise("(frozenset({'b', 'a, c', (1, 2)}))"),
        "(frozenset({'a, c', 'b', (1, 2)}))"
    );
    assert_eq!(normalise("frozenset([2, 1])"), "frozenset([1, 2])");
    assert_eq!(
        normalise("<code object f at 0x7fab12, file"),
        "<code object f at 0x?, file"
    );
}
