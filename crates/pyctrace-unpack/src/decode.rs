//! The decoders a static unpacker folds constants through, each bounded by a
//! shared output budget so that a decompression bomb stops with an error
//! instead of filling memory.

use std::io::{Read, Write};

/// What a decoding step is called in manifests (the generator uses the same names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    Zlib,
    Gzip,
    Lzma,
    Bz2,
    Base64,
    Base64Url,
    Base32,
    Base85,
    Ascii85,
    Hex,
    Rot13,
    Xor(u8),
    Reverse,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Zlib => "zlib",
            Step::Gzip => "gzip",
            Step::Lzma => "lzma",
            Step::Bz2 => "bz2",
            Step::Base64 => "base64",
            Step::Base64Url => "base64url",
            Step::Base32 => "base32",
            Step::Base85 => "base85",
            Step::Ascii85 => "ascii85",
            Step::Hex => "hex",
            Step::Rot13 => "rot13",
            Step::Xor(_) => "xor",
            Step::Reverse => "reverse",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("{step}: output exceeds the decompression budget ({limit} bytes left of the total cap); refusing a likely decompression bomb")]
    Budget { step: &'static str, limit: usize },
    #[error("{step}: invalid input: {msg}")]
    Invalid { step: &'static str, msg: String },
}

/// Total bytes all decoding steps of one unpacking run may produce.
#[derive(Debug, Clone)]
pub struct Budget {
    pub remaining: usize,
}

impl Budget {
    pub const DEFAULT: usize = 64 * 1024 * 1024;

    pub fn new(total: usize) -> Self {
        Budget { remaining: total }
    }
}

fn invalid(step: Step, msg: impl Into<String>) -> DecodeError {
    DecodeError::Invalid {
        step: step.name(),
        msg: msg.into(),
    }
}

/// Applies `step` to `input`, charging the output to `budget`.
pub fn decode(step: Step, input: &[u8], budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
    let limit = budget.remaining;
    let out = match step {
        Step::Zlib => read_capped(step, flate2::read::ZlibDecoder::new(input), limit)?,
        Step::Gzip => read_capped(step, flate2::read::MultiGzDecoder::new(input), limit)?,
        Step::Bz2 => read_capped(step, bzip2::read::MultiBzDecoder::new(input), limit)?,
        Step::Lzma => lzma(input, limit)?,
        Step::Base64 => base64(input, false)?,
        Step::Base64Url => base64(input, true)?,
        Step::Base32 => base32(input)?,
        Step::Base85 => base85(input)?,
        Step::Ascii85 => ascii85(input)?,
        Step::Hex => hex(input)?,
        Step::Rot13 => input.iter().map(|&b| rot13(b)).collect(),
        Step::Xor(key) => input.iter().map(|&b| b ^ key).collect(),
        Step::Reverse => input.iter().rev().copied().collect(),
    };
    if out.len() > limit {
        return Err(DecodeError::Budget {
            step: step.name(),
            limit,
        });
    }
    budget.remaining -= out.len();
    Ok(out)
}

fn read_capped(step: Step, reader: impl Read, limit: usize) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    let mut take = reader.take(limit as u64 + 1);
    take.read_to_end(&mut out)
        .map_err(|e| invalid(step, e.to_string()))?;
    if out.len() > limit {
        return Err(DecodeError::Budget {
            step: step.name(),
            limit,
        });
    }
    Ok(out)
}

/// A writer that refuses to grow past its cap.
struct CappedWriter {
    out: Vec<u8>,
    limit: usize,
    overflow: bool,
}

