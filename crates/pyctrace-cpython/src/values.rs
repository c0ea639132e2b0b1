//! Values pushed and popped: the frame's value stack read at an opcode
//! event (before the instruction) and at the next event of the same frame
//! (after it), rendered without running program code.

use std::ffi::c_int;
use std::fmt::Write as _;

use crate::ffi::{PyObject, Python, StackLayout};

/// Longest rendering of one value, in characters (longer ones end in `...`).
pub const MAX_REPR: usize = 80;

/// How many values an instruction pops, when it is a fixed function of the
/// opcode and argument in that version. `None`: not known here (the
/// record's `pop` stays empty; `push` is then found by comparing the stack
/// before and after).
pub fn pops(name: &str, arg: Option<i64>, version: (u8, u8)) -> Option<usize> {
    let a = arg.unwrap_or(0).max(0) as usize;
    let v = version;
    Some(match name {
        "NOP"
        | "EXTENDED_ARG"
        | "RESUME"
        | "CACHE"
        | "PUSH_NULL"
        | "KW_NAMES"
        | "SETUP_LOOP"
        | "POP_BLOCK"
        | "JUMP_FORWARD"
        | "JUMP_ABSOLUTE"
        | "JUMP_BACKWARD"
        | "JUMP_BACKWARD_NO_INTERRUPT"
        | "JUMP"
        | "JUMP_NO_INTERRUPT"
        | "DUP_TOP"
        | "DUP_TOP_TWO"
        | "COPY"
        | "IMPORT_FROM"
        | "LOAD_BUILD_CLASS"
        | "LOAD_LOCALS"
        | "LOAD_ASSERTION_ERROR"
        | "RETURN_CONST"
        | "PRINT_NEWLINE"
        | "GET_LEN" => 0,
        "LOAD_CONST"
        | "LOAD_FAST"
        | "LOAD_NAME"
        | "LOAD_GLOBAL"
        | "LOAD_DEREF"
        | "LOAD_CLOSURE"
        | "LOAD_CLASSDEREF"
        | "LOAD_FAST_CHECK"
        | "LOAD_FAST_AND_CLEAR"
        | "LOAD_FAST_LOAD_FAST" => 0,
        "LOAD_ATTR" | "LOAD_METHOD" | "LOAD_FROM_DICT_OR_GLOBALS" | "LOAD_FROM_DICT_OR_DEREF" => 1,
        "LOAD_SUPER_ATTR" => 3,
        "STORE_FAST"
        | "STORE_NAME"
        | "STORE_GLOBAL"
        | "STORE_DEREF"
        | "STORE_ANNOTATION"
        | "STORE_FAST_LOAD_FAST"
        | "DELETE_ATTR" => 1,
        "STORE_ATTR" | "DELETE_SUBSCR" | "STORE_FAST_STORE_FAST" => 2,
        "STORE_SUBSCR" | "STORE_MAP" => 3,
        "STORE_SLICE" => 4,
        "BINARY_SLICE" => 3,
        "COMPARE_OP" | "IS_OP" | "CONTAINS_OP" | "BINARY_OP" => 2,
        "GET_ITER"
        | "GET_YIELD_FROM_ITER"
        | "TO_BOOL"
        | "FORMAT_SIMPLE"
        | "CONVERT_VALUE"
        | "POP_TOP"
        | "RETURN_VALUE"
        | "YIELD_VALUE"
        | "UNPACK_SEQUENCE"
        | "UNPACK_EX"
        | "LIST_APPEND"
        | "SET_ADD"
        | "LIST_EXTEND"
        | "SET_UPDATE"
        | "DICT_UPDATE"
        | "DICT_MERGE"
        | "LIST_TO_TUPLE"
        | "IMPORT_STAR"
        | "PRINT_ITEM"
        | "PRINT_EXPR"
        | "CALL_INTRINSIC_1"
        | "JUMP_IF_FALSE_OR_POP"
        | "JUMP_IF_TRUE_OR_POP"
        | "UNARY_CONVERT" => 1,
        "FORMAT_WITH_SPEC" | "MAP_ADD" | "CALL_INTRINSIC_2" | "IMPORT_NAME" => 2,
        "ROT_TWO" => 2,
        "ROT_THREE" => 3,
        "ROT_FOUR" => 4,
        "SWAP" => a,
        "BUILD_TUPLE" | "BUILD_LIST" | "BUILD_SET" | "BUILD_STRING" | "BUILD_SLICE"
        | "RAISE_VARARGS" => a,
        "BUILD_MAP" if v.0 == 2 => 0,
        "BUILD_MAP" => 2 * a,
        "BUILD_CONST_KEY_MAP" => a + 1,
        "BUILD_CLASS" => 3,
        "SLICE+0" => 1,
        "SLICE+1" | "SLICE+2" => 2,
        "SLICE+3" => 3,
        "CALL_FUNCTION" if v.0 == 2 => 1 + (a & 0xff) + 2 * ((a >> 8) & 0xff),
        "CALL_FUNCTION" => a + 1,
        "CALL_FUNCTION_KW" => a + 2,
        "CALL_METHOD" | "CALL" => a + 2,
        "MAKE_FUNCTION" if v.0 == 2 => a + 1,
        "MAKE_CLOSURE" if v.0 == 2 => a + 2,
        "MAKE_FUNCTION" if v <= (3, 10) => 2 + (a & 0xf).count_ones() as usize,
        "MAKE_FUNCTION" if v <= (3, 12) => 1 + (a & 0xf).count_ones() as usize,
        "MAKE_FUNCTION" => 1,
        "SET_FUNCTION_ATTRIBUTE" => 2,
        "FOR_ITER" => 0,
        _ if name.starts_with("POP_JUMP_") => 1,
        _ if name.starts_with("BINARY_") || name.starts_with("INPLACE_") => 2,
        _ if name.starts_with("UNARY_") => 1,
        _ => return None,
    })
}

