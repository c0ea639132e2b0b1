//! Static unpacking of layered Python payloads.
//!
//! A protector wraps the real program in layers such as
//! `exec(marshal.loads(zlib.decompress(base64.b64decode(b'...'))))`. When the
//! argument of `exec`/`eval`/`compile` is a chain of known decoders over a
//! constant, the chain can be folded without running anything: this crate
//! does that, layer after layer, and dumps each layer (`.pyc` with a valid
//! header for marshal data, `.py` for source text) with a manifest.
//!
//! Source layers are turned into code by the real interpreter of the same
//! version when one is installed (`compile()` only: nothing is executed);
//! otherwise the source is dumped and the unpacking stops there, saying so.

pub mod decode;
pub mod dynamic;
pub mod scan;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pyctrace_marshal::{read_marshal, read_pyc, PyVersion, ReadOptions};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub use decode::{Budget, DecodeError, Step};
use scan::{Found, Scanner};

#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("cannot load {path}: {msg}")]
    Load { path: String, msg: String },
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Clone, Debug)]
pub struct Options {
    /// Layers deeper than this are not unpacked (the limit is reported).
    pub max_layers: usize,
    /// Keep every intermediate buffer (each decoding step's output).
    pub dump_buffers: bool,
    /// Total bytes all decoding steps may produce.
    pub budget: usize,
    /// Compile source layers with an installed interpreter of the same version.
    pub compile_sources: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_layers: 32,
            dump_buffers: false,
            budget: Budget::DEFAULT,
            compile_sources: true,
        }
    }
}

/// One recovered layer.
#[derive(Clone, Debug)]
pub struct Layer {
    /// 1-based, in discovery (depth-first) order.
    pub index: usize,
    /// 0 for the input file.
    pub parent: usize,
    /// `marshal` or `source`.
    pub kind: &'static str,
    /// Decoding steps in the order they were undone.
    pub steps: Vec<&'static str>,
    pub sink: String,
    pub code_name: String,
    pub code_index: usize,
    pub offset: usize,
    pub constant_size: usize,
    pub constant_sha256: String,
    pub payload_size: usize,
    pub payload_sha256: String,
    /// File written for the layer, relative to the output directory.
    pub file: String,
    pub buffers: Vec<String>,
    /// No further layer found inside.
    pub is_final: bool,
    /// Why unpacking did not go on below this layer, if it did not.
    pub stopped: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub version: PyVersion,
    pub layers: Vec<Layer>,
    pub notes: Vec<String>,
}

