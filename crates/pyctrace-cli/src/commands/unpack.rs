//! `pyctrace unpack FILE -o DIR`: every layer a protector wrapped around the
//! program, dumped with a manifest. Static mode only for now: constant
//! arguments of `exec`/`eval`/`compile` are folded through the decoders
//! (nothing from the file is executed).

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args as ClapArgs;
use pyctrace_marshal::PyVersion;
use pyctrace_unpack::{unpack_file, Options, UnpackError};

use crate::Failure;

#[derive(ClapArgs)]
pub struct Args {
    /// The .pyc file (or a headerless marshal blob with --version).
    file: PathBuf,
    /// Output directory: layer-N-<kind>.pyc|.py and manifest.json.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Static unpacking (constant folding, nothing runs). The only mode so far.
    #[arg(long = "static")]
    static_mode: bool,
    /// Dynamic unpacking engine (vm|cpython): not available yet.
    #[arg(long, value_name = "ENGINE")]
    engine: Option<String>,
    /// Stop after this many nested layers.
    #[arg(long, value_name = "N", default_value_t = 32)]
    max_layers: usize,
    /// Also keep every intermediate buffer (decoded, decompressed).
    #[arg(long)]
    dump_buffers: bool,
    /// Read FILE as a headerless marshal blob written by Python X.Y.
    #[arg(long = "version", value_name = "X.Y")]
    py_version: Option<String>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    if let Some(engine) = &args.engine {
        return Err(Failure::Input(anyhow!(
            "unpack: --engine {engine} is not available yet: only static unpacking is \
             implemented (run with --static, or without --engine)"
        )));
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
