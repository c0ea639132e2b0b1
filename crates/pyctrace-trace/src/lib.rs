//! The trace model shared by pyctrace's engines (`cpython` now, `vm` later)
//! and its formatters.
//!
//! An engine produces [`Record`]s (borrowed views, so the hot path does not
//! allocate) and hands them to a [`Sink`]:
//!
//! - [`JsonlSink`]: one JSON object per event, exactly as PRODUCT.md
//!   defines it:
//!   `{"ev":"op","depth":1,"code":"validate","file":"test.py","offset":12,"line":5,"op":"COMPARE_OP","arg":3,"argrepr":"!=","push":["True"],"pop":["10","4"]}`.
//!   `call`, `return` and `exception` records carry `ev`, `depth`, `code`,
//!   `file`, `offset`, `line`, plus `"exc":"TypeName"` for exceptions.
//!   `line` is `null` when the instruction has no line; `arg` is `null` for
//!   an instruction without argument.
//! - [`TextSink`]: pztrace style, one line per event, indented by depth and
//!   prefixed with the code name and line:
//!   `  validate:5 12 COMPARE_OP 3 (!=); pop 10, 4; push True`
//!   `  validate:5 call test.py` / `return` / `exception ValueError`.
//! - [`CountSink`]: counts events only (benchmarks, `--count`).
//!
//! Two traces agree when their `(ev, depth, code, offset, op, arg)`
//! sequences are equal for the frames of the analysed file ([`Record::key`]).

use std::io::{self, Write};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// A frame starts (or a generator resumes).
    Call,
    /// A frame returns (or a generator yields).
    Return,
    /// An exception is raised in (or propagates through) the frame.
    Exception,
    /// One instruction is about to execute.
    Op,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::Call => "call",
            Event::Return => "return",
            Event::Exception => "exception",
            Event::Op => "op",
        }
    }

    pub fn parse(text: &str) -> Option<Event> {
        Some(match text {
            "call" => Event::Call,
            "return" => Event::Return,
            "exception" => Event::Exception,
            "op" => Event::Op,
            _ => return None,
        })
    }
}

/// One trace event, borrowed from the engine.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    pub ev: Event,
    /// Frames below this one, counted from the program's module frame (0).
    pub depth: u32,
    /// The code object's `co_name`.
    pub code: &'a str,
    /// The code object's `co_filename`.
    pub file: &'a str,
    /// Byte offset of the instruction (`f_lasti`; −1 before the first one).
    pub offset: i64,
    pub line: Option<i32>,
    /// Op records: the instruction's name, as `dis` spells it.
    pub op: Option<&'a str>,
    /// Op records: the argument as `dis` shows it.
    pub arg: Option<i64>,
    /// Op records: what `dis` prints in parentheses (may be empty).
    pub argrepr: &'a str,
    /// Reprs of the values the instruction pushes (empty: not known).
    pub push: &'a [String],
    /// Reprs of the values the instruction pops (empty: not known).
    pub pop: &'a [String],
    /// Exception records: the exception type's name.
    pub exc: Option<&'a str>,
}

/// What two engines must agree on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub ev: Event,
    pub depth: u32,
    pub code: String,
    pub offset: i64,
    pub op: Option<String>,
    pub arg: Option<i64>,
}

impl Record<'_> {
    pub fn key(&self) -> Key {
        Key {
            ev: self.ev,
            depth: self.depth,
            code: self.code.to_string(),
            offset: self.offset,
            op: self.op.map(str::to_string),
            arg: self.arg,
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} d={} {} @{}",
            self.ev.name(),
            self.depth,
            self.code,
            self.offset
        )?;
        if let Some(op) = &self.op {
            write!(f, " {op}")?;
        }
        if let Some(arg) = self.arg {
            write!(f, " {arg}")?;
        }
        Ok(())
    }
}

/// Parses the comparison key out of one JSONL line (ours or the reference
/// tracer's). Returns `None` for a line that is not a record.
pub fn parse_key(line: &str) -> Option<Key> {
    let field = |name: &str| json_field(line, name);
    let ev = Event::parse(json_str(field("ev")?)?.as_str())?;
    let depth = field("depth")?.parse().ok()?;
    let code = json_str(field("code")?)?;
    let offset = field("offset")?.parse().ok()?;
    let op = field("op").and_then(json_str);
    let arg = field("arg").and_then(|v| v.parse().ok());
    Some(Key {
        ev,
        depth,
        code,
        offset,
        op: if ev == Event::Op { op } else { None },
        arg: if ev == Event::Op { arg } else { None },
    })
}

