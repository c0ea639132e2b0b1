//! The few C-API entry points the engine needs, resolved at run time from
//! the libpython it opened. Nothing here is linked at build time.
//!
//! Struct layouts are used only where no function exists (see
//! [`FrameLayout`]); every offset is taken from that version's
//! `frameobject.h` (64-bit, release build).

#![allow(non_snake_case, non_camel_case_types)]

use std::ffi::{c_char, c_int, c_long, c_void};
use std::path::Path;

pub type PyObject = c_void;
pub type wchar_t = i32;

/// `Py_tracefunc`.
pub type TraceFn =
    unsafe extern "C" fn(*mut PyObject, *mut PyObject, c_int, *mut PyObject) -> c_int;

pub const PYTRACE_CALL: c_int = 0;
pub const PYTRACE_EXCEPTION: c_int = 1;
pub const PYTRACE_LINE: c_int = 2;
pub const PYTRACE_RETURN: c_int = 3;
pub const PYTRACE_OPCODE: c_int = 7;

/// `PyCFunction` (METH_O / METH_NOARGS).
pub type PyCFunction = unsafe extern "C" fn(*mut PyObject, *mut PyObject) -> *mut PyObject;
pub const METH_NOARGS: c_int = 0x0004;
pub const METH_O: c_int = 0x0008;

/// `PyMethodDef`.
#[repr(C)]
pub struct PyMethodDef {
    pub ml_name: *const c_char,
    pub ml_meth: PyCFunction,
    pub ml_flags: c_int,
    pub ml_doc: *const c_char,
}

/// `PyStatus` (3.8+): returned by value.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct PyStatus {
    pub kind: c_int,
    pub func: *const c_char,
    pub err_msg: *const c_char,
    pub exitcode: c_int,
}

/// Offsets into `PyFrameObject` for 2.7 and 3.6–3.10 (the struct is
/// public there). From 3.11 frames are opaque and only functions are used.
///
/// | version | f_back | f_code | f_lasti | unit of f_lasti |
/// |---|---|---|---|---|
/// | 2.7, 3.6 | 24 | 32 | 120 | bytes |
/// | 3.7–3.9 | 24 | 32 | 104 | bytes |
/// | 3.10 | 24 | 32 | 96 | instructions (×2 for bytes) |
///
/// (`PyObject_VAR_HEAD` is 24 bytes; 3.7–3.9 add `f_trace_lines`,
/// `f_trace_opcodes` after `f_trace` and drop the three `f_exc_*`
/// pointers; 3.10 replaces `f_stacktop` by `int f_stackdepth`.)
#[derive(Clone, Copy, Debug)]
pub struct FrameLayout {
    pub f_back: usize,
    pub f_code: usize,
    pub f_lasti: usize,
    pub lasti_in_units: bool,
}

impl FrameLayout {
    pub fn for_version(major: u8, minor: u8) -> Option<FrameLayout> {
        let (f_lasti, units) = match (major, minor) {
            (2, 7) | (3, 6) => (120, false),
            (3, 7..=9) => (104, false),
            (3, 10) => (96, true),
            _ => return None,
        };
        Some(FrameLayout {
            f_back: 24,
            f_code: 32,
            f_lasti,
            lasti_in_units: units,
        })
    }
}

macro_rules! api {
    ($( $name:ident : $ty:ty ),* $(,)?) => {
        /// Required entry points (present in 2.7 and every 3.x used).
        pub struct Api {
            $( pub $name: $ty, )*
            pub opt: Optional,
            pub none: *mut PyObject,
            pub true_: *mut PyObject,
            pub exc_system_exit: *mut PyObject,
        }
        impl Api {
            unsafe fn load_required(lib: &libloading::Library) -> Result<ApiRequired, String> {
                Ok(ApiRequired {
                    $( $name: *lib.get::<$ty>(concat!(stringify!($name), "\0").as_bytes())
                        .map_err(|e| format!("{}: {e}", stringify!($name)))?, )*
                })
            }
        }
        struct ApiRequired { $( $name: $ty, )* }
        macro_rules! fill { ($req:ident, $opt:ident, $n:ident, $t:ident, $s:ident) => {
            Api { $( $name: $req.$name, )* opt: $opt, none: $n, true_: $t, exc_system_exit: $s }
        } }
    };
}

