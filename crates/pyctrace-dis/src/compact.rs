//! The compact form of a code object's instructions: fixed-size records
//! ([`Ins`], 40 bytes) whose strings live in one table per code object.
//! The text formatter reads this; [`DisInstruction`]s with strings of their
//! own are made from it the first time anyone looks ([`Instructions`]).

use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use pyctrace_bytecode::{ArgKind, Mnemonic, OpTable};
use pyctrace_marshal::PyVersion;

use crate::model::{ArgValue, DisInstruction};

/// The instructions of a code object, in offset order.
///
/// Kept compact; as a slice of [`DisInstruction`] (`Deref`, indexing,
/// `iter()`, `&instructions` in `for` loops) they are expanded once, the
/// first time they are looked at. [`Instructions::len`] needs no expansion.
#[derive(Clone)]
pub struct Instructions {
    pub(crate) items: Vec<Ins>,
    pub(crate) strings: Strings,
    pub(crate) version: PyVersion,
    /// The opcode table the instructions were decoded with.
    pub(crate) table: &'static OpTable,
    expanded: OnceLock<Vec<DisInstruction>>,
}

impl Instructions {
    pub(crate) fn new(
        items: Vec<Ins>,
        strings: Strings,
        version: PyVersion,
        table: &'static OpTable,
    ) -> Self {
        Instructions {
            items,
            strings,
            version,
            table,
            expanded: OnceLock::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every instruction with its strings (made on first use).
    pub fn as_slice(&self) -> &[DisInstruction] {
        self.expanded.get_or_init(|| {
            self.items
                .iter()
                .map(|ins| {
                    let mut argrepr = String::new();
                    self.argrepr_into(ins, &mut argrepr);
                    DisInstruction {
                        offset: ins.offset as usize,
                        start_offset: ins.start_offset as usize,
                        size: ins.size as usize,
                        opcode: ins.opcode,
                        opname: opname_of(ins.opcode, ins.mnemonic).to_string(),
                        mnemonic: ins.mnemonic,
                        kind: ins.kind,
                        arg: ins.has(Ins::HAS_ARG).then(|| ins.arg()),
                        arg_long: ins.has(Ins::ARG_LONG),
                        argval: self.argval(ins),
                        argrepr,
                        jump_target: jump_target(self.table, ins),
                        line_start: ins.has(Ins::STARTS_LINE).then(|| ins.line()),
                        line: ins.line(),
                        is_jump_target: ins.label != 0,
                        label: (ins.label != 0).then_some(ins.label),
                        reachable: ins.has(Ins::REACHABLE),
                        truncated: ins.has(Ins::TRUNCATED),
                        bad_arg: ins.has(Ins::BAD_ARG),
                    }
                })
                .collect()
        })
    }

    /// `Instruction.argval` of `ins`.
    fn argval(&self, ins: &Ins) -> ArgValue {
        let s = |i: u32| self.strings.get(i).to_string();
        match ins.res() {
            Res::None => ArgValue::None,
            Res::Int | Res::IntShown | Res::Flags | Res::Nargs => ArgValue::Int(ins.arg()),
            Res::Const(i) => ArgValue::Const(s(i)),
            Res::Name(i) | Res::NameWith(i, _) => ArgValue::Name(s(i)),
            Res::Names(a, b) | Res::BadNames(a, b) => ArgValue::Names(s(a), s(b)),
            Res::Text(set, i) | Res::TextBool(set, i) => {
                ArgValue::Text(text(self.table, set, i).to_string())
            }
            Res::Jump(_) => ArgValue::Offset(jump_target(self.table, ins).unwrap_or(0)),
            Res::Bad(_) => ArgValue::Bad,
        }
    }

    /// Writes what `dis` shows in parentheses for `ins` (its `argrepr`).
    pub(crate) fn argrepr_into<S: Sink>(&self, ins: &Ins, out: &mut S) {
        self.args().argrepr_into(ins, out)
    }

    /// What argument texts are made from.
    #[inline]
    pub(crate) fn args(&self) -> Args<'_> {
        Args {
            strings: &self.strings,
            version: self.version,
            table: self.table,
        }
    }
}

/// What the argument texts of a code object's instructions are made from.
#[derive(Clone, Copy)]
pub(crate) struct Args<'s> {
    pub(crate) strings: &'s Strings,
    pub(crate) version: PyVersion,
    pub(crate) table: &'static OpTable,
}

