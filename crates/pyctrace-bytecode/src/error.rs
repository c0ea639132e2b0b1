use thiserror::Error;

/// Problems found while decoding; the decoders themselves never fail, they
/// report these on the items they yield.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum BytecodeError {
    /// The code ends inside an instruction (odd length, or a 2.x opcode
    /// that takes an argument with fewer than two bytes left).
    #[error("truncated instruction at offset {offset}: {available} of {needed} bytes")]
    Truncated {
        offset: usize,
        available: usize,
        needed: usize,
    },
    /// The release line has no table in this crate.
    #[error("no opcode table for Python {0}")]
    UnknownVersion(String),
}