/// The value stack of `frame` at a trace event: its first slot and depth.
/// `None` when the interpreter did not save the stack pointer for this
/// event, or when it is out of the code's declared bounds.
pub unsafe fn stack(
    py: &Python,
    frame: *mut PyObject,
    nlocalsplus: usize,
    stacksize: usize,
) -> Option<(*const *mut PyObject, usize)> {
    let f = frame as *const u8;
    let (base, depth) = match StackLayout::for_version(py.version)? {
        StackLayout::Stacktop => {
            let base = *(f.add(64) as *const *const *mut PyObject);
            let top = *(f.add(72) as *const *const *mut PyObject);
            if base.is_null() || top.is_null() || top < base {
                return None;
            }
            (base, top.offset_from(base) as usize)
        }
        StackLayout::Stackdepth => {
            let base = *(f.add(64) as *const *const *mut PyObject);
            let depth = *(f.add(80) as *const c_int);
            if base.is_null() || depth < 0 {
                return None;
            }
            (base, depth as usize)
        }
        StackLayout::Interp => {
            let iframe = *(f.add(24) as *const *const u8);
            if iframe.is_null() {
                return None;
            }
            let top = *(iframe.add(64) as *const c_int);
            if top < 0 || (top as usize) < nlocalsplus {
                return None;
            }
            let locals = iframe.add(72) as *const *mut PyObject;
            (locals.add(nlocalsplus), top as usize - nlocalsplus)
        }
    };
    (depth <= stacksize).then_some((base, depth))
}

/// Renders `obj` as `repr()` would for built-in values (exact types only),
/// else `<TypeName object>`; never calls program-defined code.
pub unsafe fn render(py: &Python, obj: *mut PyObject) -> String {
    let mut out = String::new();
    render_into(py, obj, &mut out, 0);
    cap(out)
}