impl Args<'_> {
    /// Writes what `dis` shows in parentheses for `ins` (its `argrepr`).
    pub(crate) fn argrepr_into<S: Sink>(&self, ins: &Ins, out: &mut S) {
        match ins.res() {
            Res::None | Res::Int | Res::Jump(JumpShown::Nothing) => {}
            Res::IntShown => put_i64(out, ins.arg()),
            Res::Nargs => {
                // "%d positional, %d keyword pair" % (code[i-2], code[i-1]):
                // the instruction's own two argument bytes
                put_u64(out, (ins.raw_arg & 0xFF) as u64);
                out.put(" positional, ");
                put_u64(out, (ins.raw_arg >> 8 & 0xFF) as u64);
                out.put(" keyword pair");
            }
            Res::Flags => {
                let mut first = true;
                for (i, name) in flag_names(self.version).iter().enumerate() {
                    if ins.arg() & (1 << i) != 0 {
                        if !first {
                            out.put(", ");
                        }
                        first = false;
                        out.put(name);
                    }
                }
            }
            Res::Const(i) | Res::Name(i) | Res::Bad(i) => out.put(self.strings.get(i)),
            Res::NameWith(i, extra) => {
                let extra = extra.text();
                if self.version.at_least(3, 13) {
                    out.put(self.strings.get(i));
                    out.put(" + ");
                    out.put(extra);
                } else {
                    out.put(extra);
                    out.put(" + ");
                    out.put(self.strings.get(i));
                }
            }
            Res::Names(a, b) | Res::BadNames(a, b) => {
                out.put(self.strings.get(a));
                out.put(", ");
                out.put(self.strings.get(b));
            }
            Res::Text(set, i) => out.put(text(self.table, set, i)),
            Res::TextBool(set, i) => {
                out.put("bool(");
                out.put(text(self.table, set, i));
                out.put(")");
            }
            Res::Jump(shown) => {
                let t = jump_target(self.table, ins).unwrap_or(0);
                match shown {
                    JumpShown::To => {
                        out.put("to ");
                        put_i64(out, t);
                    }
                    JumpShown::ToLong => {
                        out.put("to ");
                        put_i64(out, t);
                        out.put("L");
                    }
                    JumpShown::Label(l) => {
                        out.put("to L");
                        put_u64(out, l as u64);
                    }
                    JumpShown::Nothing => {}
                }
            }
        }
    }

    /// The argrepr of `ins` when it is one string as it stands.
    #[inline]
    pub(crate) fn argrepr_text(&self, ins: &Ins) -> Option<&str> {
        match ins.res() {
            Res::Const(i) | Res::Name(i) | Res::Bad(i) => Some(self.strings.get(i)),
            Res::Text(set, i) => Some(text(self.table, set, i)),
            _ => None,
        }
    }

    /// Whether [`Instructions::argrepr_into`] writes nothing.
    #[inline]
    pub(crate) fn argrepr_is_empty(&self, ins: &Ins) -> bool {
        match ins.res() {
            Res::None | Res::Int | Res::Jump(JumpShown::Nothing) => true,
            Res::Const(i) | Res::Name(i) | Res::Bad(i) => self.strings.is_empty_at(i),
            Res::Flags => {
                let n = flag_names(self.version).len();
                ins.arg() & ((1 << n) - 1) == 0
            }
            Res::Text(set, i) => text(self.table, set, i).is_empty(),
            Res::IntShown | Res::NameWith(..) | Res::Names(..) | Res::BadNames(..) => false,
            Res::Nargs => false,
            Res::TextBool(..) => false,
            Res::Jump(_) => false,
        }
    }
}

impl Deref for Instructions {
    type Target = [DisInstruction];

    fn deref(&self) -> &[DisInstruction] {
        self.as_slice()
    }
}

