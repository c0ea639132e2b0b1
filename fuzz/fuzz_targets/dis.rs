//! Any bytes as a .pyc read permissively, then disassembled in every text
//! mode and as JSON; and the same bytes as raw code of every version through
//! the decoder. Nothing may panic or hang.
#![no_main]
use pyctrace_dis::{TextOptions, Unreachable};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(pyc) = pyctrace_marshal::read_pyc(data, &pyctrace_marshal::ReadOptions::permissive()) {
        let dis = pyctrace_dis::disassemble_pyc(&pyc);
        for unreachable in [Unreachable::Show, Unreachable::Mark, Unreachable::Hide] {
            let opts = TextOptions { unreachable, ..TextOptions::default() };
            let _ = pyctrace_dis::to_text(&dis, &opts);
        }
        let _ = pyctrace_dis::to_json(&dis);
    }
    for minor in [6u8, 8, 10, 11, 12, 13, 14] {
        let version = pyctrace_version::PyVersion::new(3, minor);
        for ins in pyctrace_bytecode::instructions(data, version) {
            let _ = ins.jump_target(data.len());
        }
    }
});
