//! Lifting: each version's bytecode becomes, one instruction to one, the
//! common instruction form [`Instr`] that the single interpreter runs. An
//! `Instr` keeps the original offset, opcode name and argument; its [`Op`]
//! carries the version-independent meaning (jump targets resolved to
//! instruction indexes, name/const indexes decoded from packed arguments,
//! NULL-placement and compare encodings normalised).
//!
//! Version differences that are not a matter of decoding live in the
//! named switches of [`Semantics`].

use pyctrace_bytecode::{ArgKind, Instruction, Mnemonic};
use pyctrace_version::PyVersion;

/// Binary operators (`BINARY_*`/`INPLACE_*` up to 3.10, `BINARY_OP` from 3.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    MatMul,
    TrueDiv,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    And,
    Or,
    Xor,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::MatMul => "@",
            BinOp::TrueDiv => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "** or pow()",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::And => "&",
            BinOp::Or => "|",
            BinOp::Xor => "^",
        }
    }

    /// `(__op__, __rop__, __iop__)`
    pub fn dunders(self) -> (&'static str, &'static str, &'static str) {
        match self {
            BinOp::Add => ("__add__", "__radd__", "__iadd__"),
            BinOp::Sub => ("__sub__", "__rsub__", "__isub__"),
            BinOp::Mul => ("__mul__", "__rmul__", "__imul__"),
            BinOp::MatMul => ("__matmul__", "__rmatmul__", "__imatmul__"),
            BinOp::TrueDiv => ("__truediv__", "__rtruediv__", "__itruediv__"),
            BinOp::FloorDiv => ("__floordiv__", "__rfloordiv__", "__ifloordiv__"),
            BinOp::Mod => ("__mod__", "__rmod__", "__imod__"),
            BinOp::Pow => ("__pow__", "__rpow__", "__ipow__"),
            BinOp::LShift => ("__lshift__", "__rlshift__", "__ilshift__"),
            BinOp::RShift => ("__rshift__", "__rrshift__", "__irshift__"),
            BinOp::And => ("__and__", "__rand__", "__iand__"),
            BinOp::Or => ("__or__", "__ror__", "__ior__"),
            BinOp::Xor => ("__xor__", "__rxor__", "__ixor__"),
        }
    }

    /// `NB_*` order of 3.11+ `BINARY_OP` (0..=12, inplace adds 13).
    fn from_nb(n: u32) -> Option<(BinOp, bool)> {
        const ORDER: [BinOp; 13] = [
            BinOp::Add,
            BinOp::And,
            BinOp::FloorDiv,
            BinOp::LShift,
            BinOp::MatMul,
            BinOp::Mul,
            BinOp::Mod,
            BinOp::Or,
            BinOp::Pow,
            BinOp::RShift,
            BinOp::Sub,
            BinOp::TrueDiv,
            BinOp::Xor,
        ];
        let i = n as usize;
        if i < 13 {
            Some((ORDER[i], false))
        } else {
            ORDER.get(i - 13).map(|o| (*o, true))
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Eq,
    Ne,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn dunder(self) -> (&'static str, &'static str) {
        match self {
            CmpOp::Lt => ("__lt__", "__gt__"),
            CmpOp::Le => ("__le__", "__ge__"),
            CmpOp::Eq => ("__eq__", "__eq__"),
            CmpOp::Ne => ("__ne__", "__ne__"),
            CmpOp::Gt => ("__gt__", "__lt__"),
            CmpOp::Ge => ("__ge__", "__le__"),
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Pos,
    Neg,
    Not,
    Invert,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JumpCond {
    False,
    True,
    None,
    NotNone,
}

/// The common, version-independent instruction meaning. Targets are
/// instruction indexes.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Nop,
    PopTop,
    RotTwo,
    RotThree,
    RotFour,
    RotN(u32),
    DupTop,
    DupTopTwo,
    Copy(u32),
    Swap(u32),
    PushNull,
    LoadConst(u32),
    ReturnConst(u32),
    ReturnValue,
    LoadFast(u32),
    LoadFastAndClear(u32),
    LoadFastLoadFast(u32, u32),
    StoreFast(u32),
    StoreFastStoreFast(u32, u32),
    StoreFastLoadFast(u32, u32),
    DeleteFast(u32),
    LoadName(u32),
    StoreName(u32),
    DeleteName(u32),
    LoadGlobal {
        name: u32,
        push_null: bool,
    },
    StoreGlobal(u32),
    DeleteGlobal(u32),
    /// Slot in localsplus (≤3.10 cell indexes are mapped at lift time).
    LoadDeref(u32),
    StoreDeref(u32),
    DeleteDeref(u32),
    LoadClosure(u32),
    /// LOAD_CLASSDEREF / LOAD_FROM_DICT_OR_DEREF (the latter takes the dict from the stack).
    LoadClassDeref {
        slot: u32,
        dict_on_stack: bool,
    },
    LoadFromDictOrGlobals(u32),
    LoadLocals,
    /// SETUP_ANNOTATIONS: `__annotations__ = {}` in the names dict if absent.
    SetupAnnotations,
    MakeCell(u32),
    CopyFreeVars(u32),
    LoadAttr {
        name: u32,
        method: bool,
    },
    StoreAttr(u32),
    DeleteAttr(u32),
    LoadSuperAttr {
        name: u32,
        method: bool,
        two_arg: bool,
    },
    Unary(UnaryOp),
    Binary(BinOp, bool),
    Compare {
        op: CmpOp,
        to_bool: bool,
    },
    /// 3.8 COMPARE_OP 6..=10: in, not in, is, is not, exception match.
    CompareLegacy(u32),
    IsOp(bool),
    ContainsOp(bool),
    ToBool,
    BinarySubscr,
    StoreSubscr,
    DeleteSubscr,
    BinarySlice,
    StoreSlice,
    BuildSlice(u32),
    BuildTuple(u32),
    BuildList(u32),
    BuildSet(u32),
    BuildMap(u32),
    BuildConstKeyMap(u32),
    BuildString(u32),
    ListAppend(u32),
    SetAdd(u32),
    MapAdd(u32),
    ListExtend(u32),
    SetUpdate(u32),
    DictUpdate(u32),
    DictMerge(u32),
    ListToTuple,
    /// 3.8's `BUILD_{TUPLE,LIST,SET}_UNPACK[_WITH_CALL]`: concatenates `n`
    /// iterables into a tuple (0), list (1) or set (2).
    BuildSeqUnpack(u32, u8),
    /// 3.8's `BUILD_MAP_UNPACK[_WITH_CALL]` (`with_call`: duplicate keys
    /// are an error).
    BuildMapUnpack(u32, bool),
    UnpackSequence(u32),
    UnpackEx(u32),
    FormatValue(u32),
    ConvertValue(u32),
    FormatSimple,
    FormatWithSpec,
    GetIter,
    ForIter {
        target: usize,
        exhausted: usize,
    },
    /// END_FOR: pops 2 in 3.12, 1 in 3.13.
    EndFor(u32),
    Jump(usize),
    PopJumpIf {
        cond: JumpCond,
        target: usize,
    },
    JumpIfOrPop {
        when: bool,
        target: usize,
    },
    JumpIfNotExcMatch(usize),
    CallFunction(u32),
    CallFunctionKw(u32),
    CallMethod(u32),
    /// 3.11+ CALL (and 3.13 CALL_KW with `kw_on_stack`).
    Call {
        argc: u32,
        kw_on_stack: bool,
    },
    CallFunctionEx {
        kwargs: bool,
        null_pair: bool,
    },
    KwNames(u32),
    LoadBuildClass,
    MakeFunction {
        flags: u32,
        qualname_on_stack: bool,
    },
    SetFunctionAttribute(u32),
    ReturnGenerator,
    GenStart,
    YieldValue,
    YieldFrom,
    GetYieldFromIter,
    Send(usize),
    EndSend,
    CleanupThrow,
    RaiseVarargs(u32),
    Reraise(u32),
    SetupFinally(usize),
    PopBlock,
    PopExcept,
    PushExcInfo,
    CheckExcMatch,
    LoadAssertionError,
    BeginFinally,
    EndFinally,
    CallFinally(usize),
    PopFinally(u32),
    CallIntrinsic1(u32),
    /// SETUP_WITH (≤3.10): enters the context, sets up the cleanup block.
    SetupWith(usize),
    /// BEFORE_WITH (3.11+).
    BeforeWith,
    /// 3.8's `with` exit sequence.
    WithCleanupStart,
    WithCleanupFinish,
    /// Calls `__exit__` with the exception being handled (3.9+).
    WithExceptStart,
    /// An instruction that cannot be lifted (undefined opcode, jump outside
    /// the code, out-of-range index, truncated): fails only when executed.
    Invalid {
        reason: Box<str>,
    },
    /// IMPORT_NAME (pops level and fromlist).
    ImportName(u32),
    /// IMPORT_FROM (keeps the module, pushes the attribute).
    ImportFrom(u32),
    ImportStar,
    /// MATCH_CLASS(count): pops subject, class, keyword names; pushes the
    /// attribute tuple or None (3.11+), or (tuple or subject, bool) (3.10).
    MatchClass {
        count: u32,
        push_bool: bool,
    },
    MatchMapping,
    MatchSequence,
    /// MATCH_KEYS: pushes the values tuple or None (3.11+), and a bool after
    /// it on 3.10.
    MatchKeys {
        push_bool: bool,
    },
    GetLen,
    /// 3.10's COPY_DICT_WITHOUT_KEYS (3.11+ spells it with DICT_UPDATE and
    /// DELETE_SUBSCR).
    CopyDictWithoutKeys,
    /// Defined opcode the VM does not implement yet.
    Unsupported,
}

/// Named semantic switches: what differs between versions beyond decoding.
#[derive(Clone, Copy, Debug)]
pub struct Semantics {
    pub version: PyVersion,
    /// ≤3.10: SETUP_FINALLY/POP_BLOCK block stack; 3.11+: exception table.
    pub block_stack: bool,
    /// ≤3.10: frames create cells and copy the closure on entry; 3.11+ does
    /// it with MAKE_CELL/COPY_FREE_VARS.
    pub cells_on_entry: bool,
    /// Unwinding to a handler pushes (tb, value, type) triplets (≤3.10) or the
    /// exception alone (3.11+).
    pub exc_triplets: bool,
    /// Where LOAD_ATTR/LOAD_GLOBAL/PUSH_NULL put the NULL of a plain call:
    /// before the callable (≤3.12) or after it (3.13+).
    pub null_after_callable: bool,
    /// The first `send()` into a new generator pushes the value (3.10+).
    pub first_send_pushes: bool,
    /// 3.11+: `RETURN_GENERATOR` creates the generator from the running frame.
    pub return_generator: bool,
    /// 3.11/3.12: CALL of a Python function runs it inline after moving the
    /// caller's `f_lasti` to the CALL's last CACHE unit, where an exception
    /// coming back from the callee is then reported.
    pub inline_call_lasti_at_cache: bool,
    /// 3.12: SEND resumes a generator inline the same way (past its CACHE).
    pub inline_send_lasti_at_cache: bool,
    /// 3.13: a yielding frame's `f_lasti` is the instruction after YIELD_VALUE.
    pub yield_lasti_after: bool,
    /// ≤3.11: `close()` of a generator that never ran still enters its frame.
    pub close_runs_unstarted: bool,
    /// 3.13: `close()` of a generator suspended at a yield outside any
    /// `try` (its RESUME's argument has the depth-1 bit, 4) just ends it.
    pub close_skips_depth1_yield: bool,
    /// When a sub-generator's end in `yield from` is a StopIteration the
    /// caller's tracer sees.
    pub gen_send_stop: SendStop,
}

/// When the end of a generator driven by YIELD_FROM/SEND reaches the
/// sending frame as a StopIteration exception (a tracer's exception event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendStop {
    /// ≤3.9: `_PyGen_Send` always sets StopIteration.
    Always,
    /// 3.10/3.11 while tracing: SEND calls `tp_iternext` (StopIteration only for
    /// a non-None value) or `send` (always).
    Traced,
    /// 3.12+: SEND runs the generator inline; its return arrives at
    /// END_SEND, which reports a StopIteration.
    AtEndSend,
}

impl Semantics {
    pub fn of(version: PyVersion) -> Semantics {
        Semantics {
            version,
            block_stack: !version.at_least(3, 11),
            cells_on_entry: !version.at_least(3, 11),
            exc_triplets: !version.at_least(3, 11),
            null_after_callable: version.at_least(3, 13),
            first_send_pushes: version.at_least(3, 10),
            return_generator: version.at_least(3, 11),
            inline_call_lasti_at_cache: version.at_least(3, 11) && !version.at_least(3, 13),
            inline_send_lasti_at_cache: version.at_least(3, 12) && !version.at_least(3, 13),
            yield_lasti_after: version.at_least(3, 13),
            close_runs_unstarted: !version.at_least(3, 12),
            close_skips_depth1_yield: version.at_least(3, 13),
            gen_send_stop: if version.at_least(3, 12) {
                SendStop::AtEndSend
            } else if version.at_least(3, 10) {
                SendStop::Traced
            } else {
                SendStop::Always
            },
        }
    }
}

/// One lifted instruction.
#[derive(Clone, Debug)]
pub struct Instr {
    pub offset: u32,
    /// The original opcode (`None`: byte undefined in this version).
    pub mnemonic: Option<Mnemonic>,
    pub opcode: u8,
    /// The argument as the interpreter sees it (with the EXTENDED_ARG bits
    /// of the prefixes run just before, if any).
    pub arg: Option<u32>,
    pub op: Op,
    /// Index of the instruction that follows (`usize::MAX`: past the end).
    pub next: usize,
    /// Entered by falling through from an EXTENDED_ARG (which then applies).
    pub after_ext: bool,
    /// 3.11+: inline CACHE code units after the instruction.
    pub caches: u8,
}

impl Instr {
    pub fn opname(&self) -> String {
        match self.mnemonic {
            Some(m) => m.name().to_string(),
            None => format!("<{}>", self.opcode),
        }
    }
}

/// Lifting context for one code object.
pub struct LiftCtx<'a> {
    pub version: PyVersion,
    /// For each byte offset, the index of the instruction decoded there when
    /// entered directly (not after an EXTENDED_ARG), `u32::MAX` for none.
    pub index_at: &'a [u32],
    /// ≤3.10: number of `co_varnames` (cell index i maps to slot nlocals + i).
    pub nlocals: u32,
    /// Sizes of the tables indexed by arguments (checked at lift time: an
    /// out-of-range index becomes [`Op::Invalid`]).
    pub nconsts: usize,
    pub nnames: usize,
    pub nlocalsplus: usize,
}

impl LiftCtx<'_> {
    fn index_of(&self, offset: i64) -> Option<usize> {
        if offset < 0 {
            return None;
        }
        match self.index_at.get(offset as usize) {
            Some(&i) if i != u32::MAX => Some(i as usize),
            _ => None,
        }
    }
}

