//! Random and mutated bytecode under an instruction limit must never panic
//! or hang: the VM ends with a result, a Python exception, or a clean error.

mod common;

use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn run_one(bytes: &[u8]) -> Duration {
    let start = Instant::now();
    if let Ok(pyc) = pyctrace_marshal::read_pyc(bytes, &Default::default()) {
        let mut io = pyctrace_vm::BufferIo::default();
        let config = pyctrace_vm::VmConfig {
            max_instructions: Some(20_000),
            max_memory: 64 << 20,
            ..Default::default()
        };
        let r = pyctrace_vm::run(&pyc, &config, &mut io);
        if let Err(e) = &r {
            assert!(!e.to_string().contains("panicked"), "vm panicked: {}", e);
        }
    }
    start.elapsed()
}

#[test]
fn mutated_bytecode_never_panics_or_hangs() {
    let interps = common::interpreters();
    if interps.is_empty() {
        eprintln!("no CPython installed: fuzz seeds unavailable, test skipped");
        return;
    }
    let scratch = common::scratch_dir("fuzz");
    let mut seeds = Vec::new();
    for interp in &interps {
        for p in [
            "control.py",
            "functions.py",
            "exceptions.py",
            "generators.py",
            "classes.py",
        ] {
            seeds.push(common::compile(
                interp,
                &common::programs_dir().join(p),
                &scratch,
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut runs = 0;
    let mut slowest = Duration::ZERO;
    let iterations = std::env::var("VM_FUZZ_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    for _ in 0..iterations {
        let seed = &seeds[rng.below(seeds.len())];
        let mut b = seed.clone();
        // mutate a few bytes past the header: opcodes, arguments, constants, tables
        for _ in 0..1 + rng.below(8) {
            let i = 16 + rng.below(b.len() - 16);
            b[i] = match rng.below(3) {
                0 => rng.next() as u8,
                1 => b[i].wrapping_add(1),
                _ => b[i] ^ (1 << rng.below(8)),
            };
        }
        slowest = slowest.max(run_one(&b));
        runs += 1;
    }
    println!("{} mutated programs run, slowest {:?}", runs, slowest);
    assert!(
        slowest < Duration::from_secs(10),
        "a mutated program ran for {:?}",
        slowest
    );
}