impl Report {
    /// The layers with nothing further inside.
    pub fn finals(&self) -> impl Iterator<Item = &Layer> {
        self.layers.iter().filter(|l| l.is_final)
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A `.pyc` header for `version` (release magic, zero flags/mtime/size).
pub fn pyc_header(version: PyVersion) -> Vec<u8> {
    let magic = pyctrace_version::release_magic(version).unwrap_or(0);
    let mut h = Vec::with_capacity(16);
    h.extend_from_slice(&magic.to_le_bytes());
    h.extend_from_slice(b"\r\n");
    h.resize(pyctrace_version::header_len(version), 0);
    h
}

struct Run<'o> {
    opts: &'o Options,
    out: &'o Path,
    version: PyVersion,
    budget: Budget,
    layers: Vec<Layer>,
    notes: Vec<String>,
}

/// Unpacks the `.pyc` (or headerless marshal data, given `version`) in
/// `bytes` into `out`, writing `manifest.json` there.
pub fn unpack_file(
    input: &Path,
    out: &Path,
    opts: &Options,
    version_hint: Option<PyVersion>,
) -> Result<Report, UnpackError> {
    let bytes = std::fs::read(input).map_err(|e| UnpackError::Load {
        path: input.display().to_string(),
        msg: e.to_string(),
    })?;
    let load_err = |msg: String| UnpackError::Load {
        path: input.display().to_string(),
        msg,
    };
    let read_opts = ReadOptions::default();
    let pyc = match read_pyc(&bytes, &read_opts) {
        Ok(p) => p,
        Err(e) => match version_hint {
            Some(v) => read_marshal(&bytes, v, &read_opts)
                .map_err(|e| load_err(format!("{e} (offset {})", e.offset())))?,
            None => return Err(load_err(format!("{e} (offset {})", e.offset()))),
        },
    };
    std::fs::create_dir_all(out).map_err(|source| UnpackError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let mut run = Run {
        opts,
        out,
        version: pyc.version,
        budget: Budget::new(opts.budget),
        layers: Vec::new(),
        notes: Vec::new(),
    };
    run.walk(&pyc.root, 0, 0)?;
    let report = Report {
        version: pyc.version,
        layers: run.layers,
        notes: run.notes,
    };
    let manifest = manifest_json(input, &bytes, &report);
    let path = out.join("manifest.json");
    let text = serde_json::to_string_pretty(&manifest).expect("json") + "\n";
    std::fs::write(&path, text).map_err(|source| UnpackError::Io { path, source })?;
    Ok(report)
}

impl Run<'_> {
    fn write(&self, name: &str, data: &[u8]) -> Result<(), UnpackError> {
        let path = self.out.join(name);
        std::fs::write(&path, data).map_err(|source| UnpackError::Io { path, source })
    }

    /// Scans one layer's tree and recurses into what it holds. Returns
    /// whether any layer was found inside.
    fn walk(
        &mut self,
        root: &pyctrace_marshal::Node<'_>,
        parent: usize,
        depth: usize,
    ) -> Result<bool, UnpackError> {
        let mut scanner = Scanner {
            version: self.version,
            budget: &mut self.budget,
            notes: Vec::new(),
        };
        let found = scanner.scan(root)?;
        let notes = std::mem::take(&mut scanner.notes);
        self.notes.extend(notes);
        let any = !found.is_empty();
        for f in found {
            self.layer(f, parent, depth + 1)?;
        }
        Ok(any)
    }

    fn layer(&mut self, f: Found, parent: usize, depth: usize) -> Result<(), UnpackError> {
        let index = self.layers.len() + 1;
        let kind = if f.marshal { "marshal" } else { "source" };
        let steps: Vec<&'static str> = f.steps.iter().map(|a| a.step.name()).collect();
        let file = if f.marshal {
            format!("layer-{index}-marshal.pyc")
        } else {
            format!("layer-{index}-source.py")
        };
        let mut buffers = Vec::new();
        if self.opts.dump_buffers {
            let name = format!("layer-{index}-buffer-0-constant.bin");
            self.write(&name, &f.constant)?;
            buffers.push(name);
            for (k, a) in f.steps.iter().enumerate() {
                let name = format!("layer-{index}-buffer-{}-{}.bin", k + 1, a.step.name());
                self.write(&name, &a.output)?;
                buffers.push(name);
            }
        }
        let mut layer = Layer {
            index,
            parent,
            kind,
            steps,
            sink: f.sink.clone(),
            code_name: f.code_name.clone(),
            code_index: f.code_index,
            offset: f.offset,
            constant_size: f.constant.len(),
            constant_sha256: sha256_hex(&f.constant),
            payload_size: f.payload.len(),
            payload_sha256: sha256_hex(&f.payload),
            file: file.clone(),
            buffers,
            is_final: false,
            stopped: None,
        };
        if f.marshal {
            let mut pyc = pyc_header(self.version);
            pyc.extend_from_slice(&f.payload);
            self.write(&file, &pyc)?;
        } else {
            self.write(&file, &f.payload)?;
        }
        self.layers.push(layer.clone());

        if depth >= self.opts.max_layers {
            layer.stopped = Some(format!(
                "--max-layers {} reached: layer not scanned further",
                self.opts.max_layers
            ));
            self.layers[index - 1] = layer;
            return Ok(());
        }
        // Marshal data as is; source through the real compiler.
        let code_bytes: Option<Vec<u8>> = if f.marshal {
            Some(f.payload.to_vec())
        } else if !self.opts.compile_sources {
            layer.stopped = Some("source layer not compiled (disabled)".into());
            None
        } else {
            match compile_source(self.version, &f.payload) {
                Ok(b) => Some(b),
                Err(msg) => {
                    layer.stopped = Some(msg);
                    None
                }
            }
        };
        let mut inner_found = false;
        if let Some(code_bytes) = code_bytes {
            match read_marshal(&code_bytes, self.version, &ReadOptions::default()) {
                Ok(pyc) => {
                    inner_found = self.walk(&pyc.root, index, depth)?;
                }
                Err(e) => {
                    layer.stopped = Some(format!(
                        "payload is not loadable marshal data for {}: {e} (offset {})",
                        self.version,
                        e.offset()
                    ));
                }
            }
        }
        layer.is_final = !inner_found && layer.stopped.is_none();
        self.layers[index - 1] = layer;
        Ok(())
    }
}

/// Why [`compile_source_as`] gave no code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileFailure {
    /// No interpreter of that version is installed (or it could not start).
    Missing(String),
    /// The interpreter rejected the source (its last error line).
    Rejected(String),
}