api! {
    Py_InitializeEx: unsafe extern "C" fn(c_int),
    PyEval_SetTrace: unsafe extern "C" fn(Option<TraceFn>, *mut PyObject),
    PyFrame_GetLineNumber: unsafe extern "C" fn(*mut PyObject) -> c_int,
    PyObject_GetAttrString: unsafe extern "C" fn(*mut PyObject, *const c_char) -> *mut PyObject,
    PyObject_SetAttrString: unsafe extern "C" fn(*mut PyObject, *const c_char, *mut PyObject) -> c_int,
    PyLong_AsLong: unsafe extern "C" fn(*mut PyObject) -> c_long,
    PyMarshal_ReadObjectFromString: unsafe extern "C" fn(*const c_char, isize) -> *mut PyObject,
    PyImport_AddModule: unsafe extern "C" fn(*const c_char) -> *mut PyObject,
    PyModule_GetDict: unsafe extern "C" fn(*mut PyObject) -> *mut PyObject,
    PyDict_SetItemString: unsafe extern "C" fn(*mut PyObject, *const c_char, *mut PyObject) -> c_int,
    PyDict_GetItemString: unsafe extern "C" fn(*mut PyObject, *const c_char) -> *mut PyObject,
    PySys_GetObject: unsafe extern "C" fn(*const c_char) -> *mut PyObject,
    PyList_Insert: unsafe extern "C" fn(*mut PyObject, isize, *mut PyObject) -> c_int,
    PyObject_CallObject: unsafe extern "C" fn(*mut PyObject, *mut PyObject) -> *mut PyObject,
    PyTuple_New: unsafe extern "C" fn(isize) -> *mut PyObject,
    PyTuple_SetItem: unsafe extern "C" fn(*mut PyObject, isize, *mut PyObject) -> c_int,
    PyTuple_GetItem: unsafe extern "C" fn(*mut PyObject, isize) -> *mut PyObject,
    PyErr_Print: unsafe extern "C" fn(),
    PyErr_Occurred: unsafe extern "C" fn() -> *mut PyObject,
    PyErr_Clear: unsafe extern "C" fn(),
    PyErr_ExceptionMatches: unsafe extern "C" fn(*mut PyObject) -> c_int,
    Py_IncRef: unsafe extern "C" fn(*mut PyObject),
    Py_DecRef: unsafe extern "C" fn(*mut PyObject),
    PyThreadState_Get: unsafe extern "C" fn() -> *mut c_void,
    PyDict_New: unsafe extern "C" fn() -> *mut PyObject,
    PyObject_Str: unsafe extern "C" fn(*mut PyObject) -> *mut PyObject,
    PyEval_EvalCode: unsafe extern "C" fn(*mut PyObject, *mut PyObject, *mut PyObject) -> *mut PyObject,
}

