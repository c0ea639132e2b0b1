//! Dynamic unpacking: the program runs (in pyctrace's sandboxed VM, or in a
//! real interpreter through the cpython engine) and every code object and
//! source string it creates at run time is dumped as a layer.
//!
//! The layer tree: a layer's parent is the layer whose code was executing
//! when it was created (the creating instruction's code object belongs to
//! exactly one layer, or to the input file: parent 0). Code objects nested
//! in a layer's constants belong to that layer. A source string and the code
//! compiled from it are one layer (`.py`, plus the compiled `.pyc`).
//!
//! A layer is the *final program* when it ran and created no further layer.
//!
//! [`Recorder`] is engine-independent: the vm engine's observer
//! ([`VmObserver`]) and the cpython engine's audit sink feed it the same
//! events.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pyctrace_marshal::PyVersion;
use serde_json::{json, Value};

use crate::{pyc_header, sha256_hex, CompileFailure, UnpackError};

/// Where a layer was created: the calling instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteInfo {
    /// Engine-specific identity of the calling code object.
    pub code_id: u64,
    pub code_name: String,
    pub first_line: i32,
    pub offset: u32,
}

/// Options of a dynamic run.
#[derive(Clone, Debug)]
pub struct DynOptions {
    /// At most this many layers; creating one more stops the run.
    pub max_layers: usize,
    /// Keep the decoders' intermediate buffers.
    pub dump_buffers: bool,
    /// Total bytes of layers and buffers written.
    pub max_dump_bytes: usize,
}

impl Default for DynOptions {
    fn default() -> Self {
        DynOptions {
            max_layers: 32,
            dump_buffers: false,
            max_dump_bytes: 512 * 1024 * 1024,
        }
    }
}

/// One layer found at run time.
#[derive(Clone, Debug)]
pub struct DynLayer {
    pub index: usize,
    pub parent: usize,
    /// `marshal` or `source`.
    pub kind: &'static str,
    /// `marshal.loads`, `exec`, `eval` or `compile`.
    pub how: &'static str,
    /// Decoder calls that produced the payload, in the order they ran.
    pub decode_steps: Vec<&'static str>,
    pub site: Option<SiteInfo>,
    pub payload_size: usize,
    pub payload_sha256: String,
    pub file: String,
    /// For a source layer: its code as compiled by the real interpreter.
    pub compiled: Option<String>,
    pub buffers: Vec<String>,
    pub executed: bool,
    /// The instruction that first ran the layer's code (`exec`/`eval`).
    pub exec_site: Option<SiteInfo>,
    pub children: usize,
    /// How exact the payload is, when it is not the bytes the program used.
    pub note: Option<&'static str>,
}

impl DynLayer {
    pub fn is_final(&self) -> bool {
        self.executed && self.children == 0
    }
}

struct Buffer {
    step: &'static str,
    input_sha: String,
    output_sha: String,
    kept: Option<(Vec<u8>, Vec<u8>)>,
}

/// Builds the layer tree from run-time events and dumps each layer.
pub struct Recorder {
    pub version: PyVersion,
    out: PathBuf,
    opts: DynOptions,
    pub layers: Vec<DynLayer>,
    code_layer: HashMap<u64, usize>,
    buffers: Vec<Buffer>,
    pending_source: Option<usize>,
    written: usize,
    /// Bytes of decoder buffers held for `--dump-buffers`.
    kept: usize,
    pub notes: Vec<String>,
    /// Why the recorder stopped the run, if it did.
    pub stopped: Option<String>,
    /// The first error writing a dump.
    pub io_error: Option<UnpackError>,
}

/// Buffers kept for the decode-step chains (oldest dropped first).
const MAX_BUFFERS: usize = 4096;

impl Recorder {
    pub fn new(version: PyVersion, out: &Path, opts: DynOptions) -> Result<Recorder, UnpackError> {
        std::fs::create_dir_all(out).map_err(|source| UnpackError::Io {
            path: out.to_path_buf(),
            source,
        })?;
        Ok(Recorder {
            version,
            out: out.to_path_buf(),
            opts,
            layers: Vec::new(),
            code_layer: HashMap::new(),
            buffers: Vec::new(),
            pending_source: None,
            written: 0,
            kept: 0,
            notes: Vec::new(),
            stopped: None,
            io_error: None,
        })
    }