impl std::fmt::Display for CompileFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileFailure::Missing(m) | CompileFailure::Rejected(m) => f.write_str(m),
        }
    }
}

/// Compiles `source` with the installed interpreter of `version`, as
/// `compile(source, '<layer>', 'exec')`, and returns `marshal.dumps` of the
/// code (nothing is executed).
pub fn compile_source(version: PyVersion, source: &[u8]) -> Result<Vec<u8>, String> {
    compile_source_as(version, source, "<layer>", "exec").map_err(|e| e.to_string())
}

/// `compile(source, filename, mode, 0, True)` in the installed interpreter
/// of `version`; returns `marshal.dumps` of the code. Only `compile` runs
/// there: the code is never executed.
pub fn compile_source_as(
    version: PyVersion,
    source: &[u8],
    filename: &str,
    mode: &str,
) -> Result<Vec<u8>, CompileFailure> {
    let Some(interp) = pyctrace_pythons::find(version.major, version.minor) else {
        return Err(CompileFailure::Missing(format!(
            "source layer not compiled: no Python {version} installed (the source is dumped; \
             install Python {version} to unpack further)"
        )));
    };
    if !matches!(mode, "exec" | "eval" | "single") {
        return Err(CompileFailure::Rejected(format!(
            "bad compile mode {mode:?}"
        )));
    }
    // filename and mode travel as arguments (never as code); the source on stdin.
    const SCRIPT: &str = "import sys, marshal\n\
        i = getattr(sys.stdin, 'buffer', sys.stdin)\n\
        o = getattr(sys.stdout, 'buffer', sys.stdout)\n\
        o.write(marshal.dumps(compile(i.read(), sys.argv[1], sys.argv[2], 0, True)))\n";
    // Isolated mode: no site, no user paths, no PYTHON* variables (2.7 has no -I).
    let flags: &[&str] = if version.is_py2() {
        &["-E", "-s", "-S"]
    } else {
        &["-I", "-S"]
    };
    let mut child = Command::new(&interp.executable)
        .args(flags)
        .args(["-c", SCRIPT, filename, mode])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            CompileFailure::Missing(format!("cannot start {}: {e}", interp.executable.display()))
        })?;
    let mut stdin = child.stdin.take().expect("piped");
    let src = source.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&src);
    });
    let out = child
        .wait_with_output()
        .map_err(|e| CompileFailure::Missing(format!("{}: {e}", interp.executable.display())))?;
    let _ = feeder.join();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(CompileFailure::Rejected(format!(
            "source layer does not compile under Python {version}: {}",
            err.trim().lines().last().unwrap_or("")
        )));
    }
    Ok(out.stdout)
}

fn manifest_json(input: &Path, bytes: &[u8], report: &Report) -> Value {
    let layers: Vec<Value> = report
        .layers
        .iter()
        .map(|l| {
            json!({
                "index": l.index,
                "parent": l.parent,
                "kind": l.kind,
                "decode_steps": l.steps,
                "sink": l.sink,
                "produced_by": {"code_object": l.code_name, "code_index": l.code_index, "offset": l.offset},
                "constant_size": l.constant_size,
                "constant_sha256": l.constant_sha256,
                "payload_size": l.payload_size,
                "payload_sha256": l.payload_sha256,
                "file": l.file,
                "buffers": l.buffers,
                "final": l.is_final,
                "stopped": l.stopped,
            })
        })
        .collect();
    let finals: Vec<&str> = report.finals().map(|l| l.file.as_str()).collect();
    json!({
        "input": input.display().to_string(),
        "input_sha256": sha256_hex(bytes),
        "version": report.version.to_string(),
        "mode": "static",
        "layers": layers,
        "final_program": finals,
        "notes": report.notes,
    })
}
