use std::path::PathBuf;

use anyhow::{anyhow, Context};
use clap::Args as ClapArgs;
use pyctrace_marshal::write_pyc;

use crate::load::{read_file, InputArgs};
use crate::Failure;

#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Where to write the result.
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let bytes = read_file(&args.input.file)?;
    let pyc = args.input.load(&bytes)?;
    let out = write_pyc(&pyc)
        .map_err(|e| Failure::Input(anyhow!("{}: cannot write: {e}", args.input.file.display())))?;
    std::fs::write(&args.output, out)
        .with_context(|| format!("cannot write {}", args.output.display()))
        .map_err(Failure::Input)
}