    fn write(&mut self, name: &str, data: &[u8]) -> Result<(), String> {
        self.written = self.written.saturating_add(data.len());
        if self.written > self.opts.max_dump_bytes {
            return self.stop(format!(
                "dumps exceed {} bytes: run stopped",
                self.opts.max_dump_bytes
            ));
        }
        let path = self.out.join(name);
        if let Err(source) = std::fs::write(&path, data) {
            let msg = format!("cannot write {}: {source}", path.display());
            self.io_error
                .get_or_insert(UnpackError::Io { path, source });
            return Err(msg);
        }
        Ok(())
    }

    fn stop(&mut self, why: String) -> Result<(), String> {
        self.stopped.get_or_insert(why.clone());
        Err(why)
    }

    fn parent_of(&self, site: Option<&SiteInfo>) -> usize {
        site.and_then(|s| self.code_layer.get(&s.code_id).copied())
            .unwrap_or(0)
    }

    /// The decoder calls whose output chain ends in `payload`.
    fn steps_for(&self, payload_sha: &str) -> (Vec<&'static str>, Vec<usize>) {
        let mut steps = Vec::new();
        let mut used = Vec::new();
        let mut want = payload_sha.to_string();
        for _ in 0..16 {
            let Some((i, b)) = self
                .buffers
                .iter()
                .enumerate()
                .rev()
                .find(|(i, b)| b.output_sha == want && !used.contains(i))
            else {
                break;
            };
            steps.push(b.step);
            used.push(i);
            want = b.input_sha.clone();
        }
        steps.reverse();
        used.reverse();
        (steps, used)
    }

    fn new_layer(
        &mut self,
        kind: &'static str,
        how: &'static str,
        payload: &[u8],
        site: Option<&SiteInfo>,
        as_pyc: bool,
    ) -> Result<usize, String> {
        if self.layers.len() >= self.opts.max_layers {
            return self
                .stop(format!(
                    "--max-layers {} reached: a further layer was being created by {}; run stopped",
                    self.opts.max_layers,
                    site.map(|s| format!("{}+{}", s.code_name, s.offset))
                        .unwrap_or_else(|| "an indirect call".into())
                ))
                .map(|_| 0);
        }
        let index = self.layers.len() + 1;
        let parent = self.parent_of(site);
        let payload_sha256 = sha256_hex(payload);
        let (decode_steps, used) = self.steps_for(&payload_sha256);
        let file = if as_pyc {
            format!("layer-{index}-{kind}.pyc")
        } else {
            format!("layer-{index}-source.py")
        };
        if as_pyc {
            let mut pyc = pyc_header(self.version);
            pyc.extend_from_slice(payload);
            self.write(&file, &pyc)?;
        } else {
            self.write(&file, payload)?;
        }
        let mut buffers = Vec::new();
        if self.opts.dump_buffers {
            for (k, &i) in used.iter().enumerate() {
                let Some((input, output)) = self.buffers[i].kept.take() else {
                    continue;
                };
                self.kept -= input.len() + output.len();
                let step = self.buffers[i].step;
                if k == 0 {
                    let name = format!("layer-{index}-buffer-0-input.bin");
                    self.write(&name, &input)?;
                    buffers.push(name);
                }
                let name = format!("layer-{index}-buffer-{}-{step}.bin", k + 1);
                self.write(&name, &output)?;
                buffers.push(name);
            }
        }
        if parent > 0 {
            self.layers[parent - 1].children += 1;
        }
        self.layers.push(DynLayer {
            index,
            parent,
            kind,
            how,
            decode_steps,
            site: site.cloned(),
            payload_size: payload.len(),
            payload_sha256,
            file,
            compiled: None,
            buffers,
            executed: false,
            exec_site: None,
            children: 0,
            note: None,
        });
        Ok(index)
    }

    /// A source string given to `exec`/`eval`/`compile`.
    pub fn source(
        &mut self,
        sink: &'static str,
        text: &[u8],
        site: Option<&SiteInfo>,
    ) -> Result<(), String> {
        let index = self.new_layer("source", sink, text, site, false)?;
        self.pending_source = Some(index);
        Ok(())
    }

    /// A code object made at run time from `marshal` data; `code_ids` are
    /// it and every code nested in it.
    pub fn code(
        &mut self,
        how: &'static str,
        marshal: &[u8],
        code_ids: &[u64],
        site: Option<&SiteInfo>,
    ) -> Result<(), String> {
        let pending = if how == "compile" {
            self.pending_source.take()
        } else {
            None
        };
        let index = match pending {
            Some(index) => {
                let name = format!("layer-{index}-source.pyc");
                let mut pyc = pyc_header(self.version);
                pyc.extend_from_slice(marshal);
                self.write(&name, &pyc)?;
                self.layers[index - 1].compiled = Some(name);
                index
            }
            _ => self.new_layer("marshal", "marshal.loads", marshal, site, true)?,
        };
        self.attach(index, code_ids);
        Ok(())
    }