/// Where a jump instruction lands, in bytes, as the interpreter computes it
/// (3.8/3.9 divide byte arguments by the code-unit size, so an odd target
/// rounds down). `None` for non-jumps.
pub fn jump_offset(inst: &Instruction) -> Option<i64> {
    let raw = inst.raw_jump_target()?;
    if !inst.version.at_least(3, 10) && raw >= 0 {
        Some(raw & !1)
    } else {
        Some(raw)
    }
}

/// Where FOR_ITER continues when the iterator is exhausted: its target,
/// past END_FOR (3.12) or END_FOR and POP_TOP (3.13).
pub fn for_iter_exhausted(inst: &Instruction) -> Option<i64> {
    let t = jump_offset(inst)?;
    let v = inst.version;
    Some(if v.at_least(3, 13) {
        t + 4
    } else if v.at_least(3, 12) {
        t + 2
    } else {
        t
    })
}

fn invalid(reason: String) -> Op {
    Op::Invalid {
        reason: reason.into_boxed_str(),
    }
}

/// Lifts one decoded instruction.
pub fn lift(inst: &Instruction, ctx: &LiftCtx<'_>) -> Op {
    let op = lift_unchecked(inst, ctx);
    // out-of-range indexes (junk the interpreter never runs) fail only if run
    let check = |what: &str, i: u32, n: usize| -> Option<Op> {
        ((i as usize) >= n).then(|| {
            invalid(format!(
                "{} {} {} index out of range",
                inst.opname(),
                i,
                what
            ))
        })
    };
    let deref_ok = |slot: u32| check("local", slot, ctx.nlocalsplus);
    let bad = match &op {
        Op::LoadConst(i) | Op::ReturnConst(i) => check("constant", *i, ctx.nconsts),
        Op::LoadName(i)
        | Op::StoreName(i)
        | Op::DeleteName(i)
        | Op::StoreGlobal(i)
        | Op::DeleteGlobal(i)
        | Op::LoadGlobal { name: i, .. }
        | Op::LoadAttr { name: i, .. }
        | Op::StoreAttr(i)
        | Op::DeleteAttr(i)
        | Op::LoadSuperAttr { name: i, .. }
        | Op::LoadFromDictOrGlobals(i)
        | Op::ImportName(i)
        | Op::ImportFrom(i) => check("name", *i, ctx.nnames),
        Op::LoadFast(i)
        | Op::LoadFastAndClear(i)
        | Op::StoreFast(i)
        | Op::DeleteFast(i)
        | Op::LoadDeref(i)
        | Op::StoreDeref(i)
        | Op::DeleteDeref(i)
        | Op::LoadClosure(i)
        | Op::MakeCell(i)
        | Op::LoadClassDeref { slot: i, .. } => deref_ok(*i),
        Op::LoadFastLoadFast(a, b) | Op::StoreFastStoreFast(a, b) | Op::StoreFastLoadFast(a, b) => {
            deref_ok(*a).or_else(|| deref_ok(*b))
        }
        _ => None,
    };
    bad.unwrap_or(op)
}

