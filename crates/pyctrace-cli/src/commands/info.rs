use std::fmt::Write as _;

use clap::Args as ClapArgs;
use pyctrace_marshal::walk::code_objects;
use pyctrace_marshal::{CodeField, Node, Pyc};
use pyctrace_version::PycKind;
use serde::Serialize;

use crate::load::{read_file, InputArgs};
use crate::Failure;

#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report {
    file: String,
    version: String,
    magic: Option<u16>,
    magic_label: Option<&'static str>,
    header_len: usize,
    flags: Option<u32>,
    kind: &'static str,
    mtime: Option<u32>,
    source_size: Option<u32>,
    source_hash: Option<String>,
    hash_checked: Option<bool>,
    body_len: usize,
    trailing_offset: usize,
    trailing_len: usize,
    problems: Vec<String>,
    code_objects: Vec<CodeSummary>,
}

#[derive(Serialize)]
struct CodeSummary {
    depth: usize,
    offset: usize,
    name: String,
    qualname: Option<String>,
    first_line: Option<i32>,
    argcount: Option<i32>,
    flags: Option<i32>,
    flag_names: Vec<&'static str>,
    code_len: Option<usize>,
    consts: Option<usize>,
    stacksize: Option<i32>,
}

/// `co_flags` bits that mean the same in every version.
const CO_FLAGS: &[(i32, &str)] = &[
    (0x1, "OPTIMIZED"),
    (0x2, "NEWLOCALS"),
    (0x4, "VARARGS"),
    (0x8, "VARKEYWORDS"),
    (0x10, "NESTED"),
    (0x20, "GENERATOR"),
    (0x40, "NOFREE"),
    (0x80, "COROUTINE"),
    (0x100, "ITERABLE_COROUTINE"),
    (0x200, "ASYNC_GENERATOR"),
];

fn text_of(
    node: Option<&Node<'_>>,
    table: &pyctrace_marshal::refs::RefTable<'_, '_>,
) -> Option<String> {
    let node = table.resolve(node?)?;
    node.as_str_bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

fn report(path: &str, pyc: &Pyc<'_>) -> Report {
    let header = pyc.header.as_ref();
    let (kind, mtime, source_size, source_hash, hash_checked) = match header.map(|h| h.kind) {
        Some(PycKind::Timestamp { mtime, source_size }) => {
            ("timestamp", Some(mtime), source_size, None, None)
        }
        Some(PycKind::Hash { checked, hash }) => {
            let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
            (
                if checked {
                    "checked-hash"
                } else {
                    "unchecked-hash"
                },
                None,
                None,
                Some(hex),
                Some(checked),
            )
        }
        None => ("headerless", None, None, None, None),
    };
    let table = pyctrace_marshal::refs::RefTable::build(&pyc.root, pyc.version);
    let code_objects = code_objects(&pyc.root, pyc.version)
        .into_iter()
        .map(|entry| {
            let code = entry.code;
            let flags = code.int(CodeField::Flags);
            let resolve = |f| code.obj(f).and_then(|n| table.resolve(n));
            CodeSummary {
                depth: entry.depth,
                offset: entry.node.offset,
                name: text_of(code.obj(CodeField::Name), &table).unwrap_or_else(|| "?".into()),
                qualname: text_of(code.obj(CodeField::QualName), &table),
                first_line: code.int(CodeField::FirstLineNo),
                argcount: code.int(CodeField::ArgCount),
                flags,
                flag_names: CO_FLAGS
                    .iter()
                    .filter(|(bit, _)| flags.is_some_and(|f| f & bit != 0))
                    .map(|(_, n)| *n)
                    .collect(),
                code_len: resolve(CodeField::Code)
                    .and_then(Node::as_str_bytes)
                    .map(<[u8]>::len),
                consts: resolve(CodeField::Consts)
                    .and_then(Node::as_seq)
                    .map(<[Node<'_>]>::len),
                stacksize: code.int(CodeField::StackSize),
            }
        })
        .collect();
    Report {
        file: path.to_string(),
        version: pyc.version.to_string(),
        magic: header.map(|h| h.magic),
        magic_label: header.map(|h| h.label),
        header_len: pyc.header_bytes.len(),
        flags: header.and_then(|h| h.flags),
        kind,
        mtime,
        source_size,
        source_hash,
        hash_checked,
        body_len: pyc.trailing_offset - pyc.header_bytes.len(),
        trailing_offset: pyc.trailing_offset,
        trailing_len: pyc.trailing.len(),
        problems: pyc.problems.iter().map(ToString::to_string).collect(),
        code_objects,
    }
}

fn text(report: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "file:        {}", report.file);
    match (report.magic, report.magic_label) {
        (Some(magic), Some(label)) => {
            let _ = writeln!(
                s,
                "version:     {} (magic {magic}, introduced in {label})",
                report.version
            );
        }
        _ => {
            let _ = writeln!(
                s,
                "version:     {} (headerless, given with --version)",
                report.version
            );
        }
    }
    let _ = write!(
        s,
        "header:      {} bytes, {}",
        report.header_len, report.kind
    );
    if let Some(flags) = report.flags {
        let _ = write!(s, ", flags {flags:#x}");
    }
    s.push('\n');
    if let Some(mtime) = report.mtime {
        let _ = writeln!(s, "mtime:       {mtime}");
    }
    if let Some(size) = report.source_size {
        let _ = writeln!(s, "source size: {size}");
    }
    if let Some(hash) = &report.source_hash {
        let _ = writeln!(s, "source hash: {hash}");
    }
    let _ = writeln!(
        s,
        "body:        {} bytes at offset {}",
        report.body_len, report.header_len
    );
    if report.trailing_len > 0 {
        let _ = writeln!(
            s,
            "trailing:    {} bytes at offset {} (ignored by CPython)",
            report.trailing_len, report.trailing_offset
        );
    }
    for problem in &report.problems {
        let _ = writeln!(s, "problem:     {problem}");
    }
    let _ = writeln!(s, "code objects: {}", report.code_objects.len());
    for c in &report.code_objects {
        let indent = "  ".repeat(c.depth + 1);
        let name = c.qualname.as_deref().unwrap_or(&c.name);
        let _ = write!(s, "{indent}{name}");
        if let Some(line) = c.first_line {
            let _ = write!(s, " line {line}");
        }
        if let Some(len) = c.code_len {
            let _ = write!(s, ", {len} bytes of code");
        }
        if let Some(n) = c.consts {
            let _ = write!(s, ", {n} consts");
        }
        if let Some(a) = c.argcount {
            let _ = write!(s, ", {a} args");
        }
        if let Some(f) = c.flags {
            let _ = write!(s, ", flags {f:#x}");
            if !c.flag_names.is_empty() {
                let _ = write!(s, " ({})", c.flag_names.join("|"));
            }
        }
        let _ = writeln!(s, " @{:#x}", c.offset);
    }
    s
}

pub fn run(args: Args) -> Result<(), Failure> {
    let bytes = read_file(&args.input.file)?;
    let pyc = args.input.load(&bytes)?;
    let report = report(&args.input.file.display().to_string(), &pyc);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("report serialises")
        );
    } else {
        print!("{}", text(&report));
    }
    Ok(())
}
