//! The "oracle JSON" view of a tree: what `scripts/oracle/marshal_json.py`
//! prints for the object CPython's own `marshal.loads` returns. Refs are
//! resolved, ints are decimal text, floats are IEEE bits, strings are hex of
//! their UTF-8, sets and dicts are sorted, and 3.11+ code objects show the
//! derived `co_varnames`/`co_cellvars`/`co_freevars`/`co_nlocals`.

use num_bigint::{BigInt, Sign};
use pyctrace_version::{CodeField, PyVersion};
use serde_json::{json, Map, Value};

use crate::code::{Code, FieldValue};
use crate::node::{Node, Obj};
use crate::pyc::Pyc;
use crate::refs::RefTable;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OracleError {
    #[error("reference cycle through the object at offset {0}")]
    Cycle(usize),
    #[error("dangling reference at offset {0}")]
    Dangling(usize),
    #[error("damaged data at offset {0}")]
    Damaged(usize),
    #[error("expansion of refs exceeds {0} objects")]
    TooLarge(usize),
    #[error("nesting deeper than {0} levels")]
    TooDeep(usize),
}

const BUDGET: usize = 2_000_000;
/// Real code nests a few dozen levels; this keeps recursion well inside
/// a 2 MB thread stack.
const MAX_DEPTH: usize = 500;

pub fn pyc_to_json(pyc: &Pyc<'_>) -> Result<Value, OracleError> {
    node_to_json(&pyc.root, pyc.version)
}

pub fn node_to_json(root: &Node<'_>, version: PyVersion) -> Result<Value, OracleError> {
    node_to_json_within(root, version, BUDGET)
}

/// As [`node_to_json`], giving up after `budget` objects: refs can make a
/// small file expand exponentially.
pub fn node_to_json_within(
    root: &Node<'_>,
    version: PyVersion,
    budget: usize,
) -> Result<Value, OracleError> {
    let table = RefTable::build(root, version);
    let mut ctx = Ctx {
        table,
        version,
        open: Vec::new(),
        budget,
        limit: budget,
    };
    ctx.value(root)
}

struct Ctx<'t, 'a> {
    table: RefTable<'t, 'a>,
    version: PyVersion,
    /// Nodes being expanded, to catch self-referencing containers.
    open: Vec<*const Node<'a>>,
    budget: usize,
    limit: usize,
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn bits_hex(bits: u64) -> String {
    format!("{bits:016x}")
}

fn text_bits(text: &[u8]) -> u64 {
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(f64::NAN)
        .to_bits()
}

/// The decimal value of a marshal long (15-bit digits, least significant first).
pub fn long_to_bigint(size: i32, digits: &[u16]) -> BigInt {
    let mut magnitude = BigInt::from(0);
    for d in digits.iter().rev() {
        magnitude = (magnitude << 15) + BigInt::from(*d);
    }
    if size < 0 {
        BigInt::from_biguint(Sign::Minus, magnitude.magnitude().clone())
    } else {
        magnitude
    }
}

/// `{"t": tag, "v": value}` built directly: `json!` would re-serialise
/// (deep-copy) the value at every level.
fn tagged(tag: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert("t".into(), Value::String(tag.into()));
    map.insert("v".into(), value);
    Value::Object(map)
}

fn sorted(mut values: Vec<Value>) -> Vec<Value> {
    values.sort_by_cached_key(|v| v.to_string());
    values
}

impl<'t, 'a> Ctx<'t, 'a> {
    fn value(&mut self, node: &'t Node<'a>) -> Result<Value, OracleError> {
        self.budget = self
            .budget
            .checked_sub(1)
            .ok_or(OracleError::TooLarge(self.limit))?;
        let node = self
            .table
            .resolve(node)
            .ok_or(OracleError::Dangling(node.offset))?;
        let ptr = node as *const Node<'a>;
        if self.open.len() >= MAX_DEPTH {
            return Err(OracleError::TooDeep(MAX_DEPTH));
        }
        if self.open.contains(&ptr) {
            return Err(OracleError::Cycle(node.offset));
        }
        self.open.push(ptr);
        let out = self.expand(node);
        self.open.pop();
        out
    }

    fn all(&mut self, items: &'t [Node<'a>]) -> Result<Vec<Value>, OracleError> {
        items.iter().map(|n| self.value(n)).collect()
    }

