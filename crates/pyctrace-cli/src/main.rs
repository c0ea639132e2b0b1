//! `pyctrace`: the command line. Exit codes: 0 success, 1 the analysed
//! program failed, 2 bad usage or unreadable input.

mod commands;
mod load;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "pyctrace",
    version,
    about = "See through protected Python bytecode"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Header fields and the code-object tree.
    Info(commands::info::Args),
    /// Load and write back; unmodified input gives identical bytes.
    Rewrite(commands::rewrite::Args),
    /// Disassembly of every code object, nested ones included.
    Dis(commands::dis::Args),
    /// Run the program (`--engine cpython`: a real interpreter, NO SANDBOX).
    Run(commands::run::Args),
    /// Trace the program instruction by instruction (`--engine cpython`:
    /// a real interpreter, NO SANDBOX: the program runs for real).
    Trace(commands::trace::Args),
    /// Deobfuscate: clean, re-assembled .pyc of the same version.
    Deobf(commands::deobf::Args),
    /// Control-flow graph of every code object (DOT, Mermaid or SVG).
    Cfg(commands::cfg::Args),
    /// Fold JSONL traces onto the disassembly: counts, branches, values.
    Cover(commands::cover::Args),
    /// First look: info, marked disassembly, trace (`--engine cpython`:
    /// NO SANDBOX), coverage, deobfuscation and a summary, into one directory.
    Analyze(commands::analyze::Args),
    /// Unpack layered payloads: static by default; `--engine vm` runs it
    /// sandboxed; `--engine cpython` runs it for real (NO SANDBOX).
    Unpack(commands::unpack::Args),
}

/// An error that decides the exit status.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or unreadable input: exit 2.
    Input(anyhow::Error),
    /// The analysed program raised (1) or exited with this status; it has
    /// already said why on stderr.
    Program(u8),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(args) => commands::info::run(args),
        Command::Rewrite(args) => commands::rewrite::run(args),
        Command::Dis(args) => commands::dis::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Trace(args) => commands::trace::run(args),
        Command::Deobf(args) => commands::deobf::run(args),
        Command::Cfg(args) => commands::cfg::run(args),
        Command::Cover(args) => commands::cover::run(args),
        Command::Analyze(args) => commands::analyze::run(args),
        Command::Unpack(args) => commands::unpack::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(err)) => {
            eprintln!("pyctrace: {err:#}");
            ExitCode::from(2)
        }
        Err(Failure::Program(status)) => ExitCode::from(status),
    }
}
