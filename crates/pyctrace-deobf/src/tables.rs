//! Line tables (lnotab up to 3.9, the 3.10 linetable, the 3.11+ location
//! table) and the 3.11+ exception table, from instruction spans.
//! Formats: CPython's Objects/lnotab_notes.txt, Objects/locations.md and
//! Objects/exception_handling_notes.txt.

use pyctrace_bytecode::PyVersion;

use crate::ir::Loc;

/// `co_lnotab`: (byte increment, line increment) pairs. 3.6+ line increments
/// are signed bytes; 2.x ones unsigned (lines never go back: clamped).
pub fn lnotab(spans: &[(usize, usize, Loc)], firstlineno: i32, version: PyVersion) -> Vec<u8> {
    let signed = version.at_least(3, 6);
    let mut out = Vec::new();
    let mut last_off = 0usize;
    let mut last_line = firstlineno;
    for &(start, _, loc) in spans {
        let Some(mut line) = loc.line else { continue };
        if !signed && line < last_line {
            line = last_line;
        }
        if line == last_line {
            continue;
        }
        let mut db = start - last_off;
        let mut dl = line as i64 - last_line as i64;
        while db > 255 {
            out.extend_from_slice(&[255, 0]);
            db -= 255;
        }
        if signed {
            while dl > 127 {
                out.extend_from_slice(&[db as u8, 127]);
                db = 0;
                dl -= 127;
            }
            while dl < -128 {
                out.extend_from_slice(&[db as u8, (-128i8) as u8]);
                db = 0;
                dl += 128;
            }
            out.extend_from_slice(&[db as u8, dl as i8 as u8]);
        } else {
            while dl > 255 {
                out.extend_from_slice(&[db as u8, 255]);
                db = 0;
                dl -= 255;
            }
            out.extend_from_slice(&[db as u8, dl as u8]);
        }
        last_off = start;
        last_line = line;
    }
    out
}

/// 3.10 `co_linetable`: (byte delta <= 254, signed line delta; -128 = no line).
pub fn linetable_310(spans: &[(usize, usize, Loc)], firstlineno: i32) -> Vec<u8> {
    // ranges of equal line
    let mut ranges: Vec<(usize, usize, Option<i32>)> = Vec::new();
    for &(s, e, loc) in spans {
        match ranges.last_mut() {
            Some(r) if r.2 == loc.line && r.1 == s => r.1 = e,
            _ => ranges.push((s, e, loc.line)),
        }
    }
    let mut out = Vec::new();
    let mut prev = firstlineno as i64;
    for (s, e, line) in ranges {
        let mut bdelta = e - s;
        if bdelta == 0 {
            continue;
        }
        let mut ldelta: i64;
        match line {
            None => ldelta = -128,
            Some(l) => {
                ldelta = l as i64 - prev;
                prev = l as i64;
                while ldelta > 127 {
                    out.extend_from_slice(&[0, 127]);
                    ldelta -= 127;
                }
                while ldelta < -127 {
                    out.extend_from_slice(&[0, (-127i8) as u8]);
                    ldelta += 127;
                }
            }
        }
        while bdelta > 254 {
            out.extend_from_slice(&[254, ldelta as i8 as u8]);
            ldelta = if line.is_none() { -128 } else { 0 };
            bdelta -= 254;
        }
        out.extend_from_slice(&[bdelta as u8, ldelta as i8 as u8]);
    }
    out
}

fn varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 64 {
        out.push(64 | (v & 63) as u8);
        v >>= 6;
    }
    out.push(v as u8);
}

fn svarint(out: &mut Vec<u8>, v: i32) {
    if v < 0 {
        varint(out, ((v.unsigned_abs()) << 1) | 1);
    } else {
        varint(out, (v as u32) << 1);
    }
}

/// 3.11+ location table: the long form (code 14) for positioned entries,
/// code 15 for "no location", at most 8 code units per entry.
pub fn locations_311(spans: &[(usize, usize, Loc)], firstlineno: i32) -> Vec<u8> {
    let mut runs: Vec<(usize, Loc)> = Vec::new(); // (code units, loc)
    for &(s, e, loc) in spans {
        let units = (e - s) / 2;
        match runs.last_mut() {
            Some(r) if r.1 == loc => r.0 += units,
            _ => runs.push((units, loc)),
        }
    }
    let mut out = Vec::new();
    let mut prev = firstlineno;
    for (mut units, loc) in runs {
        while units > 0 {
            let n = units.min(8);
            units -= n;
            match loc.line {
                None => out.push(0x80 | (15 << 3) | (n as u8 - 1)),
                Some(line) => {
                    out.push(0x80 | (14 << 3) | (n as u8 - 1));
                    svarint(&mut out, line.wrapping_sub(prev));
                    prev = line;
                    let end_line = loc.end_line.unwrap_or(line);
                    varint(&mut out, end_line.wrapping_sub(line).max(0) as u32);
                    varint(&mut out, loc.col.map_or(0, |c| (c + 1).max(0) as u32));
                    varint(&mut out, loc.end_col.map_or(0, |c| (c + 1).max(0) as u32));
                }
            }
        }
    }
    out
}