/// Entry points that only some versions have.
#[derive(Default)]
pub struct Optional {
    // 3.x
    pub Py_FinalizeEx: Option<unsafe extern "C" fn() -> c_int>,
    pub Py_Finalize: Option<unsafe extern "C" fn()>,
    pub Py_SetProgramName_w: Option<unsafe extern "C" fn(*const wchar_t)>,
    pub Py_SetProgramName_c: Option<unsafe extern "C" fn(*const c_char)>,
    pub PySys_SetArgvEx_w: Option<unsafe extern "C" fn(c_int, *mut *mut wchar_t, c_int)>,
    pub PySys_SetArgvEx_c: Option<unsafe extern "C" fn(c_int, *mut *mut c_char, c_int)>,
    pub Py_DecodeLocale: Option<unsafe extern "C" fn(*const c_char, *mut usize) -> *mut wchar_t>,
    pub PyUnicode_AsUTF8: Option<unsafe extern "C" fn(*mut PyObject) -> *const c_char>,
    pub PyString_AsString: Option<unsafe extern "C" fn(*mut PyObject) -> *const c_char>,
    pub PyUnicode_DecodeFSDefault: Option<unsafe extern "C" fn(*const c_char) -> *mut PyObject>,
    pub PyString_FromString: Option<unsafe extern "C" fn(*const c_char) -> *mut PyObject>,
    pub PyBytes_AsStringAndSize:
        Option<unsafe extern "C" fn(*mut PyObject, *mut *mut c_char, *mut isize) -> c_int>,
    // 3.8+
    pub PyConfig_InitPythonConfig: Option<unsafe extern "C" fn(*mut c_void)>,
    pub PyConfig_SetBytesArgv:
        Option<unsafe extern "C" fn(*mut c_void, isize, *const *mut c_char) -> PyStatus>,
    pub Py_InitializeFromConfig: Option<unsafe extern "C" fn(*const c_void) -> PyStatus>,
    pub PyConfig_Clear: Option<unsafe extern "C" fn(*mut c_void)>,
    pub Py_ExitStatusException: Option<unsafe extern "C" fn(PyStatus)>,
    // 3.9+
    pub PyFrame_GetCode: Option<unsafe extern "C" fn(*mut PyObject) -> *mut PyObject>,
    pub PyFrame_GetBack: Option<unsafe extern "C" fn(*mut PyObject) -> *mut PyObject>,
    // 3.11+
    pub PyFrame_GetLasti: Option<unsafe extern "C" fn(*mut PyObject) -> c_int>,
    // 3.12 priming (any 3.x)
    pub PyFrame_New: Option<
        unsafe extern "C" fn(
            *mut c_void,
            *mut PyObject,
            *mut PyObject,
            *mut PyObject,
        ) -> *mut PyObject,
    >,
    pub PyCFunction_NewEx: Option<
        unsafe extern "C" fn(*mut PyMethodDef, *mut PyObject, *mut PyObject) -> *mut PyObject,
    >,
    /// 3.8+ (variadic).
    pub PySys_Audit: Option<unsafe extern "C" fn(*const c_char, *const c_char, ...) -> c_int>,
    pub PyCode_NewEmpty:
        Option<unsafe extern "C" fn(*const c_char, *const c_char, c_int) -> *mut PyObject>,
    // Line tables (2.7: PyString_FromStringAndSize, 3.x: PyBytes_...).
    pub PyBytes_FromStringAndSize:
        Option<unsafe extern "C" fn(*const c_char, isize) -> *mut PyObject>,
    // Values.
    pub PyObject_Repr: Option<unsafe extern "C" fn(*mut PyObject) -> *mut PyObject>,
    pub PyObject_Size: Option<unsafe extern "C" fn(*mut PyObject) -> isize>,
    pub PySequence_GetSlice:
        Option<unsafe extern "C" fn(*mut PyObject, isize, isize) -> *mut PyObject>,
    pub PyLong_AsLongLongAndOverflow:
        Option<unsafe extern "C" fn(*mut PyObject, *mut c_int) -> i64>,
    pub PyList_GetItem: Option<unsafe extern "C" fn(*mut PyObject, isize) -> *mut PyObject>,
    pub PyDict_Next: Option<
        unsafe extern "C" fn(
            *mut PyObject,
            *mut isize,
            *mut *mut PyObject,
            *mut *mut PyObject,
        ) -> c_int,
    >,
    pub PyObject_GetIter: Option<unsafe extern "C" fn(*mut PyObject) -> *mut PyObject>,
    pub PyIter_Next: Option<unsafe extern "C" fn(*mut PyObject) -> *mut PyObject>,
    // Dynamic unpacking (audit.rs).
    pub PyEval_GetFrame: Option<unsafe extern "C" fn() -> *mut PyObject>,
    /// 3.8+.
    pub PySys_AddAuditHook: Option<unsafe extern "C" fn(AuditHookFn, *mut c_void) -> c_int>,
    pub PyMarshal_WriteObjectToString:
        Option<unsafe extern "C" fn(*mut PyObject, c_int) -> *mut PyObject>,
    pub PyErr_SetString: Option<unsafe extern "C" fn(*mut PyObject, *const c_char)>,
}