impl<'a> IntoIterator for &'a Instructions {
    type Item = &'a DisInstruction;
    type IntoIter = std::slice::Iter<'a, DisInstruction>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl fmt::Debug for Instructions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// One instruction, compact: what its [`DisInstruction`] holds, the
/// strings in the code object's table, the jump target computed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ins {
    pub offset: u32,
    /// Offset of the first EXTENDED_ARG prefix (or `offset`).
    pub start_offset: u32,
    /// The argument as decoded (a 32-bit value), with `HAS_ARG`.
    pub raw_arg: u32,
    /// The line the instruction belongs to, with `HAS_LINE`.
    pub line_no: i32,
    /// Label number (1-based) when `dis` marks it as a jump target, else 0.
    pub label: u32,
    /// What the argument resolved to (see [`Ins::res`]).
    pub raw_res: RawRes,
    /// Bytes covered, inline caches included.
    pub size: u16,
    pub mnemonic: Option<Mnemonic>,
    pub opcode: u8,
    pub kind: ArgKind,
    pub flags: u8,
}

impl Ins {
    pub const HAS_ARG: u8 = 1;
    /// 2.x: the argument followed an EXTENDED_ARG (shown as a `long`).
    pub const ARG_LONG: u8 = 2;
    pub const HAS_LINE: u8 = 4;
    /// It starts a line (`line_start` is `Some(line)`).
    pub const STARTS_LINE: u8 = 8;
    pub const REACHABLE: u8 = 16;
    pub const TRUNCATED: u8 = 32;
    pub const BAD_ARG: u8 = 64;
    /// `dis` shows the argument as a signed 32-bit number (3.11+).
    pub const SIGNED_ARG: u8 = 128;

    #[inline]
    pub(crate) fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    #[inline]
    pub(crate) fn set(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }

    /// The argument as `dis` shows it (`Instruction::dis_arg`), 0 without.
    #[inline]
    pub(crate) fn arg(&self) -> i64 {
        if self.has(Ins::SIGNED_ARG) {
            self.raw_arg as i32 as i64
        } else {
            self.raw_arg as i64
        }
    }

    /// What the argument resolved to.
    #[inline]
    pub(crate) fn res(&self) -> Res {
        self.raw_res.unpack()
    }

    #[inline]
    pub(crate) fn set_res(&mut self, res: Res) {
        self.raw_res = RawRes::pack(res);
    }

    #[inline]
    pub(crate) fn line(&self) -> Option<i32> {
        self.has(Ins::HAS_LINE).then_some(self.line_no)
    }
}

/// `Instruction::raw_jump_target` of `ins` decoded with `table`: the raw
/// target in bytes (may lie outside the code) of a jump with an argument.
#[inline]
pub(crate) fn jump_target(table: &OpTable, ins: &Ins) -> Option<i64> {
    if !ins.has(Ins::HAS_ARG) {
        return None;
    }
    let arg = ins.raw_arg as i64;
    let v = table.py_version();
    let unit: i64 = if v.at_least(3, 10) { 2 } else { 1 };
    let caches = if v.at_least(3, 12) {
        2 * table.get(ins.opcode).map_or(0, |i| i.caches) as i64
    } else {
        0
    };
    let next = ins.offset as i64 + if v.at_least(3, 6) { 2 } else { 3 };
    match ins.kind {
        ArgKind::JumpAbsolute => Some(arg * unit),
        ArgKind::JumpForward => Some(next + arg * unit + caches),
        ArgKind::JumpBackward => Some(next - arg * unit + caches),
        _ => None,
    }
}

/// What an argument resolved to: gives both `argval` and `argrepr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Res {
    /// No argument: `None`, shown as nothing.
    None,
    /// `Int(arg)`, shown as nothing.
    Int,
    /// `Int(arg)`, shown as the number.
    IntShown,
    /// `Int(arg)`, shown as function flag names.
    Flags,
    /// `Int(arg)`, shown as `N positional, M keyword pair` (3.3-3.5).
    Nargs,
    /// `Const(s)`, shown as `s` (string `i` of the table).
    Const(u32),
    /// `Name(s)`, shown as `s`.
    Name(u32),
    /// `Name(s)`, shown as `EXTRA + s` (3.13+: `s + EXTRA`).
    NameWith(u32, Extra),
    /// `Names(a, b)`, shown as `a, b`.
    Names(u32, u32),
    /// Like `Names`, one of them out of range (`<bad local 16>`).
    BadNames(u32, u32),
    /// `Text(t)`, shown as `t`.
    Text(TextSet, u16),
    /// `Text(t)`, shown as `bool(t)`.
    TextBool(TextSet, u16),
    /// `Offset(jump target)`.
    Jump(JumpShown),
    /// `Bad`, shown as string `i` (`<bad const 65535>`).
    Bad(u32),
}

