//! `dis.findlinestarts(code)` in one pass over the line table, without the
//! intermediate range lists: the same results as
//! `pyctrace_bytecode::LineTable::line_starts` (checked by the tests below),
//! which decodes locations, then `co_lines()` ranges, then starts.

use pyctrace_marshal::PyVersion;

/// `(offset, line)` pairs as the version's `dis.findlinestarts` gives them.
#[cfg(test)]
pub(crate) fn line_starts(
    version: PyVersion,
    table: &[u8],
    firstlineno: i32,
    code_len: usize,
) -> Vec<(usize, Option<i32>)> {
    let mut out = Vec::new();
    line_starts_into(version, table, firstlineno, code_len, &mut out);
    out
}

/// [`line_starts`] into `out` (cleared first).
pub(crate) fn line_starts_into(
    version: PyVersion,
    table: &[u8],
    firstlineno: i32,
    code_len: usize,
    out: &mut Vec<(usize, Option<i32>)>,
) {
    out.clear();
    out.reserve(table.len() / 2 + 1);
    if !version.at_least(3, 10) {
        lnotab_starts(version, table, firstlineno, code_len, out);
        return;
    }
    let mut starts = Starts {
        v313: version.at_least(3, 13),
        last_313: None,
        last: None,
        out,
    };
    if version.at_least(3, 11) {
        locations_311(table, firstlineno, version.at_least(3, 12), &mut starts);
    } else {
        linetable_310(table, firstlineno, &mut starts);
    }
}

/// The start-picking part of `findlinestarts`, fed `co_lines()` ranges.
struct Starts<'o> {
    v313: bool,
    /// 3.13+: the line of the previous range (`None`: no range yet).
    last_313: Option<Option<i32>>,
    /// Up to 3.12: the last line reported.
    last: Option<i32>,
    out: &'o mut Vec<(usize, Option<i32>)>,
}

impl Starts<'_> {
    #[inline]
    fn range(&mut self, start: usize, line: Option<i32>) {
        if self.v313 {
            // `if line is not lastline`: identity, so equal lines outside
            // the small-int cache (-5..=256) count as different.
            let same = match (self.last_313, line) {
                (None, _) => false,
                (Some(None), None) => true,
                (Some(Some(a)), Some(b)) => a == b && (-5..=256).contains(&b),
                _ => false,
            };
            if !same {
                self.last_313 = Some(line);
                self.out.push((start, line));
            }
        } else if let Some(l) = line {
            if self.last != Some(l) {
                self.last = Some(l);
                self.out.push((start, Some(l)));
            }
        }
    }
}

/// `findlinestarts` over `co_lnotab` (2.x-3.9).
fn lnotab_starts(
    version: PyVersion,
    table: &[u8],
    firstlineno: i32,
    code_len: usize,
    out: &mut Vec<(usize, Option<i32>)>,
) {
    let signed = version.at_least(3, 6);
    let stop_past_end = version.at_least(3, 8);
    let mut last: Option<i32> = None;
    let mut line = firstlineno;
    let mut addr: usize = 0;
    for pair in table.chunks_exact(2) {
        let (b, l) = (pair[0], pair[1]);
        if b != 0 {
            if last != Some(line) {
                out.push((addr, Some(line)));
                last = Some(line);
            }
            addr = addr.saturating_add(b as usize);
            if stop_past_end && addr >= code_len {
                return;
            }
        }
        let delta = if signed { l as i8 as i32 } else { l as i32 };
        line = line.wrapping_add(delta);
    }
    if last != Some(line) {
        out.push((addr, Some(line)));
    }
}

/// `co_lines()` over the 3.10 `co_linetable`: (byte delta, signed line
/// delta) pairs, line delta -128 meaning "no line"; zero-length entries are
/// skipped (CPython's `NextAddressRange`).
fn linetable_310(tab: &[u8], firstlineno: i32, starts: &mut Starts<'_>) {
    let mut end: usize = 0;
    let mut computed = firstlineno;
    let mut pos = 0usize;
    while pos < tab.len() {
        let start = end;
        let delta = tab[pos] as usize;
        let ldelta = tab.get(pos + 1).map_or(0, |&b| b as i8);
        pos += 2;
        end = end.saturating_add(delta);
        let line = if ldelta == -128 {
            None
        } else {
            computed = computed.wrapping_add(ldelta as i32);
            Some(computed)
        };
        if start != end {
            starts.range(start, line);
        }
    }
}

/// Little-endian 6-bit varint of the location table; `None` past the end.
#[inline]
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

#[inline]
fn read_svarint(tab: &[u8], pos: &mut usize) -> Option<i32> {
    let u = read_varint(tab, pos)?;
    Some(if u & 1 != 0 {
        -((u >> 1) as i32)
    } else {
        (u >> 1) as i32
    })
}

/// The position of the next location entry after the one at `pos`: the
/// next byte with the top bit set (or the end), as CPython's `advance`.
#[inline]
fn next_entry(tab: &[u8], pos: usize) -> usize {
    let p = pos + 1;
    if let Some(word) = tab.get(p..p + 8) {
        let high = u64::from_le_bytes(word.try_into().unwrap_or([0x80; 8])) & 0x8080_8080_8080_8080;
        if high != 0 {
            return p + (high.trailing_zeros() / 8) as usize;
        }
    }
    let mut p = p;
    while p < tab.len() && tab[p] & 128 == 0 {
        p += 1;
    }
    p
}

