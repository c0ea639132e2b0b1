//! The marshal reader: borrowing, bounded, never panicking.

use std::borrow::Cow;

use pyctrace_version::{code_layout, CodeField, FieldWidth, PyVersion};

use crate::code::{Code, FieldValue};
use crate::error::MarshalError;
use crate::node::{Node, Obj, StrType};
use crate::type_code as tc;

/// What to do with data CPython would reject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// Reject what the version's own `marshal.loads` rejects.
    #[default]
    Strict,
    /// Keep going: semantic problems (bad UTF-8, unnormalised longs, refs to
    /// unfilled slots, ...) are recorded and the object kept; where the byte
    /// stream itself breaks, a [`Obj::Damaged`] node marks the spot and the
    /// tree read so far is returned.
    Permissive,
}

#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    pub mode: Mode,
    /// Nesting limit. CPython's own is 2000 (`MAX_MARSHAL_STACK_DEPTH`).
    pub max_depth: usize,
    /// Limit on the number of objects, which bounds memory: each node costs
    /// a fixed amount and payloads are borrowed from the input.
    pub max_objects: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            mode: Mode::Strict,
            max_depth: 2000,
            max_objects: 20_000_000,
        }
    }
}

impl ReadOptions {
    pub fn permissive() -> Self {
        ReadOptions {
            mode: Mode::Permissive,
            ..Self::default()
        }
    }
}

/// The result of a read: the tree, where it ended, and (permissive mode)
/// the problems met on the way.
#[derive(Debug)]
pub struct ReadResult<'a> {
    pub root: Node<'a>,
    /// Offset just past the last byte read.
    pub end: usize,
    pub problems: Vec<MarshalError>,
}

/// Reads one object from `data[start..]`; offsets are relative to `data`.
pub fn read_object<'a>(
    data: &'a [u8],
    start: usize,
    version: PyVersion,
    options: &ReadOptions,
) -> Result<ReadResult<'a>, MarshalError> {
    let mut reader = Reader {
        data,
        pos: start.min(data.len()),
        version,
        options: *options,
        depth: 0,
        objects: 0,
        ref_slots: Vec::new(),
        interned: 0,
        problems: Vec::new(),
        halted: false,
    };
    let root = match reader.node() {
        Ok(node) => node,
        Err(err) if options.mode == Mode::Permissive => reader.damaged(err),
        Err(err) => return Err(err),
    };
    if matches!(root.obj, Obj::Null) {
        reader.problem(MarshalError::UnexpectedNull {
            offset: root.offset,
            context: "the top level",
        })?;
    }
    Ok(ReadResult {
        root,
        end: reader.pos,
        problems: reader.problems,
    })
}

