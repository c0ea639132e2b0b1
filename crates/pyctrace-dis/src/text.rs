//! The text formatter: what each version's `dis.dis(code)` prints.
//!
//! Layouts, by release line (read off each interpreter's `Lib/dis.py`):
//! - 2.x: `print` statements with trailing commas: fields joined by one
//!   space, nothing stripped; `%3d` line numbers, offsets `rjust(4)`.
//! - 3.0-3.12: `Instruction._disassemble`: line column, `-->` column,
//!   `>>` column, offset, opname `ljust(20)`, arg `rjust(5)`, `(argrepr)`,
//!   joined by spaces and right-stripped; 3.11/3.12 end with `ExceptionTable:`.
//! - 3.13+: `Formatter.print_instruction_line`: line column (`--` for no
//!   line), label column (`L1:`), no offsets, `to L2` jump arguments and an
//!   exception table in labels.

use std::fmt::{self, Write};

use pyctrace_bytecode::ArgKind;

use crate::model::{CodeListing, DisInstruction, Disassembly};

/// What to do with instructions not reachable from the entry and handlers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Unreachable {
    /// Print them like any other (exactly what `dis` prints).
    #[default]
    Show,
    /// Print them with [`UNREACHABLE_MARK`] in the `-->` column.
    Mark,
    /// Leave them out.
    Hide,
}

/// Marker of unreachable instructions with [`Unreachable::Mark`] (it takes
/// the place of `dis`'s three-character "current instruction" column).
pub const UNREACHABLE_MARK: &str = "xx ";

#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    pub unreachable: Unreachable,
    /// 3.13+: add the offset column (`dis --show-offsets`); older versions
    /// always print offsets.
    pub show_offsets: bool,
}

const OPNAME_WIDTH: usize = 20;
const OPARG_WIDTH: usize = 5;

/// Writes the whole disassembly (every code object, nested ones under
/// `Disassembly of <code object ...>:` headers).
pub fn write_text<W: Write>(dis: &Disassembly, opts: &TextOptions, out: &mut W) -> fmt::Result {
    for (i, code) in dis.codes.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
            writeln!(out, "Disassembly of {}:", code.repr)?;
        }
        write_code(dis, code, opts, out)?;
    }
    Ok(())
}

/// [`write_text`] into an `io::Write` sink.
pub fn write_text_io<W: std::io::Write>(
    dis: &Disassembly,
    opts: &TextOptions,
    out: &mut W,
) -> std::io::Result<()> {
    let mut buf = String::new();
    for (i, code) in dis.codes.iter().enumerate() {
        buf.clear();
        if i > 0 {
            buf.push('\n');
            buf.push_str("Disassembly of ");
            buf.push_str(&code.repr);
            buf.push_str(":\n");
        }
        write_code(dis, code, opts, &mut buf).expect("writing to a String");
        out.write_all(buf.as_bytes())?;
    }
    Ok(())
}

/// The whole text as a `String`.
pub fn to_text(dis: &Disassembly, opts: &TextOptions) -> String {
    let mut s = String::new();
    write_text(dis, opts, &mut s).expect("writing to a String");
    s
}

/// One code object, without its header.
pub fn write_code<W: Write>(
    dis: &Disassembly,
    code: &CodeListing,
    opts: &TextOptions,
    out: &mut W,
) -> fmt::Result {
    let v = dis.version;
    let mut line = String::with_capacity(96);
    for ins in &code.instructions {
        if !ins.reachable && opts.unreachable == Unreachable::Hide {
            continue;
        }
        let mark = if !ins.reachable && opts.unreachable == Unreachable::Mark {
            UNREACHABLE_MARK
        } else {
            "   "
        };
        line.clear();
        let new_line = ins.line_start.is_some() && ins.offset > 0 && code.lineno_width > 0;
        if new_line {
            out.write_char('\n')?;
        }
        if v.is_py2() {
            line_py2(code, ins, mark, &mut line);
        } else if v.at_least(3, 13) {
            line_313(code, ins, mark, opts.show_offsets, &mut line);
        } else {
            line_py3(code, ins, mark, &mut line);
        }
        out.write_str(&line)?;
        out.write_char('\n')?;
    }
    write_exception_table(dis, code, out)?;
    // Outside parity mode, say what the listing had to work around.
    if opts.unreachable != Unreachable::Show {
        for note in &code.notes {
            writeln!(out, "    ; {note}")?;
        }
    }
    Ok(())
}

fn pad_right(s: &mut String, text: &str, width: usize) {
    s.push_str(text);
    for _ in text.chars().count()..width {
        s.push(' ');
    }
}

fn pad_left(s: &mut String, text: &str, width: usize) {
    for _ in text.chars().count()..width {
        s.push(' ');
    }
    s.push_str(text);
}

fn arg_text(ins: &DisInstruction) -> Option<String> {
    let a = ins.arg?;
    Some(if ins.arg_long {
        format!("{a}L")
    } else {
        a.to_string()
    })
}

