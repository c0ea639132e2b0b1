//! Trace folding: the step the seed's author did by hand. JSONL trace
//! records (see PRODUCT.md, "trace records, defined") are folded back onto
//! the disassembly of the same `.pyc`:
//!
//! - per instruction, how often it ran;
//! - per conditional jump (`POP_JUMP_IF_*`, `JUMP_IF_*_OR_POP`, `FOR_ITER`,
//!   `SEND`, ...), how often it jumped (`taken`) and how often it fell
//!   through (`not_taken`): decided by the next `op` record of the same
//!   frame (same depth): its offset is the fall-through offset or not;
//! - the distinct values it pushed (the records' `push` lists), at most
//!   [`VALUE_CAP`] per instruction.
//!
//! Records are matched to code objects by `(code, file)` = `(co_name,
//! co_filename)`; when several code objects share both (two lambdas, ...)
//! the one whose instruction at the record's offset has the record's
//! opname and line wins. Records of other files (standard library frames
//! of an `--all-frames` trace) are counted as foreign and ignored. Several
//! traces (runs with different inputs) fold into one [`Coverage`].

use std::collections::HashMap;
use std::fmt::Write as _;

use pyctrace_dis::{
    write_code, CodeListing, DisInstruction, Disassembly, TextOptions, Unreachable,
};
use serde_json::{json, Value};

/// Distinct pushed values kept per instruction.
pub const VALUE_CAP: usize = 8;
/// Longest value repr kept (longer ones are cut, with `...`).
pub const VALUE_LEN: usize = 120;

/// One trace record, owned (parsed from a JSONL line).
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRecord {
    /// `op`, `call`, `return` or `exception`.
    pub ev: String,
    pub depth: u32,
    pub code: String,
    pub file: String,
    pub offset: i64,
    pub line: Option<i64>,
    pub op: Option<String>,
    pub arg: Option<i64>,
    pub push: Vec<String>,
}

