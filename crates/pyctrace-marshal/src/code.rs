use pyctrace_version::{code_layout, CodeField, FieldWidth, PyVersion};

use crate::node::Node;

/// A value of one code-object field.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue<'a> {
    Int(i32),
    Obj(Node<'a>),
}

/// A marshalled code object: its fields in file order, as the layout of
/// `version` lists them (see [`pyctrace_version::code_layout`]).
///
/// A permissive read of a damaged file may leave the list short.
#[derive(Clone, Debug, PartialEq)]
pub struct Code<'a> {
    pub version: PyVersion,
    pub fields: Vec<(CodeField, FieldValue<'a>)>,
}

impl<'a> Code<'a> {
    pub fn layout(&self) -> (&'static [CodeField], FieldWidth) {
        code_layout(self.version)
    }

    pub fn int(&self, field: CodeField) -> Option<i32> {
        self.fields.iter().find_map(|(f, v)| match v {
            FieldValue::Int(i) if *f == field => Some(*i),
            _ => None,
        })
    }

    pub fn obj(&self, field: CodeField) -> Option<&Node<'a>> {
        self.fields.iter().find_map(|(f, v)| match v {
            FieldValue::Obj(node) if *f == field => Some(node),
            _ => None,
        })
    }

    pub fn obj_mut(&mut self, field: CodeField) -> Option<&mut Node<'a>> {
        self.fields.iter_mut().find_map(|(f, v)| match v {
            FieldValue::Obj(node) if *f == field => Some(node),
            _ => None,
        })
    }

    pub fn set_int(&mut self, field: CodeField, value: i32) -> bool {
        for (f, v) in &mut self.fields {
            if *f == field {
                *v = FieldValue::Int(value);
                return true;
            }
        }
        false
    }

    /// The nested objects, in file order.
    pub fn objects(&self) -> impl Iterator<Item = &Node<'a>> {
        self.fields.iter().filter_map(|(_, v)| match v {
            FieldValue::Obj(node) => Some(node),
            FieldValue::Int(_) => None,
        })
    }

    /// `co_name` as text, if it is a plain (non-ref) string.
    pub fn name_text(&self) -> Option<String> {
        self.obj(CodeField::Name)
            .and_then(Node::as_str_bytes)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    pub fn into_owned(self) -> Code<'static> {
        Code {
            version: self.version,
            fields: self
                .fields
                .into_iter()
                .map(|(f, v)| {
                    let v = match v {
                        FieldValue::Int(i) => FieldValue::Int(i),
                        FieldValue::Obj(n) => FieldValue::Obj(n.into_owned()),
                    };
                    (f, v)
                })
                .collect(),
        }
    }
}