fn cap(mut s: String) -> String {
    if s.chars().count() > MAX_REPR {
        let cut = s
            .char_indices()
            .nth(MAX_REPR - 3)
            .map(|(i, _)| i)
            .unwrap_or(s.len());
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

/// `tp_name` of the object's type (`PyTypeObject.tp_name` @24).
unsafe fn type_name(ty: *mut PyObject) -> String {
    let p = *((ty as *const u8).add(24) as *const *const std::ffi::c_char);
    if p.is_null() {
        return "?".into();
    }
    std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
}

unsafe fn type_of(obj: *mut PyObject) -> *mut PyObject {
    *((obj as *const u8).add(8) as *const *mut PyObject)
}

unsafe fn builtin_repr(py: &Python, obj: *mut PyObject, out: &mut String) -> bool {
    let Some(repr) = py.api.opt.PyObject_Repr else {
        return false;
    };
    let r = repr(obj);
    if r.is_null() {
        (py.api.PyErr_Clear)();
        return false;
    }
    let text = py.text(r);
    (py.api.Py_DecRef)(r);
    match text {
        Some(t) => {
            out.push_str(&t);
            true
        }
        None => false,
    }
}

unsafe fn render_into(py: &Python, obj: *mut PyObject, out: &mut String, level: u32) {
    if out.len() > 4 * MAX_REPR {
        return;
    }
    if obj.is_null() {
        out.push_str("NULL");
        return;
    }
    let t = &py.types;
    let api = &py.api;
    if obj == api.none {
        out.push_str("None");
        return;
    }
    if obj == api.true_ {
        out.push_str("True");
        return;
    }
    if obj == t.false_ {
        out.push_str("False");
        return;
    }
    if obj == t.ellipsis {
        out.push_str("Ellipsis");
        return;
    }
    let ty = type_of(obj);
    if ty.is_null() {
        out.push_str("NULL");
        return;
    }
    let is = |p: *mut PyObject| !p.is_null() && ty == p;
    if is(t.int) && py.version.0 >= 3 {
        if let Some(f) = api.opt.PyLong_AsLongLongAndOverflow {
            let mut overflow: c_int = 0;
            let v = f(obj, &mut overflow);
            if overflow == 0 && !(v == -1 && !(api.PyErr_Occurred)().is_null()) {
                let _ = write!(out, "{v}");
                return;
            }
            (api.PyErr_Clear)();
        }
    }
    if is(t.int) || is(t.int2) || is(t.float) || is(t.complex) {
        if !builtin_repr(py, obj, out) {
            let _ = write!(out, "<{} object>", type_name(ty));
        }
        return;
    }
    if is(t.str) || is(t.bytes) || is(t.unicode2) {
        // Only a prefix is rendered for long strings.
        let len = api.opt.PyObject_Size.map_or(-1, |f| f(obj));
        if len < 0 {
            (api.PyErr_Clear)();
        }
        let slice = match api.opt.PySequence_GetSlice {
            Some(f) if len > MAX_REPR as isize => f(obj, 0, MAX_REPR as isize),
            _ => std::ptr::null_mut(),
        };
        let target = if slice.is_null() { obj } else { slice };
        if !builtin_repr(py, target, out) {
            let _ = write!(out, "<{} object>", type_name(ty));
        }
        if !slice.is_null() {
            (api.Py_DecRef)(slice);
            out.push_str("...");
        }
        return;
    }
    let container = is(t.tuple) || is(t.list) || is(t.dict) || is(t.set) || is(t.frozenset);
    if container && level >= 3 {
        out.push_str("...");
        return;
    }
    if is(t.tuple) || is(t.list) {
        let n = api.opt.PyObject_Size.map_or(0, |f| f(obj)).max(0);
        let (open, close) = if is(t.tuple) { ("(", ")") } else { ("[", "]") };
        out.push_str(open);
        for i in 0..n {
            if i > 0 {
                out.push_str(", ");
            }
            if out.len() > 2 * MAX_REPR {
                out.push_str("...");
                break;
            }
            let item = if is(t.tuple) {
                (api.PyTuple_GetItem)(obj, i)
            } else {
                api.opt
                    .PyList_GetItem
                    .map_or(std::ptr::null_mut(), |f| f(obj, i))
            };
            render_into(py, item, out, level + 1);
        }
        if n == 1 && is(t.tuple) {
            out.push(',');
        }
        out.push_str(close);
        return;
    }
    if is(t.dict) {
        if let Some(next) = api.opt.PyDict_Next {
            out.push('{');
            let mut pos: isize = 0;
            let (mut k, mut v) = (std::ptr::null_mut(), std::ptr::null_mut());
            let mut first = true;
            while next(obj, &mut pos, &mut k, &mut v) != 0 {
                if !first {
                    out.push_str(", ");
                }
                first = false;
                if out.len() > 2 * MAX_REPR {
                    out.push_str("...");
                    break;
                }
                render_into(py, k, out, level + 1);
                out.push_str(": ");
                render_into(py, v, out, level + 1);
            }
            out.push('}');
            return;
        }
    }
    if is(t.set) || is(t.frozenset) {
        if let (Some(iter), Some(next)) = (api.opt.PyObject_GetIter, api.opt.PyIter_Next) {
            let it = iter(obj);
            if !it.is_null() {
                let name = if is(t.set) { "set" } else { "frozenset" };
                let mut items = Vec::new();
                loop {
                    let x = next(it);
                    if x.is_null() {
                        break;
                    }
                    let mut s = String::new();
                    if items.len() < 16 {
                        render_into(py, x, &mut s, level + 1);
                        items.push(s);
                    }
                    (api.Py_DecRef)(x);
                }
                (api.Py_DecRef)(it);
                (api.PyErr_Clear)();
                if items.is_empty() {
                    let _ = write!(out, "{name}()");
                } else if is(t.set) && py.version.0 >= 3 {
                    let _ = write!(out, "{{{}}}", items.join(", "));
                } else {
                    let _ = write!(out, "{name}([{}])", items.join(", "));
                }
                return;
            }
            (api.PyErr_Clear)();
        }
    }
    if is(t.type_) {
        let _ = write!(out, "<class '{}'>", type_name(obj));
        return;
    }
    let _ = write!(out, "<{} object>", type_name(ty));
}
