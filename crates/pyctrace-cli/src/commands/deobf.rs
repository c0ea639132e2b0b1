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
    /// A JSONL trace of FILE (repeatable): report the conditional branches
    /// that always went one way and the values seen.
    #[arg(long = "trace", value_name = "T.jsonl")]
    traces: Vec<PathBuf>,
    /// Fold branches the traces never took. Not available yet (the passes
    /// take no trace facts): the branches are reported, not folded.
    #[arg(long, requires = "traces")]
    trust_trace: bool,
}

/// Why `--trust-trace` folds nothing yet.
pub const TRUST_TRACE_NOTE: &str = "--trust-trace: pyctrace-deobf has no interface to fold branches from traces yet; never-taken branches are reported only, nothing was folded";

pub fn run(args: Args) -> Result<(), Failure> {
    let bytes = read_file(&args.input.file)?;
    let pyc = args.input.load(&bytes)?;
    let opts = Options {
        rename: args.rename,
        no_layout: args.no_layout,
    };
    let (out, report) = deobfuscate(&pyc, &opts)
        .map_err(|e| Failure::Input(anyhow!("{}: {e}", args.input.file.display())))?;
    let facts = if args.traces.is_empty() {
        None
    } else {
        let dis = pyctrace_dis::disassemble_pyc(&pyc);
        let cov = super::cover::fold_files(&dis, &args.traces)?;
        let mut facts = super::cover::trace_facts(&dis, &cov);
        if args.trust_trace {
            facts["trust_trace"] = serde_json::json!(TRUST_TRACE_NOTE);
        }
        Some(facts)
    };
    std::fs::write(&args.output, out)
        .with_context(|| format!("cannot write {}", args.output.display()))
        .map_err(Failure::Input)?;
    if args.report.is_some() {
        let mut json = report.to_json();
        if let Some(facts) = &facts {
            json["trace"] = facts.clone();
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
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
        if let Some(facts) = &facts {
            print_facts(facts);
        }
    }
    if args.trust_trace {
        eprintln!("pyctrace: {TRUST_TRACE_NOTE}");
    }
    Ok(())
}

/// The trace facts on stderr, one line per never-taken branch.
fn print_facts(facts: &serde_json::Value) {
    let never = facts["branches_never_taken"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    eprintln!(
        "pyctrace: traces: {} run(s), {}/{} instructions executed, {} conditional branch(es) always went one way",
        facts["traces"], facts["instructions_executed"], facts["instructions_total"], never.len()
    );
    for b in &never {
        eprintln!(
            "  {} @{} {} (line {}): ran {}, never {}",
            b["code"].as_str().unwrap_or("?"),
            b["offset"],
            b["opname"].as_str().unwrap_or("?"),
            b["line"],
            b["count"],
            if b["never"] == "jumped" {
                "jumped"
            } else {
                "fell through"
            }
        );
    }
    let values = facts["values_seen"].as_array().map_or(0, Vec::len);
    eprintln!("  values seen at {values} instruction(s) (--report json lists them)");
}
