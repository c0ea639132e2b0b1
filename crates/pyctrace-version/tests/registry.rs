//! The magic-number registry and `.pyc` header parsing, checked against the
//! interpreters installed here (when there are any), the hand-built legacy
//! fixtures, and numbers read off CPython's magic table.

use std::path::{Path, PathBuf};
use std::process::Command;

use pyctrace_version::{
    header_len, lookup_magic, parse_header, release_magic, HeaderError, PyVersion, PycKind, MAGICS,
};

fn v(major: u8, minor: u8) -> PyVersion {
    PyVersion::new(major, minor)
}

// ---------------------------------------------------------------------------
// Installed interpreters

/// `(X.Y.Z, bin/python)` of every installed interpreter, found through the
/// project's one discovery helper, which also reports what was used.
fn installed_pythons() -> Vec<(String, PathBuf)> {
    let found = pyctrace_pythons::installed();
    pyctrace_pythons::announce("magic registry", &found.iter().collect::<Vec<_>>());
    found
        .into_iter()
        .map(|i| (i.full_version, i.executable))
        .collect()
}

/// Asks the interpreter for the magic it writes (works on 2.7 and 3.x).
fn interpreter_magic(python: &Path) -> Option<[u8; 4]> {
    const SNIPPET: &str = "import sys\n\
        try:\n    import importlib.util as u; m = u.MAGIC_NUMBER\n\
        except Exception:\n    import imp; m = imp.get_magic()\n\
        sys.stdout.write(' '.join(str(b) for b in bytearray(m)))\n";
    let out = Command::new(python).args(["-c", SNIPPET]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let bytes: Vec<u8> = text
        .split_whitespace()
        .filter_map(|b| b.parse().ok())
        .collect();
    bytes.try_into().ok()
}

#[test]
fn installed_interpreters_magic_maps_to_their_release() {
    let pythons = installed_pythons();
    if pythons.is_empty() {
        println!("no pyenv interpreters found (PYENV_ROOT, ~/.pyenv): skipped");
        return;
    }
    let mut used = Vec::new();
    for (name, python) in pythons {
        let Some(bytes) = interpreter_magic(&python) else {
            println!(
                "{name}: could not ask {} for its magic: skipped",
                python.display()
            );
            continue;
        };
        let version = PyVersion::parse(&name).unwrap();
        let magic = u16::from_le_bytes([bytes[0], bytes[1]]);
        assert_eq!(&bytes[2..], b"\r\n", "{name}: magic suffix");
        let info = lookup_magic(magic).unwrap_or_else(|| panic!("{name}: magic {magic} unknown"));
        assert_eq!(info.version, version, "{name}: magic {magic}");
        let patch: u32 = name
            .split('.')
            .nth(2)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        if version == v(3, 5) && patch >= 3 {
            // 3.5.3+ moved to 3351 (bpo-27286); the 3.5.0 number stays the release one.
            assert_eq!(magic, 3351, "{name}");
            assert!(!info.is_release, "{name}");
        } else {
            assert!(
                info.is_release,
                "{name}: magic {magic} ({}) should be the release number",
                info.label
            );
            assert_eq!(release_magic(version), Some(magic), "{name}");
        }
        // A header built from the interpreter's own magic parses to its version.
        let mut header = bytes.to_vec();
        header.resize(version.header_len(), 0);
        let parsed = parse_header(&header).unwrap();
        assert_eq!(parsed.version, version);
        used.push(format!("{name}={magic}"));
    }
    println!("interpreters checked: {}", used.join(", "));
}

// ---------------------------------------------------------------------------
// Registry facts

#[test]
fn spot_checks_from_cpython_table() {
    let cases: &[(u16, PyVersion, &str, bool)] = &[
        (20121, v(1, 5), "1.5", true),
        (50428, v(1, 6), "1.6", true),
        (50823, v(2, 0), "2.0", true),
        (60202, v(2, 1), "2.1", true),
        (60717, v(2, 2), "2.2", true),
        (62011, v(2, 3), "2.3a0", true),
        (62021, v(2, 3), "2.3a0", false),
        (62041, v(2, 4), "2.4a0", false),
        (62061, v(2, 4), "2.4b1", true),
        (62092, v(2, 5), "2.5a0", false),
        (62131, v(2, 5), "2.5c2", true),
        (62151, v(2, 6), "2.6a0", false),
        (62161, v(2, 6), "2.6a1", true),
        (62171, v(2, 7), "2.7a0", false),
        (62211, v(2, 7), "2.7a0", true),
        (3000, v(3, 0), "3000", false),
        (3061, v(3, 0), "3000", false),
        (3103, v(3, 0), "3000", false),
        (3111, v(3, 0), "3.0a4", false),
        (3131, v(3, 0), "3.0b1", true),
        (3151, v(3, 1), "3.1a1", true),
        (3180, v(3, 2), "3.2a3", true),
        (3210, v(3, 3), "3.3a1", false),
        (3230, v(3, 3), "3.3a4", true),
        (3310, v(3, 4), "3.4rc2", true),
        (3350, v(3, 5), "3.5b3", true),
        (3351, v(3, 5), "3.5.2", false),
        (3379, v(3, 6), "3.6rc1", true),
        (3392, v(3, 7), "3.7a4", false),
        (3394, v(3, 7), "3.7b5", true),
        (3413, v(3, 8), "3.8b4", true),
        (3425, v(3, 9), "3.9a2", true),
        (3439, v(3, 10), "3.10b1", true),
        (3450, v(3, 11), "3.11a1", false),
        (3495, v(3, 11), "3.11b4", true),
        (3531, v(3, 12), "3.12b1", true),
        (3571, v(3, 13), "3.13b1", true),
        (3600, v(3, 14), "3.14a1", false),
        (3609, v(3, 14), "3.14a2", false),
        (3624, v(3, 14), "3.14b1", false),
        (3626, v(3, 14), "3.14rc2", false),
        (3627, v(3, 14), "3.14rc3", true),
    ];
    for &(magic, version, label, is_release) in cases {
        let info = lookup_magic(magic).unwrap_or_else(|| panic!("{magic} missing"));
        assert_eq!(
            (info.version, info.label, info.is_release),
            (version, label, is_release),
            "{magic}"
        );
    }
    for unknown in [
        0, 1, 2999, 3001, 3374, 3440, 3499, 3572, 3628, 3650, 20122, 62212, 0xffff,
    ] {
        assert!(
            lookup_magic(unknown).is_none(),
            "{unknown} should be unknown"
        );
    }
}

#[test]
fn registry_invariants() {
    // Unique, sorted within each major version, majors in order.
    for pair in MAGICS.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        assert!(
            a.version.major <= b.version.major,
            "{} before {}",
            a.magic,
            b.magic
        );
        if a.version.major == b.version.major {
            assert!(
                a.magic < b.magic,
                "{} before {} (sorted, unique)",
                a.magic,
                b.magic
            );
        }
    }
    let mut seen = std::collections::HashSet::new();
    for info in MAGICS {
        assert!(seen.insert(info.magic), "{} listed twice", info.magic);
        assert!(info.version.is_known(), "{}: {}", info.magic, info.version);
        // Labels name the release line ("3.1a1" for 3.1 but not for 3.10),
        // except the py3k development numbers labelled "3000".
        if info.label != "3000" {
            let line = info.version.to_string();
            let rest = info.label.strip_prefix(line.as_str());
            let ok = matches!(rest, Some(r) if !r.starts_with(|c: char| c.is_ascii_digit()));
            assert!(ok, "{}: label {} vs {}", info.magic, info.label, line);
        } else {
            assert_eq!(info.version, v(3, 0));
        }
    }
    // Exactly one release number per known line, 1.5 to 3.14.
    let lines: Vec<PyVersion> = (5..=6)
        .map(|m| v(1, m))
        .chain((0..=7).map(|m| v(2, m)))
        .chain((0..=14).map(|m| v(3, m)))
        .collect();
    for line in lines {
        let releases: Vec<u16> = MAGICS
            .iter()
            .filter(|i| i.version == line && i.is_release)
            .map(|i| i.magic)
            .collect();
        assert_eq!(releases.len(), 1, "{line}: release numbers {releases:?}");
        assert_eq!(release_magic(line), Some(releases[0]));
        // The release number is the newest of its line, except 2.3 (back to 62011
        // after 62021, the table's "(!)") and 3.5 (3351 came in 3.5.3).
        let newest = MAGICS
            .iter()
            .filter(|i| i.version == line)
            .map(|i| i.magic)
            .max()
            .unwrap();
        if line != v(2, 3) && line != v(3, 5) {
            assert_eq!(releases[0], newest, "{line}");
        }
    }
    assert_eq!(release_magic(v(3, 15)), None);
    let counts = |major| MAGICS.iter().filter(|i| i.version.major == major).count();
    println!(
        "magic numbers: 1.x {}, 2.x {}, 3.x {}",
        counts(1),
        counts(2),
        counts(3)
    );
    assert_eq!((counts(1), counts(2), counts(3)), (2, 23, 203));
}