/// `Py_AuditHookFunction` (3.8+).
pub type AuditHookFn = unsafe extern "C" fn(*const c_char, *mut PyObject, *mut c_void) -> c_int;

/// Addresses of the built-in types whose values pyctrace renders itself
/// (exact types only: a subclass may run program code in `__repr__`).
/// Null when the version lacks the type.
#[derive(Clone, Copy)]
pub struct Types {
    pub int: *mut PyObject,
    /// 2.7's `int` (`PyInt_Type`); null on 3.x.
    pub int2: *mut PyObject,
    pub float: *mut PyObject,
    pub complex: *mut PyObject,
    pub str: *mut PyObject,
    /// 3.x `bytes`; 2.7 `str` is `str` above and this is null.
    pub bytes: *mut PyObject,
    /// 2.7 `unicode`; null on 3.x.
    pub unicode2: *mut PyObject,
    pub bool_: *mut PyObject,
    pub tuple: *mut PyObject,
    pub list: *mut PyObject,
    pub dict: *mut PyObject,
    pub set: *mut PyObject,
    pub frozenset: *mut PyObject,
    pub type_: *mut PyObject,
    pub false_: *mut PyObject,
    pub ellipsis: *mut PyObject,
}

/// `PyCodeObject` fields the 2.7/3.6 per-instruction line mode writes
/// (from that version's `code.h`, 64-bit): `co_firstlineno` (checked
/// against the attribute before use) and `co_lnotab`.
pub fn code_lnotab_offsets(version: (u8, u8)) -> Option<(usize, usize)> {
    match version {
        // HEAD 16, 4 ints, 8 pointers, int co_firstlineno @96, co_lnotab @104.
        (2, 7) => Some((96, 104)),
        // HEAD 16, 6 ints (co_firstlineno @36), 6 pointers, co_cell2arg,
        // co_filename, co_name, co_lnotab @112.
        (3, 6) => Some((36, 112)),
        _ => None,
    }
}

/// 2.7 `PyTracebackObject.tb_frame` and `tb_lineno` offsets.
pub const TB_FRAME: usize = 24;
pub const TB_LINENO: usize = 36;

/// Where the value stack of an executing frame is, per version (64-bit,
/// release builds; from `frameobject.h` ≤ 3.10 and
/// `internal/pycore_frame.h` 3.11+).
#[derive(Clone, Copy, Debug)]
pub enum StackLayout {
    /// 2.7–3.9: `PyObject **f_valuestack` @64, `PyObject **f_stacktop` @72
    /// (set by ceval around trace calls, else NULL).
    Stacktop,
    /// 3.10: `f_valuestack` @64, `int f_stackdepth` @80 (−1 when unknown).
    Stackdepth,
    /// 3.11+: `PyFrameObject.f_frame` @24 → `_PyInterpreterFrame`:
    /// `int stacktop` @64 (offset of TOS from `localsplus`, −1 when not
    /// saved), `localsplus` @72; the stack starts after `co_nlocalsplus`
    /// slots.
    Interp,
}

impl StackLayout {
    pub fn for_version(version: (u8, u8)) -> Option<StackLayout> {
        match version {
            (2, 7) | (3, 6..=9) => Some(StackLayout::Stacktop),
            (3, 10) => Some(StackLayout::Stackdepth),
            (3, 11..=13) => Some(StackLayout::Interp),
            _ => None,
        }
    }
}

/// An opened libpython with its entry points. The library is never
/// unloaded (CPython cannot be unloaded safely).
pub struct Python {
    pub api: Api,
    pub version: (u8, u8),
    pub layout: Option<FrameLayout>,
    pub types: Types,
}

unsafe fn sym<T: Copy>(lib: &libloading::Library, name: &str) -> Option<T> {
    let mut z = name.as_bytes().to_vec();
    z.push(0);
    lib.get::<T>(&z).ok().map(|s| *s)
}

