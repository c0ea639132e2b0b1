//! Random bytes through every parser of every version: no panic, decoding
//! ends and covers every byte.

use pyctrace_bytecode::{
    instructions, line_ranges, line_starts, op_table, parse_exception_table, LineTable, PyVersion,
};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn versions() -> Vec<PyVersion> {
    let mut v = vec![
        PyVersion::new(1, 5),
        PyVersion::new(2, 5),
        PyVersion::new(2, 7),
    ];
    v.extend((0..=14).map(|m| PyVersion::new(3, m)));
    v
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut decoded = 0usize;
    for iter in 0..4000 {
        let len = (rng.next() % 301) as usize;
        let mut buf: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if iter % 4 == 0 {
            // bias towards EXTENDED_ARG chains and continuation bits
            for (i, b) in buf.iter_mut().enumerate() {
                if i % 3 == 0 {
                    *b |= 0xC0;
                }
            }
        }
        let first = (rng.next() % 2000) as i32 - 1000;
        for v in versions() {
            let mut covered = 0usize;
            let mut count = 0usize;
            for ins in instructions(&buf, v) {
                assert_eq!(ins.offset, covered, "{v}: gap at {covered}");
                assert!(ins.size_in_bytes > 0);
                covered = ins.end_offset();
                let _ = ins.raw_jump_target();
                let _ = ins.jump_target(buf.len());
                let _ = ins.dis_arg();
                count += 1;
                assert!(count <= buf.len(), "{v}: more items than bytes");
            }
            assert_eq!(covered, buf.len(), "{v}: not every byte covered");
            decoded += count;
            let _ = line_starts(v, &buf, first, len);
            let _ = line_ranges(v, &buf, first, len);
            let _ = LineTable::new(v, &buf, i32::MAX - 3, len).locations();
            let _ = line_starts(v, &buf, i32::MIN + 3, usize::MAX);
            let _ = parse_exception_table(&buf);
        }
    }
    assert!(decoded > 0);
    // every table is present
    for v in versions().into_iter().skip(2) {
        assert!(op_table(v).is_some(), "{v}");
    }
}