/// 2.x: `print` items joined by single spaces, trailing padding kept.
fn line_py2(code: &CodeListing, ins: &DisInstruction, mark: &str, s: &mut String) {
    match ins.line_start {
        Some(Some(l)) => pad_left(s, &l.to_string(), code.lineno_width),
        _ => s.push_str("   "),
    }
    s.push(' ');
    s.push_str(mark);
    s.push(' ');
    s.push_str(if ins.is_jump_target { ">>" } else { "  " });
    s.push(' ');
    pad_left(s, &ins.offset.to_string(), 4);
    s.push(' ');
    if ins.truncated {
        s.push_str(&ins.opname);
        s.push_str(" <truncated>");
        return;
    }
    pad_right(s, &ins.opname, OPNAME_WIDTH);
    if let Some(a) = arg_text(ins) {
        s.push(' ');
        pad_left(s, &a, OPARG_WIDTH);
        // 2.x prints the parentheses of these kinds even around nothing
        let always = matches!(
            ins.kind,
            ArgKind::Const
                | ArgKind::Name
                | ArgKind::JumpForward
                | ArgKind::Local
                | ArgKind::Compare
                | ArgKind::Free
        );
        if always || !ins.argrepr.is_empty() {
            s.push_str(" (");
            s.push_str(&ins.argrepr);
            s.push(')');
        }
    }
}

/// 3.0-3.12: `Instruction._disassemble`.
fn line_py3(code: &CodeListing, ins: &DisInstruction, mark: &str, s: &mut String) {
    if code.lineno_width > 0 {
        match ins.line_start {
            Some(Some(l)) => pad_left(s, &l.to_string(), code.lineno_width),
            _ => pad_left(s, "", code.lineno_width),
        }
        s.push(' ');
    }
    s.push_str(mark);
    s.push(' ');
    s.push_str(if ins.is_jump_target { ">>" } else { "  " });
    s.push(' ');
    pad_left(s, &ins.offset.to_string(), code.offset_width);
    s.push(' ');
    if ins.truncated {
        s.push_str(&ins.opname);
        s.push_str(" <truncated>");
        return;
    }
    pad_right(s, &ins.opname, OPNAME_WIDTH);
    if let Some(a) = arg_text(ins) {
        s.push(' ');
        pad_left(s, &a, OPARG_WIDTH);
        if !ins.argrepr.is_empty() {
            s.push_str(" (");
            s.push_str(&ins.argrepr);
            s.push(')');
        }
    }
    rstrip(s);
}

/// 3.13+: `Formatter.print_instruction_line`.
fn line_313(
    code: &CodeListing,
    ins: &DisInstruction,
    mark: &str,
    show_offsets: bool,
    s: &mut String,
) {
    if code.lineno_width > 0 {
        match ins.line_start {
            Some(Some(l)) => pad_left(s, &l.to_string(), code.lineno_width),
            Some(None) => pad_left(s, "  --", code.lineno_width),
            None => pad_left(s, "", code.lineno_width),
        }
        s.push(' ');
    }
    match ins.label {
        Some(l) => pad_left(s, &format!("L{l}:"), code.label_width),
        None => pad_left(s, "", code.label_width),
    }
    s.push(' ');
    if show_offsets {
        // len(str(max(len(co_code) - 2, 9999)))
        let width = (code.code_len as i64 - 2).max(9999).to_string().len();
        pad_left(s, &ins.offset.to_string(), width);
        s.push_str("   ");
    }
    s.push_str(mark);
    s.push(' ');
    if ins.truncated {
        s.push_str(&ins.opname);
        s.push_str(" <truncated>");
        return;
    }
    pad_right(s, &ins.opname, OPNAME_WIDTH);
    if let Some(a) = arg_text(ins) {
        s.push(' ');
        let excess = ins.opname.chars().count().saturating_sub(OPNAME_WIDTH);
        pad_left(s, &a, OPARG_WIDTH.saturating_sub(excess));
        if !ins.argrepr.is_empty() {
            s.push_str(" (");
            s.push_str(&ins.argrepr);
            s.push(')');
        }
    }
    rstrip(s);
}

fn rstrip(s: &mut String) {
    let n = s.trim_end().len();
    s.truncate(n);
}

fn write_exception_table<W: Write>(
    dis: &Disassembly,
    code: &CodeListing,
    out: &mut W,
) -> fmt::Result {
    if code.exception_table.is_empty() || !dis.version.at_least(3, 11) {
        return Ok(());
    }
    writeln!(out, "ExceptionTable:")?;
    for e in &code.exception_table {
        let lasti = if e.lasti { " lasti" } else { "" };
        if dis.version.at_least(3, 13) {
            let l = |o: u64| code.labels.get(&(o as i64)).copied().unwrap_or(0);
            writeln!(
                out,
                "  L{} to L{} -> L{} [{}]{lasti}",
                l(e.start),
                l(e.end),
                l(e.target),
                e.depth
            )?;
        } else {
            writeln!(
                out,
                "  {} to {} -> {} [{}]{lasti}",
                e.start,
                e.end as i128 - 2,
                e.target,
                e.depth
            )?;
        }
    }
    Ok(())
}
