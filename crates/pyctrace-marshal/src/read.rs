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
        objects: 0,
        ref_slots: Vec::new(),
        interned: 0,
        problems: Vec::new(),
        halted: false,
    };
    let root = match reader.read_tree() {
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

    /// A 32-bit length that must be non-negative.
    fn length(&mut self, what: &'static str) -> Result<usize, MarshalError> {
        let offset = self.pos;
        let n = self.i32(what)?;
        usize::try_from(n).map_err(|_| MarshalError::BadSize {
            offset,
            what,
            size: n as i64,
        })
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

    fn has_refs(&self) -> bool {
        self.version.at_least(3, 4)
    }

    /// Reads the whole object with an explicit stack of open containers, so
    /// hostile nesting costs heap, not call stack.
    fn read_tree(&mut self) -> Result<Node<'a>, MarshalError> {
        let mut stack: Vec<Frame<'a>> = Vec::new();
        loop {
            let mut done = if self.short_leaf_into_seq(&mut stack) {
                None
            } else {
                self.start_delivered(&mut stack)?
            };
            // Hand finished objects to their container; close full ones.
            loop {
                if let Some(node) = done.take() {
                    match stack.last_mut() {
                        None => return Ok(node),
                        Some(top) => self.deliver(top, node)?,
                    }
                }
                let Some(top) = stack.last_mut() else {
                    unreachable!("an open container is on the stack")
                };
                self.read_int_fields(top)?;
                if !self.halted && top.wants_child() {
                    break;
                }
                let frame = stack.pop().unwrap_or_else(|| unreachable!());
                done = Some(self.close(frame));
            }
        }
    }

    /// The common case of [`Reader::start`], done in place: a short ASCII
    /// string (3.4+) or a valid ref, read straight into the open tuple,
    /// list or set on top of `stack` (a node handed along by value is
    /// written in pieces and read back whole, which stalls on store
    /// forwarding). `false`: nothing read, take the general path (which
    /// also reports whatever is wrong).
    #[inline(always)]
    fn short_leaf_into_seq(&mut self, stack: &mut [Frame<'a>]) -> bool {
        let depth = stack.len() + 1;
        let Some(Frame {
            kind: FrameKind::Seq { items, .. },
            ..
        }) = stack.last_mut()
        else {
            return false;
        };
        if self.halted
            || !self.has_refs()
            || self.objects >= self.options.max_objects
            || depth > self.options.max_depth
        {
            return false;
        }
        let offset = self.pos;
        let data = self.data;
        let Some(&code) = data.get(offset) else {
            return false;
        };
        let flag_ref = code & tc::FLAG_REF != 0;
        let obj = match code & !tc::FLAG_REF {
            tc::SHORT_ASCII | tc::SHORT_ASCII_INTERNED => {
                let Some(&n) = data.get(offset + 1) else {
                    return false;
                };
                let start = offset + 2;
                let Some(text) = data.get(start..start + n as usize) else {
                    return false;
                };
                let kind = if code & !tc::FLAG_REF == tc::SHORT_ASCII {
                    StrType::ShortAscii
                } else {
                    StrType::ShortAsciiInterned
                };
                self.pos = start + n as usize;
                self.reserve_ref(flag_ref, Slot::Filled);
                Obj::Str {
                    kind,
                    data: Cow::Borrowed(text),
                }
            }
            tc::REF => {
                let Some(raw) = data.get(offset + 1..offset + 5) else {
                    return false;
                };
                let index = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
                if self.ref_slots.get(index as usize) != Some(&Slot::Filled) {
                    return false;
                }
                self.pos = offset + 5;
                Obj::Ref(index)
            }
            _ => return false,
        };
        self.objects += 1;
        // Written in place: `push` (not inlined here) copied the node from
        // a temporary written in pieces, which stalls on store forwarding.
        if items.len() == items.capacity() {
            items.reserve(1);
        }
        let len = items.len();
        // SAFETY: `len < capacity` (reserved above), so the slot is inside
        // the allocation; it is initialised before the length covers it.
        unsafe {
            items.as_mut_ptr().add(len).write(Node {
                offset,
                flag_ref,
                obj,
            });
            items.set_len(len + 1);
        }
        true
    }

    /// [`Reader::start`], opened containers pushed on `stack`: the finished
    /// node, if the object was a leaf.
    #[inline(always)]
    fn start_delivered(
        &mut self,
        stack: &mut Vec<Frame<'a>>,
    ) -> Result<Option<Node<'a>>, MarshalError> {
        Ok(match self.start(stack.len() + 1) {
            Ok(Step::Leaf(node)) => Some(node),
            Ok(Step::Open(frame)) => {
                stack.push(frame);
                None
            }
            Err(err) if self.options.mode == Mode::Permissive => Some(self.damaged(err)),
            Err(err) => return Err(err),
        })
    }

    /// Reads a type byte and either a whole leaf object or a container's
    /// header (its items follow).
    fn start(&mut self, depth: usize) -> Result<Step<'a>, MarshalError> {
        let offset = self.pos;
        let code = self.byte("type code")?;
        self.objects += 1;
        if self.objects > self.options.max_objects {
            return Err(MarshalError::TooManyObjects {
                offset,
                limit: self.options.max_objects,
            });
        }
        if depth > self.options.max_depth {
            return Err(MarshalError::TooDeep {
                offset,
                limit: self.options.max_depth,
            });
        }
        let (flag_ref, type_code) = if self.has_refs() {
            (code & tc::FLAG_REF != 0, code & !tc::FLAG_REF)
        } else {
            (false, code)
        };
        if !self.accepts(type_code) {
            if type_code == tc::UNKNOWN && self.options.mode == Mode::Permissive {
                self.problems.push(MarshalError::UnknownType {
                    offset,
                    code,
                    version: self.version,
                });
                return Ok(Step::Leaf(Node {
                    offset,
                    flag_ref,
                    obj: Obj::Unknown,
                }));
            }
            return Err(MarshalError::UnknownType {
                offset,
                code,
                version: self.version,
            });
        }
        let open = |kind: FrameKind<'a>, slot: Option<usize>| {
            Ok(Step::Open(Frame {
                offset,
                flag_ref,
                slot,
                kind,
            }))
        };
        match type_code {
            tc::TUPLE | tc::SMALL_TUPLE => {
                let small = type_code == tc::SMALL_TUPLE;
                let len = if small {
                    self.byte("small tuple length")? as usize
                } else {
                    self.length("tuple")?
                };
                let slot = self.reserve_ref(flag_ref, Slot::Filled);
                open(
                    FrameKind::Seq {
                        what: SeqKind::Tuple { small },
                        items: Vec::with_capacity(self.capacity(len)),
                        len,
                    },
                    slot,
                )
            }
            tc::LIST | tc::SET | tc::FROZENSET => {
                let what = match type_code {
                    tc::LIST => SeqKind::List,
                    tc::SET => SeqKind::Set,
                    _ => SeqKind::FrozenSet,
                };
                let len = self.length(what.name())?;
                // Frozensets (like code) take their slot only once complete.
                let state = if what == SeqKind::FrozenSet && len > 0 {
                    Slot::Reserved
                } else {
                    Slot::Filled
                };
                let slot = self.reserve_ref(flag_ref, state);
                open(
                    FrameKind::Seq {
                        what,
                        items: Vec::with_capacity(self.capacity(len)),
                        len,
                    },
                    slot,
                )
            }
            tc::DICT => {
                let slot = self.reserve_ref(flag_ref, Slot::Filled);
                open(
                    FrameKind::Dict {
                        items: Vec::new(),
                        ended: false,
                    },
                    slot,
                )
            }
            tc::SLICE => {
                let slot = self.reserve_ref(flag_ref, Slot::Reserved);
                open(
                    FrameKind::Slice {
                        parts: Vec::with_capacity(3),
                    },
                    slot,
                )
            }
            tc::CODE => {
                let slot = self.reserve_ref(flag_ref, Slot::Reserved);
                let (layout, _) = code_layout(self.version);
                open(
                    FrameKind::Code {
                        fields: Vec::with_capacity(layout.len()),
                        next: 0,
                        layout_len: layout.len(),
                    },
                    slot,
                )
            }
            _ => {
                let obj = self.leaf(offset, code, type_code)?;
                if !matches!(obj, Obj::Ref(_) | Obj::StringRef(_)) && type_code_registers(type_code)
                {
                    self.reserve_ref(flag_ref, Slot::Filled);
                }
                Ok(Step::Leaf(Node {
                    offset,
                    flag_ref,
                    obj,
                }))
            }
        }
    }

    /// Room for a container's items: each takes at least one byte, so a
    /// claimed length beyond what is left never turns into an allocation;
    /// the items are then read one by one and the first missing one is the
    /// error (permissive mode keeps those before it).
    fn capacity(&self, len: usize) -> usize {
        len.min(self.remaining())
    }

    fn deliver(&mut self, frame: &mut Frame<'a>, node: Node<'a>) -> Result<(), MarshalError> {
        let null_at = matches!(node.obj, Obj::Null).then_some(node.offset);
        match &mut frame.kind {
            FrameKind::Seq { what, items, .. } => {
                items.push(node);
                if let Some(offset) = null_at {
                    self.problem(MarshalError::UnexpectedNull {
                        offset,
                        context: what.name(),
                    })?;
                }
            }
            FrameKind::Dict { items, ended } => {
                // A NULL key ends a dict; 3.x also ends it on a NULL value,
                // 2.x skips that pair and goes on.
                let is_key = items.len() % 2 == 0;
                items.push(node);
                if null_at.is_some() && (is_key || !self.version.is_py2()) {
                    *ended = true;
                }
            }
            FrameKind::Slice { parts } => parts.push(node),
            FrameKind::Code { fields, next, .. } => {
                let (layout, _) = code_layout(self.version);
                let field = layout.get(*next).copied().unwrap_or(CodeField::Code);
                fields.push((field, FieldValue::Obj(node)));
                *next += 1;
                if let Some(offset) = null_at {
                    self.problem(MarshalError::UnexpectedNull {
                        offset,
                        context: "code object",
                    })?;
                }
            }
        }
        Ok(())
    }

    /// Code objects interleave integer fields with objects: read the ints
    /// up to the next object field.
    fn read_int_fields(&mut self, frame: &mut Frame<'a>) -> Result<(), MarshalError> {
        let FrameKind::Code { fields, next, .. } = &mut frame.kind else {
            return Ok(());
        };
        let (layout, width) = code_layout(self.version);
        while !self.halted && *next < layout.len() && layout[*next].is_int() {
            let field = layout[*next];
            let read = match width {
                FieldWidth::Short => self.i16(field.name()).map(i32::from),
                _ => self.i32(field.name()),
            };
            match read {
                Ok(v) => fields.push((field, FieldValue::Int(v))),
                Err(err) if self.options.mode == Mode::Permissive => {
                    let node = self.damaged(err);
                    fields.push((field, FieldValue::Obj(node)));
                }
                Err(err) => return Err(err),
            }
            *next += 1;
        }
        Ok(())
    }

    fn close(&mut self, frame: Frame<'a>) -> Node<'a> {
        if let Some(i) = frame.slot {
            self.ref_slots[i] = Slot::Filled;
        }
        let obj = match frame.kind {
            FrameKind::Seq { what, items, .. } => match what {
                SeqKind::Tuple { small } => Obj::Tuple { small, items },
                SeqKind::List => Obj::List(items),
                SeqKind::Set => Obj::Set(items),
                SeqKind::FrozenSet => Obj::FrozenSet(items),
            },
            FrameKind::Dict { items, .. } => Obj::Dict(items),
            FrameKind::Slice { mut parts } => {
                while parts.len() < 3 {
                    parts.push(Node::new(Obj::Null));
                }
                let mut it = parts.into_iter();
                let mut next = || it.next().unwrap_or_else(|| Node::new(Obj::Null));
                Obj::Slice(Box::new([next(), next(), next()]))
            }
            FrameKind::Code { fields, .. } => Obj::Code(Box::new(Code {
                version: self.version,
                fields,
            })),
        };
        Node {
            offset: frame.offset,
            flag_ref: frame.flag_ref,
            obj,
        }
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

    /// The payload of an object that contains no other objects. (Inlined:
    /// a returned `Obj` read back from memory stalls on store forwarding.)
    #[inline(always)]
    fn leaf(&mut self, offset: usize, code: u8, type_code: u8) -> Result<Obj<'a>, MarshalError> {
        Ok(match type_code {
            tc::NULL => Obj::Null,
            tc::NONE => Obj::None,
            tc::FALSE => Obj::False,
            tc::TRUE => Obj::True,
            tc::STOPITER => Obj::StopIteration,
            tc::ELLIPSIS => Obj::Ellipsis,
            tc::INT => Obj::Int(self.i32("int")?),
            tc::INT64 => Obj::Int64(self.u64("int64")? as i64),
            tc::LONG => self.long(offset)?,
            tc::FLOAT => Obj::FloatText(Cow::Borrowed(self.float_text()?)),
            tc::BINARY_FLOAT => Obj::FloatBin(self.u64("binary float")?),
            tc::COMPLEX => {
                let re = self.float_text()?;
                let im = self.float_text()?;
                Obj::ComplexText(Cow::Borrowed(re), Cow::Borrowed(im))
            }
            tc::BINARY_COMPLEX => {
                let re = self.u64("binary complex")?;
                let im = self.u64("binary complex")?;
                Obj::ComplexBin(re, im)
            }
            tc::STRING | tc::INTERNED | tc::UNICODE | tc::ASCII | tc::ASCII_INTERNED => {
                let kind = match type_code {
                    tc::STRING => StrType::String,
                    tc::INTERNED => StrType::Interned,
                    tc::UNICODE => StrType::Unicode,
                    tc::ASCII => StrType::Ascii,
                    _ => StrType::AsciiInterned,
                };
                let n = self.length("string")?;
                let data_offset = self.pos;
                let data = self.take(n, "string")?;
                let utf8 = kind == StrType::Unicode
                    || (kind == StrType::Interned && !self.version.is_py2());
                if utf8 && !is_utf8_surrogatepass(data) {
                    self.problem(MarshalError::BadUtf8 {
                        offset: data_offset,
                    })?;
                }
                if kind == StrType::Interned && self.version.is_py2() {
                    self.interned += 1;
                }
                Obj::Str {
                    kind,
                    data: Cow::Borrowed(data),
                }
            }
            tc::SHORT_ASCII | tc::SHORT_ASCII_INTERNED => {
                let n = self.byte("short string length")? as usize;
                let data = self.take(n, "short string")?;
                let kind = if type_code == tc::SHORT_ASCII {
                    StrType::ShortAscii
                } else {
                    StrType::ShortAsciiInterned
                };
                Obj::Str {
                    kind,
                    data: Cow::Borrowed(data),
                }
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
                Obj::StringRef(index as u32)
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
                Obj::Ref(index as u32)
            }
            _ => {
                return Err(MarshalError::UnknownType {
                    offset,
                    code,
                    version: self.version,
                })
            }
        })
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
            // r_short sign-extends, so CPython's `md < 0 || md > BASE` check
            // leaves 0..=32767.
            if d < 0 {
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
}

/// What [`Reader::start`] found: a whole object, or an opened container.
enum Step<'a> {
    Leaf(Node<'a>),
    Open(Frame<'a>),
}

/// A container whose items are being read.
struct Frame<'a> {
    offset: usize,
    flag_ref: bool,
    /// Its ref slot, to mark filled when it closes.
    slot: Option<usize>,
    kind: FrameKind<'a>,
}

enum FrameKind<'a> {
    Seq {
        what: SeqKind,
        items: Vec<Node<'a>>,
        len: usize,
    },
    Dict {
        items: Vec<Node<'a>>,
        ended: bool,
    },
    Slice {
        parts: Vec<Node<'a>>,
    },
    Code {
        fields: Vec<(CodeField, FieldValue<'a>)>,
        next: usize,
        layout_len: usize,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SeqKind {
    Tuple { small: bool },
    List,
    Set,
    FrozenSet,
}

impl SeqKind {
    fn name(self) -> &'static str {
        match self {
            SeqKind::Tuple { .. } => "tuple",
            SeqKind::List => "list",
            SeqKind::Set => "set",
            SeqKind::FrozenSet => "frozenset",
        }
    }
}

impl Frame<'_> {
    fn wants_child(&self) -> bool {
        match &self.kind {
            FrameKind::Seq { items, len, .. } => items.len() < *len,
            FrameKind::Dict { ended, .. } => !ended,
            FrameKind::Slice { parts } => parts.len() < 3,
            // Ints are read inline, so `next` only waits on object fields.
            FrameKind::Code {
                next, layout_len, ..
            } => *next < *layout_len,
        }
    }
}

/// Whether a flagged leaf of this type takes a ref slot: CPython never
/// registers NULL and the singletons.
fn type_code_registers(type_code: u8) -> bool {
    !matches!(
        type_code,
        tc::NULL | tc::NONE | tc::FALSE | tc::TRUE | tc::STOPITER | tc::ELLIPSIS
    )
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
