//! Any bytes as a .pyc and as a headerless blob: no panic, exact round trip
//! of whatever a strict read accepts, errors inside the input.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    pyctrace_marshal::invariants::check(data);
});
