//! Arbitrary code strings (first byte picks the version, second splits off
//! an exception table) through CFG + passes + assembler: never a panic, and
//! whatever is assembled passes the verifier.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyctrace_deobf::passes::ConstVal;
use pyctrace_deobf::{rebuild, Options, RebuildError};
use pyctrace_version::PyVersion;

const VERSIONS: [(u8, u8); 9] = [
    (2, 7),
    (3, 6),
    (3, 7),
    (3, 8),
    (3, 9),
    (3, 10),
    (3, 11),
    (3, 12),
    (3, 13),
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let (a, b) = VERSIONS[data[0] as usize % VERSIONS.len()];
    let split = (data[1] as usize).min(data.len() - 2);
    let exc = &data[2..2 + split];
    let code = &data[2 + split..];
    let consts = [ConstVal::Int(1), ConstVal::Int(2), ConstVal::Other];
    if let Err(RebuildError::Verifier(p)) = rebuild(
        code,
        PyVersion::new(a, b),
        exc,
        &[],
        1,
        &consts,
        &Options::default(),
        10,
    ) {
        panic!("assembler output fails the verifier: {p:?}");
    }
});
