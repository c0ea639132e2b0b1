//! The value representation: small immutable values unboxed, everything
//! else reference-counted (`Rc`), with `RefCell` where Python objects are
//! mutable.

use std::cell::RefCell;
use std::rc::Rc;

use num_bigint::BigInt;

use crate::code::CodeObj;
use crate::types::class::{Class, Instance};
use crate::types::dict::Dict;
use crate::types::frame::FrameObj;
use crate::types::function::{BoundMethod, Function, NativeFn, NativeMethod};
use crate::types::generator::Generator;
use crate::types::iter::IterState;
use crate::types::range::Range;
use crate::types::str::PyStr;

pub type Cell = Rc<RefCell<Option<Value>>>;

#[derive(Clone)]
pub enum Value {
    /// CPython's NULL on the value stack (PUSH_NULL, 3.8 BEGIN_FINALLY). Never
    /// reaches Python code.
    Null,
    None,
    NotImplemented,
    Ellipsis,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Only for values outside `i64` (always normalised).
    BigInt(Rc<BigInt>),
    Str(Rc<PyStr>),
    Bytes(Rc<Vec<u8>>),
    ByteArray(crate::types::bytearray::Data),
    /// `complex`: (real, imag).
    Complex(Rc<[f64; 2]>),
    Tuple(Rc<Vec<Value>>),
    List(Rc<RefCell<Vec<Value>>>),
    Dict(Rc<RefCell<Dict>>),
    /// Sets are dicts whose values are unused.
    Set(Rc<RefCell<Dict>>),
    FrozenSet(Rc<Dict>),
    Range(Rc<Range>),
    Slice(Rc<[Value; 3]>),
    Function(Rc<Function>),
    Native(Rc<NativeFn>),
    NativeMethod(Rc<NativeMethod>),
    BoundMethod(Rc<BoundMethod>),
    Class(Rc<Class>),
    Instance(Rc<Instance>),
    Code(Rc<CodeObj>),
    Cell(Cell),
    Iter(Rc<RefCell<IterState>>),
    Generator(Rc<RefCell<Generator>>),
    Property(Rc<[Value; 3]>),
    ClassMethod(Rc<Value>),
    StaticMethod(Rc<Value>),
    /// `super(cls, obj)`
    Super(Rc<(Rc<Class>, Value)>),
    /// A frame object (`sys._getframe()`, trace functions).
    Frame(Rc<FrameObj>),
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::new(PyStr::new(s.to_string())))
    }

    pub fn string(s: String) -> Value {
        Value::Str(Rc::new(PyStr::new(s)))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(items))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }

    pub fn bigint(b: BigInt) -> Value {
        crate::types::int::normalize(b)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(&s.s),
            _ => None,
        }
    }

    /// Identity (`is`).
    pub fn is(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) | (None, None) | (NotImplemented, NotImplemented) => true,
            (Ellipsis, Ellipsis) => true,
            (Bool(a), Bool(b)) => a == b,
            // small ints are cached in CPython; all unboxed ints compare by value here
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (BigInt(a), BigInt(b)) => Rc::ptr_eq(a, b),
            (Str(a), Str(b)) => Rc::ptr_eq(a, b) || a.s == b.s,
            (Bytes(a), Bytes(b)) => Rc::ptr_eq(a, b),
            (ByteArray(a), ByteArray(b)) => Rc::ptr_eq(a, b),
            (Complex(a), Complex(b)) => Rc::ptr_eq(a, b),
            (Tuple(a), Tuple(b)) => Rc::ptr_eq(a, b) || (a.is_empty() && b.is_empty()),
            (List(a), List(b)) => Rc::ptr_eq(a, b),
            (Dict(a), Dict(b)) | (Set(a), Set(b)) => Rc::ptr_eq(a, b),
            (FrozenSet(a), FrozenSet(b)) => Rc::ptr_eq(a, b),
            (Range(a), Range(b)) => Rc::ptr_eq(a, b),
            (Slice(a), Slice(b)) => Rc::ptr_eq(a, b),
            (Function(a), Function(b)) => Rc::ptr_eq(a, b),
            (Native(a), Native(b)) => Rc::ptr_eq(a, b),
            (NativeMethod(a), NativeMethod(b)) => Rc::ptr_eq(a, b),
            (BoundMethod(a), BoundMethod(b)) => Rc::ptr_eq(a, b),
            (Class(a), Class(b)) => Rc::ptr_eq(a, b),
            (Instance(a), Instance(b)) => Rc::ptr_eq(a, b),
            (Code(a), Code(b)) => Rc::ptr_eq(a, b),
            (Cell(a), Cell(b)) => Rc::ptr_eq(a, b),
            (Iter(a), Iter(b)) => Rc::ptr_eq(a, b),
            (Generator(a), Generator(b)) => Rc::ptr_eq(a, b),
            (Property(a), Property(b)) => Rc::ptr_eq(a, b),
            (ClassMethod(a), ClassMethod(b)) | (StaticMethod(a), StaticMethod(b)) => {
                Rc::ptr_eq(a, b)
            }
            (Super(a), Super(b)) => Rc::ptr_eq(a, b),
            (Frame(a), Frame(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// An address-like identity number (`id()`, default hash).
    pub fn identity(&self) -> usize {
        use Value::*;
        match self {
            BigInt(r) => Rc::as_ptr(r) as usize,
            Str(r) => Rc::as_ptr(r) as usize,
            Bytes(r) => Rc::as_ptr(r) as usize,
            ByteArray(r) => Rc::as_ptr(r) as usize,
            Complex(r) => Rc::as_ptr(r) as *const u8 as usize,
            Tuple(r) => Rc::as_ptr(r) as usize,
            List(r) => Rc::as_ptr(r) as usize,
            Dict(r) | Set(r) => Rc::as_ptr(r) as usize,
            FrozenSet(r) => Rc::as_ptr(r) as usize,
            Range(r) => Rc::as_ptr(r) as usize,
            Slice(r) => Rc::as_ptr(r) as *const u8 as usize,
            Function(r) => Rc::as_ptr(r) as usize,
            Native(r) => Rc::as_ptr(r) as usize,
            NativeMethod(r) => Rc::as_ptr(r) as usize,
            BoundMethod(r) => Rc::as_ptr(r) as usize,
            Class(r) => Rc::as_ptr(r) as usize,
            Instance(r) => Rc::as_ptr(r) as usize,
            Code(r) => Rc::as_ptr(r) as usize,
            Cell(r) => Rc::as_ptr(r) as usize,
            Iter(r) => Rc::as_ptr(r) as usize,
            Generator(r) => Rc::as_ptr(r) as usize,
            Property(r) => Rc::as_ptr(r) as *const u8 as usize,
            ClassMethod(r) | StaticMethod(r) => Rc::as_ptr(r) as usize,
            Super(r) => Rc::as_ptr(r) as usize,
            Frame(r) => Rc::as_ptr(r) as usize,
            Int(i) => *i as usize,
            Float(f) => f.to_bits() as usize,
            Bool(b) => 0x10 + *b as usize,
            Null => 0,
            None => 0x20,
            NotImplemented => 0x30,
            Ellipsis => 0x40,
        }
    }

    /// Rough heap size, for the memory limit.
    pub fn approx_size(&self) -> usize {
        match self {
            Value::Str(s) => 48 + s.s.len(),
            Value::Bytes(b) => 40 + b.len(),
            Value::ByteArray(b) => 56 + b.borrow().len(),
            Value::Tuple(t) => 40 + 16 * t.len(),
            Value::List(_) | Value::Dict(_) | Value::Set(_) => 64,
            Value::BigInt(b) => 32 + (b.bits() as usize) / 8,
            _ => 16,
        }
    }
}
