use std::path::PathBuf;

use anyhow::{anyhow, Context};
use clap::Args as ClapArgs;
use pyctrace_deobf::{deobfuscate, Options};

use crate::load::{read_file, InputArgs};
use crate::Failure;

#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Where to write the deobfuscated .pyc.
    #[arg(short, long, value_name = "OUT")]
    output: PathBuf,
    /// Print what each pass changed, per code object (`json`).
    #[arg(long, value_name = "FORMAT", value_parser = ["json"])]
    report: Option<String>,
    /// Rename locals whose names are not valid Python identifiers.
    #[arg(long)]
    rename: bool,
    /// Keep the input's block order (junk and jump chains still go).
    #[arg(long)]
    no_layout: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let bytes = read_file(&args.input.file)?;
    let pyc = args.input.load(&bytes)?;
    let opts = Options {
        rename: args.rename,
        no_layout: args.no_layout,
    };
    let (out, report) = deobfuscate(&pyc, &opts)
        .map_err(|e| Failure::Input(anyhow!("{}: {e}", args.input.file.display())))?;
    std::fs::write(&args.output, out)
        .with_context(|| format!("cannot write {}", args.output.display()))
        .map_err(Failure::Input)?;
    if args.report.is_some() {
        println!(
            "{}",
            serde_json::to_string_pretty(&report.to_json()).unwrap_or_default()
        );
    } else {
        let kept: Vec<_> = report.codes.iter().filter(|c| c.kept.is_some()).collect();
        let before: usize = report.codes.iter().map(|c| c.instructions_before).sum();
        let after: usize = report.codes.iter().map(|c| c.instructions_after).sum();
        eprintln!(
            "pyctrace: {} code objects, {} instructions -> {}, {} kept as they were",
            report.codes.len(),
            before,
            after,
            kept.len()
        );
        for c in kept {
            eprintln!("  kept {}: {}", c.path, c.kept.as_deref().unwrap_or(""));
        }
        for c in &report.codes {
            for (old, new) in &c.renamed {
                eprintln!("  renamed {}: {:?} -> {}", c.path, old, new);
            }
        }
    }
    Ok(())
}
