use anyhow::anyhow;
use clap::Args as ClapArgs;
use pyctrace_cfg::{to_dot, to_mermaid, to_svg_document, Cfg};
use pyctrace_marshal::refs::RefTable;
use pyctrace_marshal::{CodeField, Node, Obj};

use crate::load::{read_file, InputArgs};
use crate::Failure;

#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Output format (`svg`: one document, every code object under a
    /// heading; laid out by pyctrace, no graphviz needed).
    #[arg(long, value_name = "FORMAT", default_value = "dot", value_parser = ["dot", "mermaid", "svg"])]
    format: String,
}

/// `co_name` as text (2.x interns names: often a ref).
pub(crate) fn code_name(
    code: &pyctrace_marshal::Code<'_>,
    refs: &RefTable<'_, '_>,
) -> Option<String> {
    code.obj(CodeField::Name)
        .and_then(|n| refs.resolve(n))
        .and_then(|n| n.as_str_bytes())
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

/// Every code object of the tree, preorder, with its dotted path.
pub(crate) fn walk<'t, 'a>(
    node: &'t Node<'a>,
    refs: &RefTable<'t, 'a>,
    path: &str,
    out: &mut Vec<(String, &'t pyctrace_marshal::Code<'a>)>,
    depth: usize,
) {
    if depth > 200 {
        return;
    }
    let Some(node) = refs.resolve(node) else {
        return;
    };
    match &node.obj {
        Obj::Code(code) => {
            let name = code_name(code, refs).unwrap_or_else(|| "?".into());
            let here = if path.is_empty() {
                name
            } else {
                format!("{path}.{name}")
            };
            out.push((here.clone(), code));
            if let Some(c) = code.obj(CodeField::Consts) {
                walk(c, refs, &here, out, depth + 1);
            }
        }
        Obj::Tuple { items, .. } | Obj::List(items) | Obj::FrozenSet(items) | Obj::Set(items) => {
            for it in items {
                walk(it, refs, path, out, depth + 1);
            }
        }
        _ => {}
    }
}

pub fn run(args: Args) -> Result<(), Failure> {
    let bytes = read_file(&args.input.file)?;
    let pyc = args.input.load(&bytes)?;
    let refs = RefTable::build(&pyc.root, pyc.version);
    let mut codes = Vec::new();
    walk(&pyc.root, &refs, "", &mut codes, 0);
    if codes.is_empty() {
        return Err(Failure::Input(anyhow!(
            "{}: no code object",
            args.input.file.display()
        )));
    }
    let field = |code: &pyctrace_marshal::Code<'_>, f: CodeField| -> Vec<u8> {
        code.obj(f)
            .and_then(|n| refs.resolve(n))
            .and_then(|n| n.as_str_bytes())
            .map(|b| b.to_vec())
            .unwrap_or_default()
    };
    let graphs: Vec<(String, Cfg)> = codes
        .into_iter()
        .map(|(path, code)| {
            let cfg = Cfg::build(
                &field(code, CodeField::Code),
                code.version,
                &field(code, CodeField::ExceptionTable),
            );
            (path, cfg)
        })
        .collect();
    let text = match args.format.as_str() {
        "svg" => {
            let refs: Vec<(&str, &Cfg)> = graphs.iter().map(|(p, c)| (p.as_str(), c)).collect();
            to_svg_document(&refs)
        }
        "mermaid" => graphs.iter().map(|(p, c)| to_mermaid(c, p)).collect(),
        _ => graphs.iter().map(|(p, c)| to_dot(c, p)).collect(),
    };
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Input(anyhow!("writing output: {e}"))),
    }
}