/// A [`Res`] as stored in an [`Ins`]: plain words, so that records are
/// written field by field (a copied enum composed in memory stalls on
/// store forwarding in the build loop). `tag` is the variant, with the
/// sub-kind (extra, text set, jump form) in its second byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawRes {
    tag: u32,
    a: u32,
    b: u32,
}

impl RawRes {
    pub(crate) const NONE: RawRes = RawRes { tag: 0, a: 0, b: 0 };

    #[inline(always)]
    pub(crate) fn pack(res: Res) -> RawRes {
        let (tag, a, b) = match res {
            Res::None => (0, 0, 0),
            Res::Int => (1, 0, 0),
            Res::IntShown => (2, 0, 0),
            Res::Flags => (3, 0, 0),
            Res::Const(i) => (4, i, 0),
            Res::Name(i) => (5, i, 0),
            Res::NameWith(i, e) => (6 | (e as u32) << 8, i, 0),
            Res::Names(x, y) => (7, x, y),
            Res::BadNames(x, y) => (8, x, y),
            Res::Text(set, i) => (9 | (set as u32) << 8, i as u32, 0),
            Res::TextBool(set, i) => (10 | (set as u32) << 8, i as u32, 0),
            Res::Jump(JumpShown::Nothing) => (11, 0, 0),
            Res::Jump(JumpShown::To) => (11 | 1 << 8, 0, 0),
            Res::Jump(JumpShown::ToLong) => (11 | 2 << 8, 0, 0),
            Res::Jump(JumpShown::Label(l)) => (11 | 3 << 8, l, 0),
            Res::Bad(i) => (12, i, 0),
            Res::Nargs => (13, 0, 0),
        };
        RawRes { tag, a, b }
    }

    #[inline(always)]
    pub(crate) fn unpack(self) -> Res {
        let RawRes { tag, a, b } = self;
        let sub = (tag >> 8) as u8;
        match tag & 0xFF {
            1 => Res::Int,
            2 => Res::IntShown,
            3 => Res::Flags,
            4 => Res::Const(a),
            5 => Res::Name(a),
            6 => Res::NameWith(
                a,
                if sub == Extra::NullOrSelf as u8 {
                    Extra::NullOrSelf
                } else {
                    Extra::Null
                },
            ),
            7 => Res::Names(a, b),
            8 => Res::BadNames(a, b),
            9 => Res::Text(TextSet::from_u8(sub), a as u16),
            10 => Res::TextBool(TextSet::from_u8(sub), a as u16),
            11 => Res::Jump(match sub {
                1 => JumpShown::To,
                2 => JumpShown::ToLong,
                3 => JumpShown::Label(a),
                _ => JumpShown::Nothing,
            }),
            12 => Res::Bad(a),
            13 => Res::Nargs,
            _ => Res::None,
        }
    }
}

/// What a flagged name argument shows besides the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Extra {
    Null,
    NullOrSelf,
}

impl Res {
    /// The argument is out of range for what it indexes.
    #[inline]
    pub(crate) fn is_bad(self) -> bool {
        matches!(self, Res::Bad(_) | Res::BadNames(..))
    }
}

impl Extra {
    fn text(self) -> &'static str {
        match self {
            Extra::Null => "NULL",
            Extra::NullOrSelf => "NULL|self",
        }
    }
}

/// The lists argument texts are taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum TextSet {
    CmpOp,
    NbOp,
    Intrinsic1,
    Intrinsic2,
    FormatValue,
    Conversion,
    CommonConstant,
    SpecialMethod,
}

impl TextSet {
    const ALL: [TextSet; 8] = [
        TextSet::CmpOp,
        TextSet::NbOp,
        TextSet::Intrinsic1,
        TextSet::Intrinsic2,
        TextSet::FormatValue,
        TextSet::Conversion,
        TextSet::CommonConstant,
        TextSet::SpecialMethod,
    ];

    #[inline]
    fn from_u8(b: u8) -> TextSet {
        TextSet::ALL
            .get(b as usize)
            .copied()
            .unwrap_or(TextSet::CmpOp)
    }
}

/// `FORMAT_VALUE` texts by `arg & 3` (conversion) + 4 when a format spec follows.
pub(crate) static FORMAT_VALUE_TEXTS: [&str; 8] = [
    "",
    "str",
    "repr",
    "ascii",
    "with format",
    "str, with format",
    "repr, with format",
    "ascii, with format",
];

