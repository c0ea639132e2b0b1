use std::borrow::Cow;

use crate::code::Code;
use crate::error::MarshalError;
use crate::type_code as tc;

/// One marshalled object as it stands in the file.
///
/// `offset` is where its type byte is (0 for nodes built by hand) and
/// `flag_ref` whether that byte carries FLAG_REF; both are kept so that an
/// untouched tree is written back byte for byte.
#[derive(Clone, Debug, PartialEq)]
pub struct Node<'a> {
    pub offset: usize,
    pub flag_ref: bool,
    pub obj: Obj<'a>,
}

/// The string-like type codes. Which of them are `bytes` depends on the
/// version: `s` and `t` are byte strings in 2.x, `t` is an interned `str` in 3.x.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrType {
    /// `s`
    String,
    /// `t`
    Interned,
    /// `u`
    Unicode,
    /// `a`
    Ascii,
    /// `A`
    AsciiInterned,
    /// `z` (one-byte length)
    ShortAscii,
    /// `Z` (one-byte length)
    ShortAsciiInterned,
}

impl StrType {
    pub fn code(self) -> u8 {
        match self {
            StrType::String => tc::STRING,
            StrType::Interned => tc::INTERNED,
            StrType::Unicode => tc::UNICODE,
            StrType::Ascii => tc::ASCII,
            StrType::AsciiInterned => tc::ASCII_INTERNED,
            StrType::ShortAscii => tc::SHORT_ASCII,
            StrType::ShortAsciiInterned => tc::SHORT_ASCII_INTERNED,
        }
    }

    /// Whether the payload is a byte string (`bytes` in 3.x, `str` in 2.x).
    pub fn is_bytes(self, py2: bool) -> bool {
        match self {
            StrType::String => true,
            StrType::Interned => py2,
            _ => false,
        }
    }

