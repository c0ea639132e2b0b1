//! Finds `exec`/`eval`/`compile` calls whose argument folds to a constant.
//!
//! Each code object's instructions are read in order by a small abstract
//! stack machine that only knows constants, imported names, attributes and
//! the calls of the decoders in [`crate::decode`]; any instruction it does
//! not model empties its stack, so what it finds is what a straight-line
//! expression over constants computes. Control flow is not followed.

use std::collections::HashMap;
use std::rc::Rc;

use pyctrace_bytecode::{instructions, ArgKind, Instruction};
use pyctrace_marshal::{refs::RefTable, walk::code_objects, CodeField, Node, Obj, PyVersion};

use crate::decode::{decode, Budget, DecodeError, Step};

/// One decoding step as it happened: which, and the bytes it produced.
#[derive(Clone, Debug)]
pub struct Applied {
    pub step: Step,
    pub output: Rc<Vec<u8>>,
}

/// Where a payload was handed to `exec`/`eval`/`compile`, and what it is.
#[derive(Clone, Debug)]
pub struct Found {
    /// Name (`co_name`) of the code object holding the call, and its
    /// preorder index among the code objects of the layer.
    pub code_name: String,
    pub code_index: usize,
    /// Offset of the call instruction.
    pub offset: usize,
    /// `exec`, `eval` or `compile`.
    pub sink: String,
    /// The constant the chain starts from.
    pub constant: Rc<Vec<u8>>,
    pub steps: Vec<Applied>,
    /// Marshal data (`marshal.loads` was the last call) or source text.
    pub marshal: bool,
    pub payload: Rc<Vec<u8>>,
}

#[derive(Clone, Debug)]
enum Val {
    Unknown,
    Null,
    NoneV,
    Int(i64),
    /// A dotted global path: `exec`, `zlib`, `zlib.decompress`.
    Name(String),
    Data {
        constant: Rc<Vec<u8>>,
        steps: Vec<Applied>,
        bytes: Rc<Vec<u8>>,
    },
    /// `data.decode` and the like.
    Method(Box<Val>, String),
    Marshal(Box<Val>),
    /// A `compile()` result already recorded.
    Compiled,
    ReverseSlice,
    Iter(Box<Val>),
    /// A function made from a code constant (a generator expression, hopefully).
    Function(usize),
    /// `(b ^ key for b in data)`.
    XorGen(Box<Val>, u8),
}

fn data_bytes(v: &Val) -> Option<&Rc<Vec<u8>>> {
    match v {
        Val::Data { bytes, .. } => Some(bytes),
        _ => None,
    }
}

/// Context shared by the scan of one layer.
pub struct Scanner<'b> {
    pub version: PyVersion,
    pub budget: &'b mut Budget,
    /// Decoding errors met on candidate chains (not fatal, reported).
    pub notes: Vec<String>,
}

impl<'b> Scanner<'b> {
    /// Every payload found in the code objects under `root`.
    pub fn scan(&mut self, root: &Node<'_>) -> Result<Vec<Found>, DecodeError> {
        let table = RefTable::build(root, self.version);
        let mut found = Vec::new();
        let codes = code_objects(root, self.version);
        for (index, entry) in codes.iter().enumerate() {
            let code = entry.code;
            let consts: Vec<Node<'_>> = code
                .obj(CodeField::Consts)
                .and_then(|n| table.resolve(n))
                .and_then(|n| n.as_seq().map(|s| s.to_vec()))
                .unwrap_or_default();
            let consts: Vec<Node<'_>> = consts
                .iter()
                .map(|c| table.resolve(c).cloned().unwrap_or_else(|| c.clone()))
                .collect();
            let names: Vec<String> = code
                .obj(CodeField::Names)
                .and_then(|n| table.resolve(n))
                .and_then(|n| {
                    n.as_seq().map(|s| {
                        s.iter()
                            .map(|x| {
                                table
                                    .resolve(x)
                                    .and_then(Node::as_str_bytes)
                                    .map(|b| String::from_utf8_lossy(b).into_owned())
                                    .unwrap_or_default()
                            })
                            .collect()
                    })
                })
                .unwrap_or_default();
            let Some(bytecode) = code.obj(CodeField::Code).and_then(|n| table.resolve(n)) else {
                continue;
            };
            let Some(bytecode) = bytecode.as_str_bytes() else {
                continue;
            };
            let name = code.name_text().unwrap_or_else(|| "?".into());
            let ctx = CodeCtx {
                consts: &consts,
                names: &names,
                table: &table,
            };
            self.scan_code(&ctx, bytecode, index, &name, &mut found)?;
        }
        Ok(found)
    }