    fn expand(&mut self, node: &'t Node<'a>) -> Result<Value, OracleError> {
        let py2 = self.version.is_py2();
        Ok(match &node.obj {
            Obj::Null => json!({"t": "null"}),
            Obj::None => json!({"t": "none"}),
            Obj::True => json!({"t": "true"}),
            Obj::False => json!({"t": "false"}),
            Obj::Ellipsis => json!({"t": "ellipsis"}),
            Obj::StopIteration => json!({"t": "stopiter"}),
            Obj::Unknown | Obj::Damaged(_) => return Err(OracleError::Damaged(node.offset)),
            Obj::Int(v) => json!({"t": "int", "v": v.to_string()}),
            Obj::Int64(v) => json!({"t": "int", "v": v.to_string()}),
            Obj::Long { size, digits } => {
                json!({"t": "int", "v": long_to_bigint(*size, digits).to_string()})
            }
            Obj::FloatText(t) => json!({"t": "float", "v": bits_hex(text_bits(t))}),
            Obj::FloatBin(b) => json!({"t": "float", "v": bits_hex(*b)}),
            Obj::ComplexText(re, im) => {
                json!({"t": "complex", "re": bits_hex(text_bits(re)), "im": bits_hex(text_bits(im))})
            }
            Obj::ComplexBin(re, im) => {
                json!({"t": "complex", "re": bits_hex(*re), "im": bits_hex(*im)})
            }
            Obj::Str { kind, data } => {
                if kind.is_bytes(py2) {
                    json!({"t": "bytes", "v": hex(data)})
                } else if kind.is_one_byte_kind() {
                    let text: String = data.iter().map(|&b| b as char).collect();
                    json!({"t": "str", "v": hex(text.as_bytes())})
                } else {
                    json!({"t": "str", "v": hex(data)})
                }
            }
            Obj::Ref(_) | Obj::StringRef(_) => return Err(OracleError::Dangling(node.offset)),
            Obj::Tuple { items, .. } => tagged("tuple", Value::Array(self.all(items)?)),
            Obj::List(items) => tagged("list", Value::Array(self.all(items)?)),
            Obj::Set(items) => tagged("set", Value::Array(sorted(self.all(items)?))),
            Obj::FrozenSet(items) => tagged("frozenset", Value::Array(sorted(self.all(items)?))),
            Obj::Dict(items) => {
                let mut pairs = Vec::new();
                for pair in items.chunks(2) {
                    if let [k, v] = pair {
                        if matches!(k.obj, Obj::Null) || matches!(v.obj, Obj::Null) {
                            continue;
                        }
                        pairs.push(Value::Array(vec![self.value(k)?, self.value(v)?]));
                    }
                }
                pairs.sort_by_cached_key(|p| p[0].to_string());
                tagged("dict", Value::Array(pairs))
            }
            Obj::Slice(parts) => tagged("slice", Value::Array(self.all(&parts[..])?)),
            Obj::Code(code) => tagged("code", self.code(code)?),
        })
    }

    fn code(&mut self, code: &'t Code<'a>) -> Result<Value, OracleError> {
        let mut map = Map::new();
        let derived = code.version.at_least(3, 11);
        for (field, value) in &code.fields {
            if derived
                && matches!(
                    field,
                    CodeField::LocalsPlusNames | CodeField::LocalsPlusKinds
                )
            {
                continue;
            }
            let v = match value {
                FieldValue::Int(i) => json!(i),
                FieldValue::Obj(node) => self.value(node)?,
            };
            map.insert(field.name().to_string(), v);
        }
        if derived {
            self.localsplus_view(code, &mut map)?;
        }
        Ok(Value::Object(map))
    }

    /// 3.11+: `co_varnames`, `co_cellvars`, `co_freevars` and `co_nlocals`
    /// are computed from the locals-plus names and their kind bytes.
    fn localsplus_view(
        &mut self,
        code: &'t Code<'a>,
        map: &mut Map<String, Value>,
    ) -> Result<(), OracleError> {
        const LOCAL: u8 = 0x20;
        const CELL: u8 = 0x40;
        const FREE: u8 = 0x80;
        let names = match code.obj(CodeField::LocalsPlusNames) {
            Some(n) => self
                .table
                .resolve(n)
                .ok_or(OracleError::Dangling(n.offset))?,
            None => return Ok(()),
        };
        let kinds: &[u8] = match code.obj(CodeField::LocalsPlusKinds) {
            Some(n) => self
                .table
                .resolve(n)
                .ok_or(OracleError::Dangling(n.offset))?
                .as_str_bytes()
                .unwrap_or(&[]),
            None => &[],
        };
        let items = names.as_seq().unwrap_or(&[]);
        let (mut var, mut cell, mut free) = (Vec::new(), Vec::new(), Vec::new());
        for (i, name) in items.iter().enumerate() {
            let kind = kinds.get(i).copied().unwrap_or(0);
            let v = self.value(name)?;
            if kind & LOCAL != 0 {
                var.push(v.clone());
            }
            if kind & CELL != 0 {
                cell.push(v.clone());
            }
            if kind & FREE != 0 {
                free.push(v);
            }
        }
        map.insert("co_nlocals".into(), json!(var.len()));
        map.insert("co_varnames".into(), tagged("tuple", Value::Array(var)));
        map.insert("co_cellvars".into(), tagged("tuple", Value::Array(cell)));
        map.insert("co_freevars".into(), tagged("tuple", Value::Array(free)));
        Ok(())
    }
}
