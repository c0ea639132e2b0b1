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

/// What `--engine cpython` records, per version (also in `--help`).
const CPYTHON_EVENTS: &str = "\
Engine cpython: events and values per Python version
  3.7-3.13  call, return, exception, and one op record per instruction
            (CPython's own opcode events; EXTENDED_ARG gets the event up to
            3.11, both it and the prefixed instruction from 3.12)
  2.7, 3.6  the same records: these versions have no opcode events, so each
            running code object's co_lnotab is swapped for a table with one
            line per instruction (the program could notice: co_lnotab of a
            running code object differs; on 2.7 frame.f_lineno of a traced
            frame is not the real line; tracebacks are correct)
  values    pop: the values the instruction takes off the stack (at the
            event); push: what it left there (at the next op of the same
            frame; empty when it ran Python code of the program in between).
            Shown on 2.7, 3.6-3.11; empty on 3.12-3.13 (the interpreter does
            not save the stack pointer for opcode events). Values are shown
            without running program code: built-in values as repr() (80
            chars at most), other objects as <TypeName object>.";

#[derive(ClapArgs, Debug)]
#[command(after_help = CPYTHON_EVENTS)]
pub struct Args {
    /// Engine. Default `cpython`: a real interpreter with NO SANDBOX, the
    /// program runs for real. `vm`: pyctrace's sandboxed VM.
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
    /// Count events only; print the totals to stderr at the end (values
    /// are not read).
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
    fn wants_values(&self) -> bool {
        false
    }
    fn wants_op_details(&self) -> bool {
        false
    }
    fn record_ops(&mut self, n: u64) {
        self.0.record_ops(n)
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