/// The raw text of a top-level field of a flat JSON object (strings keep
/// their quotes). Enough for the records above; not a general JSON parser.
fn json_field<'l>(line: &'l str, name: &str) -> Option<&'l str> {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'"' => {
                let end = string_end(bytes, i)?;
                let key = &line[i + 1..end - 1];
                let mut j = end;
                while j < bytes.len() && bytes[j] == b' ' {
                    j += 1;
                }
                if depth == 1 && j < bytes.len() && bytes[j] == b':' && key == name {
                    j += 1;
                    while j < bytes.len() && bytes[j] == b' ' {
                        j += 1;
                    }
                    let start = j;
                    let stop = if bytes.get(j) == Some(&b'"') {
                        string_end(bytes, j)?
                    } else {
                        let mut k = j;
                        let mut d = 0usize;
                        while k < bytes.len() {
                            match bytes[k] {
                                b'[' | b'{' => d += 1,
                                b']' | b'}' if d > 0 => d -= 1,
                                b',' | b'}' if d == 0 => break,
                                b'"' => {
                                    k = string_end(bytes, k)?;
                                    continue;
                                }
                                _ => {}
                            }
                            k += 1;
                        }
                        k
                    };
                    return Some(line[start..stop].trim());
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    None
}

/// Index just past the closing quote of the string starting at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Decodes a JSON string literal (with its quotes); `None` for `null` or
/// anything that is not a string.
fn json_str(raw: &str) -> Option<String> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                let mut cp = u32::from_str_radix(&hex, 16).ok()?;
                if (0xd800..0xdc00).contains(&cp) && chars.as_str().starts_with("\\u") {
                    let rest: String = chars.as_str()[2..].chars().take(4).collect();
                    if let Ok(lo) = u32::from_str_radix(&rest, 16) {
                        if (0xdc00..0xe000).contains(&lo) {
                            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                            for _ in 0..6 {
                                chars.next();
                            }
                        }
                    }
                }
                out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// Where an engine sends its records.
pub trait Sink {
    fn record(&mut self, record: &Record<'_>) -> io::Result<()>;
    /// Flushes what is buffered; called once at the end (and before the
    /// process may exit).
    fn finish(&mut self) -> io::Result<()>;
    /// Events received so far.
    fn count(&self) -> u64;
    /// Whether records should carry pushed/popped values (reading them
    /// costs time; a counting sink does not need them).
    fn wants_values(&self) -> bool {
        true
    }
    /// Whether op events must arrive as full records. A sink that only
    /// counts says no, and an engine may then hand it op events in
    /// batches through [`Sink::record_ops`] without reading their details.
    fn wants_op_details(&self) -> bool {
        true
    }
    /// `n` op events delivered without details (only called when
    /// [`Sink::wants_op_details`] is false).
    fn record_ops(&mut self, n: u64) {
        let _ = n;
    }
}

/// Capacity of the writers' buffers.
pub const BUFFER: usize = 1 << 20;

/// Writes `text` as a JSON string literal.
pub fn write_json_str(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.write_all(&bytes[start..i])?;
        match escape {
            Some(e) => out.write_all(e)?,
            None => write!(out, "\\u{:04x}", b)?,
        }
        start = i + 1;
    }
    out.write_all(&bytes[start..])?;
    out.write_all(b"\"")
}

/// Appends one record as a JSON object (no newline).
pub fn write_jsonl(out: &mut impl Write, r: &Record<'_>) -> io::Result<()> {
    out.write_all(b"{\"ev\":\"")?;
    out.write_all(r.ev.name().as_bytes())?;
    write!(out, "\",\"depth\":{},\"code\":", r.depth)?;
    write_json_str(out, r.code)?;
    out.write_all(b",\"file\":")?;
    write_json_str(out, r.file)?;
    write!(out, ",\"offset\":{},\"line\":", r.offset)?;
    match r.line {
        Some(line) => write!(out, "{line}")?,
        None => out.write_all(b"null")?,
    }
    if r.ev == Event::Op {
        out.write_all(b",\"op\":")?;
        write_json_str(out, r.op.unwrap_or(""))?;
        out.write_all(b",\"arg\":")?;
        match r.arg {
            Some(arg) => write!(out, "{arg}")?,
            None => out.write_all(b"null")?,
        }
        out.write_all(b",\"argrepr\":")?;
        write_json_str(out, r.argrepr)?;
        for (name, values) in [("push", r.push), ("pop", r.pop)] {
            write!(out, ",\"{name}\":[")?;
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_json_str(out, v)?;
            }
            out.write_all(b"]")?;
        }
    }
    if let Some(exc) = r.exc {
        out.write_all(b",\"exc\":")?;
        write_json_str(out, exc)?;
    }
    out.write_all(b"}")
}

/// Appends one record as a pztrace-style text line (no newline).
pub fn write_text(out: &mut impl Write, r: &Record<'_>) -> io::Result<()> {
    for _ in 0..r.depth.min(200) {
        out.write_all(b"  ")?;
    }
    out.write_all(r.code.as_bytes())?;
    match r.line {
        Some(line) => write!(out, ":{line} ")?,
        None => out.write_all(b":- ")?,
    }
    match r.ev {
        Event::Op => {
            write!(out, "{} {}", r.offset, r.op.unwrap_or("?"))?;
            if let Some(arg) = r.arg {
                write!(out, " {arg}")?;
            }
            if !r.argrepr.is_empty() {
                write!(out, " ({})", r.argrepr)?;
            }
            for (name, values) in [("pop", r.pop), ("push", r.push)] {
                if values.is_empty() {
                    continue;
                }
                write!(out, "; {name} ")?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b", ")?;
                    }
                    out.write_all(v.as_bytes())?;
                }
            }
            Ok(())
        }
        Event::Call => write!(out, "call {} @{}", r.file, r.offset),
        Event::Return => write!(out, "return @{}", r.offset),
        Event::Exception => write!(out, "exception {} @{}", r.exc.unwrap_or("?"), r.offset),
    }
}

