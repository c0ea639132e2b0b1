//! The one instruction decoder, for every release line.

use crate::error::BytecodeError;
use crate::generated::opcodes::Mnemonic;
use crate::opinfo::{op_table, ArgKind, OpInfo, OpTable};
use pyctrace_version::PyVersion;

/// One decoded instruction, as `dis` lists it (EXTENDED_ARG prefixes are
/// instructions of their own; inline CACHE entries are folded into the
/// instruction that owns them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Offset of the opcode byte.
    pub offset: usize,
    /// Offset of the first EXTENDED_ARG prefix of this instruction's chain
    /// (equal to `offset` without prefixes, and for EXTENDED_ARG itself).
    pub start_offset: usize,
    pub opcode: u8,
    /// `None` for a byte the version does not define (`<218>`).
    pub mnemonic: Option<Mnemonic>,
    /// Table entry of the byte, `None` for an undefined byte.
    pub info: Option<&'static OpInfo>,
    /// The argument with its EXTENDED_ARG bits, as a 32-bit value (CPython's
    /// `oparg`). From 3.11 `dis` shows it as signed: see [`Instruction::dis_arg`].
    pub arg: Option<u32>,
    /// Bytes covered: opcode, argument and the cache entries present.
    pub size_in_bytes: usize,
    /// Inline CACHE code units that follow (3.11+), as the table says.
    pub cache_entries: u8,
    /// Set when the code ends inside this instruction.
    pub truncated: Option<BytecodeError>,
    pub version: PyVersion,
}

impl Instruction {
    /// `LOAD_CONST` or `<218>`.
    pub fn opname(&self) -> String {
        match self.mnemonic {
            Some(m) => m.name().to_string(),
            None => format!("<{}>", self.opcode),
        }
    }

    #[inline]
    pub fn kind(&self) -> ArgKind {
        self.info.map_or(ArgKind::None, |i| i.kind)
    }

    /// Offset just past this instruction and its caches.
    #[inline]
    pub fn end_offset(&self) -> usize {
        self.offset + self.size_in_bytes
    }

    /// The argument as `dis` of the version shows it: from 3.11 an argument
    /// whose EXTENDED_ARG bits overflow a C int wraps to a negative number.
    #[inline]
    pub fn dis_arg(&self) -> Option<i64> {
        let arg = self.arg?;
        if self.version.at_least(3, 11) {
            Some(arg as i32 as i64)
        } else {
            Some(arg as i64)
        }
    }

    /// Raw jump target offset in bytes (may be negative or past the end for
    /// hostile code), for jump instructions only.
    #[inline]
    pub fn raw_jump_target(&self) -> Option<i64> {
        let arg = self.arg? as i64;
        let v = self.version;
        let unit: i64 = if v.at_least(3, 10) { 2 } else { 1 };
        let caches = if v.at_least(3, 12) {
            2 * self.cache_entries as i64
        } else {
            0
        };
        let next = self.offset as i64 + if v.at_least(3, 6) { 2 } else { 3 };
        match self.kind() {
            ArgKind::JumpAbsolute => Some(arg * unit),
            ArgKind::JumpForward => Some(next + arg * unit + caches),
            ArgKind::JumpBackward => Some(next - arg * unit + caches),
            _ => None,
        }
    }

    /// Jump target inside `0..code_len`, `None` otherwise or when not a jump.
    #[inline]
    pub fn jump_target(&self, code_len: usize) -> Option<usize> {
        let t = self.raw_jump_target()?;
        (t >= 0 && (t as u64) < code_len as u64).then_some(t as usize)
    }

    #[inline]
    pub fn is_extended_arg(&self) -> bool {
        self.kind() == ArgKind::ExtendedArg
    }
}

/// Iterator over the instructions of a code string; see [`instructions`].
#[derive(Clone, Debug)]
pub struct Instructions<'a> {
    code: &'a [u8],
    pos: usize,
    table: &'static OpTable,
    version: PyVersion,
    ext: u32,
    ext_start: Option<usize>,
    done: bool,
}