    /// `code_ids` belong to layer `index` (made before its code was seen).
    pub fn attach(&mut self, index: usize, code_ids: &[u64]) {
        for id in code_ids {
            self.code_layer.entry(*id).or_insert(index);
        }
    }

    /// A layer known only as a running code object: `marshal` is that
    /// code's own `marshal.dumps`; `kind` says whether it was compiled from
    /// source (whose text was not visible).
    pub fn code_only(
        &mut self,
        kind: &'static str,
        marshal: &[u8],
        code_ids: &[u64],
        site: Option<&SiteInfo>,
    ) -> Result<(), String> {
        let how = if kind == "source" {
            "exec"
        } else {
            "marshal.loads"
        };
        let index = self.new_layer(kind, how, marshal, site, true)?;
        self.layers[index - 1].note = Some(if kind == "source" {
            "source text not visible to this engine: the compiled code object is dumped"
        } else {
            "payload re-marshalled from the running code object"
        });
        if kind == "source" {
            self.layers[index - 1].compiled = Some(self.layers[index - 1].file.clone());
        }
        self.attach(index, code_ids);
        Ok(())
    }

    pub fn has_pending_source(&self) -> bool {
        self.pending_source.is_some()
    }

    /// One decoder call (kept to name the decode steps of later layers).
    pub fn buffer(&mut self, step: &'static str, input: &[u8], output: &[u8]) {
        if self.buffers.len() >= MAX_BUFFERS {
            if let Some((i, o)) = self.buffers.remove(0).kept {
                self.kept -= i.len() + o.len();
            }
        }
        let size = input.len() + output.len();
        let kept = if self.opts.dump_buffers
            && self.kept + self.written + size <= self.opts.max_dump_bytes
        {
            self.kept += size;
            Some((input.to_vec(), output.to_vec()))
        } else {
            if self.opts.dump_buffers && !self.notes.iter().any(|n| n.starts_with("buffers")) {
                self.notes.push(format!(
                    "buffers beyond {} bytes were not kept",
                    self.opts.max_dump_bytes
                ));
            }
            None
        };
        self.buffers.push(Buffer {
            step,
            input_sha: sha256_hex(input),
            output_sha: sha256_hex(output),
            kept,
        });
    }

    /// `exec`/`eval` is about to run the code `code_id`.
    pub fn exec(&mut self, code_id: u64, site: Option<&SiteInfo>) {
        if let Some(&i) = self.code_layer.get(&code_id) {
            let l = &mut self.layers[i - 1];
            l.executed = true;
            if l.exec_site.is_none() {
                l.exec_site = site.cloned();
            }
        }
    }

    pub fn finals(&self) -> impl Iterator<Item = &DynLayer> {
        self.layers.iter().filter(|l| l.is_final())
    }

    /// The manifest of the run; `run` describes how the program ended.
    pub fn manifest(&self, input: &Path, input_bytes: &[u8], engine: &str, run: Value) -> Value {
        let layers: Vec<Value> = self
            .layers
            .iter()
            .map(|l| {
                json!({
                    "index": l.index,
                    "parent": l.parent,
                    "kind": l.kind,
                    "sink": l.how,
                    "decode_steps": l.decode_steps,
                    "produced_by": l.site.as_ref().map(|s| json!({
                        "code_object": s.code_name,
                        "first_line": s.first_line,
                        "offset": s.offset,
                        "layer": l.parent,
                    })),
                    "payload_size": l.payload_size,
                    "payload_sha256": l.payload_sha256,
                    "file": l.file,
                    "compiled": l.compiled,
                    "buffers": l.buffers,
                    "executed": l.executed,
                    "executed_by": l.exec_site.as_ref().map(|s| json!({
                        "code_object": s.code_name,
                        "first_line": s.first_line,
                        "offset": s.offset,
                    })),
                    "children": l.children,
                    "final": l.is_final(),
                    "note": l.note,
                })
            })
            .collect();
        let finals: Vec<&str> = self.finals().map(|l| l.file.as_str()).collect();
        json!({
            "input": input.display().to_string(),
            "input_sha256": sha256_hex(input_bytes),
            "version": self.version.to_string(),
            "mode": "dynamic",
            "engine": engine,
            "layers": layers,
            "final_program": finals,
            "stopped": self.stopped,
            "run": run,
            "notes": self.notes,
        })
    }

