//! The field list of a marshalled code object (`TYPE_CODE`, `'c'`), per
//! release line, as `w_object`/`r_object` in each version's
//! `Python/marshal.c` writes and reads them.
//!
//! Checked against these `Python/marshal.c` texts (the `TYPE_CODE` branches
//! of `w_object`/`w_complex_object` and `r_object`):
//! - pre-1.5 (old `codeobject` API) and 1.6/2.0 (`PyCodeObject`, with
//!   `TYPE_UNICODE`): `w_short` argcount, nlocals, stacksize, flags; code,
//!   consts, names, varnames, filename, name; `w_short` firstlineno; lnotab.
//!   No freevars/cellvars: those came with nested scopes (PEP 227) in 2.1
//!   (magic 60202), still with `w_short` counters through 2.2.
//! - 2.3 to 2.7 (2.7.18's marshal.c): the 2.1 list with `w_long` counters.
//! - 3.0 to 3.7 (3.4's marshal.c): `w_long` kwonlyargcount after argcount.
//! - 3.8 to 3.10: `w_long` posonlyargcount after argcount (PEP 570, 3410).
//! - 3.11 to 3.14 (3.13/3.14-era marshal.c, the `allow_code` one): no
//!   nlocals; localsplusnames + localspluskinds replace varnames/freevars/
//!   cellvars; qualname after name; exceptiontable after linetable.

use crate::PyVersion;

/// One field of a marshalled code object, named after the `co_*` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeField {
    ArgCount,
    PosOnlyArgCount,
    KwOnlyArgCount,
    NLocals,
    StackSize,
    Flags,
    Code,
    Consts,
    Names,
    VarNames,
    FreeVars,
    CellVars,
    /// 3.11+: `co_localsplusnames` (varnames, cellvars and freevars in one tuple).
    LocalsPlusNames,
    /// 3.11+: `co_localspluskinds`, one kind byte per local.
    LocalsPlusKinds,
    Filename,
    Name,
    QualName,
    FirstLineNo,
    /// `co_lnotab` up to 3.9, `co_linetable` in 3.10+ (different encodings).
    LineTable,
    /// 3.11+: `co_exceptiontable`.
    ExceptionTable,
}

/// How a field is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldWidth {
    /// `w_short`: 16-bit little-endian, signed (Python 1.5–2.2).
    Short,
    /// `w_long`: 32-bit little-endian, signed.
    Long,
    /// A nested marshalled object.
    Object,
}

impl CodeField {
    pub fn name(self) -> &'static str {
        use CodeField::*;
        match self {
            ArgCount => "co_argcount",
            PosOnlyArgCount => "co_posonlyargcount",
            KwOnlyArgCount => "co_kwonlyargcount",
            NLocals => "co_nlocals",
            StackSize => "co_stacksize",
            Flags => "co_flags",
            Code => "co_code",
            Consts => "co_consts",
            Names => "co_names",
            VarNames => "co_varnames",
            FreeVars => "co_freevars",
            CellVars => "co_cellvars",
            LocalsPlusNames => "co_localsplusnames",
            LocalsPlusKinds => "co_localspluskinds",
            Filename => "co_filename",
            Name => "co_name",
            QualName => "co_qualname",
            FirstLineNo => "co_firstlineno",
            LineTable => "co_linetable",
            ExceptionTable => "co_exceptiontable",
        }
    }

    /// Whether the field is an integer (as opposed to a nested object).
    pub fn is_int(self) -> bool {
        use CodeField::*;
        matches!(
            self,
            ArgCount | PosOnlyArgCount | KwOnlyArgCount | NLocals | StackSize | Flags | FirstLineNo
        )
    }
}

use CodeField::*;

// Python 1.5–2.0: shorts for the counters (marshal.c w_short), and no
// co_freevars/co_cellvars yet.
const PY15_20: &[CodeField] = &[
    ArgCount,
    NLocals,
    StackSize,
    Flags,
    Code,
    Consts,
    Names,
    VarNames,
    Filename,
    Name,
    FirstLineNo,
    LineTable,
];
// 2.1–2.2: nested scopes add freevars and cellvars after varnames; still shorts.
const PY21_22: &[CodeField] = &[
    ArgCount,
    NLocals,
    StackSize,
    Flags,
    Code,
    Consts,
    Names,
    VarNames,
    FreeVars,
    CellVars,
    Filename,
    Name,
    FirstLineNo,
    LineTable,
];
// 2.3–2.7: the 2.1 list, longs (w_long).
const PY23_27: &[CodeField] = PY21_22;
// 3.0–3.7: keyword-only argument count added.
const PY30_37: &[CodeField] = &[
    ArgCount,
    KwOnlyArgCount,
    NLocals,
    StackSize,
    Flags,
    Code,
    Consts,
    Names,
    VarNames,
    FreeVars,
    CellVars,
    Filename,
    Name,
    FirstLineNo,
    LineTable,
];
// 3.8–3.10: positional-only argument count added (PEP 570).
const PY38_310: &[CodeField] = &[
    ArgCount,
    PosOnlyArgCount,
    KwOnlyArgCount,
    NLocals,
    StackSize,
    Flags,
    Code,
    Consts,
    Names,
    VarNames,
    FreeVars,
    CellVars,
    Filename,
    Name,
    FirstLineNo,
    LineTable,
];
// 3.11+: locals-plus, qualname, exception table (no nlocals).
const PY311: &[CodeField] = &[
    ArgCount,
    PosOnlyArgCount,
    KwOnlyArgCount,
    StackSize,
    Flags,
    Code,
    Consts,
    Names,
    LocalsPlusNames,
    LocalsPlusKinds,
    Filename,
    Name,
    QualName,
    FirstLineNo,
    LineTable,
    ExceptionTable,
];

/// The fields of a code object of `version`, in marshal order, and the width
/// of the integer fields.
pub fn code_layout(version: PyVersion) -> (&'static [CodeField], FieldWidth) {
    match (version.major, version.minor) {
        (1, _) | (2, 0) => (PY15_20, FieldWidth::Short),
        (2, 1..=2) => (PY21_22, FieldWidth::Short),
        (2, _) => (PY23_27, FieldWidth::Long),
        (3, 0..=7) => (PY30_37, FieldWidth::Long),
        (3, 8..=10) => (PY38_310, FieldWidth::Long),
        _ => (PY311, FieldWidth::Long),
    }
}
