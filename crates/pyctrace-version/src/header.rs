//! `.pyc` headers: 8 bytes (magic, mtime) up to 3.2, 12 bytes (+ source
//! size) in 3.3–3.6, 16 bytes (magic, PEP 552 flags, then mtime + size or an
//! 8-byte source hash) from 3.7.

use crate::{lookup_magic, PyVersion};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("file too short for a .pyc header: {len} bytes, {need} needed (offset {len})")]
    Truncated { len: usize, need: usize },
    #[error("magic number {magic} (bytes {bytes:02x?}) at offset 0 is not a known CPython magic")]
    UnknownMagic { magic: u16, bytes: [u8; 4] },
    #[error("magic bytes at offset 2 are {0:02x?}, expected 0d 0a")]
    BadMagicSuffix([u8; 2]),
    #[error("PEP 552 flags at offset 4 hold undefined bits: {0:#x}")]
    BadFlags(u32),
}

/// How the header ties the `.pyc` to its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PycKind {
    /// Source modification time (seconds) and, from 3.3, source size.
    Timestamp {
        mtime: u32,
        source_size: Option<u32>,
    },
    /// PEP 552 hash-based pyc (3.7+); `checked` is flag bit 1.
    Hash { checked: bool, hash: [u8; 8] },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PycHeader {
    pub magic: u16,
    pub version: PyVersion,
    /// Release label of the magic, e.g. "3.7b5" or "3.11".
    pub label: &'static str,
    /// PEP 552 flags word (3.7+), `None` before.
    pub flags: Option<u32>,
    pub kind: PycKind,
    /// Header length; the marshalled body starts here.
    pub len: usize,
}

pub fn header_len(version: PyVersion) -> usize {
    if version.at_least(3, 7) {
        16
    } else if version.at_least(3, 3) {
        12
    } else {
        8
    }
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Parses the header at the start of `bytes`.
pub fn parse_header(bytes: &[u8]) -> Result<PycHeader, HeaderError> {
    if bytes.len() < 4 {
        return Err(HeaderError::Truncated {
            len: bytes.len(),
            need: 4,
        });
    }
    let magic = u16::from_le_bytes([bytes[0], bytes[1]]);
    let info = lookup_magic(magic).ok_or(HeaderError::UnknownMagic {
        magic,
        bytes: [bytes[0], bytes[1], bytes[2], bytes[3]],
    })?;
    if bytes[2..4] != [0x0d, 0x0a] {
        return Err(HeaderError::BadMagicSuffix([bytes[2], bytes[3]]));
    }
    let version = info.version;
    let len = header_len(version);
    if bytes.len() < len {
        return Err(HeaderError::Truncated {
            len: bytes.len(),
            need: len,
        });
    }
    let (flags, kind) = if len == 16 {
        let flags = le32(bytes, 4);
        if flags & !0b11 != 0 {
            return Err(HeaderError::BadFlags(flags));
        }
        let kind = if flags & 1 != 0 {
            let mut hash = [0u8; 8];
            hash.copy_from_slice(&bytes[8..16]);
            PycKind::Hash {
                checked: flags & 2 != 0,
                hash,
            }
        } else {
            PycKind::Timestamp {
                mtime: le32(bytes, 8),
                source_size: Some(le32(bytes, 12)),
            }
        };
        (Some(flags), kind)
    } else {
        let source_size = (len == 12).then(|| le32(bytes, 8));
        (
            None,
            PycKind::Timestamp {
                mtime: le32(bytes, 4),
                source_size,
            },
        )
    };
    Ok(PycHeader {
        magic,
        version,
        label: info.label,
        flags,
        kind,
        len,
    })
}
