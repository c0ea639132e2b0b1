//! The one place where pyctrace's tests and CLI find real CPython
//! interpreters.
//!
//! Interpreters are pyenv installs (`$PYENV_ROOT`, else `pyenv root`, else
//! `~/.pyenv`), discovered from directory names without running them, or an
//! explicit executable given by the user ([`from_path`]).
//!
//! The [`corpus`] module uses them as oracles: it compiles their standard
//! library into `.pyc` corpora and dumps what their own `marshal.loads` makes
//! of `.pyc` files, as "oracle JSON":
//!
//! - `{"t":"none"}`, `{"t":"true"}`, `{"t":"false"}`, `{"t":"ellipsis"}`,
//!   `{"t":"stopiter"}`
//! - `{"t":"int","v":"<decimal>"}` (2.x int and long alike; bool is not int)
//! - `{"t":"float","v":"<hex16>"}`, `{"t":"complex","re":"<hex16>","im":"<hex16>"}`
//!   where hex16 is the IEEE-754 bit pattern as a big-endian u64 in lowercase hex
//! - `{"t":"bytes","v":"<hex>"}` (2.x str, 3.x bytes),
//!   `{"t":"str","v":"<hex of UTF-8, surrogatepass>"}` (2.x unicode, 3.x str)
//! - `{"t":"tuple"|"list","v":[...]}`, `{"t":"set"|"frozenset","v":[...]}`
//!   sorted by the elements' compact JSON text, `{"t":"dict","v":[[k,v],...]}`
//!   sorted by the compact JSON text of k, `{"t":"slice","v":[start,stop,step]}`
//! - `{"t":"code","v":{...}}` with the code attributes of that version
//!   (ints as JSON numbers, see `scripts/oracle/marshal_json.py`).
//!
//! Keys are sorted and separators compact, so the text of a tree is canonical.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub mod corpus;

/// Python versions pyctrace cares about; [`announce`] lists those not used.
pub const WANTED: &[(u8, u8)] = &[
    (2, 7),
    (3, 5),
    (3, 6),
    (3, 7),
    (3, 8),
    (3, 9),
    (3, 10),
    (3, 11),
    (3, 12),
    (3, 13),
    (3, 14),
];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", program.display())]
    Run { program: PathBuf, message: String },
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A real CPython installation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpreter {
    pub version: (u8, u8),
    /// e.g. "3.11.7" (pre-releases keep their suffix: "3.14.0rc1").
    pub full_version: String,
    pub executable: PathBuf,
    /// The shared `libpythonX.Y[m].so`, if the install has one.
    pub libpython: Option<PathBuf>,
    pub prefix: PathBuf,
    /// `lib/pythonX.Y`, the standard library sources.
    pub stdlib: PathBuf,
}

impl Interpreter {
    /// "X.Y"
    pub fn short_version(&self) -> String {
        format!("{}.{}", self.version.0, self.version.1)
    }
}

/// The pyenv root: `$PYENV_ROOT`, else `pyenv root`, else `~/.pyenv`.
pub fn pyenv_root() -> Option<PathBuf> {
    if let Some(root) = std::env::var_os("PYENV_ROOT").filter(|r| !r.is_empty()) {
        return Some(PathBuf::from(root));
    }
    if let Ok(out) = Command::new("pyenv").arg("root").output() {
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() && !text.is_empty() {
            return Some(PathBuf::from(text));
        }
    }
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".pyenv"))
}

/// Installed interpreters, one per X.Y (highest patch), sorted by version.
/// Computed once per process.
pub fn installed() -> Vec<Interpreter> {
    static CACHE: OnceLock<Vec<Interpreter>> = OnceLock::new();
    CACHE
        .get_or_init(|| pyenv_root().map(|r| installed_in(&r)).unwrap_or_default())
        .clone()
}

/// Like [`installed`], for the pyenv root `root` (its `versions/` folder).
pub fn installed_in(root: &Path) -> Vec<Interpreter> {
    let Ok(entries) = std::fs::read_dir(root.join("versions")) else {
        return Vec::new();
    };
    let mut found: Vec<(VersionKey, Interpreter)> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(key) = name.to_str().and_then(parse_version_name) else {
            continue;
        };
        let version = (key.0, key.1);
        let full = name.to_string_lossy().into_owned();
        if let Some(interp) = from_prefix(&entry.path(), version, full) {
            found.push((key, interp));
        }
    }
    found.sort_by_key(|(key, _)| *key);
    let mut best: Vec<Interpreter> = Vec::new();
    for (_, interp) in found {
        // Sorted ascending: a later entry with the same X.Y is a higher patch.
        match best.last_mut() {
            Some(last) if last.version == interp.version => *last = interp,
            _ => best.push(interp),
        }
    }
    best
}

