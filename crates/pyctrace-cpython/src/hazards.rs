//! Code that would make CPython's own instrumentation misbehave.
//!
//! From 3.12, tracing goes through `sys.monitoring`: when a code object is
//! first instrumented for line events, `initialize_lines`
//! (Python/instrumentation.c) walks *every* instruction linearly, dead junk
//! included, and writes into a per-instruction array at each jump's target
//! and each exception handler, with only debug-build asserts on the index.
//! A protector's junk jump to offset 1,114,262 therefore writes far outside
//! the array: a crash in an embedding host, silent heap corruption in a
//! plain `python`. We refuse to instrument such code rather than crash or
//! corrupt the interpreter the analyst is relying on.

use pyctrace_bytecode::{instructions, parse_exception_table, ArgKind};
use pyctrace_marshal::walk::code_objects;
use pyctrace_marshal::{CodeField, Node, PyVersion, Pyc};

/// One instruction or table entry CPython would index out of bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hazard {
    pub code_name: String,
    pub offset: usize,
    pub what: String,
}

impl std::fmt::Display for Hazard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} offset {}: {}",
            self.code_name, self.offset, self.what
        )
    }
}

/// Whether line/instruction instrumentation of `version` indexes by jump
/// targets without bounds checks.
pub fn instrumentation_is_unchecked(version: PyVersion) -> bool {
    version.at_least(3, 12)
}

/// Every jump (in any instruction, reachable or not, decoded linearly as
/// CPython does) and exception-table entry that points outside its code.
pub fn instrumentation_hazards(pyc: &Pyc<'_>) -> Vec<Hazard> {
    let version = pyc.version;
    let table = pyctrace_marshal::refs::RefTable::build(&pyc.root, version);
    let bytes_of = |node: Option<&Node<'_>>| -> Vec<u8> {
        node.and_then(|n| table.resolve(n))
            .and_then(Node::as_str_bytes)
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for entry in code_objects(&pyc.root, version) {
        let code = entry.code;
        let name = code
            .obj(CodeField::Name)
            .and_then(|n| table.resolve(n))
            .and_then(Node::as_str_bytes)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_else(|| "?".into());
        let bytes = bytes_of(code.obj(CodeField::Code));
        let len = bytes.len() as i64;
        for ins in instructions(&bytes, version) {
            let is_jump = matches!(
                ins.kind(),
                ArgKind::JumpForward | ArgKind::JumpBackward | ArgKind::JumpAbsolute
            );
            if !is_jump {
                continue;
            }
            match ins.raw_jump_target() {
                Some(t) if (0..len).contains(&t) => {}
                target => out.push(Hazard {
                    code_name: name.clone(),
                    offset: ins.offset,
                    what: format!(
                        "{} jumps to {} outside the code ({} bytes)",
                        ins.opname(),
                        target.unwrap_or(-1),
                        len
                    ),
                }),
            }
        }
        for e in parse_exception_table(&bytes_of(code.obj(CodeField::ExceptionTable))) {
            let (start, end, target) = (e.start as i64, e.end as i64, e.target as i64);
            if start > len || end > len || target >= len {
                out.push(Hazard {
                    code_name: name.clone(),
                    offset: e.start as usize,
                    what: format!("exception-table entry {start}..{end} -> {target} outside the code ({len} bytes)"),
                });
            }
        }
    }
    out
}