/// The 3.11+ location table (Objects/locations.md), as `co_lines()` ranges;
/// from 3.12 neighbours with the same line are merged first.
fn locations_311(tab: &[u8], firstlineno: i32, merge: bool, starts: &mut Starts<'_>) {
    if !starts.v313 {
        // Up to 3.12 a start is where the line changes, so merging
        // neighbours of the same line changes nothing.
        return starts_311(tab, firstlineno, starts.out);
    }
    let mut pos = 0usize;
    let mut end: usize = 0;
    let mut line = firstlineno;
    // 3.12+: the range being merged (start, end, line)
    let mut pending: Option<(usize, usize, Option<i32>)> = None;
    while pos < tab.len() {
        let first = tab[pos];
        let code = (first >> 3) & 15;
        let len = ((first & 7) as usize + 1) * 2;
        let start = end;
        end = end.saturating_add(len);
        let this_line = entry_line(tab, pos, code, &mut line);
        if merge {
            match &mut pending {
                Some(p) if p.2 == this_line && p.1 == start => p.1 = end,
                _ => {
                    if let Some(p) = pending {
                        starts.range(p.0, p.2);
                    }
                    pending = Some((start, end, this_line));
                }
            }
        } else {
            starts.range(start, this_line);
        }
        pos = next_entry(tab, pos);
    }
    if let Some(p) = pending {
        starts.range(p.0, p.2);
    }
}

/// The line of the location entry at `pos` (first byte's `code`), keeping
/// the running line number.
#[inline]
fn entry_line(tab: &[u8], pos: usize, code: u8, line: &mut i32) -> Option<i32> {
    match code {
        15 => None,
        14 | 13 => {
            let mut p = pos + 1;
            let d = read_svarint(tab, &mut p).unwrap_or(0);
            *line = line.wrapping_add(d);
            Some(*line)
        }
        10..=12 => {
            *line = line.wrapping_add(code as i32 - 10);
            Some(*line)
        }
        _ => Some(*line),
    }
}

/// 3.11/3.12 `findlinestarts`: where the line changes (no-line ranges are
/// skipped).
fn starts_311(tab: &[u8], firstlineno: i32, out: &mut Vec<(usize, Option<i32>)>) {
    // line delta of the entry codes that need no further reading: short
    // forms (0-9) keep the line, one-line forms (10-12) add 0-2
    const DELTA: [i32; 13] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2];
    let mut pos = 0usize;
    let mut end: usize = 0;
    let mut line = firstlineno;
    // the last line reported; outside i32 for "none yet" (kept in a
    // register: an Option here is spilled and reloaded each entry)
    let mut last: i64 = i64::MIN;
    while pos < tab.len() {
        let first = tab[pos];
        let code = (first >> 3) & 15;
        let start = end;
        end = end.saturating_add(((first & 7) as usize + 1) * 2);
        // (the line is updated by value: through a `&mut` it lived in
        // memory, a store and a load on the loop's critical path)
        let delta = match DELTA.get(code as usize) {
            Some(&d) => Some(d),
            None if code == 15 => None,
            None => {
                let mut p = pos + 1;
                Some(read_svarint(tab, &mut p).unwrap_or(0))
            }
        };
        let Some(delta) = delta else {
            pos = next_entry(tab, pos);
            continue;
        };
        line = line.wrapping_add(delta);
        if line as i64 != last {
            last = line as i64;
            out.push((start, Some(line)));
        }
        pos = next_entry(tab, pos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
    }

    #[test]
    fn same_as_the_bytecode_crate() {
        let mut rng = Rng(0x9e3779b97f4a7c15);
        let versions = [
            (2, 7),
            (3, 6),
            (3, 7),
            (3, 8),
            (3, 9),
            (3, 10),
            (3, 11),
            (3, 12),
            (3, 13),
            (3, 14),
        ];
        for round in 0..20_000 {
            let (major, minor) = versions[round % versions.len()];
            let v = PyVersion::new(major, minor);
            let len = (rng.next() % 64) as usize;
            let mut table: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if round % 3 == 0 {
                // mostly well-formed 3.11+ entries: short forms and one-line deltas
                for b in table.iter_mut() {
                    if rng.next() & 1 == 0 {
                        *b = 0x80 | (((rng.next() % 16) as u8) << 3) | (rng.next() % 8) as u8;
                    } else {
                        *b &= 0x7f;
                    }
                }
            }
            let first = match rng.next() % 4 {
                0 => 250,
                1 => -3,
                2 => (rng.next() % 2000) as i32,
                _ => 1,
            };
            let code_len = (rng.next() % 300) as usize;
            assert_eq!(
                line_starts(v, &table, first, code_len),
                pyctrace_bytecode::line_starts(v, &table, first, code_len),
                "{v} {table:?} {first} {code_len}"
            );
        }
    }
}
