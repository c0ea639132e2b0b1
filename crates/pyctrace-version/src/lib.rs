//! CPython release lines, `.pyc` magic numbers, header layouts and the
//! per-version layout of marshalled code objects.
//!
//! Everything here is data read off CPython's own sources
//! (`Lib/importlib/_bootstrap_external.py`, `Python/import.c` for 2.x,
//! `Python/marshal.c`); nothing depends on an interpreter being installed.

mod code_layout;
mod header;
mod magic;

pub use code_layout::{code_layout, CodeField, FieldWidth};
pub use header::{header_len, parse_header, HeaderError, PycHeader, PycKind};
pub use magic::{lookup_magic, release_magic, MagicInfo, MAGICS};

use std::fmt;

/// A CPython release line such as 2.7 or 3.11.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PyVersion {
    pub major: u8,
    pub minor: u8,
}

impl PyVersion {
    pub const fn new(major: u8, minor: u8) -> Self {
        PyVersion { major, minor }
    }

    /// Parses `"3.11"`, `"3.11.7"` or `"2.7"`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        if let Some(patch) = parts.next() {
            // allow a patch level, nothing more
            patch.parse::<u32>().ok()?;
            if parts.next().is_some() {
                return None;
            }
        }
        let v = PyVersion { major, minor };
        v.is_known().then_some(v)
    }

    /// Release lines whose formats this crate describes.
    pub fn is_known(self) -> bool {
        matches!(
            (self.major, self.minor),
            (1, 5..=6) | (2, 0..=7) | (3, 0..=14)
        )
    }

    pub fn at_least(self, major: u8, minor: u8) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    pub fn is_py2(self) -> bool {
        self.major < 3
    }

    /// Bytes of the `.pyc` header in front of the marshalled code object.
    pub fn header_len(self) -> usize {
        header::header_len(self)
    }
}

impl fmt::Display for PyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}
