//! `repr(float)` must be CPython's: tricky values and random bit patterns,
//! with the expected text produced by the real interpreter.

mod common;

use pyctrace_vm::types::float::repr;

const PY: &str = r#"
import struct, random, sys
vals = [0.1, 0.2, 0.1 + 0.2, 1/3, 2/3, 1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5, 0.0001234,
        5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 123456789012345678.0,
        9007199254740993.0, 1e22, 1e23, 1.5e300 * 10, 2 ** 0.5, 100.0, 12.0, 1e100, 0.5, -0.0, 0.0,
        float('inf'), -float('inf'), float('nan'), 3.14159, 2.675, 1.005, 4.35, 0.3, 1234.5678e10,
        123456789.0 * 1000, 1e-7, 9.999999999999999e-5, 0.00009999999999999999]
r = random.Random(12345)
for _ in range(3000):
    vals.append(struct.unpack('<d', struct.pack('<Q', r.getrandbits(64)))[0])
for _ in range(1000):
    vals.append(r.uniform(-1e6, 1e6))
for v in vals:
    print(struct.unpack('<Q', struct.pack('<d', v))[0], repr(v))
"#;

#[test]
fn float_repr_matches_cpython() {
    let Some(interp) = common::interpreters().into_iter().last() else {
        eprintln!("no CPython installed: float repr test skipped");
        return;
    };
    let out = common::run_python(&interp, PY, &[]);
    let mut checked = 0;
    let mut bad = Vec::new();
    for line in out.lines() {
        let (bits, expected) = line.split_once(' ').expect("bits repr");
        let x = f64::from_bits(bits.parse().expect("bits"));
        let got = repr(x);
        if got != expected {
            bad.push(format!(
                "{:#018x}: vm {} / cpython {}",
                x.to_bits(),
                got,
                expected
            ));
        }
        checked += 1;
    }
    println!(
        "{} float reprs checked against CPython {}",
        checked, interp.full_version
    );
    assert!(
        bad.is_empty(),
        "{} mismatches, first: {:?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );
}