/// The installed interpreter for `major.minor`, if any.
pub fn find(major: u8, minor: u8) -> Option<Interpreter> {
    installed()
        .into_iter()
        .find(|i| i.version == (major, minor))
}

/// (major, minor, patch, release rank: a=0 b=1 rc=2 final=3, serial)
type VersionKey = (u8, u8, u32, u8, u32);

/// "3.11.7" or "3.14.0rc1"; anything else (pypy, "-dev", free-threaded "t",
/// conda envs) is not a CPython release we use.
fn parse_version_name(name: &str) -> Option<VersionKey> {
    let mut parts = name.splitn(3, '.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let rest = parts.next()?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let patch = rest[..digits].parse().ok()?;
    let suffix = &rest[digits..];
    let (rank, serial) = if suffix.is_empty() {
        (3, 0)
    } else {
        let (rank, num) = if let Some(n) = suffix.strip_prefix("rc") {
            (2, n)
        } else if let Some(n) = suffix.strip_prefix('b') {
            (1, n)
        } else if let Some(n) = suffix.strip_prefix('a') {
            (0, n)
        } else {
            return None;
        };
        if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        (rank, num.parse().ok()?)
    };
    if major != 2 && major != 3 {
        return None;
    }
    Some((major, minor, patch, rank, serial))
}

/// Builds an [`Interpreter`] for an install prefix, checking that it has
/// an executable and a standard library.
fn from_prefix(prefix: &Path, version: (u8, u8), full_version: String) -> Option<Interpreter> {
    let xy = format!("{}.{}", version.0, version.1);
    let bin = prefix.join("bin");
    let executable = [bin.join("python"), bin.join(format!("python{xy}"))]
        .into_iter()
        .find(|p| p.is_file())?;
    let stdlib = prefix.join("lib").join(format!("python{xy}"));
    if !stdlib.is_dir() {
        return None;
    }
    let libpython = ["", "m", "d", "dm"]
        .iter()
        .flat_map(|abi| {
            ["so", "dylib"].map(|ext| prefix.join("lib").join(format!("libpython{xy}{abi}.{ext}")))
        })
        .find(|p| p.is_file());
    Some(Interpreter {
        version,
        full_version,
        executable,
        libpython,
        prefix: prefix.to_path_buf(),
        stdlib,
    })
}

/// Asks the interpreter at `path` (run once) where and what it is, for an
/// explicit `--python PATH`.
pub fn from_path(path: &Path) -> Result<Interpreter, Error> {
    // Runs on 2.7 and 3.x alike.
    const ASK: &str = "import sys, sysconfig, os\n\
        v = sys.version_info\n\
        full = '%d.%d.%d' % tuple(v[:3])\n\
        if v[3] != 'final': full += {'alpha': 'a', 'beta': 'b', 'candidate': 'rc'}[v[3]] + str(v[4])\n\
        lib = os.path.join(sysconfig.get_config_var('LIBDIR') or '', sysconfig.get_config_var('LDLIBRARY') or '')\n\
        sys.stdout.write('\\n'.join([full, sys.prefix, sysconfig.get_path('stdlib'), lib]) + '\\n')\n";
    let run_err = |message: String| Error::Run {
        program: path.to_path_buf(),
        message,
    };
    let out = Command::new(path)
        .args(["-E", "-s", "-c", ASK])
        .output()
        .map_err(|e| Error::io(path, e))?;
    if !out.status.success() {
        return Err(run_err(format!(
            "asking for its version failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let [full, prefix, stdlib, lib] = lines[..] else {
        return Err(run_err(format!("unexpected answer: {text:?}")));
    };
    let key = parse_version_name(full)
        .ok_or_else(|| run_err(format!("unsupported Python version {full}")))?;
    let lib = PathBuf::from(lib);
    let is_shared = lib.extension().is_some_and(|e| e == "so" || e == "dylib");
    Ok(Interpreter {
        version: (key.0, key.1),
        full_version: full.to_string(),
        executable: path.to_path_buf(),
        libpython: (is_shared && lib.is_file()).then_some(lib),
        prefix: PathBuf::from(prefix),
        stdlib: PathBuf::from(stdlib),
    })
}

/// The line [`announce`] prints (without the newline).
pub fn announce_line(purpose: &str, used: &[&Interpreter]) -> String {
    let available: Vec<(u8, u8)> = installed().iter().map(|i| i.version).collect();
    format_announce(purpose, used, &available)
}

fn format_announce(purpose: &str, used: &[&Interpreter], available: &[(u8, u8)]) -> String {
    let versions: Vec<&str> = used.iter().map(|i| i.full_version.as_str()).collect();
    let mut line = format!("pyctrace-pythons: {purpose}: using ");
    line.push_str(if used.is_empty() { "none" } else { "" });
    line.push_str(&versions.join(", "));
    let missing: Vec<String> = WANTED
        .iter()
        .filter(|v| !available.contains(v) && !used.iter().any(|i| i.version == **v))
        .map(|(a, b)| format!("{a}.{b}"))
        .collect();
    if !missing.is_empty() {
        let _ = write!(line, " (missing: {})", missing.join(", "));
    }
    line
}

/// Prints to stderr which interpreters a test (or command) used, and which
/// of [`WANTED`] this machine lacks (neither installed nor used), e.g.
/// `pyctrace-pythons: marshal corpus: using 2.7.18, 3.6.15 (missing: 3.5, 3.14)`.
pub fn announce(purpose: &str, used: &[&Interpreter]) {
    eprintln!("{}", announce_line(purpose, used));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names() {
        assert_eq!(parse_version_name("3.11.7"), Some((3, 11, 7, 3, 0)));
        assert_eq!(parse_version_name("2.7.18"), Some((2, 7, 18, 3, 0)));
        assert_eq!(parse_version_name("3.14.0rc1"), Some((3, 14, 0, 2, 1)));
        assert!(parse_version_name("3.14.0a1") < parse_version_name("3.14.0b2"));
        assert!(parse_version_name("3.14.0rc2") < parse_version_name("3.14.0"));
        for bad in [
            "3.13.0t",
            "3.12-dev",
            "pypy3.9-7.3.11",
            "3.11",
            "miniconda3-latest",
            "system",
        ] {
            assert_eq!(parse_version_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn announce_format() {
        let fake = |v: (u8, u8), full: &str| Interpreter {
            version: v,
            full_version: full.into(),
            executable: "python".into(),
            libpython: None,
            prefix: "/".into(),
            stdlib: "/lib".into(),
        };
        let all: Vec<Interpreter> = WANTED
            .iter()
            .filter(|v| **v != (3, 5))
            .map(|&(a, b)| fake((a, b), &format!("{a}.{b}.1")))
            .collect();
        let refs: Vec<&Interpreter> = all.iter().collect();
        assert_eq!(
            format_announce("t", &refs, &[]),
            "pyctrace-pythons: t: using 2.7.1, 3.6.1, 3.7.1, 3.8.1, 3.9.1, 3.10.1, 3.11.1, 3.12.1, \
             3.13.1, 3.14.1 (missing: 3.5)"
        );
        assert_eq!(
            format_announce("u", &refs[..1], &[(3, 5), (3, 6)]),
            "pyctrace-pythons: u: using 2.7.1 (missing: 3.7, 3.8, 3.9, 3.10, 3.11, 3.12, 3.13, 3.14)"
        );
        assert_eq!(
            format_announce("v", &[], &WANTED[1..]),
            "pyctrace-pythons: v: using none (missing: 2.7)"
        );
    }
}

/// Runs `script` under `interp` (isolated: `-E -s`) with `args`, feeding the
/// paths of `files` on stdin one per line, and parses the single JSON line
/// it prints. For measurement scripts that must see the same files as the
/// Rust side (benchmarks).
pub fn run_json_script(
    interp: &Interpreter,
    script: &Path,
    args: &[&str],
    files: &[PathBuf],
) -> Result<serde_json::Value, Error> {
    use std::io::Write as _;
    use std::process::Stdio;
    let run_err = |message: String| Error::Run {
        program: interp.executable.clone(),
        message,
    };
    let mut child = Command::new(&interp.executable)
        .args(["-E", "-s"])
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(&interp.executable, e))?;
    let list: String = files.iter().map(|p| format!("{}\n", p.display())).collect();
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(list.as_bytes())
            .map_err(|e| Error::io(script, e))?;
    }
    let out = child.wait_with_output().map_err(|e| Error::io(script, e))?;
    if !out.status.success() {
        return Err(run_err(format!(
            "{} exited with {}",
            script.display(),
            out.status
        )));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| run_err(format!("{}: bad JSON: {e}", script.display())))
}
