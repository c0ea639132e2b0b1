//! `pyctrace cover FILE --trace T1.jsonl [--trace T2.jsonl ...] [--json]`
//!
//! Folds JSONL traces (`pyctrace trace FILE --format jsonl -o T.jsonl`,
//! one per run, different inputs merge) onto the disassembly: per
//! instruction how often it ran, for conditional jumps how often they
//! jumped / fell through, and the distinct values pushed (capped).

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args as ClapArgs;
use pyctrace_cover::Coverage;
use pyctrace_dis::{disassemble_pyc, Disassembly};

use crate::load::{read_file, InputArgs};
use crate::Failure;

#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// A JSONL trace of FILE (repeat for several runs; they are merged).
    #[arg(long = "trace", value_name = "T.jsonl", required = true)]
    traces: Vec<PathBuf>,
    /// Print JSON instead of the annotated disassembly.
    #[arg(long)]
    json: bool,
}

/// Folds the trace files onto `dis`.
pub fn fold_files(dis: &Disassembly, traces: &[PathBuf]) -> Result<Coverage, Failure> {
    let mut cov = Coverage::new(dis);
    for path in traces {
        let bytes = read_file(path)?;
        let text = String::from_utf8_lossy(&bytes);
        cov.add_jsonl(dis, &text);
    }
    Ok(cov)
}

pub fn run(args: Args) -> Result<(), Failure> {
    let bytes = read_file(&args.input.file)?;
    let pyc = args.input.load(&bytes)?;
    let dis = disassemble_pyc(&pyc);
    let cov = fold_files(&dis, &args.traces)?;
    if cov.ops == 0 {
        eprintln!(
            "pyctrace: warning: no op record of the trace(s) matches a code object of {} ({} records, {} of other code)",
            args.input.file.display(),
            cov.records,
            cov.foreign
        );
    }
    let text = if args.json {
        serde_json::to_string_pretty(&cov.to_json(&dis))
            .map_err(|e| Failure::Input(anyhow!("{e}")))?
            + "\n"
    } else {
        cov.to_text(&dis)
    };
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Input(anyhow!("writing output: {e}"))),
    }
}

/// At most this many instructions are listed under `values_seen`.
const VALUES_LISTED: usize = 500;

/// What `deobf --trace` and `analyze` report from the coverage: branches
/// that always went one way, and values seen (per instruction that pushed
/// any), as JSON.
pub fn trace_facts(dis: &Disassembly, cov: &Coverage) -> serde_json::Value {
    let one_way: Vec<_> = cov
        .one_way_branches(dis)
        .iter()
        .map(|b| {
            let code = &dis.codes[b.code];
            serde_json::json!({
                "code": code.qualname.as_deref().unwrap_or(&code.name),
                "first_line": code.first_line,
                "offset": b.offset,
                "opname": b.opname,
                "line": b.line,
                "count": b.count,
                "never": if b.always_jumped { "fell_through" } else { "jumped" },
            })
        })
        .collect();
    let mut values = Vec::new();
    'all: for (ci, code) in dis.codes.iter().enumerate() {
        for (j, ins) in code.instructions.iter().enumerate() {
            let c = &cov.codes[ci].ins[j];
            if c.values.is_empty() {
                continue;
            }
            if values.len() >= VALUES_LISTED {
                break 'all;
            }
            values.push(serde_json::json!({
                "code": code.qualname.as_deref().unwrap_or(&code.name),
                "offset": ins.offset,
                "opname": ins.opname,
                "argrepr": ins.argrepr,
                "values": c.values,
                "more": c.values_more,
            }));
        }
    }
    let (executed, total) = cov.totals();
    serde_json::json!({
        "traces": cov.traces,
        "ops": cov.ops,
        "instructions_executed": executed,
        "instructions_total": total,
        "branches_never_taken": one_way,
        "values_seen": values,
    })
}