    pub fn write_manifest(&self, manifest: &Value) -> Result<(), UnpackError> {
        let path = self.out.join("manifest.json");
        let text = serde_json::to_string_pretty(manifest).expect("json") + "\n";
        std::fs::write(&path, text).map_err(|source| UnpackError::Io { path, source })
    }
}

// ---- the vm engine ----

/// Adapts [`Recorder`] to the VM's observer hook; `compile()` goes to the
/// installed interpreter of the same version (compile only).
pub struct VmObserver<'r> {
    pub recorder: &'r mut Recorder,
}

fn vm_site(s: &pyctrace_vm::observe::Site) -> SiteInfo {
    SiteInfo {
        code_id: s.code_id as u64,
        code_name: s.code_name.clone(),
        first_line: s.first_line,
        offset: s.offset,
    }
}

fn control(r: Result<(), String>) -> pyctrace_vm::observe::Control {
    match r {
        Ok(()) => pyctrace_vm::observe::Control::Continue,
        Err(why) => pyctrace_vm::observe::Control::Stop(why),
    }
}

impl pyctrace_vm::observe::UnpackObserver for VmObserver<'_> {
    fn on_source(
        &mut self,
        e: &pyctrace_vm::observe::SourceEvent<'_>,
    ) -> pyctrace_vm::observe::Control {
        let site = e.site.map(vm_site);
        control(self.recorder.source(e.sink, e.text, site.as_ref()))
    }

    fn on_code(
        &mut self,
        e: &pyctrace_vm::observe::CodeEvent<'_>,
    ) -> pyctrace_vm::observe::Control {
        let site = e.site.map(vm_site);
        let ids: Vec<u64> = e.code_ids.iter().map(|&i| i as u64).collect();
        control(self.recorder.code(e.how, e.marshal, &ids, site.as_ref()))
    }

    fn on_buffer(
        &mut self,
        e: &pyctrace_vm::observe::BufferEvent<'_>,
    ) -> pyctrace_vm::observe::Control {
        self.recorder.buffer(e.step, e.input, e.output);
        pyctrace_vm::observe::Control::Continue
    }

    fn on_exec(
        &mut self,
        code: pyctrace_vm::observe::CodeId,
        site: Option<&pyctrace_vm::observe::Site>,
    ) -> pyctrace_vm::observe::Control {
        let site = site.map(vm_site);
        self.recorder.exec(code as u64, site.as_ref());
        pyctrace_vm::observe::Control::Continue
    }

    fn compile_source(
        &mut self,
        text: &[u8],
        filename: &str,
        mode: &str,
    ) -> Result<Vec<u8>, pyctrace_vm::observe::CompileError> {
        use pyctrace_vm::observe::CompileError;
        match crate::compile_source_as(self.recorder.version, text, filename, mode) {
            Ok(m) => Ok(m),
            Err(CompileFailure::Missing(_)) => {
                let v = self.recorder.version;
                let m = format!(
                    "no Python {v} installed to compile source text with (compile only: nothing \
                     would run there): the source is dumped as {}; install Python {v} to unpack \
                     further",
                    self.recorder
                        .layers
                        .last()
                        .map(|l| l.file.as_str())
                        .unwrap_or("a layer")
                );
                self.recorder.stopped.get_or_insert(m.clone());
                Err(CompileError::Unavailable(m))
            }
            Err(CompileFailure::Rejected(m)) => Err(CompileError::Syntax(m)),
        }
    }
}

/// How a dynamic run ended.
#[derive(Debug)]
pub struct DynOutcome {
    /// Exit status of the program (0 normal end), or why the VM stopped.
    pub status: Result<i32, String>,
    /// What the program attempted outside the vm's sandbox (vm engine).
    pub effects: Vec<pyctrace_vm::sandbox::Effect>,
}

