//! Code-object field lists per release line, as each Python/marshal.c has them.

use pyctrace_version::{code_layout, CodeField, FieldWidth, PyVersion};

fn names(major: u8, minor: u8) -> (Vec<&'static str>, FieldWidth) {
    let (fields, width) = code_layout(PyVersion::new(major, minor));
    (fields.iter().map(|f| f.name()).collect(), width)
}

#[test]
fn python_1_5_to_2_0_has_no_closure_fields() {
    for minor in [5, 6] {
        let (fields, width) = names(1, minor);
        assert_eq!(width, FieldWidth::Short);
        assert!(!fields.contains(&"co_freevars") && !fields.contains(&"co_cellvars"));
    }
    let (fields, width) = names(2, 0);
    assert_eq!(width, FieldWidth::Short);
    assert_eq!(
        fields,
        [
            "co_argcount",
            "co_nlocals",
            "co_stacksize",
            "co_flags",
            "co_code",
            "co_consts",
            "co_names",
            "co_varnames",
            "co_filename",
            "co_name",
            "co_firstlineno",
            "co_linetable",
        ]
    );
}

#[test]
fn nested_scopes_from_2_1_longs_from_2_3() {
    let py21 = [
        "co_argcount",
        "co_nlocals",
        "co_stacksize",
        "co_flags",
        "co_code",
        "co_consts",
        "co_names",
        "co_varnames",
        "co_freevars",
        "co_cellvars",
        "co_filename",
        "co_name",
        "co_firstlineno",
        "co_linetable",
    ];
    for minor in [1, 2] {
        assert_eq!(names(2, minor), (py21.to_vec(), FieldWidth::Short));
    }
    for minor in 3..=7 {
        assert_eq!(names(2, minor), (py21.to_vec(), FieldWidth::Long));
    }
}

#[test]
fn python_3_lines() {
    let (py30, w) = names(3, 0);
    assert_eq!(w, FieldWidth::Long);
    assert_eq!(
        &py30[..3],
        ["co_argcount", "co_kwonlyargcount", "co_nlocals"]
    );
    assert_eq!(py30.len(), 15);
    assert_eq!(names(3, 7).0, py30);
    let (py38, _) = names(3, 8);
    assert_eq!(
        &py38[..3],
        ["co_argcount", "co_posonlyargcount", "co_kwonlyargcount"]
    );
    assert_eq!(py38.len(), 16);
    assert_eq!(names(3, 10).0, py38);
    let (py311, _) = names(3, 11);
    assert_eq!(
        py311,
        [
            "co_argcount",
            "co_posonlyargcount",
            "co_kwonlyargcount",
            "co_stacksize",
            "co_flags",
            "co_code",
            "co_consts",
            "co_names",
            "co_localsplusnames",
            "co_localspluskinds",
            "co_filename",
            "co_name",
            "co_qualname",
            "co_firstlineno",
            "co_linetable",
            "co_exceptiontable",
        ]
    );
    for minor in 12..=14 {
        assert_eq!(names(3, minor).0, py311);
    }
    let (fields, _) = code_layout(PyVersion::new(3, 14));
    let ints: Vec<_> = fields
        .iter()
        .filter(|f| f.is_int())
        .map(|f| f.name())
        .collect();
    assert_eq!(
        ints,
        [
            "co_argcount",
            "co_posonlyargcount",
            "co_kwonlyargcount",
            "co_stacksize",
            "co_flags",
            "co_firstlineno"
        ]
    );
    assert!(!fields.contains(&CodeField::NLocals));
}
