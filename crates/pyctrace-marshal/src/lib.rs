//! CPython's marshal format, read and written exactly.
//!
//! * [`read`] parses marshal data into a tree of [`Node`]s that borrow the
//!   input and remember each object's offset, type code and ref flag. It is
//!   bounded (depth, object count) and never panics on hostile input.
//! * [`write`] turns a tree back into bytes; an unmodified tree reproduces
//!   its input byte for byte.
//! * [`pyc`] puts a header in front: whole `.pyc` files and headerless blobs.
//! * [`oracle`] renders a tree the way the project's reference dumper renders
//!   what CPython's own `marshal.loads` returns, for differential tests.

pub mod code;
pub mod error;
#[doc(hidden)]
pub mod invariants;
pub mod node;
pub mod oracle;
pub mod pyc;
pub mod read;
pub mod refs;
pub mod walk;
pub mod write;

pub use code::{Code, FieldValue};
pub use error::{MarshalError, WriteError};
pub use node::{Node, Obj, StrType};
pub use pyc::{read_marshal, read_pyc, read_pyc_as, LoadError, Pyc};
pub use read::{Mode, ReadOptions};
pub use write::{write_node, write_pyc};

pub use pyctrace_version::{CodeField, PyVersion};

/// Type codes (`Python/marshal.c`).
pub mod type_code {
    pub const NULL: u8 = b'0';
    pub const NONE: u8 = b'N';
    pub const FALSE: u8 = b'F';
    pub const TRUE: u8 = b'T';
    pub const STOPITER: u8 = b'S';
    pub const ELLIPSIS: u8 = b'.';
    pub const INT: u8 = b'i';
    pub const INT64: u8 = b'I';
    pub const FLOAT: u8 = b'f';
    pub const BINARY_FLOAT: u8 = b'g';
    pub const COMPLEX: u8 = b'x';
    pub const BINARY_COMPLEX: u8 = b'y';
    pub const LONG: u8 = b'l';
    pub const STRING: u8 = b's';
    pub const INTERNED: u8 = b't';
    pub const STRINGREF: u8 = b'R';
    pub const REF: u8 = b'r';
    pub const TUPLE: u8 = b'(';
    pub const LIST: u8 = b'[';
    pub const DICT: u8 = b'{';
    pub const CODE: u8 = b'c';
    pub const UNICODE: u8 = b'u';
    pub const UNKNOWN: u8 = b'?';
    pub const SET: u8 = b'<';
    pub const FROZENSET: u8 = b'>';
    pub const ASCII: u8 = b'a';
    pub const ASCII_INTERNED: u8 = b'A';
    pub const SMALL_TUPLE: u8 = b')';
    pub const SHORT_ASCII: u8 = b'z';
    pub const SHORT_ASCII_INTERNED: u8 = b'Z';
    pub const SLICE: u8 = b':';
    /// Marks an object that later `'r'` records may refer to (3.4+).
    pub const FLAG_REF: u8 = 0x80;
}
