//! Whole `.pyc` files (header + marshalled code) and headerless blobs.

use std::borrow::Cow;

use pyctrace_version::{parse_header, HeaderError, PyVersion, PycHeader};

use crate::error::MarshalError;
use crate::node::Node;
use crate::read::{read_object, ReadOptions};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Header(#[from] HeaderError),
    #[error(transparent)]
    Marshal(#[from] MarshalError),
}

impl LoadError {
    pub fn offset(&self) -> usize {
        match self {
            LoadError::Header(HeaderError::Truncated { len, .. }) => *len,
            LoadError::Header(HeaderError::BadMagicSuffix(_)) => 2,
            LoadError::Header(HeaderError::BadFlags(_)) => 4,
            LoadError::Header(_) => 0,
            LoadError::Marshal(e) => e.offset(),
        }
    }
}

/// A loaded `.pyc`: header, object tree, and whatever followed the object.
#[derive(Debug, Clone)]
pub struct Pyc<'a> {
    /// `None` for a headerless marshal blob.
    pub header: Option<PycHeader>,
    pub header_bytes: Cow<'a, [u8]>,
    pub version: PyVersion,
    pub root: Node<'a>,
    /// Bytes after the marshalled object (CPython ignores them; kept for
    /// the round trip and reported, since protectors hide data there).
    pub trailing: Cow<'a, [u8]>,
    /// Offset of `trailing` in the input.
    pub trailing_offset: usize,
    /// Permissive reads: what was wrong, first problem first.
    pub problems: Vec<MarshalError>,
}

/// Reads a `.pyc` file; its magic number picks the version.
pub fn read_pyc<'a>(bytes: &'a [u8], options: &ReadOptions) -> Result<Pyc<'a>, LoadError> {
    let header = parse_header(bytes)?;
    let version = header.version;
    let len = header.len;
    let mut pyc = read_body(bytes, len, version, options)?;
    pyc.header = Some(header);
    Ok(pyc)
}

/// Reads a headerless marshal blob written by `version`.
pub fn read_marshal<'a>(
    bytes: &'a [u8],
    version: PyVersion,
    options: &ReadOptions,
) -> Result<Pyc<'a>, LoadError> {
    read_body(bytes, 0, version, options)
}

/// Reads a `.pyc` whose header is damaged or foreign by forcing `version`
/// and the header length that version uses.
pub fn read_pyc_as<'a>(
    bytes: &'a [u8],
    version: PyVersion,
    options: &ReadOptions,
) -> Result<Pyc<'a>, LoadError> {
    let len = version.header_len();
    if bytes.len() < len {
        return Err(HeaderError::Truncated {
            len: bytes.len(),
            need: len,
        }
        .into());
    }
    let mut pyc = read_body(bytes, len, version, options)?;
    pyc.header = parse_header(bytes).ok().filter(|h| h.version == version);
    Ok(pyc)
}

fn read_body<'a>(
    bytes: &'a [u8],
    start: usize,
    version: PyVersion,
    options: &ReadOptions,
) -> Result<Pyc<'a>, LoadError> {
    let result = read_object(bytes, start, version, options)?;
    Ok(Pyc {
        header: None,
        header_bytes: Cow::Borrowed(&bytes[..start]),
        version,
        root: result.root,
        trailing: Cow::Borrowed(&bytes[result.end..]),
        trailing_offset: result.end,
        problems: result.problems,
    })
}