    fn const_val(&self, node: &Node<'_>, index: usize) -> Val {
        match &node.obj {
            Obj::None => Val::NoneV,
            Obj::Int(i) => Val::Int(*i as i64),
            Obj::Int64(i) => Val::Int(*i),
            Obj::Str { data, .. } => {
                let b = Rc::new(data.to_vec());
                Val::Data {
                    constant: b.clone(),
                    steps: Vec::new(),
                    bytes: b,
                }
            }
            Obj::Code(_) => Val::Function(index),
            _ => Val::Unknown,
        }
    }

    fn scan_code(
        &mut self,
        ctx: &CodeCtx<'_, '_>,
        bytecode: &[u8],
        code_index: usize,
        code_name: &str,
        found: &mut Vec<Found>,
    ) -> Result<(), DecodeError> {
        let v = self.version;
        let mut stack: Vec<Val> = Vec::new();
        let mut env: HashMap<String, Val> = HashMap::new();
        let pop = |s: &mut Vec<Val>| s.pop().unwrap_or(Val::Unknown);
        for ins in instructions(bytecode, v) {
            if ins.truncated.is_some() {
                break;
            }
            let Some(m) = ins.mnemonic else {
                stack.clear();
                continue;
            };
            let op = m.name();
            let arg = ins.arg.unwrap_or(0) as usize;
            let name_at = |i: usize| ctx.names.get(i).cloned();
            match op {
                "EXTENDED_ARG" | "NOP" | "CACHE" | "RESUME" | "PRECALL" | "KW_NAMES"
                | "NOT_TAKEN" => {}
                "LOAD_CONST" => {
                    let val = ctx
                        .consts
                        .get(arg)
                        .map_or(Val::Unknown, |c| self.const_val(c, arg));
                    stack.push(val);
                }
                "PUSH_NULL" => stack.push(Val::Null),
                "DUP_TOP" => {
                    let top = stack.last().cloned().unwrap_or(Val::Unknown);
                    stack.push(top);
                }
                "LOAD_NAME" | "LOAD_GLOBAL" => {
                    let (idx, null) = if ins.kind() == ArgKind::LoadGlobal {
                        (arg >> 1, arg & 1 == 1)
                    } else {
                        (arg, false)
                    };
                    if null {
                        stack.push(Val::Null);
                    }
                    let val = match name_at(idx) {
                        Some(n) => env.get(&n).cloned().unwrap_or(Val::Name(n)),
                        None => Val::Unknown,
                    };
                    stack.push(val);
                }
                "IMPORT_NAME" => {
                    pop(&mut stack);
                    pop(&mut stack);
                    // `import a.b` binds `a`; the chains we follow use top-level modules.
                    let n = name_at(arg).unwrap_or_default();
                    stack.push(Val::Name(n));
                }
                "IMPORT_FROM" => {
                    let module = stack.last().cloned().unwrap_or(Val::Unknown);
                    let val = match (module, name_at(arg)) {
                        (Val::Name(m), Some(a)) => Val::Name(format!("{m}.{a}")),
                        _ => Val::Unknown,
                    };
                    stack.push(val);
                }
                "STORE_NAME" | "STORE_GLOBAL" => {
                    let val = pop(&mut stack);
                    if let Some(n) = name_at(arg) {
                        match val {
                            Val::Name(_) | Val::Data { .. } => {
                                env.insert(n, val);
                            }
                            _ => {
                                env.remove(&n);
                            }
                        }
                    }
                }
                "LOAD_ATTR" | "LOAD_METHOD" => {
                    let (idx, method) = match ins.kind() {
                        ArgKind::LoadAttr => (arg >> 1, arg & 1 == 1),
                        _ => (arg, op == "LOAD_METHOD"),
                    };
                    let obj = pop(&mut stack);
                    let val = match (obj, name_at(idx)) {
                        (Val::Name(m), Some(a)) => Val::Name(format!("{m}.{a}")),
                        (d @ Val::Data { .. }, Some(a)) => Val::Method(Box::new(d), a),
                        _ => Val::Unknown,
                    };
                    stack.push(val);
                    if method {
                        stack.push(Val::Null);
                    }
                }
                "BUILD_SLICE" => {
                    let step = if arg == 3 {
                        pop(&mut stack)
                    } else {
                        Val::NoneV
                    };
                    let stop = pop(&mut stack);
                    let start = pop(&mut stack);
                    let rev = matches!((start, stop, step), (Val::NoneV, Val::NoneV, Val::Int(-1)));
                    stack.push(if rev { Val::ReverseSlice } else { Val::Unknown });
                }
                "BINARY_SUBSCR" => {
                    let idx = pop(&mut stack);
                    let obj = pop(&mut stack);
                    let val = match idx {
                        Val::ReverseSlice => self.apply(Step::Reverse, obj)?,
                        _ => Val::Unknown,
                    };
                    stack.push(val);
                }
                "GET_ITER" => {
                    let x = pop(&mut stack);
                    stack.push(Val::Iter(Box::new(x)));
                }
                "MAKE_FUNCTION" | "MAKE_CLOSURE" => {
                    let val = self.make_function(&ins, op, &mut stack);
                    stack.push(val);
                }
                "SET_FUNCTION_ATTRIBUTE" => {
                    let f = pop(&mut stack);
                    pop(&mut stack);
                    stack.push(f);
                }
                "EXEC_STMT" => {
                    // 2.x: `exec code [in g[, l]]` pops code, globals, locals.
                    pop(&mut stack);
                    pop(&mut stack);
                    let stmt = pop(&mut stack);
                    self.sink("exec", stmt, code_name, code_index, ins.offset, found);
                }
                "CALL_FUNCTION" | "CALL_METHOD" | "CALL" | "CALL_FUNCTION_KW" | "CALL_KW" => {
                    let (nargs, nkw) = if v.is_py2() {
                        (arg & 0xff, (arg >> 8) & 0xff)
                    } else {
                        (arg, 0)
                    };
                    if op == "CALL_FUNCTION_KW" || op == "CALL_KW" {
                        pop(&mut stack); // keyword names tuple
                    }
                    for _ in 0..2 * nkw {
                        pop(&mut stack);
                    }
                    let mut args: Vec<Val> = (0..nargs).map(|_| pop(&mut stack)).collect();
                    args.reverse();
                    let pair = op == "CALL_METHOD"
                        || (op != "CALL_FUNCTION" && op != "CALL_FUNCTION_KW" && v.at_least(3, 11));
                    let callee = if pair {
                        let b = pop(&mut stack);
                        let a = pop(&mut stack);
                        // One of the two is NULL (or self); a generator
                        // expression's iterator rides in the other slot.
                        match (a, b) {
                            (Val::Null, c) | (c, Val::Null) => c,
                            (f @ Val::Function(_), it) | (it, f @ Val::Function(_)) => {
                                args.insert(0, it);
                                f
                            }
                            (c, _) => c,
                        }
                    } else {
                        pop(&mut stack)
                    };
                    let val = self.call(ctx, callee, args, code_name, code_index, &ins, found)?;
                    stack.push(val);
                }
                _ => stack.clear(),
            }
        }
        Ok(())
    }