unsafe fn data(lib: &libloading::Library, name: &str) -> Option<*mut PyObject> {
    let mut z = name.as_bytes().to_vec();
    z.push(0);
    lib.get::<*mut c_void>(&z).ok().map(|s| *s)
}

impl Python {
    /// Opens `libpython` with `RTLD_GLOBAL` (extension modules resolve the
    /// C API from the global namespace) and resolves the API.
    pub fn open(path: &Path, version: (u8, u8)) -> Result<Python, String> {
        #[cfg(unix)]
        let lib: libloading::Library = unsafe {
            use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
            Library::open(Some(path), RTLD_NOW | RTLD_GLOBAL)
                .map_err(|e| format!("cannot load {}: {e}", path.display()))?
                .into()
        };
        #[cfg(not(unix))]
        let lib: libloading::Library = unsafe {
            libloading::Library::new(path)
                .map_err(|e| format!("cannot load {}: {e}", path.display()))?
        };
        let lib: &'static libloading::Library = Box::leak(Box::new(lib));
        unsafe {
            let req = Api::load_required(lib)?;
            let py3 = version.0 >= 3;
            let opt = Optional {
                Py_FinalizeEx: sym(lib, "Py_FinalizeEx"),
                Py_Finalize: sym(lib, "Py_Finalize"),
                Py_SetProgramName_w: if py3 {
                    sym(lib, "Py_SetProgramName")
                } else {
                    None
                },
                Py_SetProgramName_c: if py3 {
                    None
                } else {
                    sym(lib, "Py_SetProgramName")
                },
                PySys_SetArgvEx_w: if py3 {
                    sym(lib, "PySys_SetArgvEx")
                } else {
                    None
                },
                PySys_SetArgvEx_c: if py3 {
                    None
                } else {
                    sym(lib, "PySys_SetArgvEx")
                },
                Py_DecodeLocale: sym(lib, "Py_DecodeLocale"),
                PyUnicode_AsUTF8: if py3 {
                    sym(lib, "PyUnicode_AsUTF8")
                } else {
                    None
                },
                PyString_AsString: sym(lib, "PyString_AsString"),
                PyUnicode_DecodeFSDefault: if py3 {
                    sym(lib, "PyUnicode_DecodeFSDefault")
                } else {
                    None
                },
                PyString_FromString: sym(lib, "PyString_FromString"),
                PyBytes_AsStringAndSize: if py3 {
                    sym(lib, "PyBytes_AsStringAndSize")
                } else {
                    sym(lib, "PyString_AsStringAndSize")
                },
                PyConfig_InitPythonConfig: sym(lib, "PyConfig_InitPythonConfig"),
                PyConfig_SetBytesArgv: sym(lib, "PyConfig_SetBytesArgv"),
                Py_InitializeFromConfig: sym(lib, "Py_InitializeFromConfig"),
                PyConfig_Clear: sym(lib, "PyConfig_Clear"),
                Py_ExitStatusException: sym(lib, "Py_ExitStatusException"),
                PyFrame_GetCode: sym(lib, "PyFrame_GetCode"),
                PyFrame_GetBack: sym(lib, "PyFrame_GetBack"),
                PyFrame_GetLasti: sym(lib, "PyFrame_GetLasti"),
                PyFrame_New: sym(lib, "PyFrame_New"),
                PyCode_NewEmpty: sym(lib, "PyCode_NewEmpty"),
                PyCFunction_NewEx: sym(lib, "PyCFunction_NewEx"),
                PySys_Audit: sym(lib, "PySys_Audit"),
                PyBytes_FromStringAndSize: if py3 {
                    sym(lib, "PyBytes_FromStringAndSize")
                } else {
                    sym(lib, "PyString_FromStringAndSize")
                },
                PyObject_Repr: sym(lib, "PyObject_Repr"),
                PyObject_Size: sym(lib, "PyObject_Size"),
                PySequence_GetSlice: sym(lib, "PySequence_GetSlice"),
                PyLong_AsLongLongAndOverflow: sym(lib, "PyLong_AsLongLongAndOverflow"),
                PyList_GetItem: sym(lib, "PyList_GetItem"),
                PyDict_Next: sym(lib, "PyDict_Next"),
                PyObject_GetIter: sym(lib, "PyObject_GetIter"),
                PyIter_Next: sym(lib, "PyIter_Next"),
                PyEval_GetFrame: sym(lib, "PyEval_GetFrame"),
                PySys_AddAuditHook: sym(lib, "PySys_AddAuditHook"),
                PyMarshal_WriteObjectToString: sym(lib, "PyMarshal_WriteObjectToString"),
                PyErr_SetString: sym(lib, "PyErr_SetString"),
            };
            let ty = |name: &str| data(lib, name).unwrap_or(std::ptr::null_mut());
            let types = Types {
                int: ty("PyLong_Type"),
                int2: if py3 {
                    std::ptr::null_mut()
                } else {
                    ty("PyInt_Type")
                },
                float: ty("PyFloat_Type"),
                complex: ty("PyComplex_Type"),
                str: if py3 {
                    ty("PyUnicode_Type")
                } else {
                    ty("PyString_Type")
                },
                bytes: if py3 {
                    ty("PyBytes_Type")
                } else {
                    std::ptr::null_mut()
                },
                unicode2: if py3 {
                    std::ptr::null_mut()
                } else {
                    ty("PyUnicode_Type")
                },
                bool_: ty("PyBool_Type"),
                tuple: ty("PyTuple_Type"),
                list: ty("PyList_Type"),
                dict: ty("PyDict_Type"),
                set: ty("PySet_Type"),
                frozenset: ty("PyFrozenSet_Type"),
                type_: ty("PyType_Type"),
                false_: if py3 {
                    ty("_Py_FalseStruct")
                } else {
                    ty("_Py_ZeroStruct")
                },
                ellipsis: ty("_Py_EllipsisObject"),
            };
            let none = data(lib, "_Py_NoneStruct").ok_or("_Py_NoneStruct missing")?;
            let true_ = data(lib, "_Py_TrueStruct").ok_or("_Py_TrueStruct missing")?;
            // PyExc_SystemExit is a `PyObject *` variable: read it after init.
            let exc_system_exit =
                data(lib, "PyExc_SystemExit").ok_or("PyExc_SystemExit missing")?;
            let api = fill!(req, opt, none, true_, exc_system_exit);
            Ok(Python {
                api,
                version,
                layout: FrameLayout::for_version(version.0, version.1),
                types,
            })
        }
    }

