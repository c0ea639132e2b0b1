//! CPython bytecode: one opcode list for every release line, per-version
//! tables (byte -> mnemonic, argument kind, inline caches), a decoder that
//! never panics, line-number tables and 3.11+ exception tables.
//!
//! The tables in `generated/opcodes.rs` are written by
//! `scripts/gen_opcodes.py` from CPython's own `opcode`/`dis` modules (or, for
//! release lines not installed, from hand-recorded data files).

mod decode;
mod error;
mod exception_table;
mod lines;
mod opinfo;

#[allow(clippy::all)]
#[rustfmt::skip]
mod generated {
    pub mod opcodes;
}

pub use decode::{instructions, Instruction, Instructions};
pub use error::BytecodeError;
pub use exception_table::{exception_table_entries, parse_exception_table, ExceptionTableEntry};
pub use generated::opcodes::Mnemonic;
pub use lines::{line_ranges, line_starts, LineRange, LineTable, Location};
pub use opinfo::{op_info, op_table, ArgKind, JumpUnit, OpInfo, OpTable};
pub use pyctrace_version::PyVersion;