/// Runs `input` (a .pyc of 3.8-3.13) in the sandboxed VM, recording layers
/// into `out`; writes `manifest.json`.
pub fn unpack_vm(
    input: &Path,
    out: &Path,
    opts: &DynOptions,
    config: &pyctrace_vm::VmConfig,
    io: &mut (dyn pyctrace_vm::VmIo + Send),
) -> Result<(Recorder, DynOutcome), UnpackError> {
    let bytes = std::fs::read(input).map_err(|e| UnpackError::Load {
        path: input.display().to_string(),
        msg: e.to_string(),
    })?;
    let pyc =
        pyctrace_marshal::read_pyc(&bytes, &Default::default()).map_err(|e| UnpackError::Load {
            path: input.display().to_string(),
            msg: format!("{e} (offset {})", e.offset()),
        })?;
    if !pyctrace_vm::supports(pyc.version) {
        return Err(UnpackError::Load {
            path: input.display().to_string(),
            msg: format!(
                "the vm engine runs Python 3.8-3.13 bytecode; this is {} (use --engine cpython)",
                pyc.version
            ),
        });
    }
    let mut recorder = Recorder::new(pyc.version, out, opts.clone())?;
    let outcome = {
        let mut observer = VmObserver {
            recorder: &mut recorder,
        };
        pyctrace_vm::run_observed(&pyc, config, io, None, Some(&mut observer))
    };
    let status = match &outcome.status {
        Ok(s) => Ok(s.code()),
        Err(e) => Err(e.to_string()),
    };
    let run = json!({
        "status": status.as_ref().ok(),
        "error": status.as_ref().err(),
        "instructions": outcome.executed,
        "effects": outcome.effects.iter().map(|e| json!({"kind": e.kind, "target": e.target})).collect::<Vec<_>>(),
    });
    if let Some(e) = recorder.io_error.take() {
        return Err(e);
    }
    let manifest = recorder.manifest(input, &bytes, "vm", run);
    recorder.write_manifest(&manifest)?;
    Ok((
        recorder,
        DynOutcome {
            status,
            effects: outcome.effects,
        },
    ))
}

// ---- the cpython engine (NO SANDBOX) ----

struct CpythonObserver {
    recorder: std::rc::Rc<std::cell::RefCell<Recorder>>,
    pending_marshal: Option<usize>,
    pending_source_file: Option<String>,
    input: PathBuf,
    input_bytes: Vec<u8>,
}

fn cpython_site(s: &pyctrace_cpython::audit::Site) -> SiteInfo {
    SiteInfo {
        code_id: s.code_id,
        code_name: s.code_name.clone(),
        first_line: s.first_line,
        offset: s.offset,
    }
}

impl pyctrace_cpython::audit::RuntimeObserver for CpythonObserver {
    fn on_source(
        &mut self,
        text: &[u8],
        filename: &str,
        site: Option<&pyctrace_cpython::audit::Site>,
    ) -> Result<(), String> {
        let site = site.map(cpython_site);
        self.pending_source_file = Some(filename.to_string());
        self.recorder
            .borrow_mut()
            .source("compile", text, site.as_ref())
    }

    fn on_marshal(
        &mut self,
        data: &[u8],
        site: Option<&pyctrace_cpython::audit::Site>,
    ) -> Result<(), String> {
        let site = site.map(cpython_site);
        let mut r = self.recorder.borrow_mut();
        r.code("marshal.loads", data, &[], site.as_ref())?;
        self.pending_marshal = Some(r.layers.len());
        Ok(())
    }

    fn on_new_code(&mut self, code: &pyctrace_cpython::audit::NewCode<'_>) -> Result<(), String> {
        let site = code.site.map(cpython_site);
        let mut r = self.recorder.borrow_mut();
        // the code compiled from the last source string carries its filename
        if r.has_pending_source() && self.pending_source_file.as_deref() == Some(code.filename) {
            self.pending_source_file = None;
            return r.code("compile", code.marshal, code.code_ids, site.as_ref());
        }
        if let Some(index) = self.pending_marshal.take() {
            r.attach(index, code.code_ids);
            return Ok(());
        }
        let kind = if r.version.is_py2() && code.filename == "<string>" {
            "source"
        } else {
            "marshal"
        };
        r.code_only(kind, code.marshal, code.code_ids, site.as_ref())
    }

    fn on_exec(&mut self, code_id: u64, site: Option<&pyctrace_cpython::audit::Site>) {
        let site = site.map(cpython_site);
        self.recorder.borrow_mut().exec(code_id, site.as_ref());
    }

    fn finish(&mut self, status: Option<i32>) {
        let r = self.recorder.borrow();
        let run = json!({
            "status": status,
            "exited_through": if status.is_none() { Some("sys.exit") } else { None },
        });
        let manifest = r.manifest(&self.input, &self.input_bytes, "cpython", run);
        if let Err(e) = r.write_manifest(&manifest) {
            eprintln!("pyctrace: {e}");
        }
    }
}

