//! Corpora of real `.pyc` files and the marshal oracle, for differential
//! tests.
//!
//! Both run a script from `scripts/oracle/` (embedded in this crate at build
//! time and written out under the cache directory) under the interpreter in
//! question.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::{Error, Interpreter};

const BUILD_CORPUS: &str = include_str!("../../../scripts/oracle/build_corpus.py");
const MARSHAL_JSON: &str = include_str!("../../../scripts/oracle/marshal_json.py");

/// 3.7+: every HASH_EVERY-th source (sorted) is also compiled as a
/// checked-hash and an unchecked-hash pyc.
const HASH_EVERY: u32 = 10;

/// A compiled standard library.
#[derive(Clone, Debug)]
pub struct Corpus {
    /// `<cache>/<X.Y.Z>/`: timestamp pycs mirror the stdlib layout
    /// (`os.py` -> `os.pyc`); on 3.7+ `checked-hash/` and `unchecked-hash/`
    /// hold the hash-based subset.
    pub root: PathBuf,
    /// Every `.pyc` under `root` (hash-based ones included), sorted.
    pub files: Vec<PathBuf>,
}

/// One answer of the marshal oracle.
#[derive(Clone, Debug)]
pub struct OracleRecord {
    pub file: PathBuf,
    /// The oracle JSON tree of what `marshal.loads` returned, or its error.
    pub value: Result<serde_json::Value, String>,
}

/// The cargo target directory: `$CARGO_TARGET_DIR`, else the `target`
/// folder above the current executable or above `$CARGO_MANIFEST_DIR`, else
/// `<tmp>/pyctrace-target`.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return std::path::absolute(&dir).unwrap_or_else(|_| PathBuf::from(dir));
    }
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe
            .ancestors()
            .find(|a| a.file_name() == Some("target".as_ref()))
        {
            return dir.to_path_buf();
        }
    }
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR") {
        if let Some(dir) = Path::new(&manifest)
            .ancestors()
            .map(|a| a.join("target"))
            .find(|t| t.is_dir())
        {
            return dir;
        }
    }
    std::env::temp_dir().join("pyctrace-target")
}

/// `<target dir>/pyc-corpus`, where corpora and the oracle scripts live.
pub fn cache_dir() -> PathBuf {
    target_dir().join("pyc-corpus")
}

/// The compiled standard library of `interp`, built on first use and cached
/// in `<cache_dir()>/<X.Y.Z>/`.
pub fn stdlib_corpus(interp: &Interpreter) -> Result<Corpus, Error> {
    stdlib_corpus_in(interp, &cache_dir())
}

/// Like [`stdlib_corpus`], caching under `cache` instead.
pub fn stdlib_corpus_in(interp: &Interpreter, cache: &Path) -> Result<Corpus, Error> {
    // One build at a time in this process; other processes are handled by
    // building in a private folder and renaming it into place.
    static BUILDING: Mutex<()> = Mutex::new(());

    let root = cache.join(&interp.full_version);
    let stamp = format!(
        "pyctrace-pythons corpus\nexecutable={}\nversion={}\nscript={:016x}\nhash_every={}\n",
        interp.executable.display(),
        interp.full_version,
        fnv1a(BUILD_CORPUS.as_bytes()),
        HASH_EVERY
    );
    if !is_built(&root, &stamp) {
        let _guard = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
        if !is_built(&root, &stamp) {
            build(interp, cache, &root, &stamp)?;
        }
    }
    let mut files = Vec::new();
    list_pycs(&root, &mut files)?;
    files.sort();
    Ok(Corpus { root, files })
}

/// Whether `root` holds a finished corpus made as `stamp` says.
fn is_built(root: &Path, stamp: &str) -> bool {
    std::fs::read_to_string(root.join(".stamp")).is_ok_and(|s| s.starts_with(stamp))
}

