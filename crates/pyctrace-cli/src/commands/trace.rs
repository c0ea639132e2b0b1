//! `pyctrace trace FILE [--engine cpython] [--python X.Y|PATH]
//! [--format text|jsonl] [-o OUT] [--all-frames] [--count] [-- ARGS]`
//!
//! The trace goes to OUT or stderr; the program's output to stdout.

use std::io::Write;
use std::path::PathBuf;

use anyhow::anyhow;
use clap::{Args as ClapArgs, ValueEnum};
use pyctrace_cpython::TraceOptions;
use pyctrace_trace::{CountSink, Format, Record, Sink, WriterSink};

use super::run::{execute, Engine, ProgramArgs};
use crate::Failure;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TraceFormat {
    /// pztrace style: `  validate:5 12 COMPARE_OP 3 (!=)`.
    Text,
    /// One JSON object per event (see PRODUCT.md).
    Jsonl,
}

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Engine. Default `cpython`: a real interpreter with NO SANDBOX, the
    /// program runs for real. `vm` is not implemented yet.
    #[arg(long, value_enum, default_value = "cpython")]
    engine: Engine,
    #[arg(long, value_enum, default_value = "text")]
    format: TraceFormat,
    /// Write the trace here instead of stderr.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: Option<PathBuf>,
    /// Trace every frame (standard library too), not only the program's.
    #[arg(long)]
    all_frames: bool,
    /// Count events only; print the totals to stderr at the end.
    #[arg(long)]
    count: bool,
    #[command(flatten)]
    program: ProgramArgs,
}

/// Counts, then reports on stderr when the engine finishes.
struct Report(CountSink);

impl Sink for Report {
    fn record(&mut self, record: &Record<'_>) -> std::io::Result<()> {
        self.0.record(record)
    }
    fn finish(&mut self) -> std::io::Result<()> {
        let c = &self.0;
        let mut err = std::io::stderr().lock();
        writeln!(
            err,
            "pyctrace: {} events ({} op, {} call, {} return, {} exception)",
            c.count(),
            c.ops,
            c.calls,
            c.returns,
            c.exceptions
        )
    }
    fn count(&self) -> u64 {
        self.0.count()
    }
}

pub fn run(args: Args) -> Result<(), Failure> {
    let format = match args.format {
        TraceFormat::Text => Format::Text,
        TraceFormat::Jsonl => Format::Jsonl,
    };
    let sink: Box<dyn Sink> = if args.count {
        Box::new(Report(CountSink::default()))
    } else if let Some(path) = &args.output {
        let file = std::fs::File::create(path)
            .map_err(|e| Failure::Input(anyhow!("cannot create {}: {e}", path.display())))?;
        Box::new(WriterSink::new(file, format))
    } else {
        Box::new(WriterSink::new(std::io::stderr(), format))
    };
    execute(
        args.engine,
        &args.program,
        Some(TraceOptions {
            sink,
            all_frames: args.all_frames,
        }),
    )
}