pub(crate) static CONVERSIONS: [&str; 4] = ["", "str", "repr", "ascii"];

pub(crate) static COMMON_CONSTANTS: [&str; 5] = [
    "AssertionError",
    "NotImplementedError",
    "tuple",
    "all",
    "any",
];

pub(crate) static SPECIAL_METHODS: [&str; 4] = ["__enter__", "__exit__", "__aenter__", "__aexit__"];

/// The texts of a set.
pub(crate) fn text_set(table: &OpTable, set: TextSet) -> &'static [&'static str] {
    match set {
        TextSet::CmpOp => table.cmp_op,
        TextSet::NbOp => table.nb_ops,
        TextSet::Intrinsic1 => table.intrinsic1,
        TextSet::Intrinsic2 => table.intrinsic2,
        TextSet::FormatValue => &FORMAT_VALUE_TEXTS,
        TextSet::Conversion => &CONVERSIONS,
        TextSet::CommonConstant => &COMMON_CONSTANTS,
        TextSet::SpecialMethod => &SPECIAL_METHODS,
    }
}

#[inline]
fn text(table: &OpTable, set: TextSet, i: u16) -> &'static str {
    text_set(table, set).get(i as usize).copied().unwrap_or("")
}

/// How a jump argument is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JumpShown {
    /// Not at all (absolute jumps before 3.10).
    Nothing,
    /// `to 42`
    To,
    /// `to 42L` (2.x long argument)
    ToLong,
    /// `to L3` (3.13+)
    Label(u32),
}

/// The strings of a code object's instructions, in one buffer.
#[derive(Clone, Debug, Default)]
pub(crate) struct Strings {
    pub(crate) text: String,
    ends: Vec<u32>,
}

impl Strings {
    /// Makes room for about `count` strings.
    pub(crate) fn reserve(&mut self, count: usize) {
        self.ends.reserve(count);
        self.text.reserve(count * 12);
    }

    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    pub(crate) fn push(&mut self, s: &str) -> u32 {
        self.text.push_str(s);
        self.end()
    }

    /// Closes the string written at the end of `text` since the last one.
    pub(crate) fn end(&mut self) -> u32 {
        // the listing's strings stay far below 4 GiB (reprs are capped at
        // 1 MiB, names are the file's own)
        self.ends.push(self.text.len() as u32);
        (self.ends.len() - 1) as u32
    }

    #[inline]
    pub(crate) fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    #[inline]
    fn is_empty_at(&self, i: u32) -> bool {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        start == self.ends[i]
    }
}

/// Where argument texts are written.
pub(crate) trait Sink {
    fn put(&mut self, s: &str);
}

impl Sink for String {
    #[inline]
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }
}

/// Writes `n` in decimal.
#[inline]
pub(crate) fn put_u64<S: Sink>(out: &mut S, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut m = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    // SAFETY: ASCII digits.
    out.put(unsafe { std::str::from_utf8_unchecked(&buf[i..]) });
}

/// Writes `n` in decimal, with its sign.
#[inline]
pub(crate) fn put_i64<S: Sink>(out: &mut S, n: i64) {
    if n < 0 {
        out.put("-");
    }
    put_u64(out, n.unsigned_abs());
}

/// `MAKE_FUNCTION` / `SET_FUNCTION_ATTRIBUTE` flag names, bit 0 first.
fn flag_names(version: PyVersion) -> &'static [&'static str] {
    const NAMES: [&str; 5] = [
        "defaults",
        "kwdefaults",
        "annotations",
        "closure",
        "annotate",
    ];
    if version.at_least(3, 14) {
        &NAMES
    } else {
        &NAMES[..4]
    }
}

