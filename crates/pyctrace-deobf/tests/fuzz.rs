//! Random and mutated code objects through CFG + passes + assembler: no
//! panic, and whatever the assembler emits passes the verifier.

use pyctrace_bytecode::PyVersion;
use pyctrace_deobf::passes::ConstVal;
use pyctrace_deobf::{rebuild, Options, RebuildError};
use pyctrace_marshal::refs::RefTable;
use pyctrace_marshal::{read_pyc, CodeField, Node, Obj, ReadOptions};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

type Sample = (PyVersion, Vec<u8>, Vec<u8>, Vec<u8>, i32);

fn collect(
    node: &Node<'_>,
    refs: &RefTable<'_, '_>,
    v: PyVersion,
    out: &mut Vec<Sample>,
    depth: usize,
) {
    if depth > 50 {
        return;
    }
    let Some(node) = refs.resolve(node) else {
        return;
    };
    match &node.obj {
        Obj::Code(code) => {
            let get = |f| {
                code.obj(f)
                    .and_then(|n| refs.resolve(n))
                    .and_then(|n| n.as_str_bytes())
                    .unwrap_or(b"")
                    .to_vec()
            };
            out.push((
                v,
                get(CodeField::Code),
                get(CodeField::ExceptionTable),
                get(CodeField::LineTable),
                code.int(CodeField::FirstLineNo).unwrap_or(1),
            ));
            if let Some(c) = code.obj(CodeField::Consts) {
                collect(c, refs, v, out, depth + 1);
            }
        }
        Obj::Tuple { items, .. } => {
            for it in items {
                collect(it, refs, v, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn check(s: &Sample, consts: &[ConstVal], stats: &mut [usize; 4]) {
    let (v, code, exc, lines, first) = s;
    match rebuild(
        code,
        *v,
        exc,
        lines,
        *first,
        consts,
        &Options::default(),
        10,
    ) {
        Ok(_) => stats[0] += 1,
        Err(RebuildError::Verifier(p)) => {
            panic!("{v}: assembler output fails the verifier: {p:?}\ncode {code:?}")
        }
        Err(RebuildError::Unsupported(_)) => stats[1] += 1,
        Err(RebuildError::Assembler(_)) => stats[2] += 1,
    }
    stats[3] += 1;
}

#[test]
fn random_and_mutated_code_never_breaks_the_pipeline() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/protected");
    let mut seeds: Vec<Sample> = Vec::new();
    for sub in std::fs::read_dir(&dir).unwrap().flatten() {
        if !sub.path().is_dir() {
            continue;
        }
        let mut files: Vec<_> = std::fs::read_dir(sub.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "pyc"))
            .take(3)
        {
            let bytes = std::fs::read(f).unwrap();
            let Ok(pyc) = read_pyc(&bytes, &ReadOptions::default()) else {
                continue;
            };
            let refs = RefTable::build(&pyc.root, pyc.version);
            collect(&pyc.root, &refs, pyc.version, &mut seeds, 0);
        }
    }
    assert!(!seeds.is_empty());
    let consts: Vec<ConstVal> = (0..8)
        .map(|i| {
            if i % 3 == 2 {
                ConstVal::Other
            } else {
                ConstVal::Int(i as i128 * 7 - 3)
            }
        })
        .collect();
    let mut rng = Rng(0x5eed);
    let mut stats = [0usize; 4];
    // unmodified seeds
    for s in &seeds {
        check(s, &consts, &mut stats);
    }
    // mutations
    for _ in 0..3000 {
        let mut s = seeds[rng.below(seeds.len())].clone();
        let n = 1 + rng.below(6);
        for _ in 0..n {
            match rng.below(5) {
                0 | 1 if !s.1.is_empty() => {
                    let i = rng.below(s.1.len());
                    s.1[i] = rng.next() as u8;
                }
                2 if !s.1.is_empty() => {
                    let i = rng.below(s.1.len());
                    let len = rng.below(8).min(s.1.len() - i);
                    s.1.drain(i..i + len);
                }
                3 if !s.2.is_empty() => {
                    let i = rng.below(s.2.len());
                    s.2[i] = rng.next() as u8;
                }
                _ => {
                    let i = rng.below(s.1.len() + 1);
                    s.1.insert(i, rng.next() as u8);
                }
            }
        }
        check(&s, &consts, &mut stats);
    }
    // pure random code for every version
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
    ];
    for k in 0..1500 {
        let (a, b) = versions[k % versions.len()];
        let len = rng.below(64);
        let code: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let exc: Vec<u8> = (0..rng.below(8)).map(|_| rng.next() as u8).collect();
        check(
            &(PyVersion::new(a, b), code, exc, Vec::new(), 1),
            &consts,
            &mut stats,
        );
    }
    println!(
        "fuzz: {} inputs: {} rebuilt and verified, {} unsupported (kept), {} assembler refusals",
        stats[3], stats[0], stats[1], stats[2]
    );
    assert!(stats[0] > 100);
}
