//! Line-number tables: `co_lnotab` (up to 3.9), the 3.10 `co_linetable` and
//! the 3.11+ location table. Tolerant of garbage: never panics.

use pyctrace_version::PyVersion;

/// A range of bytecode offsets `start..end` and its line (`None`: no line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineRange {
    pub start: usize,
    pub end: usize,
    pub line: Option<i32>,
}

/// One 3.11+ location-table entry (PEP 657 positions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub start: usize,
    pub end: usize,
    pub line: Option<i32>,
    pub end_line: Option<i32>,
    pub col: Option<i32>,
    pub end_col: Option<i32>,
}

/// The line table of a code object, with what decoding it needs.
#[derive(Clone, Copy, Debug)]
pub struct LineTable<'a> {
    pub version: PyVersion,
    /// `co_lnotab` (<= 3.9), `co_linetable` (3.10+).
    pub table: &'a [u8],
    pub firstlineno: i32,
    /// `len(co_code)` in bytes.
    pub code_len: usize,
}

impl<'a> LineTable<'a> {
    pub fn new(version: PyVersion, table: &'a [u8], firstlineno: i32, code_len: usize) -> Self {
        LineTable {
            version,
            table,
            firstlineno,
            code_len,
        }
    }

    /// `dis.findlinestarts(code)` of the version: `(offset, line)` pairs.
    /// Lines are `Some` except in 3.13+, where `dis` also reports where
    /// "no line" starts.
    pub fn line_starts(&self) -> Vec<(usize, Option<i32>)> {
        if !self.version.at_least(3, 10) {
            return lnotab_starts(self)
                .into_iter()
                .map(|(o, l)| (o, Some(l)))
                .collect();
        }
        let ranges = self.co_lines();
        let mut out = Vec::new();
        if self.version.at_least(3, 13) {
            // `if line is not lastline`: identity, so equal lines outside the
            // small-int cache (-5..=256) count as different.
            let mut last: Option<Option<i32>> = None;
            for r in ranges {
                let same = match (last, r.line) {
                    (None, _) => false,
                    (Some(None), None) => true,
                    (Some(Some(a)), Some(b)) => a == b && (-5..=256).contains(&b),
                    _ => false,
                };
                if !same {
                    last = Some(r.line);
                    out.push((r.start, r.line));
                }
            }
        } else {
            let mut last: Option<i32> = None;
            for r in ranges {
                if let Some(l) = r.line {
                    if last != Some(l) {
                        last = Some(l);
                        out.push((r.start, Some(l)));
                    }
                }
            }
        }
        out
    }

    /// `code.co_lines()` of the version (3.10+), or for older versions the
    /// ranges between `findlinestarts` entries (the last one running to the
    /// end of the code).
    pub fn co_lines(&self) -> Vec<LineRange> {
        if self.version.at_least(3, 11) {
            let mut out: Vec<LineRange> = Vec::new();
            for l in self.locations() {
                // from 3.12 co_lines() merges neighbours with the same line
                if self.version.at_least(3, 12) {
                    if let Some(last) = out.last_mut() {
                        if last.line == l.line && last.end == l.start {
                            last.end = l.end;
                            continue;
                        }
                    }
                }
                out.push(LineRange {
                    start: l.start,
                    end: l.end,
                    line: l.line,
                });
            }
            out
        } else if self.version.at_least(3, 10) {
            linetable_310(self)
        } else {
            let starts = lnotab_starts(self);
            let mut out = Vec::with_capacity(starts.len());
            for (i, &(start, line)) in starts.iter().enumerate() {
                let end = starts.get(i + 1).map_or(self.code_len.max(start), |n| n.0);
                out.push(LineRange {
                    start,
                    end,
                    line: Some(line),
                });
            }
            out
        }
    }

    /// 3.11+ location entries (empty for older versions).
    pub fn locations(&self) -> Vec<Location> {
        if !self.version.at_least(3, 11) {
            return Vec::new();
        }
        locations_311(self)
    }
}

/// Shorthand for `LineTable::new(..).line_starts()`.
pub fn line_starts(
    version: PyVersion,
    table: &[u8],
    firstlineno: i32,
    code_len: usize,
) -> Vec<(usize, Option<i32>)> {
    LineTable::new(version, table, firstlineno, code_len).line_starts()
}

/// Shorthand for `LineTable::new(..).co_lines()`.
pub fn line_ranges(
    version: PyVersion,
    table: &[u8],
    firstlineno: i32,
    code_len: usize,
) -> Vec<LineRange> {
    LineTable::new(version, table, firstlineno, code_len).co_lines()
}

