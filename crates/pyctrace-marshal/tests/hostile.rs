//! Hostile input: every case gets a clean error naming the offset (or, in
//! permissive mode, a partial tree with the damage marked); nothing panics,
//! hangs or allocates without bound.

use std::path::Path;

use pyctrace_marshal::oracle::{node_to_json, OracleError};
use pyctrace_marshal::{
    invariants, read_marshal, read_pyc, write_pyc, LoadError, MarshalError, Mode, Obj, PyVersion,
    ReadOptions,
};
use pyctrace_version::HeaderError;

const V311: PyVersion = PyVersion::new(3, 11);

fn real_fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/real")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pyc"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(
        out.len() >= 9,
        "fixtures for 2.7 and 3.6-3.13 are committed"
    );
    out
}

fn strict() -> ReadOptions {
    ReadOptions::default()
}

fn permissive() -> ReadOptions {
    ReadOptions::permissive()
}

fn contains_damage(node: &pyctrace_marshal::Node<'_>) -> bool {
    matches!(node.obj, Obj::Damaged(_)) || node.children().into_iter().any(contains_damage)
}

#[test]
fn real_fixtures_match_their_interpreters_and_round_trip() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
    for (name, bytes) in real_fixtures() {
        let pyc = read_pyc(&bytes, &strict()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(format!("{}.pyc", pyc.version), name);
        assert_eq!(write_pyc(&pyc).unwrap(), bytes, "{name}");
        let expected: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join(name.replace(".pyc", ".expected.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(
            node_to_json(&pyc.root, pyc.version).unwrap(),
            expected,
            "{name}: oracle view"
        );
    }
}

#[test]
fn truncated_at_every_byte() {
    for (name, bytes) in real_fixtures() {
        let header_len = read_pyc(&bytes, &strict()).unwrap().header_bytes.len();
        for cut in 0..bytes.len() {
            let data = &bytes[..cut];
            let err = read_pyc(data, &strict()).expect_err("a truncated file is rejected");
            assert!(
                err.offset() <= cut,
                "{name} cut at {cut}: offset {} past the end",
                err.offset()
            );
            if cut < header_len {
                assert!(
                    matches!(err, LoadError::Header(_)),
                    "{name} cut at {cut}: {err}"
                );
                continue;
            }
            assert!(
                matches!(err, LoadError::Marshal(MarshalError::Eof { .. })),
                "{name} cut at {cut}: expected end-of-data, got {err}"
            );
            let partial = read_pyc(data, &permissive()).expect("permissive keeps what it read");
            assert!(
                contains_damage(&partial.root),
                "{name} cut at {cut}: damage is marked in the tree"
            );
            assert_eq!(
                partial.problems[0].offset(),
                err.offset(),
                "both modes name the same offset"
            );
        }
    }
}

#[test]
fn declared_lengths_of_2_pow_31() {
    // Every length-prefixed type, declaring i32::MAX or a negative size, in
    // a few bytes: rejected at once, nothing allocated for the claim.
    for code in [b's', b'u', b'a', b'(', b'[', b'<', b'>', b'l'] {
        for size in [i32::MAX, i32::MIN, -1, 1 << 30] {
            if code == b'l' && size == -1 {
                continue; // a negative size is a negative long: valid
            }
            let mut data = vec![code];
            data.extend_from_slice(&size.to_le_bytes());
            data.extend_from_slice(b"xyz");
            let err = read_marshal(&data, V311, &strict())
                .expect_err(&format!("{} with size {size} is rejected", code as char));
            assert!(
                matches!(
                    err,
                    LoadError::Marshal(MarshalError::Eof { .. } | MarshalError::BadSize { .. })
                ),
                "{} size {size}: {err}",
                code as char
            );
            assert!(err.offset() <= data.len());
        }
    }
}

#[test]
fn nesting_a_million_deep() {
    for opener in [
        &[b'(', 1, 0, 0, 0][..],
        &[b')', 1],
        &[b'[', 1, 0, 0, 0],
        &[b'{'],
    ] {
        let data: Vec<u8> = opener
            .iter()
            .copied()
            .cycle()
            .take(opener.len() * 1_000_000)
            .collect();
        let err = read_marshal(&data, V311, &strict()).expect_err("too deep");
        match err {
            LoadError::Marshal(MarshalError::TooDeep { offset, limit }) => {
                assert_eq!(limit, 2000);
                assert_eq!(
                    offset,
                    opener.len() * 2000,
                    "the first object past the limit"
                );
            }
            other => panic!("expected TooDeep, got {other}"),
        }
        let partial = read_marshal(&data, V311, &permissive()).expect("permissive");
        assert!(contains_damage(&partial.root));
    }
}

#[test]
fn refs_to_slots_not_yet_filled() {
    // A flagged frozenset whose element refers to the frozenset itself:
    // CPython reserves its slot until it is complete, so the ref is invalid.
    let data = [b'>' | 0x80, 1, 0, 0, 0, b'r', 0, 0, 0, 0];
    let err = read_marshal(&data, V311, &strict()).expect_err("invalid");
    assert!(
        matches!(
            err,
            LoadError::Marshal(MarshalError::BadRef {
                offset: 6,
                index: 0,
                ..
            })
        ),
        "{err}"
    );
    // An index past every slot so far.
    let data = [b'(', 2, 0, 0, 0, b'N', b'r', 5, 0, 0, 0];
    let err = read_marshal(&data, V311, &strict()).expect_err("invalid");
    assert!(
        matches!(
            err,
            LoadError::Marshal(MarshalError::BadRef {
                offset: 7,
                index: 5,
                ..
            })
        ),
        "{err}"
    );
    // Singletons never take a slot even when flagged.
    let data = [b'(', 2, 0, 0, 0, b'N' | 0x80, b'r', 0, 0, 0, 0];
    assert!(read_marshal(&data, V311, &strict()).is_err());
    // Permissive mode keeps the tree and records the problem.
    let pyc = read_marshal(&data, V311, &permissive()).expect("kept");
    assert_eq!(pyc.problems.len(), 1);
    assert_eq!(write_pyc(&pyc).unwrap(), data);
    // 2.x string refs must name an interned string already read.
    let data = [b'(', 2, 0, 0, 0, b't', 1, 0, 0, 0, b'a', b'R', 1, 0, 0, 0];
    let err =
        read_marshal(&data, PyVersion::new(2, 7), &strict()).expect_err("only one interned string");
    assert_eq!(err.offset(), 12);
}

#[test]
fn ref_cycles_are_read_written_and_detected() {
    // A tuple that contains itself: CPython registers tuples before their
    // items, so this loads there too. Ours reads it, writes it back, and
    // the resolved view reports the cycle instead of recursing forever.
    let data = [b'(' | 0x80, 1, 0, 0, 0, b'r', 0, 0, 0, 0];
    let pyc = read_marshal(&data, V311, &strict()).expect("valid marshal");
    assert_eq!(write_pyc(&pyc).unwrap(), data);
    assert_eq!(node_to_json(&pyc.root, V311), Err(OracleError::Cycle(0)));
}

#[test]
fn exponential_ref_expansion_is_bounded() {
    // A list of t0 = (N, N) and t(k+1) = (r k, r k) for k < 40: each tuple
    // refers to the complete one before it, so t40 expands to 2^40 objects.
    let mut list = vec![b'[', 41, 0, 0, 0, b'(' | 0x80, 2, 0, 0, 0, b'N', b'N'];
    for k in 0..40u32 {
        list.extend_from_slice(&[b'(' | 0x80, 2, 0, 0, 0, b'r']);
        list.extend_from_slice(&k.to_le_bytes());
        list.push(b'r');
        list.extend_from_slice(&k.to_le_bytes());
    }
    let pyc = read_marshal(&list, V311, &strict()).expect("valid");
    assert_eq!(write_pyc(&pyc).unwrap(), list);
    assert!(matches!(
        node_to_json(&pyc.root, V311),
        Err(OracleError::TooLarge(_))
    ));
}

#[test]
fn object_count_is_capped() {
    // A list claiming 3 million items, all present: within limits by
    // default, rejected with a small cap, and the offset says where.
    let n = 3_000_000u32;
    let mut data = vec![b'['];
    data.extend_from_slice(&n.to_le_bytes());
    data.extend(std::iter::repeat_n(b'N', n as usize));
    let options = ReadOptions {
        max_objects: 1_000_000,
        ..strict()
    };
    let err = read_marshal(&data, V311, &options).expect_err("capped");
    assert!(
        matches!(err, LoadError::Marshal(MarshalError::TooManyObjects { offset, .. }) if offset == 5 + 999_999)
    );
    assert!(read_marshal(&data, V311, &strict()).is_ok());
}

#[test]
fn wrong_magic_bad_suffix_and_flags() {
    let (_, bytes) = real_fixtures()
        .into_iter()
        .find(|(n, _)| n == "3.11.pyc")
        .unwrap();
    let mut bad = bytes.clone();
    bad[0] = 0x42;
    bad[1] = 0x42;
    let err = read_pyc(&bad, &strict()).unwrap_err();
    assert!(matches!(
        err,
        LoadError::Header(HeaderError::UnknownMagic { magic: 0x4242, .. })
    ));
    assert_eq!(err.offset(), 0);
    let mut bad = bytes.clone();
    bad[2] = b'\n';
    assert_eq!(read_pyc(&bad, &strict()).unwrap_err().offset(), 2);
    let mut bad = bytes.clone();
    bad[4] = 0x04;
    assert_eq!(read_pyc(&bad, &strict()).unwrap_err().offset(), 4);
    // A foreign magic can be overridden when the user knows better.
    let mut bad = bytes.clone();
    bad[0] = 0x42;
    let forced = pyctrace_marshal::read_pyc_as(&bad, V311, &strict()).expect("forced 3.11");
    assert_eq!(write_pyc(&forced).unwrap(), bad);
}

#[test]
fn trailing_garbage_is_kept_and_reported() {
    for (name, bytes) in real_fixtures() {
        let mut data = bytes.clone();
        data.extend_from_slice(b"\xde\xad\xbe\xef hidden payload");
        let pyc = read_pyc(&data, &strict()).expect("CPython ignores trailing bytes; so do we");
        assert_eq!(pyc.trailing_offset, bytes.len(), "{name}");
        assert_eq!(&pyc.trailing[..], b"\xde\xad\xbe\xef hidden payload");
        assert_eq!(write_pyc(&pyc).unwrap(), data, "{name}: kept byte for byte");
    }
}

#[test]
fn random_type_codes() {
    // Every byte value as a type code, followed by a little data.
    for version in [
        PyVersion::new(2, 7),
        PyVersion::new(3, 3),
        V311,
        PyVersion::new(3, 14),
    ] {
        for code in 0..=255u8 {
            let data = [code, 1, 0, 0, 0, b'N', b'N', b'N', b'N', b'N'];
            match read_marshal(&data, version, &strict()) {
                Ok(pyc) => assert_eq!(write_pyc(&pyc).unwrap(), data, "trailing bytes included"),
                Err(err) => assert!(err.offset() <= data.len()),
            }
            let _ = read_marshal(&data, version, &permissive()).expect("permissive never fails");
        }
    }
}

#[test]
fn permissive_mode_is_lenient_only_where_asked() {
    // Unnormalised long (top digit zero) and bad UTF-8: CPython rejects both.
    let long = [b'l', 2, 0, 0, 0, 1, 0, 0, 0];
    let text = [b'u', 2, 0, 0, 0, 0xff, 0xfe];
    for data in [&long[..], &text[..]] {
        assert!(read_marshal(data, V311, &strict()).is_err());
        let pyc = read_marshal(data, V311, &permissive()).unwrap();
        assert_eq!(pyc.problems.len(), 1);
        assert!(!contains_damage(&pyc.root), "the object itself is intact");
        assert_eq!(write_pyc(&pyc).unwrap(), data);
    }
    // Lone surrogates are what surrogatepass accepts.
    let surrogate = [b'u', 3, 0, 0, 0, 0xed, 0xa0, 0x80];
    assert!(read_marshal(&surrogate, V311, &strict()).is_ok());
    assert_eq!(Mode::default(), Mode::Strict);
}

/// xorshift64*: small, deterministic, good enough to drive mutations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn fuzz_mutations_of_real_files() {
    // The same properties the cargo-fuzz target checks, a few thousand times.
    let seeds = real_fixtures();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let iterations = std::env::var("PYCTRACE_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    for _ in 0..iterations {
        let (_, seed) = &seeds[rng.below(seeds.len())];
        let mut data = seed.clone();
        for _ in 0..=rng.below(8) {
            match rng.below(5) {
                0 => {
                    let i = rng.below(data.len());
                    data[i] = rng.next() as u8;
                }
                1 => {
                    let i = rng.below(data.len());
                    data[i] ^= 1 << rng.below(8);
                }
                2 => {
                    let i = rng.below(data.len());
                    data.truncate(i.max(1));
                }
                3 if data.len() >= 4 => {
                    // Interesting 32-bit values where lengths live.
                    let i = rng.below(data.len() - 3);
                    let v: u32 = [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 255][rng.below(6)];
                    data[i..i + 4].copy_from_slice(&v.to_le_bytes());
                }
                _ => {
                    let i = rng.below(data.len());
                    let j = rng.below(data.len());
                    let chunk = data[i.min(j)..i.max(j)].to_vec();
                    data.splice(i..i, chunk);
                }
            }
        }
        invariants::check(&data);
    }
}

#[test]
fn fuzz_random_bytes() {
    let mut rng = Rng(12345);
    for _ in 0..3000 {
        let len = rng.below(200);
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        invariants::check(&data);
    }
}

#[test]
fn deepest_accepted_tree_fits_a_small_stack() {
    // Reading is iterative; writing, the oracle view and dropping recurse.
    // A tree at the depth limit must still fit in 1 MiB of stack.
    let mut data = Vec::new();
    for _ in 0..1999 {
        data.extend_from_slice(&[b'(', 1, 0, 0, 0]);
    }
    data.push(b'N');
    let ok = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            let pyc = read_marshal(&data, V311, &strict()).expect("2000 levels are allowed");
            assert_eq!(write_pyc(&pyc).unwrap(), data);
            let _ = node_to_json(&pyc.root, V311);
            drop(pyc);
        })
        .unwrap()
        .join()
        .is_ok();
    assert!(ok);
}