fn exc_varint(out: &mut Vec<u8>, v: u64, first: bool) {
    let mut chunks = vec![(v & 63) as u8];
    let mut rest = v >> 6;
    while rest > 0 {
        chunks.push((rest & 63) as u8);
        rest >>= 6;
    }
    chunks.reverse();
    let n = chunks.len();
    for (k, c) in chunks.into_iter().enumerate() {
        let mut b = c;
        if k + 1 < n {
            b |= 64;
        }
        if k == 0 && first {
            b |= 128;
        }
        out.push(b);
    }
}

/// 3.11+ exception table from per-instruction rows (start, end, handler as
/// (target offset, depth, lasti)); neighbours with the same handler merge.
pub fn exception_table(rows: &[(usize, usize, Option<(usize, u32, bool)>)]) -> Vec<u8> {
    let mut entries: Vec<(usize, usize, (usize, u32, bool))> = Vec::new();
    for &(s, e, h) in rows {
        let Some(h) = h else { continue };
        match entries.last_mut() {
            Some(last) if last.1 == s && last.2 == h => last.1 = e,
            _ => entries.push((s, e, h)),
        }
    }
    let mut out = Vec::new();
    for (s, e, (t, depth, lasti)) in entries {
        exc_varint(&mut out, (s / 2) as u64, true);
        exc_varint(&mut out, ((e - s) / 2) as u64, false);
        exc_varint(&mut out, (t / 2) as u64, false);
        exc_varint(&mut out, ((depth as u64) << 1) | lasti as u64, false);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyctrace_bytecode::{parse_exception_table, LineTable};

    fn l(line: i32) -> Loc {
        Loc {
            line: Some(line),
            ..Loc::default()
        }
    }

    #[test]
    fn lnotab_round_trip() {
        let v = PyVersion::new(3, 8);
        let spans = vec![
            (0, 2, l(1)),
            (2, 4, l(400)),
            (600, 602, l(3)),
            (602, 604, l(3)),
        ];
        let t = lnotab(&spans, 1, v);
        let starts = LineTable::new(v, &t, 1, 604).line_starts();
        assert_eq!(starts, vec![(0, Some(1)), (2, Some(400)), (600, Some(3))]);
    }

    #[test]
    fn linetable_310_round_trip() {
        let v = PyVersion::new(3, 10);
        let spans = vec![
            (0, 2, l(5)),
            (2, 600, Loc::default()),
            (600, 602, l(300)),
            (602, 604, l(2)),
        ];
        let t = linetable_310(&spans, 1);
        let r = LineTable::new(v, &t, 1, 604).co_lines();
        let got: Vec<_> = r.iter().map(|r| (r.start, r.end, r.line)).collect();
        // long ranges come back split in 254-byte pieces
        assert_eq!(got.first(), Some(&(0, 2, Some(5))));
        assert_eq!(got.last(), Some(&(602, 604, Some(2))));
        assert!(got.iter().any(|x| x.0 == 600 && x.2 == Some(300)));
        assert!(got
            .iter()
            .filter(|x| x.0 >= 2 && x.1 <= 600)
            .all(|x| x.2.is_none()));
    }

    #[test]
    fn locations_round_trip() {
        let v = PyVersion::new(3, 11);
        let a = Loc {
            line: Some(7),
            end_line: Some(8),
            col: Some(4),
            end_col: Some(70),
        };
        let spans = vec![(0, 2, Loc::default()), (2, 20, a), (20, 22, l(3))];
        let t = locations_311(&spans, 5);
        let locs = LineTable::new(v, &t, 5, 22).locations();
        assert_eq!(locs[0].line, None);
        assert_eq!(
            (locs[1].line, locs[1].end_line, locs[1].col, locs[1].end_col),
            (Some(7), Some(8), Some(4), Some(70))
        );
        assert_eq!(locs.last().unwrap().line, Some(3));
        assert_eq!(locs.last().unwrap().col, None);
    }

    #[test]
    fn exception_table_round_trip() {
        let rows = vec![
            (0, 4, None),
            (4, 8, Some((400, 2, true))),
            (8, 10, Some((400, 2, true))),
            (10, 12, Some((20, 0, false))),
        ];
        let t = exception_table(&rows);
        let e = parse_exception_table(&t);
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].start, e[0].end, e[0].target, e[0].depth, e[0].lasti),
            (4, 10, 400, 2, true)
        );
        assert_eq!((e[1].start, e[1].end, e[1].target), (10, 12, 20));
    }
}