/// `findlinestarts` over `co_lnotab` (2.x-3.9).
fn lnotab_starts(t: &LineTable) -> Vec<(usize, i32)> {
    let signed = t.version.at_least(3, 6);
    let stop_past_end = t.version.at_least(3, 8);
    let mut out = Vec::new();
    let mut last: Option<i32> = None;
    let mut line = t.firstlineno;
    let mut addr: usize = 0;
    for pair in t.table.chunks_exact(2) {
        let (b, l) = (pair[0], pair[1]);
        if b != 0 {
            if last != Some(line) {
                out.push((addr, line));
                last = Some(line);
            }
            addr = addr.saturating_add(b as usize);
            if stop_past_end && addr >= t.code_len {
                return out;
            }
        }
        let delta = if signed { l as i8 as i32 } else { l as i32 };
        line = line.wrapping_add(delta);
    }
    if last != Some(line) {
        out.push((addr, line));
    }
    out
}

/// `co_lines()` over the 3.10 `co_linetable`: (byte delta, signed line delta)
/// pairs, line delta -128 meaning "no line".
fn linetable_310(t: &LineTable) -> Vec<LineRange> {
    let mut out = Vec::new();
    let mut end: usize = 0;
    let mut computed = t.firstlineno;
    let mut pos = 0usize;
    let tab = t.table;
    // one step of CPython's advance(); None at the end of the table
    let advance = |pos: &mut usize,
                   end: &mut usize,
                   computed: &mut i32|
     -> Option<(usize, usize, Option<i32>)> {
        if *pos >= tab.len() {
            return None;
        }
        let start = *end;
        let delta = tab[*pos] as usize;
        let ldelta = tab.get(*pos + 1).map_or(0, |&b| b as i8);
        *pos += 2;
        *end = end.saturating_add(delta);
        let line = if ldelta == -128 {
            None
        } else {
            *computed = computed.wrapping_add(ldelta as i32);
            Some(*computed)
        };
        Some((start, *end, line))
    };
    while let Some(mut r) = advance(&mut pos, &mut end, &mut computed) {
        // zero-length entries are skipped (CPython's NextAddressRange)
        let mut ok = true;
        while r.0 == r.1 {
            match advance(&mut pos, &mut end, &mut computed) {
                Some(n) => r = n,
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok {
            break;
        }
        out.push(LineRange {
            start: r.0,
            end: r.1,
            line: r.2,
        });
    }
    out
}

/// Little-endian 6-bit varint of the location table; `None` past the end.
fn read_varint(tab: &[u8], pos: &mut usize) -> Option<u32> {
    let mut b = *tab.get(*pos)?;
    *pos += 1;
    let mut val: u32 = (b & 63) as u32;
    let mut shift: u32 = 0;
    while b & 64 != 0 {
        b = *tab.get(*pos)?;
        *pos += 1;
        shift += 6;
        if shift < 32 {
            val |= ((b & 63) as u32) << shift;
        }
    }
    Some(val)
}

fn read_svarint(tab: &[u8], pos: &mut usize) -> Option<i32> {
    let u = read_varint(tab, pos)?;
    Some(if u & 1 != 0 {
        -((u >> 1) as i32)
    } else {
        (u >> 1) as i32
    })
}

/// The 3.11+ location table (Objects/locations.md).
fn locations_311(t: &LineTable) -> Vec<Location> {
    let tab = t.table;
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut end: usize = 0;
    let mut line = t.firstlineno;
    while pos < tab.len() {
        let first = tab[pos];
        let code = (first >> 3) & 15;
        let len = ((first & 7) as usize + 1) * 2;
        let start = end;
        end = end.saturating_add(len);
        let mut p = pos + 1;
        let mut loc = Location {
            start,
            end,
            line: None,
            end_line: None,
            col: None,
            end_col: None,
        };
        match code {
            15 => {}
            14 => {
                let d = read_svarint(tab, &mut p).unwrap_or(0);
                line = line.wrapping_add(d);
                let end_d = read_varint(tab, &mut p).unwrap_or(0) as i32;
                let col = read_varint(tab, &mut p).map(|c| c as i32 - 1);
                let end_col = read_varint(tab, &mut p).map(|c| c as i32 - 1);
                loc.line = Some(line);
                loc.end_line = Some(line.wrapping_add(end_d));
                loc.col = col.filter(|&c| c >= 0);
                loc.end_col = end_col.filter(|&c| c >= 0);
            }
            13 => {
                let d = read_svarint(tab, &mut p).unwrap_or(0);
                line = line.wrapping_add(d);
                loc.line = Some(line);
                loc.end_line = Some(line);
            }
            10..=12 => {
                line = line.wrapping_add(code as i32 - 10);
                loc.line = Some(line);
                loc.end_line = Some(line);
                loc.col = tab.get(p).map(|&c| c as i32);
                loc.end_col = tab.get(p + 1).map(|&c| c as i32);
            }
            _ => {
                // short form: column group in `code`, low bits in the next byte
                loc.line = Some(line);
                loc.end_line = Some(line);
                if let Some(&second) = tab.get(p) {
                    loc.col = Some(code as i32 * 8 + ((second >> 4) & 7) as i32);
                    loc.end_col = Some(loc.col.unwrap_or(0) + (second & 15) as i32);
                }
            }
        }
        out.push(loc);
        // next entry starts at the next byte with the top bit set
        pos += 1;
        while pos < tab.len() && tab[pos] & 128 == 0 {
            pos += 1;
        }
    }
    out
}