/// Decodes `code` of the given release line. Never panics, always ends, and
/// the items cover every byte of `code` in order (the last one may be a
/// truncated instruction). Release lines without a table of their own use
/// the closest one (1.x-2.6 use 2.7's, later 3.x the newest).
#[inline]
pub fn instructions(code: &[u8], version: PyVersion) -> Instructions<'_> {
    let table = op_table(version).unwrap_or_else(|| {
        let fallback = if version.major < 3 {
            PyVersion::new(2, 7)
        } else {
            PyVersion::new(3, 14)
        };
        op_table(fallback).expect("2.7 and 3.14 tables exist")
    });
    Instructions {
        code,
        pos: 0,
        table,
        version: table.py_version(),
        ext: 0,
        ext_start: None,
        done: false,
    }
}

impl<'a> Instructions<'a> {
    fn truncated(
        &mut self,
        opcode: u8,
        info: Option<&'static OpInfo>,
        needed: usize,
    ) -> Instruction {
        let offset = self.pos;
        let available = self.code.len() - offset;
        self.pos = self.code.len();
        self.done = true;
        Instruction {
            offset,
            start_offset: offset,
            opcode,
            mnemonic: info.map(|i| i.mnemonic),
            info,
            arg: None,
            size_in_bytes: available,
            cache_entries: 0,
            truncated: Some(BytecodeError::Truncated {
                offset,
                available,
                needed,
            }),
            version: self.version,
        }
    }

    #[inline]
    fn next_wordcode(&mut self) -> Instruction {
        let offset = self.pos;
        let opcode = self.code[offset];
        let info = self.table.get(opcode);
        if offset + 1 >= self.code.len() {
            return self.truncated(opcode, info, 2);
        }
        let has_arg = self.table.has_arg(opcode);
        let is_ext = info.is_some_and(|i| i.deopt_opcode == self.table.extended_arg);
        let arg = if has_arg {
            Some(self.code[offset + 1] as u32 | self.ext)
        } else {
            None
        };
        self.ext = match arg {
            Some(a) if is_ext => a << 8,
            _ => 0,
        };
        let start_offset = if is_ext {
            if self.ext_start.is_none() {
                self.ext_start = Some(offset);
            }
            offset
        } else {
            self.ext_start.take().unwrap_or(offset)
        };
        let cache_entries = info.map_or(0, |i| i.caches);
        let wanted = 2 + 2 * cache_entries as usize;
        let size = wanted.min(self.code.len() - offset);
        self.pos = offset + size;
        Instruction {
            offset,
            start_offset,
            opcode,
            mnemonic: info.map(|i| i.mnemonic),
            info,
            arg,
            size_in_bytes: size,
            cache_entries,
            truncated: None,
            version: self.version,
        }
    }

    #[inline]
    fn next_bytecode(&mut self) -> Instruction {
        let offset = self.pos;
        let opcode = self.code[offset];
        let info = self.table.get(opcode);
        if opcode < self.table.have_argument {
            self.pos = offset + 1;
            return Instruction {
                offset,
                start_offset: offset,
                opcode,
                mnemonic: info.map(|i| i.mnemonic),
                info,
                arg: None,
                size_in_bytes: 1,
                cache_entries: 0,
                truncated: None,
                version: self.version,
            };
        }
        if offset + 3 > self.code.len() {
            return self.truncated(opcode, info, 3);
        }
        let arg = (self.code[offset + 1] as u32 | (self.code[offset + 2] as u32) << 8)
            .wrapping_add(self.ext);
        let is_ext = opcode == self.table.extended_arg;
        self.ext = if is_ext { arg << 16 } else { 0 };
        let start_offset = if is_ext {
            if self.ext_start.is_none() {
                self.ext_start = Some(offset);
            }
            offset
        } else {
            self.ext_start.take().unwrap_or(offset)
        };
        self.pos = offset + 3;
        Instruction {
            offset,
            start_offset,
            opcode,
            mnemonic: info.map(|i| i.mnemonic),
            info,
            arg: Some(arg),
            size_in_bytes: 3,
            cache_entries: 0,
            truncated: None,
            version: self.version,
        }
    }
}

impl Iterator for Instructions<'_> {
    type Item = Instruction;

    #[inline]
    fn next(&mut self) -> Option<Instruction> {
        if self.done || self.pos >= self.code.len() {
            self.done = true;
            return None;
        }
        Some(if self.table.is_wordcode() {
            self.next_wordcode()
        } else {
            self.next_bytecode()
        })
    }
}

impl std::iter::FusedIterator for Instructions<'_> {}
