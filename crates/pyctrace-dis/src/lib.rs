//! The disassembler: a model of each code object built once
//! ([`disassemble`]), a text formatter that prints exactly what the
//! version's `dis.dis(code)` prints ([`write_text`]), and a JSON formatter
//! ([`write_json`]).
//!
//! Hostile code never makes it fail: undefined opcodes show as `<218>`,
//! out-of-range arguments as `<bad const 65535>`, truncated code and jumps
//! outside the code or into the middle of an instruction are noted, and
//! every instruction carries a reachability flag (recursive traversal from
//! the entry and the exception handlers).
//!
//! For 2.x and 3.6, whose `dis` does not recurse into nested code objects,
//! they follow depth-first under the header 3.7+ prints
//! (`Disassembly of <code object ...>:`).

mod compact;
mod json;
mod lines;
mod model;
mod printable;
mod reach;
pub mod repr;
mod text;

pub use json::{to_json, write_json, write_json_fmt};
pub use model::{
    disassemble, disassemble_pyc, ArgValue, CodeListing, DisInstruction, Disassembly,
    ExceptionEntry, Instructions,
};
pub use text::{
    to_text, write_code, write_pyc_text, write_pyc_text_io, write_text, write_text_io,
    write_text_of, TextOptions, Unreachable, UNREACHABLE_MARK,
};