// ---------------------------------------------------------------------------
// Fixture headers

const FIXTURE_MTIME: u32 = 1_700_000_000;
const FIXTURE_SOURCE_SIZE: u32 = 58;

fn legacy_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../pyctrace-marshal/tests/fixtures/legacy")
        .join(format!("{name}.pyc"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn legacy_fixture_headers() {
    let cases = [
        ("3.0", v(3, 0), 3131, 8),
        ("3.1", v(3, 1), 3151, 8),
        ("3.2", v(3, 2), 3180, 8),
        ("3.3", v(3, 3), 3230, 12),
        ("3.4", v(3, 4), 3310, 12),
        ("3.5", v(3, 5), 3351, 12),
        ("3.14", v(3, 14), 3627, 16),
    ];
    for (name, version, magic, len) in cases {
        let bytes = legacy_fixture(name);
        let h = parse_header(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((h.magic, h.version, h.len), (magic, version, len), "{name}");
        assert_eq!(header_len(version), len);
        let source_size = (len >= 12).then_some(FIXTURE_SOURCE_SIZE);
        assert_eq!(
            h.kind,
            PycKind::Timestamp {
                mtime: FIXTURE_MTIME,
                source_size
            },
            "{name}"
        );
        assert_eq!(h.flags, (len == 16).then_some(0), "{name}");
        // The body starts with a code object: 'c', with FLAG_REF from 3.4 on.
        let expected_type = if version.at_least(3, 4) { 0xe3 } else { b'c' };
        assert_eq!(bytes[len], expected_type, "{name}: first body byte");
    }
}

// ---------------------------------------------------------------------------
// Synthetic headers

fn header(magic: u16, rest: &[u8]) -> Vec<u8> {
    let mut h = magic.to_le_bytes().to_vec();
    h.extend_from_slice(b"\r\n");
    h.extend_from_slice(rest);
    h
}

#[test]
fn hash_based_headers() {
    let hash = [1, 2, 3, 4, 5, 6, 7, 8];
    for magic in [3392, 3394, 3495, 3627] {
        let mut rest = 1u32.to_le_bytes().to_vec();
        rest.extend_from_slice(&hash);
        let h = parse_header(&header(magic, &rest)).unwrap();
        assert_eq!(h.flags, Some(1));
        assert_eq!(
            h.kind,
            PycKind::Hash {
                checked: false,
                hash
            }
        );
        assert_eq!(h.len, 16);

        rest[0] = 3;
        let h = parse_header(&header(magic, &rest)).unwrap();
        assert_eq!(h.flags, Some(3));
        assert_eq!(
            h.kind,
            PycKind::Hash {
                checked: true,
                hash
            }
        );

        // Bit 1 alone (check_source without the hash bit) is a timestamp pyc.
        rest[0] = 2;
        let h = parse_header(&header(magic, &rest)).unwrap();
        assert_eq!(h.flags, Some(2));
        assert_eq!(
            h.kind,
            PycKind::Timestamp {
                mtime: u32::from_le_bytes([1, 2, 3, 4]),
                source_size: Some(u32::from_le_bytes([5, 6, 7, 8])),
            }
        );
    }
}

#[test]
fn header_lengths_by_era() {
    let two_seven = parse_header(&header(62211, &[9, 0, 0, 0])).unwrap();
    assert_eq!((two_seven.len, two_seven.flags), (8, None));
    assert_eq!(
        two_seven.kind,
        PycKind::Timestamp {
            mtime: 9,
            source_size: None
        }
    );
    let one_five = parse_header(&header(20121, &[1, 0, 0, 0])).unwrap();
    assert_eq!((one_five.version, one_five.len), (v(1, 5), 8));
    let three_six = parse_header(&header(3379, &[1, 0, 0, 0, 2, 0, 0, 0])).unwrap();
    assert_eq!(
        three_six.kind,
        PycKind::Timestamp {
            mtime: 1,
            source_size: Some(2)
        }
    );
    // An old alpha number gets its line's layout: 3.7a1 (3390) predates PEP 552
    // (3392) but the 3.7 line reads 16-byte headers.
    assert_eq!(parse_header(&header(3390, &[0; 12])).unwrap().len, 16);
}

#[test]
fn header_errors() {
    // Unknown magic, reported with the four bytes.
    assert_eq!(
        parse_header(&header(0x1234, &[0; 12])),
        Err(HeaderError::UnknownMagic {
            magic: 0x1234,
            bytes: [0x34, 0x12, 0x0d, 0x0a]
        })
    );
    assert!(matches!(
        parse_header(&[0x2b, 0x0e, 0x0a, 0x0d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        Err(HeaderError::BadMagicSuffix([0x0a, 0x0d]))
    ));
    assert_eq!(
        parse_header(&[0x03, 0xf3, 0x0d, 0x00, 0, 0, 0, 0]),
        Err(HeaderError::BadMagicSuffix([0x0d, 0x00]))
    );
    // Undefined PEP 552 flag bits.
    for flags in [4u32, 0x8000_0000, 0xff] {
        let mut rest = flags.to_le_bytes().to_vec();
        rest.extend_from_slice(&[0; 8]);
        assert_eq!(
            parse_header(&header(3627, &rest)),
            Err(HeaderError::BadFlags(flags))
        );
    }
    // Truncated: before the magic is complete, and before the header is.
    assert_eq!(
        parse_header(&[]),
        Err(HeaderError::Truncated { len: 0, need: 4 })
    );
    assert_eq!(
        parse_header(&[0x2b, 0x0e, 0x0d]),
        Err(HeaderError::Truncated { len: 3, need: 4 })
    );
    assert_eq!(
        parse_header(&header(3627, &[0; 6])),
        Err(HeaderError::Truncated { len: 10, need: 16 })
    );
    assert_eq!(
        parse_header(&header(3230, &[0; 4])),
        Err(HeaderError::Truncated { len: 8, need: 12 })
    );
    assert_eq!(
        parse_header(&header(62211, &[0; 2])),
        Err(HeaderError::Truncated { len: 6, need: 8 })
    );
}
