//! The JSON formatter (`pyctrace dis --json`).
//!
//! One document: `{"version": "3.11", "code_objects": [...]}`; each code
//! object lists its instructions with offset, opcode, name, arg, argval,
//! argrepr, jump target, line, jump-target flag and reachable flag.

use serde_json::{json, Map, Value};

use crate::model::{ArgValue, CodeListing, DisInstruction, Disassembly};

fn argval_json(v: &ArgValue) -> Value {
    match v {
        ArgValue::None => Value::Null,
        ArgValue::Int(i) => json!(i),
        ArgValue::Const(r) => json!({ "repr": r }),
        ArgValue::Name(n) => json!(n),
        ArgValue::Names(a, b) => json!([a, b]),
        ArgValue::Offset(o) => json!(o),
        ArgValue::Text(t) => json!(t),
        ArgValue::Bad => Value::Null,
    }
}

fn instruction_json(ins: &DisInstruction) -> Value {
    let mut m = Map::new();
    m.insert("offset".into(), json!(ins.offset));
    if ins.start_offset != ins.offset {
        m.insert("start_offset".into(), json!(ins.start_offset));
    }
    m.insert("size".into(), json!(ins.size));
    m.insert("opcode".into(), json!(ins.opcode));
    m.insert("name".into(), json!(ins.opname));
    m.insert("arg".into(), json!(ins.arg));
    m.insert("argval".into(), argval_json(&ins.argval));
    m.insert("argrepr".into(), json!(ins.argrepr));
    m.insert("jump_target".into(), json!(ins.jump_target));
    m.insert("line".into(), json!(ins.line));
    m.insert("starts_line".into(), json!(ins.line_start.is_some()));
    m.insert("is_jump_target".into(), json!(ins.is_jump_target));
    if let Some(l) = ins.label {
        m.insert("label".into(), json!(l));
    }
    m.insert("reachable".into(), json!(ins.reachable));
    if ins.bad_arg {
        m.insert("bad_arg".into(), json!(true));
    }
    if ins.truncated {
        m.insert("truncated".into(), json!(true));
    }
    Value::Object(m)
}

fn code_json(code: &CodeListing) -> Value {
    json!({
        "name": code.name,
        "qualname": code.qualname,
        "filename": code.filename,
        "first_line": code.first_line,
        "depth": code.depth,
        "repr": code.repr,
        "code_len": code.code_len,
        "unreachable_bytes": code.unreachable_bytes,
        "instructions": code.instructions.iter().map(instruction_json).collect::<Vec<_>>(),
        "exception_table": code.exception_table.iter().map(|e| json!({
            "start": e.start, "end": e.end, "target": e.target,
            "depth": e.depth, "lasti": e.lasti,
        })).collect::<Vec<_>>(),
        "line_starts": code.line_starts.iter().map(|(o, l)| json!([o, l])).collect::<Vec<_>>(),
        "notes": code.notes,
    })
}

/// The disassembly as one JSON value.
pub fn to_json(dis: &Disassembly) -> Value {
    json!({
        "version": dis.version.to_string(),
        "code_objects": dis.codes.iter().map(code_json).collect::<Vec<_>>(),
    })
}

/// Writes [`to_json`] (pretty-printed, with a final newline).
pub fn write_json<W: std::io::Write>(dis: &Disassembly, out: &mut W) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_json(dis))?;
    out.write_all(b"\n")
}

/// Writes [`to_json`] into a `fmt::Write` sink.
pub fn write_json_fmt<W: std::fmt::Write>(dis: &Disassembly, out: &mut W) -> std::fmt::Result {
    let text = serde_json::to_string_pretty(&to_json(dis)).map_err(|_| std::fmt::Error)?;
    out.write_str(&text)?;
    out.write_char('\n')
}
