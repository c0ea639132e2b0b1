use pyctrace_version::PyVersion;

/// Why marshal data could not be read. Every variant names the offset (from
/// the start of the file, header included) where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarshalError {
    #[error(
        "unexpected end of data at offset {offset}: {what} needs {need} more bytes, {have} left"
    )]
    Eof {
        offset: usize,
        what: &'static str,
        need: usize,
        have: usize,
    },
    #[error("unknown type code {code:#04x} at offset {offset} (not written by Python {version})")]
    UnknownType {
        offset: usize,
        code: u8,
        version: PyVersion,
    },
    #[error("{what} size {size} out of range at offset {offset}")]
    BadSize {
        offset: usize,
        what: &'static str,
        size: i64,
    },
    #[error("nesting deeper than {limit} levels at offset {offset}")]
    TooDeep { offset: usize, limit: usize },
    #[error("more than {limit} objects at offset {offset}")]
    TooManyObjects { offset: usize, limit: usize },
    #[error("invalid reference {index} at offset {offset}: {reason}")]
    BadRef {
        offset: usize,
        index: i64,
        reason: &'static str,
    },
    #[error("bad long at offset {offset}: {reason}")]
    BadLong { offset: usize, reason: &'static str },
    #[error("unparsable float text {text:?} at offset {offset}")]
    BadFloat { offset: usize, text: String },
    #[error("invalid UTF-8 in string at offset {offset}")]
    BadUtf8 { offset: usize },
    #[error("NULL object at offset {offset} inside {context}")]
    UnexpectedNull {
        offset: usize,
        context: &'static str,
    },
}

impl MarshalError {
    pub fn offset(&self) -> usize {
        use MarshalError::*;
        match *self {
            Eof { offset, .. }
            | UnknownType { offset, .. }
            | BadSize { offset, .. }
            | TooDeep { offset, .. }
            | TooManyObjects { offset, .. }
            | BadRef { offset, .. }
            | BadLong { offset, .. }
            | BadFloat { offset, .. }
            | BadUtf8 { offset }
            | UnexpectedNull { offset, .. } => offset,
        }
    }
}

/// Why a tree could not be written (only edited trees can hit these).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("{what} of length {len} does not fit its type code {code:?}")]
    TooLong {
        what: &'static str,
        len: usize,
        code: char,
    },
    #[error("a damaged node (from a permissive read) cannot be written")]
    Damaged,
    #[error("code object is missing field {0}")]
    MissingField(&'static str),
    #[error("nesting deeper than {0} levels")]
    TooDeep(usize),
}