/// Names of the bytes a version does not define, as `dis` shows them.
static UNDEFINED_OPNAMES: [&str; 256] = [
    "<0>", "<1>", "<2>", "<3>", "<4>", "<5>", "<6>", "<7>", "<8>", "<9>", "<10>", "<11>", "<12>",
    "<13>", "<14>", "<15>", "<16>", "<17>", "<18>", "<19>", "<20>", "<21>", "<22>", "<23>", "<24>",
    "<25>", "<26>", "<27>", "<28>", "<29>", "<30>", "<31>", "<32>", "<33>", "<34>", "<35>", "<36>",
    "<37>", "<38>", "<39>", "<40>", "<41>", "<42>", "<43>", "<44>", "<45>", "<46>", "<47>", "<48>",
    "<49>", "<50>", "<51>", "<52>", "<53>", "<54>", "<55>", "<56>", "<57>", "<58>", "<59>", "<60>",
    "<61>", "<62>", "<63>", "<64>", "<65>", "<66>", "<67>", "<68>", "<69>", "<70>", "<71>", "<72>",
    "<73>", "<74>", "<75>", "<76>", "<77>", "<78>", "<79>", "<80>", "<81>", "<82>", "<83>", "<84>",
    "<85>", "<86>", "<87>", "<88>", "<89>", "<90>", "<91>", "<92>", "<93>", "<94>", "<95>", "<96>",
    "<97>", "<98>", "<99>", "<100>", "<101>", "<102>", "<103>", "<104>", "<105>", "<106>", "<107>",
    "<108>", "<109>", "<110>", "<111>", "<112>", "<113>", "<114>", "<115>", "<116>", "<117>",
    "<118>", "<119>", "<120>", "<121>", "<122>", "<123>", "<124>", "<125>", "<126>", "<127>",
    "<128>", "<129>", "<130>", "<131>", "<132>", "<133>", "<134>", "<135>", "<136>", "<137>",
    "<138>", "<139>", "<140>", "<141>", "<142>", "<143>", "<144>", "<145>", "<146>", "<147>",
    "<148>", "<149>", "<150>", "<151>", "<152>", "<153>", "<154>", "<155>", "<156>", "<157>",
    "<158>", "<159>", "<160>", "<161>", "<162>", "<163>", "<164>", "<165>", "<166>", "<167>",
    "<168>", "<169>", "<170>", "<171>", "<172>", "<173>", "<174>", "<175>", "<176>", "<177>",
    "<178>", "<179>", "<180>", "<181>", "<182>", "<183>", "<184>", "<185>", "<186>", "<187>",
    "<188>", "<189>", "<190>", "<191>", "<192>", "<193>", "<194>", "<195>", "<196>", "<197>",
    "<198>", "<199>", "<200>", "<201>", "<202>", "<203>", "<204>", "<205>", "<206>", "<207>",
    "<208>", "<209>", "<210>", "<211>", "<212>", "<213>", "<214>", "<215>", "<216>", "<217>",
    "<218>", "<219>", "<220>", "<221>", "<222>", "<223>", "<224>", "<225>", "<226>", "<227>",
    "<228>", "<229>", "<230>", "<231>", "<232>", "<233>", "<234>", "<235>", "<236>", "<237>",
    "<238>", "<239>", "<240>", "<241>", "<242>", "<243>", "<244>", "<245>", "<246>", "<247>",
    "<248>", "<249>", "<250>", "<251>", "<252>", "<253>", "<254>", "<255>",
];

/// `LOAD_CONST`, or `<218>` for an undefined byte.
#[inline]
pub(crate) fn opname_of(opcode: u8, mnemonic: Option<Mnemonic>) -> &'static str {
    match mnemonic {
        Some(m) => m.name(),
        None => UNDEFINED_OPNAMES[opcode as usize],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact() {
        assert!(std::mem::size_of::<Ins>() <= 40);
        assert_eq!(std::mem::size_of::<Res>(), 12);
    }

    #[test]
    fn packed_results_unpack_to_themselves() {
        let mut all = vec![Res::None, Res::Int, Res::IntShown, Res::Flags, Res::Nargs];
        for i in [0, 1, 7, u16::MAX as u32, u32::MAX] {
            all.extend([Res::Const(i), Res::Name(i), Res::Bad(i)]);
            all.extend([
                Res::NameWith(i, Extra::Null),
                Res::NameWith(i, Extra::NullOrSelf),
            ]);
            all.extend([Res::Names(i, 3), Res::BadNames(5, i)]);
            all.extend([Res::Jump(JumpShown::Label(i))]);
        }
        for set in TextSet::ALL {
            for i in [0, 3, u16::MAX] {
                all.extend([Res::Text(set, i), Res::TextBool(set, i)]);
            }
        }
        all.extend([
            Res::Jump(JumpShown::Nothing),
            Res::Jump(JumpShown::To),
            Res::Jump(JumpShown::ToLong),
        ]);
        for res in all {
            assert_eq!(RawRes::pack(res).unpack(), res);
        }
    }
}