/// Parses one JSONL line; `None` for blank lines and anything that is not
/// a trace record.
pub fn parse_record(line: &str) -> Option<TraceRecord> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    let v: Value = serde_json::from_str(line).ok()?;
    let obj = v.as_object()?;
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    Some(TraceRecord {
        ev: text("ev")?,
        depth: obj.get("depth")?.as_u64()? as u32,
        code: text("code")?,
        file: text("file").unwrap_or_default(),
        offset: obj.get("offset")?.as_i64()?,
        line: obj.get("line").and_then(Value::as_i64),
        op: text("op"),
        arg: obj.get("arg").and_then(Value::as_i64),
        push: obj
            .get("push")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|x| match x {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// A conditional jump: the next instruction depends on a value.
pub fn is_conditional(ins: &DisInstruction) -> bool {
    if ins.jump_target.is_none() {
        return false;
    }
    let n = ins.opname.as_str();
    (n.contains("_IF_") || n.starts_with("JUMP_IF") || n.starts_with("POP_JUMP"))
        || n == "FOR_ITER"
        || n == "SEND"
        || n.starts_with("INSTRUMENTED_POP_JUMP")
        || n == "INSTRUMENTED_FOR_ITER"
}

/// What the traces say about one instruction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InsCover {
    pub count: u64,
    /// Conditional jumps: times the jump went to its target (or anywhere but
    /// the next instruction).
    pub taken: u64,
    /// Conditional jumps: times control fell through.
    pub not_taken: u64,
    /// Distinct pushed values (each the record's `push` list joined by
    /// `, `), in the order first seen, at most [`VALUE_CAP`].
    pub values: Vec<String>,
    /// More distinct values were seen than kept.
    pub values_more: bool,
}

/// What the traces say about one code object (index into
/// `Disassembly::codes`).
#[derive(Clone, Debug, Default)]
pub struct CodeCover {
    pub calls: u64,
    pub ins: Vec<InsCover>,
    /// `op` records whose instruction name is not the one at their offset
    /// (`EXTENDED_ARG` records aside): the trace is of other bytes.
    pub op_mismatches: u64,
}

impl CodeCover {
    pub fn executed(&self) -> usize {
        self.ins.iter().filter(|c| c.count > 0).count()
    }
}

/// A conditional jump that ran but always went the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneWay {
    /// Index into `Disassembly::codes`.
    pub code: usize,
    pub offset: usize,
    pub opname: String,
    pub line: Option<i32>,
    /// How often it ran.
    pub count: u64,
    /// `true`: it always jumped (the fall-through was never taken);
    /// `false`: it never jumped.
    pub always_jumped: bool,
}

/// A conditional jump waiting for the next record of its frame.
#[derive(Clone, Copy, Debug)]
struct Pending {
    code: usize,
    ins: usize,
    fallthrough: i64,
}

/// Coverage of one disassembly, folded from any number of traces.
#[derive(Clone, Debug)]
pub struct Coverage {
    pub codes: Vec<CodeCover>,
    /// Traces folded.
    pub traces: usize,
    /// Records read (all events).
    pub records: u64,
    /// `op` records folded onto an instruction.
    pub ops: u64,
    /// Records of frames whose `(code, file)` is no code object of the file.
    pub foreign: u64,
    /// Records of a known code object at an offset where no instruction
    /// starts (or lines that are not records).
    pub unmatched: u64,
    by_name: HashMap<(String, String), Vec<usize>>,
    offsets: Vec<HashMap<i64, usize>>,
    choice: HashMap<(String, String, i64, Option<i64>), Option<usize>>,
    pending: Vec<Option<Pending>>,
}

impl Coverage {
    pub fn new(dis: &Disassembly) -> Coverage {
        let mut by_name: HashMap<(String, String), Vec<usize>> = HashMap::new();
        let mut offsets = Vec::with_capacity(dis.codes.len());
        let mut codes = Vec::with_capacity(dis.codes.len());
        for (i, c) in dis.codes.iter().enumerate() {
            by_name
                .entry((c.name.clone(), c.filename.clone()))
                .or_default()
                .push(i);
            let mut map = HashMap::new();
            for (j, ins) in c.instructions.iter().enumerate() {
                map.entry(ins.start_offset as i64).or_insert(j);
                map.insert(ins.offset as i64, j);
            }
            offsets.push(map);
            codes.push(CodeCover {
                calls: 0,
                ins: vec![InsCover::default(); c.instructions.len()],
                op_mismatches: 0,
            });
        }
        Coverage {
            codes,
            traces: 0,
            records: 0,
            ops: 0,
            foreign: 0,
            unmatched: 0,
            by_name,
            offsets,
            choice: HashMap::new(),
            pending: Vec::new(),
        }
    }

    /// Folds one JSONL trace (one run).
    pub fn add_jsonl(&mut self, dis: &Disassembly, text: &str) {
        self.begin_trace();
        for line in text.lines() {
            if line.trim().is_empty() {
                continue;
            }
            match parse_record(line) {
                Some(r) => self.add(dis, &r),
                None => {
                    self.records += 1;
                    self.unmatched += 1;
                }
            }
        }
    }

    /// Starts a new trace: branch state does not carry over between runs.
    pub fn begin_trace(&mut self) {
        self.traces += 1;
        self.pending.clear();
    }

    /// The code object a record belongs to.
    fn resolve(&mut self, dis: &Disassembly, r: &TraceRecord) -> Option<usize> {
        let cands = self.by_name.get(&(r.code.clone(), r.file.clone()))?;
        if cands.len() == 1 {
            return Some(cands[0]);
        }
        let key = (r.code.clone(), r.file.clone(), r.offset, r.line);
        if let Some(hit) = self.choice.get(&key) {
            return *hit;
        }
        let score = |ci: usize| -> u32 {
            let code = &dis.codes[ci];
            if r.ev == "call" {
                return u32::from(r.line == Some(code.first_line as i64));
            }
            match self.offsets[ci].get(&r.offset) {
                None => 0,
                Some(&j) => {
                    let ins = &code.instructions[j];
                    1 + u32::from(r.op.as_deref() == Some(ins.opname.as_str())) * 2
                        + u32::from(r.line.is_some() && ins.line.map(i64::from) == r.line)
                }
            }
        };
        let best = cands
            .iter()
            .copied()
            .max_by_key(|&c| (score(c), usize::MAX - c));
        self.choice.insert(key, best);
        best
    }

    fn pending_at(&mut self, depth: u32) -> &mut Option<Pending> {
        let d = depth as usize;
        if self.pending.len() <= d {
            self.pending.resize(d + 1, None);
        }
        &mut self.pending[d]
    }

    /// Folds one record.
    pub fn add(&mut self, dis: &Disassembly, r: &TraceRecord) {
        self.records += 1;
        let Some(ci) = self.resolve(dis, r) else {
            self.foreign += 1;
            return;
        };
        match r.ev.as_str() {
            "call" => {
                self.codes[ci].calls += 1;
                let d = r.depth as usize;
                if self.pending.len() > d {
                    self.pending.truncate(d);
                }
            }
            "return" | "exception" => {
                *self.pending_at(r.depth) = None;
            }
            "op" => {
                let Some(&j) = self.offsets[ci].get(&r.offset) else {
                    self.unmatched += 1;
                    *self.pending_at(r.depth) = None;
                    return;
                };
                if let Some(p) = self.pending_at(r.depth).take() {
                    if p.code == ci {
                        let c = &mut self.codes[ci].ins[p.ins];
                        if r.offset == p.fallthrough {
                            c.not_taken += 1;
                        } else {
                            c.taken += 1;
                        }
                    }
                }
                self.ops += 1;
                let ins = &dis.codes[ci].instructions[j];
                if r.op
                    .as_deref()
                    .is_some_and(|op| op != ins.opname && op != "EXTENDED_ARG")
                {
                    self.codes[ci].op_mismatches += 1;
                }
                let cover = &mut self.codes[ci].ins[j];
                cover.count += 1;
                if !r.push.is_empty() {
                    let mut value = r.push.join(", ");
                    if value.chars().count() > VALUE_LEN {
                        value = value.chars().take(VALUE_LEN).collect::<String>() + "...";
                    }
                    if !cover.values.contains(&value) {
                        if cover.values.len() < VALUE_CAP {
                            cover.values.push(value);
                        } else {
                            cover.values_more = true;
                        }
                    }
                }
                if is_conditional(ins) {
                    *self.pending_at(r.depth) = Some(Pending {
                        code: ci,
                        ins: j,
                        fallthrough: (ins.offset + ins.size) as i64,
                    });
                }
            }
            _ => {}
        }
    }

    /// Conditional jumps that ran and always went the same way.
    pub fn one_way_branches(&self, dis: &Disassembly) -> Vec<OneWay> {
        let mut out = Vec::new();
        for (ci, code) in dis.codes.iter().enumerate() {
            for (j, ins) in code.instructions.iter().enumerate() {
                let c = &self.codes[ci].ins[j];
                if !is_conditional(ins) || c.taken + c.not_taken == 0 {
                    continue;
                }
                if c.taken == 0 || c.not_taken == 0 {
                    out.push(OneWay {
                        code: ci,
                        offset: ins.offset,
                        opname: ins.opname.clone(),
                        line: ins.line,
                        count: c.count,
                        always_jumped: c.not_taken == 0,
                    });
                }
            }
        }
        out
    }

    /// Instructions executed / total, over every code object.
    pub fn totals(&self) -> (usize, usize) {
        let executed = self.codes.iter().map(CodeCover::executed).sum();
        let total = self.codes.iter().map(|c| c.ins.len()).sum();
        (executed, total)
    }

    /// The disassembly (unreachable instructions marked `xx`) with three
    /// columns in front of each instruction: execution count (`-`: never),
    /// `taken/not-taken` for conditional jumps that ran, and after it the
    /// values pushed (`; push ...`).
    pub fn to_text(&self, dis: &Disassembly) -> String {
        let mut out = String::new();
        let (executed, total) = self.totals();
        let _ = writeln!(
            out,
            "# coverage: {} trace(s), {} records, {} ops folded, {} foreign, {} unmatched; {executed}/{total} instructions executed",
            self.traces, self.records, self.ops, self.foreign, self.unmatched
        );
        let _ = writeln!(
            out,
            "# columns: count (- never ran), jumped/fell-through for conditional jumps; xx = unreachable"
        );
        let opts = TextOptions {
            unreachable: Unreachable::Mark,
            show_offsets: true,
        };
        for (ci, code) in dis.codes.iter().enumerate() {
            out.push('\n');
            if ci > 0 {
                let _ = writeln!(out, "Disassembly of {}:", code.repr);
            }
            self.write_code(dis, ci, code, &opts, &mut out);
        }
        out
    }

    fn write_code(
        &self,
        dis: &Disassembly,
        ci: usize,
        code: &CodeListing,
        opts: &TextOptions,
        out: &mut String,
    ) {
        let cover = &self.codes[ci];
        let _ = writeln!(
            out,
            "# {} (line {}): {} call(s), {}/{} instructions executed",
            code.qualname.as_deref().unwrap_or(&code.name),
            code.first_line,
            cover.calls,
            cover.executed(),
            code.instructions.len()
        );
        let mut listing = String::new();
        let _ = write_code(dis, code, opts, &mut listing);
        let mut next = 0usize;
        for line in listing.lines() {
            if line.is_empty() {
                out.push('\n');
                continue;
            }
            if next < code.instructions.len() {
                let ins = &code.instructions[next];
                let c = &cover.ins[next];
                next += 1;
                let count = if c.count == 0 {
                    "-".to_string()
                } else {
                    c.count.to_string()
                };
                let branch = if is_conditional(ins) && c.taken + c.not_taken > 0 {
                    format!("{}/{}", c.taken, c.not_taken)
                } else {
                    String::new()
                };
                let _ = write!(out, "{count:>8} {branch:>11} | {line}");
                if !c.values.is_empty() {
                    let _ = write!(out, "  ; push {}", c.values.join(" | "));
                    if c.values_more {
                        out.push_str(" | ...");
                    }
                }
                out.push('\n');
            } else {
                let _ = writeln!(out, "{:>8} {:>11} | {line}", "", "");
            }
        }
    }

    /// The same as JSON.
    pub fn to_json(&self, dis: &Disassembly) -> Value {
        let (executed, total) = self.totals();
        let one_way = self.one_way_branches(dis);
        json!({
            "version": dis.version.to_string(),
            "traces": self.traces,
            "records": self.records,
            "ops": self.ops,
            "foreign": self.foreign,
            "unmatched": self.unmatched,
            "value_cap": VALUE_CAP,
            "instructions_executed": executed,
            "instructions_total": total,
            "one_way_branches": one_way.iter().map(|b| json!({
                "code": dis.codes[b.code].name,
                "first_line": dis.codes[b.code].first_line,
                "offset": b.offset,
                "opname": b.opname,
                "line": b.line,
                "count": b.count,
                "always": if b.always_jumped { "jumped" } else { "fell_through" },
            })).collect::<Vec<_>>(),
            "code_objects": dis.codes.iter().enumerate().map(|(ci, code)| {
                let cover = &self.codes[ci];
                json!({
                    "name": code.name,
                    "qualname": code.qualname,
                    "filename": code.filename,
                    "first_line": code.first_line,
                    "calls": cover.calls,
                    "instructions_executed": cover.executed(),
                    "instructions_total": code.instructions.len(),
                    "instructions": code.instructions.iter().zip(&cover.ins).map(|(ins, c)| {
                        let mut o = json!({
                            "offset": ins.offset,
                            "opname": ins.opname,
                            "arg": ins.arg,
                            "argrepr": ins.argrepr,
                            "line": ins.line,
                            "reachable": ins.reachable,
                            "count": c.count,
                        });
                        if is_conditional(ins) {
                            o["taken"] = json!(c.taken);
                            o["not_taken"] = json!(c.not_taken);
                        }
                        if !c.values.is_empty() {
                            o["values"] = json!(c.values);
                            o["values_more"] = json!(c.values_more);
                        }
                        o
                    }).collect::<Vec<_>>(),
                })
            }).collect::<Vec<_>>(),
        })
    }
}

/// Folds JSONL traces (one text per run) onto `dis`.
pub fn fold(dis: &Disassembly, traces: &[&str]) -> Coverage {
    let mut cov = Coverage::new(dis);
    for t in traces {
        cov.add_jsonl(dis, t);
    }
    cov
}
