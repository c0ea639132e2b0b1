//! Resolving `r` (3.4+) and `R` (2.x) records to the objects they name.
//!
//! The reader keeps refs as indices; the tables are rebuilt from the tree
//! on demand by a preorder walk, which is the order CPython fills its ref
//! list in (containers take their slot before their items).

use pyctrace_version::PyVersion;

use crate::node::{Node, Obj, StrType};

pub struct RefTable<'t, 'a> {
    refs: Vec<&'t Node<'a>>,
    interned: Vec<&'t Node<'a>>,
}

impl<'t, 'a> RefTable<'t, 'a> {
    pub fn build(root: &'t Node<'a>, version: PyVersion) -> Self {
        let mut refs = Vec::new();
        let mut interned = Vec::new();
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if node.registers_ref() {
                refs.push(node);
            }
            if version.is_py2()
                && matches!(
                    node.obj,
                    Obj::Str {
                        kind: StrType::Interned,
                        ..
                    }
                )
            {
                interned.push(node);
            }
            let children = node.children();
            stack.extend(children.into_iter().rev());
        }
        RefTable { refs, interned }
    }

    /// The node a `r`/`R` record stands for, or the node itself. `None` for
    /// a dangling index.
    pub fn resolve(&self, node: &'t Node<'a>) -> Option<&'t Node<'a>> {
        match node.obj {
            Obj::Ref(i) => self.refs.get(i as usize).copied(),
            Obj::StringRef(i) => self.interned.get(i as usize).copied(),
            _ => Some(node),
        }
    }

    pub fn len(&self) -> usize {
        self.refs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }
}
