use crate::generated::opcodes::{table_for, Mnemonic};
use pyctrace_version::PyVersion;

/// How an instruction's argument is to be read.
///
/// The meaning of several kinds depends on the version; the decoder gives the
/// raw 32-bit argument and this kind tells a formatter what to do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// No argument.
    None,
    /// A plain integer (counts, flags, ...).
    Raw,
    /// `EXTENDED_ARG`: high bits of the next argument.
    ExtendedArg,
    /// Index into `co_consts`.
    Const,
    /// Index into `co_names`.
    Name,
    /// 3.11+ `LOAD_GLOBAL`: `arg >> 1` is the name index, bit 0 pushes NULL.
    LoadGlobal,
    /// 3.12+ `LOAD_ATTR`: `arg >> 1` is the name index, bit 0 is the method bit.
    LoadAttr,
    /// 3.12+ `LOAD_SUPER_ATTR`: `arg >> 2` is the name index, bit 0 method, bit 1 two-arg form.
    LoadSuperAttr,
    /// Index into `co_varnames` (3.11+: into the localsplus names).
    Local,
    /// Two 4-bit local indexes (`arg >> 4`, `arg & 15`), 3.13+.
    LocalPair,
    /// Cell/free variable. Up to 3.10 an index into `co_cellvars + co_freevars`;
    /// 3.11+ an index into localsplus.
    Free,
    /// Comparison: up to 3.11 `cmp_op[arg]`; 3.12 `cmp_op[arg >> 4]`;
    /// 3.13+ `cmp_op[arg >> 5]` with bit 4 asking for a bool() cast.
    Compare,
    /// Relative jump forward (target after this instruction, and its caches from 3.12).
    JumpForward,
    /// Relative jump backward (3.11+).
    JumpBackward,
    /// Absolute jump.
    JumpAbsolute,
    /// 3.11+ `BINARY_OP`: index into the `NB_*` operator list.
    BinaryOp,
    /// 3.12+ `CALL_INTRINSIC_1` function index.
    Intrinsic1,
    /// 3.12+ `CALL_INTRINSIC_2` function index.
    Intrinsic2,
    /// `FORMAT_VALUE` (conversion in bits 0-1, bit 2 = has spec) / `BUILD_INTERPOLATION`.
    FormatValue,
    /// 3.13+ `CONVERT_VALUE`: 1 str, 2 repr, 3 ascii.
    ConvertValue,
    /// 3.13+ `SET_FUNCTION_ATTRIBUTE` flag.
    FunctionAttribute,
    /// 2.x-3.5 `CALL_FUNCTION*`: positional count + keyword count << 8.
    CallNargsKw,
    /// 3.11+ `CALL`/`CALL_KW`/`PRECALL`: argument count.
    Call,
    /// `IS_OP`/`CONTAINS_OP`: 1 = inverted.
    Invert,
    /// `RESUME` kind.
    Resume,
    /// 3.14 `LOAD_SMALL_INT`: the value itself.
    SmallInt,
    /// 3.14 `LOAD_COMMON_CONSTANT` index.
    CommonConstant,
    /// 3.14 `LOAD_SPECIAL` special-method index.
    SpecialMethod,
}

/// What a byte means in one release line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpInfo {
    pub mnemonic: Mnemonic,
    pub kind: ArgKind,
    /// Whether `dis` reads an argument for this byte.
    pub has_arg: bool,
    /// Inline CACHE code units following the instruction (3.11+).
    pub caches: u8,
    /// For a specialised (adaptive) opcode: the base instruction it deopts to.
    pub deopt: Option<Mnemonic>,
    /// The byte of the base instruction (the byte itself when not specialised).
    pub deopt_opcode: u8,
}

/// Unit of jump arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JumpUnit {
    /// Up to 3.9: byte offsets.
    Bytes,
    /// 3.10+: 2-byte code units.
    CodeUnits,
}

/// One release line's opcode table.
#[derive(Debug)]
pub struct OpTable {
    pub version: (u8, u8),
    /// `opcode.HAVE_ARGUMENT` (from 3.12 `has_arg` decides, not this threshold).
    pub have_argument: u8,
    /// The `EXTENDED_ARG` byte.
    pub extended_arg: u8,
    /// `opcode.cmp_op`.
    pub cmp_op: &'static [&'static str],
    /// Symbols of the `NB_*` operators (`BINARY_OP`, 3.11+).
    pub nb_ops: &'static [&'static str],
    /// `CALL_INTRINSIC_1` names (3.12+).
    pub intrinsic1: &'static [&'static str],
    /// `CALL_INTRINSIC_2` names (3.12+).
    pub intrinsic2: &'static [&'static str],
    pub ops: [Option<OpInfo>; 256],
}

impl OpTable {
    pub fn get(&self, opcode: u8) -> Option<&OpInfo> {
        self.ops[opcode as usize].as_ref()
    }

    pub fn py_version(&self) -> PyVersion {
        PyVersion::new(self.version.0, self.version.1)
    }

    /// Whether `dis` reads an argument for this byte (undefined bytes: below
    /// 3.12 by the `HAVE_ARGUMENT` threshold, from 3.12 never).
    pub fn has_arg(&self, opcode: u8) -> bool {
        match self.get(opcode) {
            Some(info) => info.has_arg,
            None => !self.py_version().at_least(3, 12) && opcode >= self.have_argument,
        }
    }

    /// 2.x variable-length code (1 or 3 bytes) rather than 3.6+ wordcode.
    pub fn is_wordcode(&self) -> bool {
        self.py_version().at_least(3, 6)
    }

    pub fn jump_unit(&self) -> JumpUnit {
        if self.py_version().at_least(3, 10) {
            JumpUnit::CodeUnits
        } else {
            JumpUnit::Bytes
        }
    }

    /// The byte of a mnemonic in this release line, if it has one.
    pub fn opcode_of(&self, mnemonic: Mnemonic) -> Option<u8> {
        (0..=255u8).find(|&b| self.get(b).is_some_and(|i| i.mnemonic == mnemonic))
    }
}

/// The opcode table of a release line (2.7 and 3.0-3.14), if this crate has one.
pub fn op_table(version: PyVersion) -> Option<&'static OpTable> {
    table_for(version.major, version.minor)
}

/// Shorthand for `op_table(version)?.get(opcode)`.
pub fn op_info(version: PyVersion, opcode: u8) -> Option<&'static OpInfo> {
    op_table(version)?.get(opcode)
}

impl std::fmt::Display for Mnemonic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