/// A slot of CPython's ref list: filled, or reserved by a code object or
/// frozenset still being read (a ref to it is invalid until it is done).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Filled,
    Reserved,
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    version: PyVersion,
    options: ReadOptions,
    depth: usize,
    objects: usize,
    ref_slots: Vec<Slot>,
    /// 2.x: how many interned strings (`t`) were read, for `R` records.
    interned: u32,
    problems: Vec<MarshalError>,
    /// Permissive mode: the byte stream broke; every open container stops.
    halted: bool,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], MarshalError> {
        if n > self.remaining() {
            return Err(MarshalError::Eof {
                offset: self.pos,
                what,
                need: n,
                have: self.remaining(),
            });
        }
        let bytes = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    fn byte(&mut self, what: &'static str) -> Result<u8, MarshalError> {
        Ok(self.take(1, what)?[0])
    }

    fn i16(&mut self, what: &'static str) -> Result<i16, MarshalError> {
        let b = self.take(2, what)?;
        Ok(i16::from_le_bytes([b[0], b[1]]))
    }

    fn i32(&mut self, what: &'static str) -> Result<i32, MarshalError> {
        let b = self.take(4, what)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, MarshalError> {
        let b = self.take(8, what)?;
        let mut raw = [0u8; 8];
        raw.copy_from_slice(b);
        Ok(u64::from_le_bytes(raw))
    }

    /// A 32-bit length that must be non-negative and, each element taking at
    /// least `min_elem` bytes, fit in what is left of the input.
    fn length(&mut self, what: &'static str, min_elem: usize) -> Result<usize, MarshalError> {
        let offset = self.pos;
        let n = self.i32(what)?;
        if n < 0 {
            return Err(MarshalError::BadSize {
                offset,
                what,
                size: n as i64,
            });
        }
        let n = n as usize;
        if n.saturating_mul(min_elem) > self.remaining() {
            return Err(MarshalError::Eof {
                offset: self.pos,
                what,
                need: n.saturating_mul(min_elem),
                have: self.remaining(),
            });
        }
        Ok(n)
    }

    /// Records a problem CPython would reject; an error in strict mode.
    fn problem(&mut self, err: MarshalError) -> Result<(), MarshalError> {
        match self.options.mode {
            Mode::Strict => Err(err),
            Mode::Permissive => {
                self.problems.push(err);
                Ok(())
            }
        }
    }

    fn damaged(&mut self, err: MarshalError) -> Node<'a> {
        self.halted = true;
        self.problems.push(err.clone());
        Node {
            offset: err.offset(),
            flag_ref: false,
            obj: Obj::Damaged(Box::new(err)),
        }
    }

    /// Reads a child of a container; in permissive mode a broken child
    /// becomes a damaged node and `None` tells the container to stop.
    fn child(&mut self) -> Result<(Node<'a>, bool), MarshalError> {
        match self.node() {
            Ok(node) => {
                let go_on = !self.halted;
                Ok((node, go_on))
            }
            Err(err) if self.options.mode == Mode::Permissive => Ok((self.damaged(err), false)),
            Err(err) => Err(err),
        }
    }

    fn has_refs(&self) -> bool {
        self.version.at_least(3, 4)
    }

    fn node(&mut self) -> Result<Node<'a>, MarshalError> {
        let offset = self.pos;
        let code = self.byte("type code")?;
        self.objects += 1;
        if self.objects > self.options.max_objects {
            return Err(MarshalError::TooManyObjects {
                offset,
                limit: self.options.max_objects,
            });
        }
        let (flag_ref, type_code) = if self.has_refs() {
            (code & tc::FLAG_REF != 0, code & !tc::FLAG_REF)
        } else {
            (false, code)
        };
        self.depth += 1;
        if self.depth > self.options.max_depth {
            return Err(MarshalError::TooDeep {
                offset,
                limit: self.options.max_depth,
            });
        }
        let result = self.body(offset, code, type_code, flag_ref);
        self.depth -= 1;
        let obj = result?;
        Ok(Node {
            offset,
            flag_ref,
            obj,
        })
    }

    /// Appends a ref slot now (containers register before their items, as
    /// CPython does, which is also what makes self-references possible).
    fn reserve_ref(&mut self, flag_ref: bool, slot: Slot) -> Option<usize> {
        flag_ref.then(|| {
            self.ref_slots.push(slot);
            self.ref_slots.len() - 1
        })
    }

    fn accepts(&self, type_code: u8) -> bool {
        let v = self.version;
        match type_code {
            tc::NULL
            | tc::NONE
            | tc::FALSE
            | tc::TRUE
            | tc::STOPITER
            | tc::ELLIPSIS
            | tc::INT
            | tc::INT64
            | tc::LONG
            | tc::FLOAT
            | tc::COMPLEX
            | tc::STRING
            | tc::INTERNED
            | tc::UNICODE
            | tc::TUPLE
            | tc::LIST
            | tc::DICT
            | tc::CODE => true,
            tc::BINARY_FLOAT | tc::BINARY_COMPLEX | tc::SET | tc::FROZENSET => v.at_least(2, 5),
            tc::STRINGREF => v.is_py2(),
            tc::REF
            | tc::ASCII
            | tc::ASCII_INTERNED
            | tc::SHORT_ASCII
            | tc::SHORT_ASCII_INTERNED
            | tc::SMALL_TUPLE => v.at_least(3, 4),
            tc::SLICE => v.at_least(3, 14),
            _ => false,
        }
    }

    fn body(
        &mut self,
        offset: usize,
        code: u8,
        type_code: u8,
        flag_ref: bool,
    ) -> Result<Obj<'a>, MarshalError> {
        if !self.accepts(type_code) {
            if type_code == tc::UNKNOWN && self.options.mode == Mode::Permissive {
                self.problems.push(MarshalError::UnknownType {
                    offset,
                    code,
                    version: self.version,
                });
                return Ok(Obj::Unknown);
            }
            return Err(MarshalError::UnknownType {
                offset,
                code,
                version: self.version,
            });
        }
        let leaf = |reader: &mut Self, obj: Obj<'a>| {
            reader.reserve_ref(flag_ref, Slot::Filled);
            Ok(obj)
        };
        match type_code {
            tc::NULL => Ok(Obj::Null),
            tc::NONE => Ok(Obj::None),
            tc::FALSE => Ok(Obj::False),
            tc::TRUE => Ok(Obj::True),
            tc::STOPITER => Ok(Obj::StopIteration),
            tc::ELLIPSIS => Ok(Obj::Ellipsis),
            tc::INT => {
                let v = self.i32("int")?;
                leaf(self, Obj::Int(v))
            }
            tc::INT64 => {
                let v = self.u64("int64")? as i64;
                leaf(self, Obj::Int64(v))
            }
            tc::LONG => {
                let obj = self.long(offset)?;
                leaf(self, obj)
            }
            tc::FLOAT => {
                let text = self.float_text()?;
                leaf(self, Obj::FloatText(Cow::Borrowed(text)))
            }
            tc::BINARY_FLOAT => {
                let bits = self.u64("binary float")?;
                leaf(self, Obj::FloatBin(bits))
            }
            tc::COMPLEX => {
                let re = self.float_text()?;
                let im = self.float_text()?;
                leaf(self, Obj::ComplexText(Cow::Borrowed(re), Cow::Borrowed(im)))
            }
            tc::BINARY_COMPLEX => {
                let re = self.u64("binary complex")?;
                let im = self.u64("binary complex")?;
                leaf(self, Obj::ComplexBin(re, im))
            }
            tc::STRING | tc::INTERNED | tc::UNICODE | tc::ASCII | tc::ASCII_INTERNED => {
                let kind = match type_code {
                    tc::STRING => StrType::String,
                    tc::INTERNED => StrType::Interned,
                    tc::UNICODE => StrType::Unicode,
                    tc::ASCII => StrType::Ascii,
                    _ => StrType::AsciiInterned,
                };
                let n = self.length("string", 1)?;
                let data_offset = self.pos;
                let data = self.take(n, "string")?;
                if matches!(kind, StrType::Unicode)
                    || (kind == StrType::Interned && !self.version.is_py2())
                {
                    if !is_utf8_surrogatepass(data) {
                        self.problem(MarshalError::BadUtf8 {
                            offset: data_offset,
                        })?;
                    }
                }
                if kind == StrType::Interned && self.version.is_py2() {
                    self.interned += 1;
                }
                leaf(
                    self,
                    Obj::Str {
                        kind,
                        data: Cow::Borrowed(data),
                    },
                )
            }
            tc::SHORT_ASCII | tc::SHORT_ASCII_INTERNED => {
                let n = self.byte("short string length")? as usize;
                let data = self.take(n, "short string")?;
                let kind = if type_code == tc::SHORT_ASCII {
                    StrType::ShortAscii
                } else {
                    StrType::ShortAsciiInterned
                };
                leaf(
                    self,
                    Obj::Str {
                        kind,
                        data: Cow::Borrowed(data),
                    },
                )
            }
            tc::STRINGREF => {
                let at = self.pos;
                let index = self.i32("string ref")?;
                if index < 0 || index as u32 >= self.interned {
                    self.problem(MarshalError::BadRef {
                        offset: at,
                        index: index as i64,
                        reason: "no interned string with that index yet",
                    })?;
                }
                Ok(Obj::StringRef(index as u32))
            }
            tc::REF => {
                let at = self.pos;
                let index = self.i32("ref")?;
                let reason = match usize::try_from(index)
                    .ok()
                    .and_then(|i| self.ref_slots.get(i))
                {
                    None => Some("no object with that index yet"),
                    Some(Slot::Reserved) => Some("the object is still being read"),
                    Some(Slot::Filled) => None,
                };
                if let Some(reason) = reason {
                    self.problem(MarshalError::BadRef {
                        offset: at,
                        index: index as i64,
                        reason,
                    })?;
                }
                Ok(Obj::Ref(index as u32))
            }
            tc::TUPLE | tc::SMALL_TUPLE => {
                let small = type_code == tc::SMALL_TUPLE;
                let n = if small {
                    let n = self.byte("small tuple length")? as usize;
                    if n > self.remaining() {
                        return Err(MarshalError::Eof {
                            offset: self.pos,
                            what: "small tuple",
                            need: n,
                            have: self.remaining(),
                        });
                    }
                    n
                } else {
                    self.length("tuple", 1)?
                };
                self.reserve_ref(flag_ref, Slot::Filled);
                let items = self.items(n, "tuple")?;
                Ok(Obj::Tuple { small, items })
            }
            tc::LIST => {
                let n = self.length("list", 1)?;
                self.reserve_ref(flag_ref, Slot::Filled);
                Ok(Obj::List(self.items(n, "list")?))
            }
            tc::SET => {
                let n = self.length("set", 1)?;
                self.reserve_ref(flag_ref, Slot::Filled);
                Ok(Obj::Set(self.items(n, "set")?))
            }
            tc::FROZENSET => {
                let n = self.length("frozenset", 1)?;
                let slot =
                    self.reserve_ref(flag_ref, if n == 0 { Slot::Filled } else { Slot::Reserved });
                let items = self.items(n, "frozenset")?;
                self.fill(slot);
                Ok(Obj::FrozenSet(items))
            }
            tc::DICT => {
                self.reserve_ref(flag_ref, Slot::Filled);
                Ok(Obj::Dict(self.dict()?))
            }
            tc::SLICE => {
                let slot = self.reserve_ref(flag_ref, Slot::Reserved);
                let mut parts = Vec::with_capacity(3);
                for _ in 0..3 {
                    let (node, go_on) = self.child()?;
                    parts.push(node);
                    if !go_on {
                        break;
                    }
                }
                while parts.len() < 3 {
                    parts.push(Node::new(Obj::Null));
                }
                self.fill(slot);
                let [a, b, c]: [Node<'a>; 3] = parts.try_into().unwrap_or_else(|_| unreachable!());
                Ok(Obj::Slice(Box::new([a, b, c])))
            }
            tc::CODE => {
                let slot = self.reserve_ref(flag_ref, Slot::Reserved);
                let code = self.code()?;
                self.fill(slot);
                Ok(Obj::Code(Box::new(code)))
            }
            _ => Err(MarshalError::UnknownType {
                offset,
                code,
                version: self.version,
            }),
        }
    }

    fn fill(&mut self, slot: Option<usize>) {
        if let Some(i) = slot {
            self.ref_slots[i] = Slot::Filled;
        }
    }

    fn items(&mut self, n: usize, context: &'static str) -> Result<Vec<Node<'a>>, MarshalError> {
        // `n` is already bounded by the bytes left (each item takes one at least).
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            let (node, go_on) = self.child()?;
            let null_at = matches!(node.obj, Obj::Null).then_some(node.offset);
            items.push(node);
            if let Some(offset) = null_at {
                self.problem(MarshalError::UnexpectedNull { offset, context })?;
            }
            if !go_on {
                break;
            }
        }
        Ok(items)
    }

    /// Dict entries until a NULL key; 3.x also stops at a NULL value, 2.x
    /// skips the pair and goes on.
    fn dict(&mut self) -> Result<Vec<Node<'a>>, MarshalError> {
        let mut items = Vec::new();
        loop {
            let (key, go_on) = self.child()?;
            let end = matches!(key.obj, Obj::Null);
            items.push(key);
            if end || !go_on {
                break;
            }
            let (value, go_on) = self.child()?;
            let null_value = matches!(value.obj, Obj::Null);
            items.push(value);
            if !go_on || (null_value && !self.version.is_py2()) {
                break;
            }
        }
        Ok(items)
    }

    fn long(&mut self, offset: usize) -> Result<Obj<'a>, MarshalError> {
        let size = self.i32("long size")?;
        if size == i32::MIN {
            return Err(MarshalError::BadSize {
                offset,
                what: "long",
                size: size as i64,
            });
        }
        let n = size.unsigned_abs() as usize;
        if n.saturating_mul(2) > self.remaining() {
            return Err(MarshalError::Eof {
                offset: self.pos,
                what: "long digits",
                need: n * 2,
                have: self.remaining(),
            });
        }
        let mut digits = Vec::with_capacity(n);
        for _ in 0..n {
            let at = self.pos;
            let d = self.i16("long digit")?;
            if !(0..=i16::MAX).contains(&d) {
                // r_short sign-extends, so CPython's `md < 0 || md > BASE` check
                // leaves 0..=32767.
                self.problem(MarshalError::BadLong {
                    offset: at,
                    reason: "digit out of range",
                })?;
            }
            digits.push(d as u16);
        }
        if digits.last() == Some(&0) {
            self.problem(MarshalError::BadLong {
                offset,
                reason: "unnormalized (top digit is zero)",
            })?;
        }
        Ok(Obj::Long { size, digits })
    }

    fn float_text(&mut self) -> Result<&'a [u8], MarshalError> {
        let n = self.byte("float length")? as usize;
        let at = self.pos;
        let text = self.take(n, "float text")?;
        let parses = std::str::from_utf8(text)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .is_some();
        if !parses {
            self.problem(MarshalError::BadFloat {
                offset: at,
                text: String::from_utf8_lossy(text).into_owned(),
            })?;
        }
        Ok(text)
    }

    fn code(&mut self) -> Result<Code<'a>, MarshalError> {
        let (layout, width) = code_layout(self.version);
        let mut fields: Vec<(CodeField, FieldValue<'a>)> = Vec::with_capacity(layout.len());
        for &field in layout {
            if field.is_int() {
                let what = field.name();
                let read = match width {
                    FieldWidth::Short => self.i16(what).map(i32::from),
                    _ => self.i32(what),
                };
                match read {
                    Ok(v) => fields.push((field, FieldValue::Int(v))),
                    Err(err) if self.options.mode == Mode::Permissive => {
                        let node = self.damaged(err);
                        fields.push((field, FieldValue::Obj(node)));
                        break;
                    }
                    Err(err) => return Err(err),
                }
            } else {
                let (node, go_on) = self.child()?;
                let null_at = matches!(node.obj, Obj::Null).then_some(node.offset);
                fields.push((field, FieldValue::Obj(node)));
                if let Some(offset) = null_at {
                    self.problem(MarshalError::UnexpectedNull {
                        offset,
                        context: "code object",
                    })?;
                }
                if !go_on {
                    break;
                }
            }
        }
        Ok(Code {
            version: self.version,
            fields,
        })
    }
}

/// UTF-8 as CPython's `surrogatepass` decoder accepts it: standard UTF-8
/// plus encoded lone surrogates (ED A0..BF xx).
pub fn is_utf8_surrogatepass(mut bytes: &[u8]) -> bool {
    loop {
        match std::str::from_utf8(bytes) {
            Ok(_) => return true,
            Err(e) => {
                let rest = &bytes[e.valid_up_to()..];
                if rest.len() >= 3
                    && rest[0] == 0xED
                    && (0xA0..=0xBF).contains(&rest[1])
                    && (0x80..=0xBF).contains(&rest[2])
                {
                    bytes = &rest[3..];
                } else {
                    return false;
                }
            }
        }
    }
}
