//! `pyctrace unpack FILE -o DIR`: every layer a protector wrapped around the
//! program, dumped with a manifest.
//!
//! * static (default): constant arguments of `exec`/`eval`/`compile` are
//!   folded through the decoders; nothing from the file is executed.
//! * `--engine vm`: the program runs in pyctrace's sandboxed VM and every
//!   code object and source string it creates is dumped; `compile()` of
//!   source is delegated to a real interpreter of the same version (compile
//!   only).
//! * `--engine cpython`: the program runs in a real interpreter, NO SANDBOX.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args as ClapArgs;
use pyctrace_marshal::PyVersion;
use pyctrace_unpack::dynamic::{DynLayer, DynOptions, Recorder};
use pyctrace_unpack::{unpack_file, Options, UnpackError};

use super::run::Engine;
use super::vm_engine::{StdIo, VmArgs};
use crate::Failure;

#[derive(ClapArgs)]
pub struct Args {
    /// The .pyc file (or a headerless marshal blob with --version).
    file: PathBuf,
    /// Output directory: layer-N-<kind>.pyc|.py and manifest.json.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Static unpacking (constant folding, nothing runs). The default
    /// without --engine.
    #[arg(long = "static", conflicts_with = "engine")]
    static_mode: bool,
    /// Dynamic unpacking: run the program and dump every code object and
    /// source string it creates. `vm`: pyctrace's sandboxed VM (3.8-3.13;
    /// the payload never touches the host). `cpython`: a real interpreter,
    /// NO SANDBOX: the payload runs on your machine with your rights.
    #[arg(long, value_enum, value_name = "ENGINE")]
    engine: Option<Engine>,
    /// At most N layers (static: N nested levels); a run that creates more
    /// is stopped.
    #[arg(long, value_name = "N", default_value_t = 32)]
    max_layers: usize,
    /// Also keep every intermediate buffer (decoded, decompressed).
    #[arg(long)]
    dump_buffers: bool,
    /// Read FILE as a headerless marshal blob written by Python X.Y (static).
    #[arg(long = "version", value_name = "X.Y")]
    py_version: Option<String>,
    /// cpython engine: interpreter X.Y or path (default: the .pyc's version).
    #[arg(long, value_name = "X.Y|PATH")]
    python: Option<String>,
    #[command(flatten)]
    vm: VmArgs,
}

fn site_text(l: &DynLayer) -> String {
    match &l.site {
        Some(s) => format!("{}@{}", s.code_name, s.offset),
        None => "?".into(),
    }
}

fn print_dynamic(args: &Args, engine: &str, rec: &Recorder, status: &Result<i32, String>) {
    println!(
        "{}: Python {}, dynamic unpacking (engine {engine}), {} layer(s) -> {}",
        args.file.display(),
        rec.version,
        rec.layers.len(),
        args.output.display()
    );
    for l in &rec.layers {
        let mut line = format!(
            "  layer {} (from {}) {:<7} {:<13} {:<30} {} {} bytes -> {}",
            l.index,
            if l.parent == 0 {
                "input".to_string()
            } else {
                format!("layer {}", l.parent)
            },
            l.kind,
            l.how,
            if l.decode_steps.is_empty() {
                "-".to_string()
            } else {
                l.decode_steps.join(",")
            },
            site_text(l),
            l.payload_size,
            l.file
        );
        if l.is_final() {
            line.push_str("  [final program: no further layers]");
        }
        println!("{line}");
    }
    if rec.layers.is_empty() {
        println!("  no code was created at run time: the input itself is the final program");
    }
    match status {
        Ok(0) => println!("  the program ran to its end"),
        Ok(code) => println!("  the program exited with status {code}"),
        Err(_) if rec.stopped.is_some() => {}
        Err(e) => println!("  the run stopped: {e}"),
    }
    if let Some(why) = &rec.stopped {
        println!("  [stopped: {why}]");
    }
}

fn dynamic(args: &Args, engine: Engine) -> Result<(), Failure> {
    let opts = DynOptions {
        max_layers: args.max_layers,
        dump_buffers: args.dump_buffers,
        ..DynOptions::default()
    };
    let (rec, status) = match engine {
        Engine::Vm => {
            let config = super::vm_engine::vm_config(&args.file, &args.vm, &[])?;
            let mut io = StdIo::new();
            let r = pyctrace_unpack::dynamic::unpack_vm(
                &args.file,
                &args.output,
                &opts,
                &config,
                &mut io,
            );
            drop(io);
            let (rec, outcome) = r.map_err(|e| Failure::Input(anyhow!("{e}")))?;
            let format = args.vm.effects.or(if outcome.effects.is_empty() {
                None
            } else {
                Some(super::vm_engine::EffectsFormat::Text)
            });
            if let Some(format) = format {
                let text = super::vm_engine::render_effects(&outcome.effects, format);
                match &args.vm.effects_output {
                    Some(path) => std::fs::write(path, text).map_err(|e| {
                        Failure::Input(anyhow!("cannot write {}: {e}", path.display()))
                    })?,
                    None => eprint!("{text}"),
                }
            }
            (rec, outcome.status)
        }
        Engine::Cpython => {
            super::unpack_cpython::run(&args.file, &args.output, &opts, args.python.as_deref())?
        }
    };
    let name = match engine {
        Engine::Vm => "vm",
        Engine::Cpython => "cpython",
    };
    print_dynamic(args, name, &rec, &status);
    Ok(())
}

pub fn run(args: Args) -> Result<(), Failure> {
    if let Some(engine) = args.engine {
        return dynamic(&args, engine);
    }
    let _ = args.static_mode; // static is the default and only mode
    let hint = match &args.py_version {
        Some(v) => Some(
            PyVersion::parse(v)
                .ok_or_else(|| Failure::Input(anyhow!("--version {v}: expected X.Y")))?,
        ),
        None => None,
    };
    let opts = Options {
        max_layers: args.max_layers,
        dump_buffers: args.dump_buffers,
        ..Options::default()
    };
    let report = unpack_file(&args.file, &args.output, &opts, hint).map_err(|e| match e {
        UnpackError::Decode(d) => Failure::Input(anyhow!("{}: {d}", args.file.display())),
        other => Failure::Input(anyhow!("{other}")),
    })?;
    println!(
        "{}: Python {}, static unpacking, {} layer(s) -> {}",
        args.file.display(),
        report.version,
        report.layers.len(),
        args.output.display()
    );
    for l in &report.layers {
        let mut line = format!(
            "  layer {} (from {}) {:<7} {:<40} {} @ {}+{}  {} bytes -> {}",
            l.index,
            if l.parent == 0 {
                "input".to_string()
            } else {
                format!("layer {}", l.parent)
            },
            l.kind,
            if l.steps.is_empty() {
                "-".to_string()
            } else {
                l.steps.join(",")
            },
            l.sink,
            l.code_name,
            l.offset,
            l.payload_size,
            l.file
        );
        if l.is_final {
            line.push_str("  [final program: no further layers]");
        }
        if let Some(why) = &l.stopped {
            line.push_str(&format!("  [stopped: {why}]"));
        }
        println!("{line}");
    }
    if report.layers.is_empty() {
        println!("  no constant layer found: the input itself is the final program (statically)");
    }
    Ok(())
}