/// Output format of a writing sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Jsonl,
}

/// A buffered sink writing text or JSONL lines into `W`.
pub struct WriterSink<W: Write> {
    out: io::BufWriter<W>,
    format: Format,
    count: u64,
}

/// JSONL records into a writer.
pub type JsonlSink<W> = WriterSink<W>;
/// Text records into a writer.
pub type TextSink<W> = WriterSink<W>;

impl<W: Write> WriterSink<W> {
    pub fn new(out: W, format: Format) -> Self {
        WriterSink {
            out: io::BufWriter::with_capacity(BUFFER, out),
            format,
            count: 0,
        }
    }

    pub fn into_inner(self) -> io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

impl<W: Write> Sink for WriterSink<W> {
    fn record(&mut self, record: &Record<'_>) -> io::Result<()> {
        self.count += 1;
        match self.format {
            Format::Text => write_text(&mut self.out, record)?,
            Format::Jsonl => write_jsonl(&mut self.out, record)?,
        }
        self.out.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn count(&self) -> u64 {
        self.count
    }
}

/// Counts events by kind, writes nothing.
#[derive(Default, Debug, Clone)]
pub struct CountSink {
    pub calls: u64,
    pub returns: u64,
    pub exceptions: u64,
    pub ops: u64,
}

impl Sink for CountSink {
    fn record(&mut self, record: &Record<'_>) -> io::Result<()> {
        match record.ev {
            Event::Call => self.calls += 1,
            Event::Return => self.returns += 1,
            Event::Exception => self.exceptions += 1,
            Event::Op => self.ops += 1,
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn count(&self) -> u64 {
        self.calls + self.returns + self.exceptions + self.ops
    }
    fn wants_values(&self) -> bool {
        false
    }
    fn wants_op_details(&self) -> bool {
        false
    }
    fn record_ops(&mut self, n: u64) {
        self.ops += n;
    }
}

/// Keeps every record in memory (tests).
#[derive(Default, Debug, Clone)]
pub struct MemorySink {
    pub keys: Vec<Key>,
}

impl Sink for MemorySink {
    fn record(&mut self, record: &Record<'_>) -> io::Result<()> {
        self.keys.push(record.key());
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn count(&self) -> u64 {
        self.keys.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op<'a>(push: &'a [String], pop: &'a [String]) -> Record<'a> {
        Record {
            ev: Event::Op,
            depth: 1,
            code: "validate",
            file: "test.py",
            offset: 12,
            line: Some(5),
            op: Some("COMPARE_OP"),
            arg: Some(3),
            argrepr: "!=",
            push,
            pop,
            exc: None,
        }
    }

    #[test]
    fn jsonl_matches_product_example() {
        let push = ["True".to_string()];
        let pop = ["10".to_string(), "4".to_string()];
        let mut out = Vec::new();
        write_jsonl(&mut out, &op(&push, &pop)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            r#"{"ev":"op","depth":1,"code":"validate","file":"test.py","offset":12,"line":5,"op":"COMPARE_OP","arg":3,"argrepr":"!=","push":["True"],"pop":["10","4"]}"#
        );
        let key = parse_key(&text).unwrap();
        assert_eq!(key, op(&push, &pop).key());
    }

    #[test]
    fn text_line() {
        let push = ["True".to_string()];
        let pop = ["10".to_string(), "4".to_string()];
        let mut out = Vec::new();
        write_text(&mut out, &op(&push, &pop)).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "  validate:5 12 COMPARE_OP 3 (!=); pop 10, 4; push True"
        );
    }

    #[test]
    fn escapes_and_other_events() {
        let r = Record {
            ev: Event::Exception,
            depth: 0,
            code: "<mod\"ule>",
            file: "a\\b\n",
            offset: -1,
            line: None,
            op: None,
            arg: None,
            argrepr: "",
            push: &[],
            pop: &[],
            exc: Some("ValueError"),
        };
        let mut out = Vec::new();
        write_jsonl(&mut out, &r).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            r#"{"ev":"exception","depth":0,"code":"<mod\"ule>","file":"a\\b\n","offset":-1,"line":null,"exc":"ValueError"}"#
        );
        let key = parse_key(&text).unwrap();
        assert_eq!(key.code, "<mod\"ule>");
        assert_eq!(key.op, None);
        let mut count = CountSink::default();
        count.record(&r).unwrap();
        assert_eq!(count.count(), 1);
        assert!(!count.wants_op_details());
        count.record_ops(5);
        assert_eq!((count.count(), count.ops), (6, 5));
    }
}
