//! `pyctrace dis FILE [--json] [--reachable | --mark-unreachable]`.

use std::io::Write;

use clap::Args as ClapArgs;
use pyctrace_dis::{disassemble_pyc, write_json, write_pyc_text_io, TextOptions, Unreachable};

use crate::load::{read_file, InputArgs};
use crate::Failure;

#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Print JSON (per code object and instruction: offset, opcode, name,
    /// arg, argval, argrepr, jump target, line, jump-target and reachable flags).
    #[arg(long)]
    json: bool,
    /// Print only instructions reachable from the entry and the exception handlers.
    #[arg(long, conflicts_with = "mark_unreachable")]
    reachable: bool,
    /// Mark unreachable instructions with `xx` in the `-->` column.
    #[arg(long)]
    mark_unreachable: bool,
    /// 3.13+: show instruction offsets too (like `python -m dis -O`).
    #[arg(long)]
    offsets: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let bytes = read_file(&args.input.file)?;
    let pyc = args.input.load(&bytes)?;
    for problem in &pyc.problems {
        eprintln!("pyctrace: {}: {problem}", args.input.file.display());
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = if args.json {
        write_json(&disassemble_pyc(&pyc), &mut out)
    } else {
        let unreachable = if args.reachable {
            Unreachable::Hide
        } else if args.mark_unreachable {
            Unreachable::Mark
        } else {
            Unreachable::Show
        };
        let opts = TextOptions {
            unreachable,
            show_offsets: args.offsets,
        };
        // streamed: no model kept
        write_pyc_text_io(&pyc, &opts, &mut out)
    };
    match result.and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // `pyctrace dis x.pyc | head` is fine
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Input(anyhow::anyhow!("writing output: {e}"))),
    }
}