    fn make_function(&self, ins: &Instruction, op: &str, stack: &mut Vec<Val>) -> Val {
        let v = self.version;
        let arg = ins.arg.unwrap_or(0);
        let pop = |s: &mut Vec<Val>| s.pop().unwrap_or(Val::Unknown);
        if v.is_py2() {
            let code = pop(stack);
            if op == "MAKE_CLOSURE" {
                pop(stack);
            }
            for _ in 0..arg {
                pop(stack);
            }
            return code;
        }
        if !v.at_least(3, 11) {
            pop(stack); // qualname
        }
        let code = pop(stack);
        if !v.at_least(3, 13) {
            for bit in [1, 2, 4, 8] {
                if arg & bit != 0 {
                    pop(stack);
                }
            }
        }
        code
    }

    fn apply(&mut self, step: Step, val: Val) -> Result<Val, DecodeError> {
        let Val::Data {
            constant,
            mut steps,
            bytes,
        } = val
        else {
            return Ok(Val::Unknown);
        };
        match decode(step, &bytes, self.budget) {
            Ok(out) => {
                let out = Rc::new(out);
                steps.push(Applied {
                    step,
                    output: out.clone(),
                });
                Ok(Val::Data {
                    constant,
                    steps,
                    bytes: out,
                })
            }
            Err(e @ DecodeError::Budget { .. }) => Err(e),
            Err(e) => {
                self.notes.push(e.to_string());
                Ok(Val::Unknown)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        ctx: &CodeCtx<'_, '_>,
        callee: Val,
        args: Vec<Val>,
        code_name: &str,
        code_index: usize,
        ins: &Instruction,
        found: &mut Vec<Found>,
    ) -> Result<Val, DecodeError> {
        let first = args.first().cloned().unwrap_or(Val::Unknown);
        let text_arg = |i: usize| -> Option<String> {
            args.get(i)
                .and_then(data_bytes)
                .map(|b| String::from_utf8_lossy(b).to_ascii_lowercase())
        };
        match callee {
            Val::Name(path) => {
                let path = path.strip_prefix("builtins.").unwrap_or(&path).to_string();
                let path = path
                    .strip_prefix("__builtin__.")
                    .unwrap_or(&path)
                    .to_string();
                let step = match path.as_str() {
                    "exec" | "eval" | "compile" => {
                        let recorded =
                            self.sink(&path, first, code_name, code_index, ins.offset, found);
                        return Ok(if recorded && path == "compile" {
                            Val::Compiled
                        } else {
                            Val::Unknown
                        });
                    }
                    "marshal.loads" => {
                        return Ok(match first {
                            d @ Val::Data { .. } => Val::Marshal(Box::new(d)),
                            _ => Val::Unknown,
                        })
                    }
                    "bytes" | "bytearray" | "str" => {
                        return match first {
                            d @ Val::Data { .. } => Ok(d),
                            Val::Iter(inner) if matches!(*inner, Val::Data { .. }) => Ok(*inner),
                            Val::XorGen(inner, key) => self.apply(Step::Xor(key), *inner),
                            _ => Ok(Val::Unknown),
                        }
                    }
                    "zlib.decompress" => Step::Zlib,
                    "gzip.decompress" => Step::Gzip,
                    "lzma.decompress" => Step::Lzma,
                    "bz2.decompress" => Step::Bz2,
                    "base64.b64decode"
                    | "base64.standard_b64decode"
                    | "base64.decodestring"
                    | "base64.decodebytes"
                    | "binascii.a2b_base64" => Step::Base64,
                    "base64.urlsafe_b64decode" => Step::Base64Url,
                    "base64.b32decode" => Step::Base32,
                    "base64.b85decode" => Step::Base85,
                    "base64.a85decode" => Step::Ascii85,
                    "base64.b16decode" | "binascii.unhexlify" | "binascii.a2b_hex"
                    | "bytes.fromhex" | "bytearray.fromhex" => Step::Hex,
                    "codecs.decode" => {
                        let Some(codec) = text_arg(1) else {
                            return Ok(Val::Unknown);
                        };
                        match codec.replace('-', "_").as_str() {
                            "hex" | "hex_codec" => Step::Hex,
                            "base64" | "base_64" | "base64_codec" => Step::Base64,
                            "zlib" | "zip" | "zlib_codec" => Step::Zlib,
                            "bz2" | "bz2_codec" => Step::Bz2,
                            "rot13" | "rot_13" => Step::Rot13,
                            _ => return Ok(Val::Unknown),
                        }
                    }
                    _ => return Ok(Val::Unknown),
                };
                self.apply(step, first)
            }
            Val::Method(obj, name) => match name.as_str() {
                "decode" | "encode" => {
                    match text_arg(0).as_deref().map(|c| c.replace('-', "_")) {
                        Some(c) if c == "hex" || c == "hex_codec" => self.apply(Step::Hex, *obj),
                        Some(c) if c == "base64" || c == "base64_codec" => {
                            self.apply(Step::Base64, *obj)
                        }
                        Some(c) if c == "zlib" || c == "zlib_codec" => self.apply(Step::Zlib, *obj),
                        Some(c) if c == "rot13" || c == "rot_13" => self.apply(Step::Rot13, *obj),
                        // utf-8 / latin-1 / ascii: the bytes stay what they are.
                        _ => Ok(*obj),
                    }
                }
                _ => Ok(Val::Unknown),
            },
            Val::Function(index) => {
                // `(b ^ K for b in data)`: a generator whose body xors with one int constant.
                let Val::Iter(inner) = first else {
                    return Ok(Val::Unknown);
                };
                match xor_key(ctx, index, self.version) {
                    Some(key) => Ok(Val::XorGen(inner, key)),
                    None => Ok(Val::Unknown),
                }
            }
            _ => Ok(Val::Unknown),
        }
    }

    /// Records `exec`/`eval`/`compile` of a folded constant.
    fn sink(
        &mut self,
        sink: &str,
        arg: Val,
        code_name: &str,
        code_index: usize,
        offset: usize,
        found: &mut Vec<Found>,
    ) -> bool {
        let (marshal, data) = match arg {
            Val::Marshal(d) => (true, *d),
            d @ Val::Data { .. } => (false, d),
            _ => return false,
        };
        let Val::Data {
            constant,
            steps,
            bytes,
        } = data
        else {
            return false;
        };
        // A bare constant string handed to exec is a source layer too, but
        // only count it when something was decoded or it is marshal data:
        // `exec("x = 1")` is ordinary code, not a protection layer.
        if steps.is_empty() && !marshal {
            return false;
        }
        found.push(Found {
            code_name: code_name.to_string(),
            code_index,
            offset,
            sink: sink.to_string(),
            constant,
            steps,
            marshal,
            payload: bytes,
        });
        true
    }
}

struct CodeCtx<'c, 't> {
    consts: &'c [Node<'t>],
    names: &'c [String],
    table: &'c RefTable<'c, 't>,
}

/// The xor key of a generator-expression code constant, if its body is
/// `b ^ K` with one small int constant.
fn xor_key(ctx: &CodeCtx<'_, '_>, index: usize, version: PyVersion) -> Option<u8> {
    let node = ctx.consts.get(index)?;
    let code = node.as_code()?;
    let table = ctx.table;
    let bytecode = code.obj(CodeField::Code).and_then(|n| table.resolve(n))?;
    let bytecode = bytecode.as_str_bytes()?;
    let has_xor = instructions(bytecode, version).any(|ins| match ins.mnemonic.map(|m| m.name()) {
        Some("BINARY_XOR") | Some("INPLACE_XOR") => true,
        Some("BINARY_OP") => matches!(ins.arg, Some(12) | Some(25)),
        _ => false,
    });
    if !has_xor {
        return None;
    }
    let consts = code.obj(CodeField::Consts).and_then(|n| table.resolve(n))?;
    let ints: Vec<i64> = consts
        .as_seq()?
        .iter()
        .filter_map(|c| match &table.resolve(c)?.obj {
            Obj::Int(i) => Some(*i as i64),
            _ => None,
        })
        .collect();
    match ints.as_slice() {
        [k] if (0..=255).contains(k) => Some(*k as u8),
        _ => None,
    }
}