    /// Whether the payload is Latin-1 (one code point per byte) rather than UTF-8.
    pub fn is_one_byte_kind(self) -> bool {
        matches!(
            self,
            StrType::Ascii
                | StrType::AsciiInterned
                | StrType::ShortAscii
                | StrType::ShortAsciiInterned
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Obj<'a> {
    /// `0`: ends dicts; never a value of its own.
    Null,
    None,
    False,
    True,
    /// `S`: the StopIteration class.
    StopIteration,
    Ellipsis,
    /// `?`: written for unmarshallable objects; reading it fails in CPython.
    Unknown,
    /// `i`
    Int(i32),
    /// `I` (64-bit platforms, 2.x)
    Int64(i64),
    /// `l`: sign-and-size word and 15-bit digits, least significant first,
    /// kept raw so that odd encodings survive a round trip.
    Long {
        size: i32,
        digits: Vec<u16>,
    },
    /// `f`: decimal text
    FloatText(Cow<'a, [u8]>),
    /// `g`: IEEE-754 bits
    FloatBin(u64),
    /// `x`
    ComplexText(Cow<'a, [u8]>, Cow<'a, [u8]>),
    /// `y`
    ComplexBin(u64, u64),
    Str {
        kind: StrType,
        data: Cow<'a, [u8]>,
    },
    /// `R` (2.x): index into the list of interned strings read so far.
    StringRef(u32),
    /// `r` (3.4+): index into the list of objects flagged with FLAG_REF so far.
    Ref(u32),
    /// `(`, or `)` when `small` (one-byte length).
    Tuple {
        small: bool,
        items: Vec<Node<'a>>,
    },
    List(Vec<Node<'a>>),
    /// Every object read inside the dict, in file order: keys and values
    /// alternating, then the NULL that ended it. Kept flat because hostile
    /// files can end a dict on a NULL value, which CPython accepts.
    Dict(Vec<Node<'a>>),
    Set(Vec<Node<'a>>),
    FrozenSet(Vec<Node<'a>>),
    /// `:` (3.14+)
    Slice(Box<[Node<'a>; 3]>),
    Code(Box<Code<'a>>),
    /// Permissive reads only: where reading stopped, and why.
    Damaged(Box<MarshalError>),
}

impl<'a> Node<'a> {
    pub fn new(obj: Obj<'a>) -> Self {
        Node {
            offset: 0,
            flag_ref: false,
            obj,
        }
    }

    /// The type byte this node is written with (FLAG_REF included).
    pub fn type_byte(&self) -> Option<u8> {
        let code = self.obj.type_code()?;
        Some(if self.flag_ref {
            code | tc::FLAG_REF
        } else {
            code
        })
    }

    /// The children in file order (code fields, dict keys and values alike).
    pub fn children(&self) -> Vec<&Node<'a>> {
        match &self.obj {
            Obj::Tuple { items, .. }
            | Obj::List(items)
            | Obj::Set(items)
            | Obj::FrozenSet(items)
            | Obj::Dict(items) => items.iter().collect(),
            Obj::Slice(parts) => parts.iter().collect(),
            Obj::Code(code) => code.objects().collect(),
            _ => Vec::new(),
        }
    }

    pub fn as_code(&self) -> Option<&Code<'a>> {
        match &self.obj {
            Obj::Code(code) => Some(code),
            _ => None,
        }
    }

    /// String payload of any string type.
    pub fn as_str_bytes(&self) -> Option<&[u8]> {
        match &self.obj {
            Obj::Str { data, .. } => Some(data),
            _ => None,
        }
    }

    /// Items of a tuple or list.
    pub fn as_seq(&self) -> Option<&[Node<'a>]> {
        match &self.obj {
            Obj::Tuple { items, .. } | Obj::List(items) => Some(items),
            _ => None,
        }
    }

    /// Whether reading this node with FLAG_REF appends it to the ref list.
    /// CPython never registers the singletons, NULL, or `r` itself.
    pub fn registers_ref(&self) -> bool {
        self.flag_ref
            && !matches!(
                self.obj,
                Obj::Null
                    | Obj::None
                    | Obj::False
                    | Obj::True
                    | Obj::StopIteration
                    | Obj::Ellipsis
                    | Obj::Ref(_)
                    | Obj::Damaged(_)
                    | Obj::Unknown
            )
    }

    /// Copies every borrowed payload so the tree outlives its input.
    pub fn into_owned(self) -> Node<'static> {
        fn own(c: Cow<'_, [u8]>) -> Cow<'static, [u8]> {
            Cow::Owned(c.into_owned())
        }
        fn own_all(items: Vec<Node<'_>>) -> Vec<Node<'static>> {
            items.into_iter().map(Node::into_owned).collect()
        }
        let obj = match self.obj {
            Obj::Null => Obj::Null,
            Obj::None => Obj::None,
            Obj::False => Obj::False,
            Obj::True => Obj::True,
            Obj::StopIteration => Obj::StopIteration,
            Obj::Ellipsis => Obj::Ellipsis,
            Obj::Unknown => Obj::Unknown,
            Obj::Int(v) => Obj::Int(v),
            Obj::Int64(v) => Obj::Int64(v),
            Obj::Long { size, digits } => Obj::Long { size, digits },
            Obj::FloatText(t) => Obj::FloatText(own(t)),
            Obj::FloatBin(b) => Obj::FloatBin(b),
            Obj::ComplexText(r, i) => Obj::ComplexText(own(r), own(i)),
            Obj::ComplexBin(r, i) => Obj::ComplexBin(r, i),
            Obj::Str { kind, data } => Obj::Str {
                kind,
                data: own(data),
            },
            Obj::StringRef(i) => Obj::StringRef(i),
            Obj::Ref(i) => Obj::Ref(i),
            Obj::Tuple { small, items } => Obj::Tuple {
                small,
                items: own_all(items),
            },
            Obj::List(items) => Obj::List(own_all(items)),
            Obj::Dict(items) => Obj::Dict(own_all(items)),
            Obj::Set(items) => Obj::Set(own_all(items)),
            Obj::FrozenSet(items) => Obj::FrozenSet(own_all(items)),
            Obj::Slice(parts) => {
                let [a, b, c] = *parts;
                Obj::Slice(Box::new([a.into_owned(), b.into_owned(), c.into_owned()]))
            }
            Obj::Code(code) => Obj::Code(Box::new(code.into_owned())),
            Obj::Damaged(e) => Obj::Damaged(e),
        };
        Node {
            offset: self.offset,
            flag_ref: self.flag_ref,
            obj,
        }
    }
}

impl Obj<'_> {
    /// The type code without FLAG_REF; `None` for [`Obj::Damaged`].
    pub fn type_code(&self) -> Option<u8> {
        Some(match self {
            Obj::Null => tc::NULL,
            Obj::None => tc::NONE,
            Obj::False => tc::FALSE,
            Obj::True => tc::TRUE,
            Obj::StopIteration => tc::STOPITER,
            Obj::Ellipsis => tc::ELLIPSIS,
            Obj::Unknown => tc::UNKNOWN,
            Obj::Int(_) => tc::INT,
            Obj::Int64(_) => tc::INT64,
            Obj::Long { .. } => tc::LONG,
            Obj::FloatText(_) => tc::FLOAT,
            Obj::FloatBin(_) => tc::BINARY_FLOAT,
            Obj::ComplexText(..) => tc::COMPLEX,
            Obj::ComplexBin(..) => tc::BINARY_COMPLEX,
            Obj::Str { kind, .. } => kind.code(),
            Obj::StringRef(_) => tc::STRINGREF,
            Obj::Ref(_) => tc::REF,
            Obj::Tuple { small: true, .. } => tc::SMALL_TUPLE,
            Obj::Tuple { small: false, .. } => tc::TUPLE,
            Obj::List(_) => tc::LIST,
            Obj::Dict(_) => tc::DICT,
            Obj::Set(_) => tc::SET,
            Obj::FrozenSet(_) => tc::FROZENSET,
            Obj::Slice(_) => tc::SLICE,
            Obj::Code(_) => tc::CODE,
            Obj::Damaged(_) => return None,
        })
    }

    /// A short name of the kind of object, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Obj::Null => "NULL",
            Obj::None => "None",
            Obj::False | Obj::True => "bool",
            Obj::StopIteration => "StopIteration",
            Obj::Ellipsis => "Ellipsis",
            Obj::Unknown => "unknown",
            Obj::Int(_) | Obj::Int64(_) | Obj::Long { .. } => "int",
            Obj::FloatText(_) | Obj::FloatBin(_) => "float",
            Obj::ComplexText(..) | Obj::ComplexBin(..) => "complex",
            Obj::Str { .. } | Obj::StringRef(_) => "string",
            Obj::Ref(_) => "ref",
            Obj::Tuple { .. } => "tuple",
            Obj::List(_) => "list",
            Obj::Dict(_) => "dict",
            Obj::Set(_) => "set",
            Obj::FrozenSet(_) => "frozenset",
            Obj::Slice(_) => "slice",
            Obj::Code(_) => "code",
            Obj::Damaged(_) => "damaged",
        }
    }
}
