//! Fuzz-style checks: every decoder on random and mutated input never
//! panics and never exceeds its budget; a decompression bomb is refused.

use std::io::Write;

use pyctrace_unpack::decode::{decode, Budget, DecodeError, Step};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

const STEPS: &[Step] = &[
    Step::Zlib,
    Step::Gzip,
    Step::Lzma,
    Step::Bz2,
    Step::Base64,
    Step::Base64Url,
    Step::Base32,
    Step::Base85,
    Step::Ascii85,
    Step::Hex,
    Step::Rot13,
    Step::Xor(0x5a),
    Step::Reverse,
];

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn random_and_mutated_inputs_never_panic_and_respect_the_cap() {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let seeds: Vec<(Step, Vec<u8>)> = vec![
        (Step::Zlib, zlib(&[7u8; 5000])),
        (Step::Base64, b"aGVsbG8gd29ybGQ=".to_vec()),
        (Step::Base32, b"NBSWY3DPEB3W64TMMQ======".to_vec()),
        (Step::Base85, b"Xk~0{Zy<MXa%^M".to_vec()),
        (Step::Hex, b"68656c6c6f".to_vec()),
    ];
    for round in 0..3000 {
        let step = STEPS[round % STEPS.len()];
        let input = if round % 2 == 0 {
            let n = (rng.next() % 300) as usize;
            let mut v = rng.bytes(n);
            if round % 4 == 0 {
                // Stay in the text alphabets now and then.
                for b in &mut v {
                    *b = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+/=~!z "[(*b as usize) % 49];
                }
            }
            v
        } else {
            let (s, base) = &seeds[(rng.next() as usize) % seeds.len()];
            let mut v = base.clone();
            for _ in 0..1 + rng.next() % 4 {
                if v.is_empty() {
                    break;
                }
                let at = (rng.next() as usize) % v.len();
                v[at] ^= 1 << (rng.next() % 8);
            }
            let _ = s;
            v
        };
        let cap = 1 + (rng.next() % 20_000) as usize;
        let mut budget = Budget::new(cap);
        if let Ok(out) = decode(step, &input, &mut budget) {
            assert!(out.len() <= cap);
            assert_eq!(budget.remaining, cap - out.len());
        }
    }
}

#[test]
fn known_values_decode() {
    let mut b = Budget::new(1 << 20);
    assert_eq!(
        decode(Step::Base64, b"aGVsbG8gd29ybGQ=", &mut b).unwrap(),
        b"hello world"
    );
    assert_eq!(
        decode(Step::Base32, b"NBSWY3DPEB3W64TMMQ======", &mut b).unwrap(),
        b"hello world"
    );
    assert_eq!(decode(Step::Hex, b"68656c6c6f", &mut b).unwrap(), b"hello");
    assert_eq!(
        decode(Step::Base85, b"Xk~0{Zy<MXa%^M", &mut b).unwrap(),
        b"hello world"
    );
    assert_eq!(
        decode(Step::Ascii85, b"BOu!rD]j7BEbo7", &mut b).unwrap(),
        b"hello world"
    );
    assert_eq!(decode(Step::Zlib, &zlib(b"abc"), &mut b).unwrap(), b"abc");
    assert_eq!(decode(Step::Rot13, b"uryyb", &mut b).unwrap(), b"hello");
}

#[test]
fn decompression_bomb_is_refused() {
    // 16 MiB of zeros compress to about 16 KiB; a 1 MiB budget refuses it.
    let bomb = zlib(&vec![0u8; 16 << 20]);
    assert!(bomb.len() < 64 * 1024);
    let mut budget = Budget::new(1 << 20);
    match decode(Step::Zlib, &bomb, &mut budget) {
        Err(DecodeError::Budget { step: "zlib", .. }) => {}
        other => panic!("bomb not refused: {:?}", other.map(|v| v.len())),
    }
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    e.write_all(&vec![0u8; 4 << 20]).unwrap();
    let bz = e.finish().unwrap();
    let mut budget = Budget::new(1 << 20);
    assert!(matches!(
        decode(Step::Bz2, &bz, &mut budget),
        Err(DecodeError::Budget { .. })
    ));
    // The budget is shared: two 600 KiB outputs do not fit in 1 MiB.
    let half = zlib(&vec![1u8; 600 << 10]);
    let mut budget = Budget::new(1 << 20);
    assert!(decode(Step::Zlib, &half, &mut budget).is_ok());
    assert!(matches!(
        decode(Step::Zlib, &half, &mut budget),
        Err(DecodeError::Budget { .. })
    ));
}
