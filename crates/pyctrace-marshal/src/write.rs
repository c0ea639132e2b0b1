//! The marshal writer. Every node is written with the type code, ref flag
//! and encoding it was read with, so an untouched tree gives back its input.

use pyctrace_version::{code_layout, FieldWidth};

use crate::code::FieldValue;
use crate::error::WriteError;
use crate::node::{Node, Obj, StrType};
use crate::pyc::Pyc;

/// Deeper trees than this are refused rather than risking the stack.
const MAX_WRITE_DEPTH: usize = 5000;

pub fn write_node(node: &Node<'_>, out: &mut Vec<u8>) -> Result<(), WriteError> {
    write_at(node, out, 0)
}

/// Header bytes, the marshalled root, then any trailing bytes the input had.
pub fn write_pyc(pyc: &Pyc<'_>) -> Result<Vec<u8>, WriteError> {
    let mut out = Vec::with_capacity(pyc.header_bytes.len() + pyc.trailing.len() + 1024);
    out.extend_from_slice(&pyc.header_bytes);
    write_node(&pyc.root, &mut out)?;
    out.extend_from_slice(&pyc.trailing);
    Ok(out)
}

fn put_i32(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_len(out: &mut Vec<u8>, len: usize, what: &'static str, code: u8) -> Result<(), WriteError> {
    let v = i32::try_from(len).map_err(|_| WriteError::TooLong {
        what,
        len,
        code: code as char,
    })?;
    put_i32(out, v);
    Ok(())
}

fn put_short_len(
    out: &mut Vec<u8>,
    len: usize,
    what: &'static str,
    code: u8,
) -> Result<(), WriteError> {
    let v = u8::try_from(len).map_err(|_| WriteError::TooLong {
        what,
        len,
        code: code as char,
    })?;
    out.push(v);
    Ok(())
}

fn put_float_text(out: &mut Vec<u8>, text: &[u8]) -> Result<(), WriteError> {
    put_short_len(out, text.len(), "float text", b'f')?;
    out.extend_from_slice(text);
    Ok(())
}

fn write_all(items: &[Node<'_>], out: &mut Vec<u8>, depth: usize) -> Result<(), WriteError> {
    items
        .iter()
        .try_for_each(|item| write_at(item, out, depth + 1))
}

fn write_at(node: &Node<'_>, out: &mut Vec<u8>, depth: usize) -> Result<(), WriteError> {
    if depth > MAX_WRITE_DEPTH {
        return Err(WriteError::TooDeep(MAX_WRITE_DEPTH));
    }
    let code = node.obj.type_code().ok_or(WriteError::Damaged)?;
    out.push(node.type_byte().ok_or(WriteError::Damaged)?);
    match &node.obj {
        Obj::Null
        | Obj::None
        | Obj::False
        | Obj::True
        | Obj::StopIteration
        | Obj::Ellipsis
        | Obj::Unknown => {}
        Obj::Int(v) => put_i32(out, *v),
        Obj::Int64(v) => out.extend_from_slice(&v.to_le_bytes()),
        Obj::Long { size, digits } => {
            put_i32(out, *size);
            for d in digits {
                out.extend_from_slice(&d.to_le_bytes());
            }
        }
        Obj::FloatText(text) => put_float_text(out, text)?,
        Obj::FloatBin(bits) => out.extend_from_slice(&bits.to_le_bytes()),
        Obj::ComplexText(re, im) => {
            put_float_text(out, re)?;
            put_float_text(out, im)?;
        }
        Obj::ComplexBin(re, im) => {
            out.extend_from_slice(&re.to_le_bytes());
            out.extend_from_slice(&im.to_le_bytes());
        }
        Obj::Str { kind, data } => {
            match kind {
                StrType::ShortAscii | StrType::ShortAsciiInterned => {
                    put_short_len(out, data.len(), "string", code)?
                }
                _ => put_len(out, data.len(), "string", code)?,
            }
            out.extend_from_slice(data);
        }
        Obj::StringRef(i) | Obj::Ref(i) => put_i32(out, *i as i32),
        Obj::Tuple { small, items } => {
            if *small {
                put_short_len(out, items.len(), "tuple", code)?;
            } else {
                put_len(out, items.len(), "tuple", code)?;
            }
            write_all(items, out, depth)?;
        }
        Obj::List(items) | Obj::Set(items) | Obj::FrozenSet(items) => {
            put_len(out, items.len(), "sequence", code)?;
            write_all(items, out, depth)?;
        }
        Obj::Dict(items) => {
            write_all(items, out, depth)?;
            // An edited dict may have lost its terminator: a dict always ends on NULL.
            if !items.last().is_some_and(|n| matches!(n.obj, Obj::Null)) {
                out.push(b'0');
            }
        }
        Obj::Slice(parts) => write_all(&parts[..], out, depth)?,
        Obj::Code(code_obj) => {
            let (layout, width) = code_layout(code_obj.version);
            for field in layout {
                let value = code_obj
                    .fields
                    .iter()
                    .find(|(f, _)| f == field)
                    .map(|(_, v)| v)
                    .ok_or(WriteError::MissingField(field.name()))?;
                match value {
                    FieldValue::Int(v) => match width {
                        FieldWidth::Short => out.extend_from_slice(&(*v as i16).to_le_bytes()),
                        _ => put_i32(out, *v),
                    },
                    FieldValue::Obj(child) => write_at(child, out, depth + 1)?,
                }
            }
        }
        Obj::Damaged(_) => return Err(WriteError::Damaged),
    }
    Ok(())
}
