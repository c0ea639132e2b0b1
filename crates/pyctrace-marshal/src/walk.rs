//! Depth-first enumeration of the code objects in a tree (nested functions,
//! classes, comprehensions live in `co_consts`), refs resolved.

use std::collections::HashSet;

use pyctrace_version::{CodeField, PyVersion};

use crate::code::Code;
use crate::node::{Node, Obj};
use crate::refs::RefTable;

/// One code object and how deep it is nested (the module is depth 0).
pub struct CodeEntry<'t, 'a> {
    pub depth: usize,
    pub node: &'t Node<'a>,
    pub code: &'t Code<'a>,
}

/// Code objects in depth-first preorder, as `dis` recurses into them. A code
/// object reachable twice through refs is listed once.
pub fn code_objects<'t, 'a>(root: &'t Node<'a>, version: PyVersion) -> Vec<CodeEntry<'t, 'a>> {
    let table = RefTable::build(root, version);
    let mut seen: HashSet<*const Node<'a>> = HashSet::new();
    let mut out = Vec::new();
    let mut stack = vec![(0usize, root)];
    while let Some((depth, node)) = stack.pop() {
        let Some(node) = table.resolve(node) else {
            continue;
        };
        let Obj::Code(code) = &node.obj else { continue };
        if !seen.insert(node as *const _) {
            continue;
        }
        out.push(CodeEntry { depth, node, code });
        let consts = code.obj(CodeField::Consts).and_then(|c| table.resolve(c));
        if let Some(items) = consts.and_then(Node::as_seq) {
            for item in items.iter().rev() {
                stack.push((depth + 1, item));
            }
        }
    }
    out
}
