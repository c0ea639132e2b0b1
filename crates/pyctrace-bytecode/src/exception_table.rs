//! 3.11+ exception tables (Objects/exception_handling_notes.txt).

/// One entry as `dis._parse_exception_table` gives it (offsets in bytes,
/// `end` exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExceptionTableEntry {
    pub start: u64,
    pub end: u64,
    pub target: u64,
    pub depth: u64,
    pub lasti: bool,
}

/// Big-endian 6-bit varint (bit 6 = more follows); `None` at the end of data.
fn read_varint(tab: &[u8], pos: &mut usize) -> Option<u64> {
    let mut b = *tab.get(*pos)?;
    *pos += 1;
    let mut val = (b & 63) as u64;
    while b & 64 != 0 {
        b = *tab.get(*pos)?;
        *pos += 1;
        val = (val << 6) | (b & 63) as u64;
    }
    Some(val)
}

/// The entries of `co_exceptiontable`, parsed lazily like
/// `dis._parse_exception_table`: until the data runs out, a partial last
/// entry dropped. Never panics (values of absurd garbage wrap in 64 bits).
pub fn exception_table_entries(table: &[u8]) -> impl Iterator<Item = ExceptionTableEntry> + '_ {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let start = read_varint(table, &mut pos)?;
        let length = read_varint(table, &mut pos)?;
        let target = read_varint(table, &mut pos)?;
        let dl = read_varint(table, &mut pos)?;
        let start = start.wrapping_mul(2);
        Some(ExceptionTableEntry {
            start,
            end: start.wrapping_add(length.wrapping_mul(2)),
            target: target.wrapping_mul(2),
            depth: dl >> 1,
            lasti: dl & 1 != 0,
        })
    })
}

/// All entries of `co_exceptiontable`; see [`exception_table_entries`].
pub fn parse_exception_table(table: &[u8]) -> Vec<ExceptionTableEntry> {
    exception_table_entries(table).collect()
}