fn build(interp: &Interpreter, cache: &Path, root: &Path, stamp: &str) -> Result<(), Error> {
    std::fs::create_dir_all(cache).map_err(|e| Error::io(cache, e))?;
    remove_abandoned_builds(cache);
    let tmp = cache.join(format!(
        ".building-{}-{}",
        interp.full_version,
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;

    let script = script_path("build_corpus.py", BUILD_CORPUS)?;
    let out = python(interp)
        .arg(&script)
        .arg(&interp.stdlib)
        .arg(&tmp)
        .arg(HASH_EVERY.to_string())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io(&interp.executable, e))?;
    if !out.status.success() {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(Error::Run {
            program: interp.executable.clone(),
            message: format!(
                "build_corpus.py failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    // The script's summary line ("sources=... seconds=...") goes in the stamp.
    let summary = String::from_utf8_lossy(&out.stdout);
    let stamp_path = tmp.join(".stamp");
    std::fs::write(&stamp_path, format!("{stamp}{}", summary.trim_start()))
        .map_err(|e| Error::io(&stamp_path, e))?;

    if is_built(root, stamp) {
        // Another process finished the same corpus meanwhile: keep theirs,
        // which its users may be reading already.
        let _ = std::fs::remove_dir_all(&tmp);
        return Ok(());
    }
    match std::fs::remove_dir_all(root) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(root, e)),
    }
    if let Err(e) = std::fs::rename(&tmp, root) {
        // Another process may have put an equal corpus in place meanwhile.
        let _ = std::fs::remove_dir_all(&tmp);
        if !is_built(root, stamp) {
            return Err(Error::io(root, e));
        }
    }
    Ok(())
}

/// Removes `.building-*-<pid>` folders of processes that no longer run
/// (a build interrupted by ^C). Only where `/proc` tells.
fn remove_abandoned_builds(cache: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(cache) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(".building-") else {
            continue;
        };
        let Some(pid) = rest.rsplit('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn list_pycs(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            list_pycs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "pyc") {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads each of `files` (one batch, one interpreter run) with `interp`'s
/// own `marshal.loads` after the header of that version, and returns the
/// oracle JSON of each, in order. Paths must not contain line breaks.
///
/// The whole 3.11 stdlib (about 2100 files) makes 200 MB of JSON: to keep
/// memory low, use [`oracle_marshal_json_each`] or pass a few hundred files
/// at a time.
pub fn oracle_marshal_json(
    interp: &Interpreter,
    files: &[PathBuf],
) -> Result<Vec<OracleRecord>, Error> {
    let mut records = Vec::with_capacity(files.len());
    oracle_marshal_json_each(interp, files, |record| records.push(record))?;
    Ok(records)
}

/// Like [`oracle_marshal_json`], handing each record to `each` as soon as
/// it arrives (in the order of `files`) instead of collecting them.
pub fn oracle_marshal_json_each(
    interp: &Interpreter,
    files: &[PathBuf],
    mut each: impl FnMut(OracleRecord),
) -> Result<(), Error> {
    let mut list = Vec::new();
    for file in files {
        let bytes = file.as_os_str().as_encoded_bytes();
        if bytes.contains(&b'\n') || bytes.contains(&b'\r') {
            return Err(Error::Other(format!(
                "{}: path contains a line break",
                file.display()
            )));
        }
        list.extend_from_slice(bytes);
        list.push(b'\n');
    }
    let script = script_path("marshal_json.py", MARSHAL_JSON)?;
    let run_err = |message: String| Error::Run {
        program: interp.executable.clone(),
        message,
    };
    let mut child = python(interp)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(&interp.executable, e))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&list));
    let mut stderr = child.stderr.take().expect("piped stderr");
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });

    let mut answered = 0;
    let mut problem = None;
    let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    for line in stdout.lines() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                problem = Some(format!("reading its output: {e}"));
                break;
            }
        };
        let Some(file) = files.get(answered) else {
            problem = Some("more output lines than files".into());
            break;
        };
        match parse_record(&line) {
            Ok(value) => {
                answered += 1;
                each(OracleRecord {
                    file: file.clone(),
                    value,
                });
            }
            Err(e) => {
                problem = Some(format!("bad output line for {}: {e}", file.display()));
                break;
            }
        }
    }
    if problem.is_some() {
        let _ = child.kill(); // it may be blocked writing to the pipe we left
    }
    let status = child.wait().map_err(|e| Error::io(&interp.executable, e))?;
    let _ = writer.join();
    let stderr = err_reader.join().unwrap_or_default();
    if let Some(problem) = problem {
        return Err(run_err(format!("marshal_json.py: {problem}")));
    }
    if !status.success() {
        return Err(run_err(format!(
            "marshal_json.py failed ({status}): {}",
            stderr.trim()
        )));
    }
    if answered != files.len() {
        return Err(run_err(format!(
            "marshal_json.py answered {} of {} files: {}",
            answered,
            files.len(),
            stderr.trim()
        )));
    }
    Ok(())
}

fn parse_record(line: &str) -> Result<Result<serde_json::Value, String>, String> {
    let mut record: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    match record.get("ok") {
        Some(serde_json::Value::Bool(true)) => record
            .get_mut("value")
            .map(|v| Ok(v.take()))
            .ok_or_else(|| "no \"value\"".to_string()),
        Some(serde_json::Value::Bool(false)) => Ok(Err(record
            .get("error")
            .and_then(|e| e.as_str())
            .unwrap_or("unknown error")
            .to_string())),
        _ => Err("no \"ok\"".into()),
    }
}

/// The interpreter, isolated from `PYTHON*` variables and user site-packages.
fn python(interp: &Interpreter) -> Command {
    let mut cmd = Command::new(&interp.executable);
    cmd.args(["-E", "-s"]);
    cmd
}

/// Writes an embedded script to `<cache_dir()>/scripts-<hash>/<name>` (once)
/// and returns its path.
fn script_path(name: &str, text: &str) -> Result<PathBuf, Error> {
    let dir = cache_dir().join(format!("scripts-{:016x}", fnv1a(text.as_bytes())));
    let path = dir.join(name);
    if std::fs::read(&path).is_ok_and(|t| t == text.as_bytes()) {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    // Unique per call: threads of one process write the same script at once.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{n}", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// FNV-1a, 64 bits: a stable fingerprint of the scripts' text.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