fn lift_unchecked(inst: &Instruction, ctx: &LiftCtx<'_>) -> Op {
    let Some(m) = inst.mnemonic else {
        return invalid(format!("undefined opcode {}", inst.opname()));
    };
    if inst.truncated.is_some() {
        return invalid(format!(
            "{} truncated by the end of the code",
            inst.opname()
        ));
    }
    let v = ctx.version;
    let arg = inst.arg.unwrap_or(0);
    let target = || -> Result<usize, Op> {
        let raw = jump_offset(inst).unwrap_or(-1);
        ctx.index_of(raw).ok_or_else(|| {
            invalid(format!(
                "{} to {} which is not an instruction",
                inst.opname(),
                raw
            ))
        })
    };
    macro_rules! jump {
        ($f:expr) => {
            match target() {
                Ok(t) => $f(t),
                Err(bad) => bad,
            }
        };
    }
    let deref = |a: u32| {
        if v.at_least(3, 11) {
            a
        } else {
            ctx.nlocals.saturating_add(a)
        }
    };
    use Mnemonic as M;
    match m {
        M::NOP | M::RESUME | M::EXTENDED_ARG | M::CACHE | M::PRECALL | M::NOT_TAKEN => Op::Nop,
        M::POP_TOP => Op::PopTop,
        M::ROT_TWO => Op::RotTwo,
        M::ROT_THREE => Op::RotThree,
        M::ROT_FOUR => Op::RotFour,
        M::ROT_N => Op::RotN(arg),
        M::DUP_TOP => Op::DupTop,
        M::DUP_TOP_TWO => Op::DupTopTwo,
        M::COPY => Op::Copy(arg),
        M::SWAP => Op::Swap(arg),
        M::PUSH_NULL => Op::PushNull,
        M::LOAD_CONST => Op::LoadConst(arg),
        M::RETURN_CONST => Op::ReturnConst(arg),
        M::RETURN_VALUE => Op::ReturnValue,
        M::LOAD_FAST | M::LOAD_FAST_CHECK => Op::LoadFast(arg),
        M::LOAD_FAST_AND_CLEAR => Op::LoadFastAndClear(arg),
        M::LOAD_FAST_LOAD_FAST => Op::LoadFastLoadFast(arg >> 4, arg & 15),
        M::STORE_FAST => Op::StoreFast(arg),
        M::STORE_FAST_STORE_FAST => Op::StoreFastStoreFast(arg >> 4, arg & 15),
        M::STORE_FAST_LOAD_FAST => Op::StoreFastLoadFast(arg >> 4, arg & 15),
        M::DELETE_FAST => Op::DeleteFast(arg),
        M::LOAD_NAME => Op::LoadName(arg),
        M::STORE_NAME => Op::StoreName(arg),
        M::DELETE_NAME => Op::DeleteName(arg),
        M::LOAD_GLOBAL => {
            if inst.kind() == ArgKind::LoadGlobal {
                Op::LoadGlobal {
                    name: arg >> 1,
                    push_null: arg & 1 == 1,
                }
            } else {
                Op::LoadGlobal {
                    name: arg,
                    push_null: false,
                }
            }
        }
        M::STORE_GLOBAL => Op::StoreGlobal(arg),
        M::DELETE_GLOBAL => Op::DeleteGlobal(arg),
        M::LOAD_DEREF => Op::LoadDeref(deref(arg)),
        M::STORE_DEREF => Op::StoreDeref(deref(arg)),
        M::DELETE_DEREF => Op::DeleteDeref(deref(arg)),
        M::LOAD_CLOSURE => Op::LoadClosure(deref(arg)),
        M::LOAD_CLASSDEREF => Op::LoadClassDeref {
            slot: deref(arg),
            dict_on_stack: false,
        },
        M::LOAD_FROM_DICT_OR_DEREF => Op::LoadClassDeref {
            slot: arg,
            dict_on_stack: true,
        },
        M::LOAD_FROM_DICT_OR_GLOBALS => Op::LoadFromDictOrGlobals(arg),
        M::LOAD_LOCALS => Op::LoadLocals,
        M::SETUP_ANNOTATIONS => Op::SetupAnnotations,
        M::MAKE_CELL => Op::MakeCell(arg),
        M::COPY_FREE_VARS => Op::CopyFreeVars(arg),
        M::LOAD_ATTR => {
            if inst.kind() == ArgKind::LoadAttr {
                Op::LoadAttr {
                    name: arg >> 1,
                    method: arg & 1 == 1,
                }
            } else {
                Op::LoadAttr {
                    name: arg,
                    method: false,
                }
            }
        }
        M::LOAD_METHOD => Op::LoadAttr {
            name: arg,
            method: true,
        },
        M::STORE_ATTR => Op::StoreAttr(arg),
        M::DELETE_ATTR => Op::DeleteAttr(arg),
        M::LOAD_SUPER_ATTR => Op::LoadSuperAttr {
            name: arg >> 2,
            method: arg & 1 == 1,
            two_arg: arg & 2 == 2,
        },
        M::UNARY_POSITIVE => Op::Unary(UnaryOp::Pos),
        M::UNARY_NEGATIVE => Op::Unary(UnaryOp::Neg),
        M::UNARY_NOT => Op::Unary(UnaryOp::Not),
        M::UNARY_INVERT => Op::Unary(UnaryOp::Invert),
        M::BINARY_OP => match BinOp::from_nb(arg) {
            Some((op, inplace)) => Op::Binary(op, inplace),
            None => Op::Unsupported,
        },
        M::BINARY_ADD => Op::Binary(BinOp::Add, false),
        M::BINARY_SUBTRACT => Op::Binary(BinOp::Sub, false),
        M::BINARY_MULTIPLY => Op::Binary(BinOp::Mul, false),
        M::BINARY_MATRIX_MULTIPLY => Op::Binary(BinOp::MatMul, false),
        M::BINARY_TRUE_DIVIDE => Op::Binary(BinOp::TrueDiv, false),
        M::BINARY_FLOOR_DIVIDE => Op::Binary(BinOp::FloorDiv, false),
        M::BINARY_MODULO => Op::Binary(BinOp::Mod, false),
        M::BINARY_POWER => Op::Binary(BinOp::Pow, false),
        M::BINARY_LSHIFT => Op::Binary(BinOp::LShift, false),
        M::BINARY_RSHIFT => Op::Binary(BinOp::RShift, false),
        M::BINARY_AND => Op::Binary(BinOp::And, false),
        M::BINARY_OR => Op::Binary(BinOp::Or, false),
        M::BINARY_XOR => Op::Binary(BinOp::Xor, false),
        M::INPLACE_ADD => Op::Binary(BinOp::Add, true),
        M::INPLACE_SUBTRACT => Op::Binary(BinOp::Sub, true),
        M::INPLACE_MULTIPLY => Op::Binary(BinOp::Mul, true),
        M::INPLACE_MATRIX_MULTIPLY => Op::Binary(BinOp::MatMul, true),
        M::INPLACE_TRUE_DIVIDE => Op::Binary(BinOp::TrueDiv, true),
        M::INPLACE_FLOOR_DIVIDE => Op::Binary(BinOp::FloorDiv, true),
        M::INPLACE_MODULO => Op::Binary(BinOp::Mod, true),
        M::INPLACE_POWER => Op::Binary(BinOp::Pow, true),
        M::INPLACE_LSHIFT => Op::Binary(BinOp::LShift, true),
        M::INPLACE_RSHIFT => Op::Binary(BinOp::RShift, true),
        M::INPLACE_AND => Op::Binary(BinOp::And, true),
        M::INPLACE_OR => Op::Binary(BinOp::Or, true),
        M::INPLACE_XOR => Op::Binary(BinOp::Xor, true),
        M::COMPARE_OP => {
            let (idx, to_bool) = if v.at_least(3, 13) {
                (arg >> 5, arg & 16 != 0)
            } else if v.at_least(3, 12) {
                (arg >> 4, false)
            } else {
                (arg, false)
            };
            let op = match idx {
                0 => CmpOp::Lt,
                1 => CmpOp::Le,
                2 => CmpOp::Eq,
                3 => CmpOp::Ne,
                4 => CmpOp::Gt,
                5 => CmpOp::Ge,
                6..=10 if !v.at_least(3, 9) => return Op::CompareLegacy(idx),
                _ => return Op::Unsupported,
            };
            Op::Compare { op, to_bool }
        }
        M::IS_OP => Op::IsOp(arg == 1),
        M::CONTAINS_OP => Op::ContainsOp(arg == 1),
        M::TO_BOOL => Op::ToBool,
        M::BINARY_SUBSCR => Op::BinarySubscr,
        M::STORE_SUBSCR => Op::StoreSubscr,
        M::DELETE_SUBSCR => Op::DeleteSubscr,
        M::BINARY_SLICE => Op::BinarySlice,
        M::STORE_SLICE => Op::StoreSlice,
        M::BUILD_SLICE => Op::BuildSlice(arg),
        M::BUILD_TUPLE => Op::BuildTuple(arg),
        M::BUILD_LIST => Op::BuildList(arg),
        M::BUILD_SET => Op::BuildSet(arg),
        M::BUILD_MAP => Op::BuildMap(arg),
        M::BUILD_CONST_KEY_MAP => Op::BuildConstKeyMap(arg),
        M::BUILD_STRING => Op::BuildString(arg),
        M::LIST_APPEND => Op::ListAppend(arg),
        M::SET_ADD => Op::SetAdd(arg),
        M::MAP_ADD => Op::MapAdd(arg),
        M::LIST_EXTEND => Op::ListExtend(arg),
        M::SET_UPDATE => Op::SetUpdate(arg),
        M::DICT_UPDATE => Op::DictUpdate(arg),
        M::DICT_MERGE => Op::DictMerge(arg),
        M::LIST_TO_TUPLE => Op::ListToTuple,
        M::BUILD_TUPLE_UNPACK | M::BUILD_TUPLE_UNPACK_WITH_CALL => Op::BuildSeqUnpack(arg, 0),
        M::BUILD_LIST_UNPACK => Op::BuildSeqUnpack(arg, 1),
        M::BUILD_SET_UNPACK => Op::BuildSeqUnpack(arg, 2),
        M::BUILD_MAP_UNPACK => Op::BuildMapUnpack(arg, false),
        M::BUILD_MAP_UNPACK_WITH_CALL => Op::BuildMapUnpack(arg, true),
        M::UNPACK_SEQUENCE => Op::UnpackSequence(arg),
        M::UNPACK_EX => Op::UnpackEx(arg),
        M::FORMAT_VALUE => Op::FormatValue(arg),
        M::CONVERT_VALUE => Op::ConvertValue(arg),
        M::FORMAT_SIMPLE => Op::FormatSimple,
        M::FORMAT_WITH_SPEC => Op::FormatWithSpec,
        M::GET_ITER => Op::GetIter,
        M::FOR_ITER => jump!(|t: usize| {
            let ex = for_iter_exhausted(inst).unwrap_or(-1);
            match ctx.index_of(ex) {
                Some(exhausted) => Op::ForIter {
                    target: t,
                    exhausted,
                },
                None => invalid(format!(
                    "FOR_ITER exit to {} which is not an instruction",
                    ex
                )),
            }
        }),
        M::END_FOR => Op::EndFor(if v.at_least(3, 13) { 1 } else { 2 }),
        M::JUMP_FORWARD | M::JUMP_ABSOLUTE | M::JUMP_BACKWARD | M::JUMP_BACKWARD_NO_INTERRUPT => {
            jump!(Op::Jump)
        }
        M::POP_JUMP_IF_FALSE | M::POP_JUMP_FORWARD_IF_FALSE | M::POP_JUMP_BACKWARD_IF_FALSE => {
            jump!(|t| Op::PopJumpIf {
                cond: JumpCond::False,
                target: t
            })
        }
        M::POP_JUMP_IF_TRUE | M::POP_JUMP_FORWARD_IF_TRUE | M::POP_JUMP_BACKWARD_IF_TRUE => {
            jump!(|t| Op::PopJumpIf {
                cond: JumpCond::True,
                target: t
            })
        }
        M::POP_JUMP_IF_NONE | M::POP_JUMP_FORWARD_IF_NONE | M::POP_JUMP_BACKWARD_IF_NONE => {
            jump!(|t| Op::PopJumpIf {
                cond: JumpCond::None,
                target: t
            })
        }
        M::POP_JUMP_IF_NOT_NONE
        | M::POP_JUMP_FORWARD_IF_NOT_NONE
        | M::POP_JUMP_BACKWARD_IF_NOT_NONE => {
            jump!(|t| Op::PopJumpIf {
                cond: JumpCond::NotNone,
                target: t
            })
        }
        M::JUMP_IF_FALSE_OR_POP => jump!(|t| Op::JumpIfOrPop {
            when: false,
            target: t
        }),
        M::JUMP_IF_TRUE_OR_POP => jump!(|t| Op::JumpIfOrPop {
            when: true,
            target: t
        }),
        M::JUMP_IF_NOT_EXC_MATCH => jump!(Op::JumpIfNotExcMatch),
        M::CALL_FUNCTION => Op::CallFunction(arg),
        M::CALL_FUNCTION_KW => Op::CallFunctionKw(arg),
        M::CALL_METHOD => Op::CallMethod(arg),
        M::CALL => Op::Call {
            argc: arg,
            kw_on_stack: false,
        },
        M::CALL_KW => Op::Call {
            argc: arg,
            kw_on_stack: true,
        },
        M::CALL_FUNCTION_EX => Op::CallFunctionEx {
            kwargs: arg & 1 == 1,
            null_pair: v.at_least(3, 11),
        },
        M::KW_NAMES => Op::KwNames(arg),
        M::LOAD_BUILD_CLASS => Op::LoadBuildClass,
        M::MAKE_FUNCTION => Op::MakeFunction {
            flags: if v.at_least(3, 13) { 0 } else { arg },
            qualname_on_stack: !v.at_least(3, 11),
        },
        M::SET_FUNCTION_ATTRIBUTE => Op::SetFunctionAttribute(arg),
        M::RETURN_GENERATOR => Op::ReturnGenerator,
        M::GEN_START => Op::GenStart,
        M::YIELD_VALUE => Op::YieldValue,
        M::YIELD_FROM => Op::YieldFrom,
        M::GET_YIELD_FROM_ITER => Op::GetYieldFromIter,
        M::SEND => jump!(Op::Send),
        M::END_SEND => Op::EndSend,
        M::CLEANUP_THROW => Op::CleanupThrow,
        M::RAISE_VARARGS => Op::RaiseVarargs(arg),
        M::RERAISE => Op::Reraise(arg),
        M::SETUP_FINALLY => jump!(Op::SetupFinally),
        M::POP_BLOCK => Op::PopBlock,
        M::POP_EXCEPT => Op::PopExcept,
        M::PUSH_EXC_INFO => Op::PushExcInfo,
        M::CHECK_EXC_MATCH => Op::CheckExcMatch,
        M::LOAD_ASSERTION_ERROR => Op::LoadAssertionError,
        M::BEGIN_FINALLY => Op::BeginFinally,
        M::END_FINALLY => Op::EndFinally,
        M::CALL_FINALLY => jump!(Op::CallFinally),
        M::POP_FINALLY => Op::PopFinally(arg),
        M::CALL_INTRINSIC_1 => Op::CallIntrinsic1(arg),
        M::SETUP_WITH => jump!(Op::SetupWith),
        M::BEFORE_WITH => Op::BeforeWith,
        M::WITH_CLEANUP_START => Op::WithCleanupStart,
        M::WITH_CLEANUP_FINISH => Op::WithCleanupFinish,
        M::WITH_EXCEPT_START => Op::WithExceptStart,
        M::IMPORT_NAME => Op::ImportName(arg),
        M::IMPORT_FROM => Op::ImportFrom(arg),
        M::IMPORT_STAR => Op::ImportStar,
        M::MATCH_CLASS => Op::MatchClass {
            count: arg,
            push_bool: !v.at_least(3, 11),
        },
        M::MATCH_MAPPING => Op::MatchMapping,
        M::MATCH_SEQUENCE => Op::MatchSequence,
        M::MATCH_KEYS => Op::MatchKeys {
            push_bool: !v.at_least(3, 11),
        },
        M::GET_LEN => Op::GetLen,
        M::COPY_DICT_WITHOUT_KEYS => Op::CopyDictWithoutKeys,
        _ => Op::Unsupported,
    }
}

