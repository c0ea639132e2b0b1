//! Rename identifiers that are not valid Python names (`'/ * && '`,
//! `'with ^ raise '`), keeping the mapping.
//!
//! The renaming is consistent over a code object and its nested code
//! objects: a cell variable and the free variables of nested code that
//! name it get the same new name. Arguments (callers may pass them by
//! keyword) keep their names, and so does anything in `co_names`
//! (globals, attributes). A local bound by `def`/`class` takes the
//! function's or class's own name when that is a valid identifier not used
//! in its scope: decompilers write `def inc(...)` from `co_name` whatever
//! the local is called, so the rest of the source must read it as `inc`.
//! Other names become `_varN`, unique in the whole module.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use pyctrace_marshal::{Code, CodeField, Node, Obj, StrType};

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "exec", "finally", "for", "from", "global", "if",
    "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "print", "raise", "return",
    "try", "while", "with", "yield",
];

/// Whether `name` can be written in Python source as an identifier.
pub fn is_valid_identifier(name: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(name) else {
        return false;
    };
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !(first == '_' || first.is_alphabetic()) {
        return false;
    }
    if !chars.all(|c| c == '_' || c.is_alphanumeric()) {
        return false;
    }
    !KEYWORDS.contains(&s)
}

/// Renaming state for one module: the identifiers used anywhere in it
/// and the `_varN` counter.
pub struct Renamer {
    taken: HashSet<Vec<u8>>,
    counter: usize,
}

/// Old name to new name, for the cell and free variables nested code
/// objects inherit.
pub type NameMap = HashMap<Vec<u8>, Vec<u8>>;

const NAME_FIELDS: &[CodeField] = &[
    CodeField::Names,
    CodeField::VarNames,
    CodeField::CellVars,
    CodeField::FreeVars,
    CodeField::LocalsPlusNames,
];

fn str_seq(code: &Code<'_>, field: CodeField) -> Vec<Vec<u8>> {
    code.obj(field)
        .and_then(|n| n.as_seq())
        .map(|s| {
            s.iter()
                .map(|n| n.as_str_bytes().unwrap_or(b"").to_vec())
                .collect()
        })
        .unwrap_or_default()
}

/// Every identifier of `node`'s code objects (names, locals, cells, frees,
/// and with `co_name` the code objects' own names), nested ones included.
pub fn collect_identifiers(
    node: &Node<'_>,
    co_name: bool,
    out: &mut HashSet<Vec<u8>>,
    depth: usize,
) {
    if depth > 200 {
        return;
    }
    match &node.obj {
        Obj::Code(code) => {
            for &f in NAME_FIELDS {
                out.extend(str_seq(code, f));
            }
            if let Some(n) = code.name_text().filter(|_| co_name) {
                out.insert(n.into_bytes());
            }
            if let Some(k) = code.obj(CodeField::Consts) {
                collect_identifiers(k, co_name, out, depth + 1);
            }
        }
        Obj::Tuple { items, .. } | Obj::List(items) | Obj::FrozenSet(items) | Obj::Set(items) => {
            for it in items {
                collect_identifiers(it, co_name, out, depth + 1);
            }
        }
        _ => {}
    }
}

impl Renamer {
    pub fn new(root: &Node<'_>) -> Renamer {
        let mut taken = HashSet::new();
        collect_identifiers(root, true, &mut taken, 0);
        Renamer { taken, counter: 0 }
    }

    fn fresh(&mut self) -> Vec<u8> {
        loop {
            let cand = format!("_var{}", self.counter).into_bytes();
            self.counter += 1;
            if self.taken.insert(cand.clone()) {
                return cand;
            }
        }
    }
}