/// Runs `input` in the real interpreter `interpreter` (NO SANDBOX: the
/// program and every payload run on the host), recording layers into
/// `out`; writes `manifest.json` (also when the program calls `sys.exit`,
/// which ends the process).
pub fn unpack_cpython(
    input: &Path,
    out: &Path,
    opts: &DynOptions,
    interpreter: pyctrace_pythons::Interpreter,
) -> Result<(Recorder, DynOutcome), UnpackError> {
    let bytes = std::fs::read(input).map_err(|e| UnpackError::Load {
        path: input.display().to_string(),
        msg: e.to_string(),
    })?;
    let version = pyctrace_marshal::read_pyc(&bytes, &Default::default())
        .map_err(|e| UnpackError::Load {
            path: input.display().to_string(),
            msg: format!("{e} (offset {})", e.offset()),
        })?
        .version;
    if !(version.is_py2() || version.at_least(3, 8)) {
        return Err(UnpackError::Load {
            path: input.display().to_string(),
            msg: format!(
                "dynamic unpacking through the cpython engine needs 2.7 or 3.8+ (audit hooks); \
                 this is Python {version}"
            ),
        });
    }
    let recorder = std::rc::Rc::new(std::cell::RefCell::new(Recorder::new(
        version,
        out,
        opts.clone(),
    )?));
    if opts.dump_buffers {
        recorder.borrow_mut().notes.push(
            "--dump-buffers: the cpython engine does not see decoder calls (audit events \
             cover code and source only); no intermediate buffers kept"
                .into(),
        );
    }
    if version.at_least(3, 8) && !version.at_least(3, 9) {
        recorder.borrow_mut().notes.push(
            "Python 3.8 has no marshal.loads audit event: marshal layers are the running \
             code objects re-marshalled"
                .into(),
        );
    } else if version.is_py2() {
        recorder.borrow_mut().notes.push(
            "Python 2.7 has no audit hooks: layers are code objects first entered from \
             EXEC_STMT, re-marshalled; source text is not visible (compiled code dumped)"
                .into(),
        );
    }
    let observer = CpythonObserver {
        recorder: recorder.clone(),
        pending_marshal: None,
        pending_source_file: None,
        input: input.to_path_buf(),
        input_bytes: bytes.clone(),
    };
    let result = pyctrace_cpython::run_observed(
        &bytes,
        pyctrace_cpython::RunOptions {
            interpreter,
            file: input.to_path_buf(),
            args: Vec::new(),
            trace: None,
        },
        Some(Box::new(observer)),
    );
    let status = match result {
        Ok(o) => Ok(o.status),
        Err(e) => {
            return Err(UnpackError::Load {
                path: input.display().to_string(),
                msg: e.to_string(),
            })
        }
    };
    // The observer (holding the other reference) stays installed in the
    // interpreter, which is never unloaded: take the recorder's contents.
    let mut rec = recorder.borrow_mut();
    if let Some(e) = rec.io_error.take() {
        return Err(e);
    }
    let taken = std::mem::replace(
        &mut *rec,
        Recorder {
            version,
            out: out.to_path_buf(),
            opts: opts.clone(),
            layers: Vec::new(),
            code_layer: HashMap::new(),
            buffers: Vec::new(),
            pending_source: None,
            written: 0,
            kept: 0,
            notes: Vec::new(),
            stopped: None,
            io_error: None,
        },
    );
    Ok((
        taken,
        DynOutcome {
            status,
            effects: Vec::new(),
        },
    ))
}

/// An observer that only compiles: `compile()`/`exec`/`eval` of source
/// text in the vm engine, through the installed interpreter of `version`
/// (compile only; nothing runs there). For runs that do not unpack.
pub struct SourceCompiler {
    pub version: PyVersion,
}

impl pyctrace_vm::observe::UnpackObserver for SourceCompiler {
    fn wants_events(&self) -> bool {
        false
    }

    fn compile_source(
        &mut self,
        text: &[u8],
        filename: &str,
        mode: &str,
    ) -> Result<Vec<u8>, pyctrace_vm::observe::CompileError> {
        use pyctrace_vm::observe::CompileError;
        crate::compile_source_as(self.version, text, filename, mode).map_err(|e| match e {
            CompileFailure::Missing(_) => CompileError::Unavailable(format!(
                "no Python {} installed to compile source text with (compile only: nothing \
                 would run there)",
                self.version
            )),
            CompileFailure::Rejected(m) => CompileError::Syntax(m),
        })
    }
}