/// How many values an op pops (for the trace's pop list; pushes are read
/// off the stack afterwards). An estimate is fine for ops whose effect
/// depends on the outcome.
pub fn pops(op: &Op) -> usize {
    use Op::*;
    match op {
        PopTop | ReturnValue | StoreFast(_) | StoreName(_) | StoreGlobal(_) | StoreDeref(_) => 1,
        StoreFastStoreFast(..) => 2,
        StoreFastLoadFast(..) => 1,
        LoadAttr { .. } | Unary(_) | ToBool | GetIter | GetYieldFromIter | ListToTuple => 1,
        UnpackSequence(_) | UnpackEx(_) | PopJumpIf { .. } | JumpIfOrPop { .. } => 1,
        FormatSimple | ConvertValue(_) | YieldValue | RaiseVarargs(0) | EndFinally => 1,
        RotTwo | Swap(2) => 2,
        RotThree => 3,
        RotFour => 4,
        Binary(..) | Compare { .. } | CompareLegacy(_) | IsOp(_) | ContainsOp(_) => 2,
        BinarySubscr | StoreAttr(_) | FormatWithSpec | CheckExcMatch | JumpIfNotExcMatch(_) => 2,
        DeleteSubscr | EndSend | Send(_) | YieldFrom => 2,
        StoreSubscr | BinarySlice | LoadSuperAttr { .. } => 3,
        StoreSlice => 4,
        BuildTuple(n) | BuildList(n) | BuildSet(n) | BuildString(n) => *n as usize,
        BuildMap(n) => 2 * *n as usize,
        BuildConstKeyMap(n) => *n as usize + 1,
        BuildSlice(n) => *n as usize,
        BuildSeqUnpack(n, _) | BuildMapUnpack(n, _) => *n as usize,
        ListAppend(_) | SetAdd(_) | ListExtend(_) | SetUpdate(_) | DictUpdate(_) | DictMerge(_) => {
            1
        }
        MapAdd(_) => 2,
        RaiseVarargs(n) => *n as usize,
        Reraise(_) | PopExcept | PushExcInfo => 1,
        CallFunction(n) => *n as usize + 1,
        CallFunctionKw(n) => *n as usize + 2,
        CallMethod(n) => *n as usize + 2,
        Call { argc, kw_on_stack } => *argc as usize + 2 + *kw_on_stack as usize,
        CallFunctionEx { kwargs, null_pair } => 2 + *kwargs as usize + *null_pair as usize,
        MakeFunction {
            flags,
            qualname_on_stack,
        } => 1 + *qualname_on_stack as usize + (flags & 0xf).count_ones() as usize,
        SetFunctionAttribute(_) => 2,
        EndFor(n) => *n as usize,
        CallIntrinsic1(_) => 1,
        SetupWith(_) | BeforeWith | WithCleanupStart => 1,
        WithCleanupFinish => 2,
        ImportName(_) => 2,
        ImportStar => 1,
        MatchClass { .. } => 3,
        CopyDictWithoutKeys => 1,
        _ => 0,
    }
}
