use std::path::PathBuf;

use anyhow::{anyhow, Context};
use clap::Args as ClapArgs;
use pyctrace_deobf::passes::trace_fold::{code_hash, CodeTrace, TracedBranch};
use pyctrace_deobf::{deobfuscate, Options};
use pyctrace_marshal::refs::RefTable;
use pyctrace_marshal::CodeField;

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
    /// Fold the conditional jumps the traces saw run and always go one way
    /// (the other side is dropped). Only code that ran, only code objects
    /// the traces match (name, first line, bytes).
    #[arg(long, requires = "traces")]
    trust_trace: bool,
}

/// Trace facts to fold, keyed to their code objects, and why the others
/// are not used (one line each).
fn trusted_facts(
    pyc: &pyctrace_marshal::Pyc<'_>,
    dis: &pyctrace_dis::Disassembly,
    cov: &pyctrace_cover::Coverage,
) -> (Vec<CodeTrace>, Vec<String>) {
    let refs = RefTable::build(&pyc.root, pyc.version);
    let mut codes = Vec::new();
    super::cfg::walk(&pyc.root, &refs, "", &mut codes, 0);
    // (name, first line, hash, length) of every code object of the file
    let keys: Vec<(String, i32, u64, usize)> = codes
        .iter()
        .map(|(_, code)| {
            let bytes = code
                .obj(CodeField::Code)
                .and_then(|n| refs.resolve(n))
                .and_then(|n| n.as_str_bytes())
                .unwrap_or_default();
            (
                super::cfg::code_name(code, &refs).unwrap_or_default(),
                code.int(CodeField::FirstLineNo).unwrap_or(0),
                code_hash(bytes),
                bytes.len(),
            )
        })
        .collect();
    let mut by_code: Vec<Vec<TracedBranch>> = vec![Vec::new(); dis.codes.len()];
    for b in cov.one_way_branches(dis) {
        by_code[b.code].push(TracedBranch {
            offset: b.offset,
            opname: b.opname,
            count: b.count,
            always_jumped: b.always_jumped,
        });
    }
    let mut facts = Vec::new();
    let mut notes = Vec::new();
    for (ci, branches) in by_code.into_iter().enumerate() {
        if branches.is_empty() {
            continue;
        }
        let code = &dis.codes[ci];
        let label = code.qualname.as_deref().unwrap_or(&code.name);
        let found: Vec<_> = keys
            .iter()
            .filter(|k| k.0 == code.name && k.1 == code.first_line && k.3 == code.code_len)
            .collect();
        let unique = found.len() == 1
            && keys
                .iter()
                .filter(|k| (&k.0, k.1, k.2) == (&found[0].0, found[0].1, found[0].2))
                .count()
                == 1;
        let why = if cov.codes[ci].op_mismatches > 0 {
            format!(
                "{} op record(s) name another instruction than the code has (a trace of other bytes?)",
                cov.codes[ci].op_mismatches
            )
        } else if found.is_empty() {
            "no code object of the file has its name, first line and length".to_string()
        } else if !unique {
            "several code objects share its name, first line and length".to_string()
        } else {
            facts.push(CodeTrace {
                name: found[0].0.clone(),
                firstlineno: found[0].1,
                code_hash: found[0].2,
                branches,
            });
            continue;
        };
        notes.push(format!("{label} (line {}): {why}", code.first_line));
    }
    (facts, notes)
}

pub fn run(args: Args) -> Result<(), Failure> {
    let bytes = read_file(&args.input.file)?;
    let pyc = args.input.load(&bytes)?;
    let mut opts = Options {
        rename: args.rename,
        no_layout: args.no_layout,
        ..Options::default()
    };
    let mut not_folded = Vec::new();
    let facts = if args.traces.is_empty() {
        None
    } else {
        let dis = pyctrace_dis::disassemble_pyc(&pyc);
        let cov = super::cover::fold_files(&dis, &args.traces)?;
        if args.trust_trace {
            (opts.trace, not_folded) = trusted_facts(&pyc, &dis, &cov);
        }
        Some(super::cover::trace_facts(&dis, &cov))
    };
    let (out, report) = deobfuscate(&pyc, &opts)
        .map_err(|e| Failure::Input(anyhow!("{}: {e}", args.input.file.display())))?;
    std::fs::write(&args.output, out)
        .with_context(|| format!("cannot write {}", args.output.display()))
        .map_err(Failure::Input)?;
    let mut folded: Vec<(String, String)> = Vec::new();
    for c in &report.codes {
        for (pass, changes) in &c.passes {
            if pass == "trace-fold" {
                folded.extend(changes.iter().map(|l| (c.path.clone(), l.clone())));
            }
        }
        not_folded.extend(
            c.trace_not_folded
                .iter()
                .map(|n| format!("{}: {n}", c.path)),
        );
    }
    if args.report.is_some() {
        let mut json = report.to_json();
        if let Some(mut facts) = facts {
            facts["trust_trace"] = serde_json::json!(args.trust_trace);
            facts["folded"] = folded
                .iter()
                .map(|(path, line)| serde_json::json!({"code": path, "change": line}))
                .collect();
            facts["not_folded"] = serde_json::json!(not_folded);
            json["trace"] = facts;
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
            if args.trust_trace {
                eprintln!(
                    "pyctrace: --trust-trace: {} branch(es) folded",
                    folded.len()
                );
                for (path, line) in &folded {
                    eprintln!("  folded {path} {line}");
                }
                for n in &not_folded {
                    eprintln!("  not folded {n}");
                }
            } else {
                eprintln!(
                    "pyctrace: nothing folded from the traces (--trust-trace folds the branches listed)"
                );
            }
        }
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