/// For each local (by index in `co_varnames`, or `co_localsplusnames` from
/// 3.11) and cell (by `STORE_DEREF` index) bound right after a function or
/// class is made: that code object's `co_name`.
fn def_names(code: &Code<'_>) -> (HashMap<usize, Vec<u8>>, HashMap<usize, Vec<u8>>) {
    let v = code.version;
    let bytes = code
        .obj(CodeField::Code)
        .and_then(|n| n.as_str_bytes())
        .unwrap_or(b"")
        .to_vec();
    let consts: Vec<Option<Vec<u8>>> = code
        .obj(CodeField::Consts)
        .and_then(|n| n.as_seq())
        .map(|s| {
            s.iter()
                .map(|n| match &n.obj {
                    Obj::Code(c) => c.name_text().map(String::into_bytes),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let (mut fast, mut deref) = (HashMap::new(), HashMap::new());
    let mut pending: Option<Vec<u8>> = None;
    for ins in pyctrace_bytecode::instructions(&bytes, v) {
        let Some(m) = ins.mnemonic else {
            pending = None;
            continue;
        };
        let arg = ins.arg.unwrap_or(0) as usize;
        match m.name() {
            "EXTENDED_ARG" | "CACHE" | "NOP" => {}
            "LOAD_CONST" => {
                if let Some(Some(n)) = consts.get(arg) {
                    pending = Some(n.clone());
                }
            }
            "MAKE_FUNCTION"
            | "MAKE_CLOSURE"
            | "SET_FUNCTION_ATTRIBUTE"
            | "PRECALL"
            | "CALL"
            | "CALL_FUNCTION"
            | "BUILD_CLASS" => {}
            "STORE_FAST" => {
                if let Some(n) = pending.take() {
                    fast.insert(arg, n);
                }
            }
            "STORE_DEREF" => {
                if let Some(n) = pending.take() {
                    deref.insert(arg, n);
                }
            }
            _ => pending = None,
        }
    }
    (fast, deref)
}

fn set_item(code: &mut Code<'static>, field: CodeField, i: usize, new: &[u8]) {
    let py2 = code.version.is_py2();
    if let Some(Node {
        obj: Obj::Tuple { items, .. },
        ..
    }) = code.obj_mut(field)
    {
        if let Some(n) = items.get_mut(i) {
            let kind = match &n.obj {
                Obj::Str { kind, .. } => *kind,
                _ => StrType::Interned,
            };
            let kind = if kind == StrType::String && !py2 {
                StrType::Interned
            } else {
                kind
            };
            n.obj = Obj::Str {
                kind,
                data: Cow::Owned(new.to_vec()),
            };
        }
    }
}

/// Renames the invalid identifiers among the locals, cells and frees of
/// `code` (not its nested code objects); `inherited` maps the enclosing
/// code's renamed cells and frees. Returns the renames (old, new) and the
/// map nested code objects inherit.
pub fn rename_code(
    code: &mut Code<'static>,
    r: &mut Renamer,
    inherited: &NameMap,
) -> (Vec<(String, String)>, NameMap) {
    let v = code.version;
    let flags = code.int(CodeField::Flags).unwrap_or(0);
    let fixed = code.int(CodeField::ArgCount).unwrap_or(0).max(0) as usize
        + code.int(CodeField::KwOnlyArgCount).unwrap_or(0).max(0) as usize
        + (flags & 4 != 0) as usize
        + (flags & 8 != 0) as usize;
    // (field, index, old name, is a free variable)
    let mut slots: Vec<(CodeField, usize, Vec<u8>, bool)> = Vec::new();
    let (fast_defs, deref_defs) = def_names(code);
    let mut preferred: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    let args: HashSet<Vec<u8>>;
    if v.at_least(3, 11) {
        let names = str_seq(code, CodeField::LocalsPlusNames);
        let kinds = code
            .obj(CodeField::LocalsPlusKinds)
            .and_then(|n| n.as_str_bytes())
            .unwrap_or(b"")
            .to_vec();
        args = names.iter().take(fixed).cloned().collect();
        for (i, n) in names.iter().enumerate() {
            let free = kinds.get(i).is_some_and(|k| k & 0x80 != 0);
            slots.push((CodeField::LocalsPlusNames, i, n.clone(), free));
            for d in [fast_defs.get(&i), deref_defs.get(&i)]
                .into_iter()
                .flatten()
            {
                preferred.entry(n.clone()).or_insert_with(|| d.clone());
            }
        }
    } else {
        let vars = str_seq(code, CodeField::VarNames);
        let cells = str_seq(code, CodeField::CellVars);
        let frees = str_seq(code, CodeField::FreeVars);
        args = vars.iter().take(fixed).cloned().collect();
        for (i, n) in vars.iter().enumerate() {
            slots.push((CodeField::VarNames, i, n.clone(), false));
            if let Some(d) = fast_defs.get(&i) {
                preferred.entry(n.clone()).or_insert_with(|| d.clone());
            }
        }
        for (i, n) in cells.iter().enumerate() {
            slots.push((CodeField::CellVars, i, n.clone(), false));
        }
        for (i, n) in frees.iter().enumerate() {
            slots.push((CodeField::FreeVars, i, n.clone(), true));
        }
        for (&i, d) in &deref_defs {
            let n = cells.get(i).or_else(|| frees.get(i - cells.len().min(i)));
            if let Some(n) = n {
                preferred.entry(n.clone()).or_insert_with(|| d.clone());
            }
        }
    }
    // names visible here or below: a `def` name must shadow none of them
    let mut scope: HashSet<Vec<u8>> = HashSet::new();
    for &f in NAME_FIELDS {
        scope.extend(str_seq(code, f));
    }
    if let Some(k) = code.obj(CodeField::Consts) {
        collect_identifiers(k, false, &mut scope, 0);
    }
    let mut map: NameMap = HashMap::new();
    let mut out = Vec::new();
    for (field, i, old, free) in &slots {
        let new = if *free {
            match inherited.get(old) {
                Some(n) => n.clone(),
                None => continue,
            }
        } else if let Some(n) = map.get(old) {
            n.clone()
        } else {
            if args.contains(old) || is_valid_identifier(old) {
                continue;
            }
            let new = match preferred.get(old) {
                Some(p) if is_valid_identifier(p) && !scope.contains(p) => p.clone(),
                _ => r.fresh(),
            };
            scope.insert(new.clone());
            r.taken.insert(new.clone());
            out.push((
                String::from_utf8_lossy(old).into_owned(),
                String::from_utf8_lossy(&new).into_owned(),
            ));
            new
        };
        map.insert(old.clone(), new.clone());
        set_item(code, *field, *i, &new);
    }
    (out, map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_identifiers() {
        assert!(is_valid_identifier(b"total"));
        assert!(is_valid_identifier(b"_var0"));
        assert!(!is_valid_identifier(b"/ * && "));
        assert!(!is_valid_identifier(b"with ^ raise "));
        assert!(!is_valid_identifier(b"class"));
        assert!(!is_valid_identifier(b"9lives"));
        assert!(!is_valid_identifier(b""));
    }
}