impl Write for CappedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + buf.len() > self.limit {
            self.overflow = true;
            return Err(std::io::Error::other("output cap reached"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `lzma.decompress` with its default FORMAT_AUTO: .xz or legacy .lzma.
fn lzma(input: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let mut w = CappedWriter {
        out: Vec::new(),
        limit,
        overflow: false,
    };
    let result = if input.starts_with(b"\xfd7zXZ\x00") {
        lzma_rs::xz_decompress(&mut &input[..], &mut w)
    } else {
        let opts = lzma_rs::decompress::Options {
            // Dictionary memory is bounded like the output.
            memlimit: Some(limit.min(256 << 20)),
            ..Default::default()
        };
        lzma_rs::lzma_decompress_with_options(&mut &input[..], &mut w, &opts)
    };
    if w.overflow {
        return Err(DecodeError::Budget {
            step: "lzma",
            limit,
        });
    }
    result.map_err(|e| invalid(Step::Lzma, e.to_string()))?;
    Ok(w.out)
}

fn rot13(b: u8) -> u8 {
    match b {
        b'a'..=b'z' => (b - b'a' + 13) % 26 + b'a',
        b'A'..=b'Z' => (b - b'A' + 13) % 26 + b'A',
        _ => b,
    }
}

/// `base64.b64decode` without `validate`: characters outside the alphabet
/// are skipped, decoding stops at padding.
fn base64(input: &[u8], urlsafe: bool) -> Result<Vec<u8>, DecodeError> {
    let step = if urlsafe {
        Step::Base64Url
    } else {
        Step::Base64
    };
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' if !urlsafe => 62,
            b'/' if !urlsafe => 63,
            b'-' if urlsafe => 62,
            b'_' if urlsafe => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let mut acc = 0u32;
    let mut n = 0usize;
    let mut padded = false;
    for &c in input {
        if c == b'=' {
            if n % 4 >= 2 {
                padded = true;
                break;
            }
            continue;
        }
        let Some(v) = value(c) else { continue };
        acc = (acc << 6) | v;
        n += 1;
        if n % 4 == 0 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
        }
    }
    match n % 4 {
        0 => {}
        1 => {
            return Err(invalid(
                step,
                "number of data characters is 1 more than a multiple of 4",
            ))
        }
        2 if padded => out.push((acc >> 4) as u8),
        3 if padded => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => return Err(invalid(step, "incorrect padding")),
    }
    Ok(out)
}

/// `base64.b32decode` (strict, like CPython: length a multiple of 8).
fn base32(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    if input.len() % 8 != 0 {
        return Err(invalid(Step::Base32, "incorrect padding"));
    }
    let data = {
        let mut end = input.len();
        while end > 0 && input[end - 1] == b'=' {
            end -= 1;
        }
        &input[..end]
    };
    if !matches!(input.len() - data.len(), 0 | 1 | 3 | 4 | 6) {
        return Err(invalid(Step::Base32, "incorrect padding"));
    }
    let mut out = Vec::with_capacity(data.len() * 5 / 8 + 1);
    let mut acc = 0u64;
    let mut bits = 0u32;
    for (i, &c) in data.iter().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return Err(invalid(Step::Base32, format!("non-base32 digit at {i}"))),
        };
        acc = (acc << 5) | v as u64;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

const B85: &[u8; 85] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";

fn base85(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut table = [255u8; 256];
    for (i, &c) in B85.iter().enumerate() {
        table[c as usize] = i as u8;
    }
    let mut out = Vec::with_capacity(input.len() / 5 * 4 + 4);
    for (gi, chunk) in input.chunks(5).enumerate() {
        let mut acc: u64 = 0;
        for k in 0..5 {
            let c = chunk.get(k).copied().unwrap_or(b'~');
            let v = table[c as usize];
            if v == 255 {
                return Err(invalid(
                    Step::Base85,
                    format!("bad base85 character at position {}", gi * 5 + k),
                ));
            }
            acc = acc * 85 + v as u64;
        }
        if acc > u32::MAX as u64 {
            return Err(invalid(
                Step::Base85,
                format!("base85 overflow in hunk starting at byte {}", gi * 5),
            ));
        }
        let word = (acc as u32).to_be_bytes();
        let keep = chunk.len().saturating_sub(1).min(4);
        out.extend_from_slice(&word[..if chunk.len() == 5 { 4 } else { keep }]);
    }
    Ok(out)
}

/// `base64.a85decode` (Adobe framing `<~ ~>` accepted, `z` shortcut, whitespace skipped).
fn ascii85(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut data = input;
    if let Some(rest) = data.strip_prefix(b"<~") {
        data = rest;
    }
    if let Some(rest) = data.strip_suffix(b"~>") {
        data = rest;
    }
    let mut out = Vec::with_capacity(data.len() / 5 * 4 + 4);
    let mut group = [0u8; 5];
    let mut n = 0;
    for &c in data {
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => continue,
            b'z' if n == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[n] = c - b'!';
                n += 1;
                if n == 5 {
                    let acc = group.iter().fold(0u64, |a, &v| a * 85 + v as u64);
                    if acc > u32::MAX as u64 {
                        return Err(invalid(Step::Ascii85, "Ascii85 overflow"));
                    }
                    out.extend_from_slice(&(acc as u32).to_be_bytes());
                    n = 0;
                }
            }
            _ => return Err(invalid(Step::Ascii85, format!("non-Ascii85 digit {c:#x}"))),
        }
    }
    if n == 1 {
        return Err(invalid(Step::Ascii85, "truncated group"));
    }
    if n > 1 {
        for v in group.iter_mut().skip(n) {
            *v = 84;
        }
        let acc = group.iter().fold(0u64, |a, &v| a * 85 + v as u64);
        if acc > u32::MAX as u64 {
            return Err(invalid(Step::Ascii85, "Ascii85 overflow"));
        }
        out.extend_from_slice(&(acc as u32).to_be_bytes()[..n - 1]);
    }
    Ok(out)
}

/// `binascii.unhexlify` / `bytes.fromhex` (whitespace between bytes skipped).
fn hex(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let digit = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(input.len() / 2);
    let mut hi: Option<u8> = None;
    for (i, &c) in input.iter().enumerate() {
        if hi.is_none() && c.is_ascii_whitespace() {
            continue;
        }
        let Some(d) = digit(c) else {
            return Err(invalid(Step::Hex, format!("non-hexadecimal digit at {i}")));
        };
        match hi.take() {
            None => hi = Some(d),
            Some(h) => out.push(h << 4 | d),
        }
    }
    if hi.is_some() {
        return Err(invalid(Step::Hex, "odd-length string"));
    }
    Ok(out)
}