    /// UTF-8 text of a str (3.x) or str/bytes (2.x) object; `None` on error.
    pub unsafe fn text(&self, obj: *mut PyObject) -> Option<String> {
        if obj.is_null() {
            return None;
        }
        let p = if let Some(f) = self.api.opt.PyUnicode_AsUTF8 {
            f(obj)
        } else if let Some(f) = self.api.opt.PyString_AsString {
            f(obj)
        } else {
            std::ptr::null()
        };
        if p.is_null() {
            (self.api.PyErr_Clear)();
            return None;
        }
        Some(std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
    }

    /// `getattr(obj, name)` as an owned reference (null on error, cleared).
    pub unsafe fn getattr(&self, obj: *mut PyObject, name: &std::ffi::CStr) -> *mut PyObject {
        let r = (self.api.PyObject_GetAttrString)(obj, name.as_ptr());
        if r.is_null() {
            (self.api.PyErr_Clear)();
        }
        r
    }

    pub unsafe fn attr_text(&self, obj: *mut PyObject, name: &std::ffi::CStr) -> Option<String> {
        let a = self.getattr(obj, name);
        if a.is_null() {
            return None;
        }
        let t = self.text(a);
        (self.api.Py_DecRef)(a);
        t
    }

    pub unsafe fn attr_int(&self, obj: *mut PyObject, name: &std::ffi::CStr) -> Option<i64> {
        let a = self.getattr(obj, name);
        if a.is_null() {
            return None;
        }
        let v = (self.api.PyLong_AsLong)(a);
        (self.api.Py_DecRef)(a);
        if v == -1 && !(self.api.PyErr_Occurred)().is_null() {
            (self.api.PyErr_Clear)();
            return None;
        }
        Some(v as i64)
    }

    pub unsafe fn attr_bytes(&self, obj: *mut PyObject, name: &std::ffi::CStr) -> Option<Vec<u8>> {
        let a = self.getattr(obj, name);
        if a.is_null() {
            return None;
        }
        let mut p: *mut c_char = std::ptr::null_mut();
        let mut n: isize = 0;
        let ok = match self.api.opt.PyBytes_AsStringAndSize {
            Some(f) => f(a, &mut p, &mut n) == 0,
            None => false,
        };
        let out = if ok && !p.is_null() {
            Some(std::slice::from_raw_parts(p as *const u8, n as usize).to_vec())
        } else {
            (self.api.PyErr_Clear)();
            None
        };
        (self.api.Py_DecRef)(a);
        out
    }

    /// A new str object (3.x `str` decoded with the filesystem encoding; 2.x `str`).
    pub unsafe fn new_str(&self, text: &str) -> *mut PyObject {
        let z = std::ffi::CString::new(text.replace('\0', "")).unwrap_or_default();
        if let Some(f) = self.api.opt.PyUnicode_DecodeFSDefault {
            f(z.as_ptr())
        } else if let Some(f) = self.api.opt.PyString_FromString {
            f(z.as_ptr())
        } else {
            std::ptr::null_mut()
        }
    }

    /// The frame's code object (borrowed: the frame keeps it alive).
    #[inline]
    pub unsafe fn frame_code(&self, frame: *mut PyObject) -> *mut PyObject {
        if let Some(l) = self.layout {
            *((frame as *const u8).add(l.f_code) as *const *mut PyObject)
        } else if let Some(at) = interp_frame_code_offset(self.version) {
            // 3.11-3.13: `PyFrameObject.f_frame` @24 points to the
            // `_PyInterpreterFrame` (valid for as long as the frame object
            // lives), whose code slot is read without PyFrame_GetCode's
            // new reference (a hot path: every trace event).
            let iframe = *((frame as *const u8).add(24) as *const *const u8);
            if iframe.is_null() {
                return std::ptr::null_mut();
            }
            *(iframe.add(at) as *const *mut PyObject)
        } else if let Some(f) = self.api.opt.PyFrame_GetCode {
            let c = f(frame);
            (self.api.Py_DecRef)(c);
            c
        } else {
            std::ptr::null_mut()
        }
    }

    /// The calling frame (borrowed), or null.
    #[inline]
    pub unsafe fn frame_back(&self, frame: *mut PyObject) -> *mut PyObject {
        if let Some(l) = self.layout {
            *((frame as *const u8).add(l.f_back) as *const *mut PyObject)
        } else if let Some(f) = self.api.opt.PyFrame_GetBack {
            let b = f(frame);
            if !b.is_null() {
                // The caller's frame object stays alive while its callee runs.
                (self.api.Py_DecRef)(b);
            }
            b
        } else {
            std::ptr::null_mut()
        }
    }

    /// Byte offset of the current instruction (−1 before the first), as the
    /// Python attribute `f_lasti` shows it.
    #[inline]
    pub unsafe fn frame_lasti(&self, frame: *mut PyObject) -> i64 {
        if let Some(l) = self.layout {
            let raw = *((frame as *const u8).add(l.f_lasti) as *const c_int) as i64;
            if l.lasti_in_units && raw >= 0 {
                raw * 2
            } else {
                raw
            }
        } else if let Some(f) = self.api.opt.PyFrame_GetLasti {
            f(frame) as i64
        } else {
            -1
        }
    }
}

/// Offset of the code object in `_PyInterpreterFrame` (Include/internal/
/// pycore_frame.h): 3.11 `f_code` after f_func, f_globals, f_builtins,
/// f_locals; 3.12 `f_code` and 3.13 `f_executable` first.
pub fn interp_frame_code_offset(version: (u8, u8)) -> Option<usize> {
    match version {
        (3, 11) => Some(32),
        (3, 12) | (3, 13) => Some(0),
        _ => None,
    }
}
