//! Hostile code through decode + model + every formatter, for every
//! version: never a panic, always output. Plus hand-made samples of what the
//! seed's protected 2.7 file does (junk after jumps, `<218>`, out-of-range
//! arguments) with their exact rendering and reachability.

use std::borrow::Cow;

use pyctrace_dis::{
    disassemble, to_json, to_text, write_json, write_text_io, TextOptions, Unreachable,
    UNREACHABLE_MARK,
};
use pyctrace_marshal::{Code, CodeField, FieldValue, Node, Obj, PyVersion, StrType};
use pyctrace_version::code_layout;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn bytes_node(data: Vec<u8>) -> Node<'static> {
    Node::new(Obj::Str {
        kind: StrType::String,
        data: Cow::Owned(data),
    })
}

fn str_node(text: &str, version: PyVersion) -> Node<'static> {
    let kind = if version.is_py2() {
        StrType::Interned
    } else {
        StrType::ShortAsciiInterned
    };
    Node::new(Obj::Str {
        kind,
        data: Cow::Owned(text.as_bytes().to_vec()),
    })
}

fn tuple(items: Vec<Node<'static>>) -> Node<'static> {
    Node::new(Obj::Tuple { small: true, items })
}

/// The parts of a code object a test chooses.
struct Parts {
    code: Vec<u8>,
    consts: Vec<Node<'static>>,
    names: Vec<Node<'static>>,
    varnames: Vec<Node<'static>>,
    lines: Vec<u8>,
    exceptions: Vec<u8>,
}

fn make_code(version: PyVersion, p: Parts) -> Node<'static> {
    let (layout, _) = code_layout(version);
    let n_locals = p.varnames.len();
    let mut fields = Vec::new();
    let mut parts = Some(p);
    let mut p = parts.take().unwrap();
    for &f in layout {
        let v = match f {
            CodeField::Code => FieldValue::Obj(bytes_node(std::mem::take(&mut p.code))),
            CodeField::Consts => FieldValue::Obj(tuple(std::mem::take(&mut p.consts))),
            CodeField::Names => FieldValue::Obj(tuple(std::mem::take(&mut p.names))),
            CodeField::VarNames | CodeField::LocalsPlusNames => {
                FieldValue::Obj(tuple(std::mem::take(&mut p.varnames)))
            }
            CodeField::LocalsPlusKinds => FieldValue::Obj(bytes_node(vec![0x20; n_locals])),
            CodeField::FreeVars | CodeField::CellVars => FieldValue::Obj(tuple(Vec::new())),
            CodeField::Filename => FieldValue::Obj(str_node("t.py", version)),
            CodeField::Name | CodeField::QualName => FieldValue::Obj(str_node("f", version)),
            CodeField::LineTable => FieldValue::Obj(bytes_node(std::mem::take(&mut p.lines))),
            CodeField::ExceptionTable => {
                FieldValue::Obj(bytes_node(std::mem::take(&mut p.exceptions)))
            }
            CodeField::FirstLineNo => FieldValue::Int(1),
            _ => FieldValue::Int(0),
        };
        fields.push((f, v));
    }
    Node::new(Obj::Code(Box::new(Code { version, fields })))
}

fn versions() -> Vec<PyVersion> {
    let mut v = vec![PyVersion::new(2, 7)];
    v.extend((0..=14).map(|m| PyVersion::new(3, m)));
    v
}

fn random_const(rng: &mut XorShift, version: PyVersion, depth: usize) -> Node<'static> {
    let obj = match rng.below(if depth > 2 { 10 } else { 14 }) {
        0 => Obj::None,
        1 => Obj::Int(rng.next() as i32),
        2 => Obj::FloatBin(rng.next()),
        3 => Obj::ComplexBin(rng.next(), rng.next()),
        4 => Obj::Long {
            size: rng.below(5) as i32 - 2,
            digits: (0..rng.below(4))
                .map(|_| rng.next() as u16 & 0x7fff)
                .collect(),
        },
        5 => Obj::Str {
            kind: StrType::Unicode,
            data: Cow::Owned((0..rng.below(12)).map(|_| rng.next() as u8).collect()),
        },
        6 => Obj::Str {
            kind: StrType::String,
            data: Cow::Owned((0..rng.below(12)).map(|_| rng.next() as u8).collect()),
        },
        7 => Obj::Ref(rng.below(8) as u32),
        8 => Obj::StringRef(rng.below(8) as u32),
        9 => Obj::Ellipsis,
        10 => Obj::Tuple {
            small: true,
            items: (0..rng.below(4))
                .map(|_| random_const(rng, version, depth + 1))
                .collect(),
        },
        11 => Obj::FrozenSet(
            (0..rng.below(4))
                .map(|_| random_const(rng, version, depth + 1))
                .collect(),
        ),
        12 => Obj::Dict(
            (0..rng.below(4) * 2)
                .map(|_| random_const(rng, version, depth + 1))
                .collect(),
        ),
        _ => {
            return random_code(rng, version, depth + 1);
        }
    };
    Node::new(obj)
}

fn random_name(rng: &mut XorShift, version: PyVersion) -> Node<'static> {
    match rng.below(6) {
        0 => Node::new(Obj::Int(7)),
        1 => Node::new(Obj::Str {
            kind: StrType::Unicode,
            data: Cow::Owned((0..rng.below(8)).map(|_| rng.next() as u8).collect()),
        }),
        2 => str_node("/ * && ", version),
        3 => str_node("with ^ raise ", version),
        _ => str_node("x", version),
    }
}

fn random_bytes(rng: &mut XorShift, max: u64) -> Vec<u8> {
    let len = rng.below(max + 1) as usize;
    let mut v: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
    if rng.below(3) == 0 {
        // bias towards large arguments and EXTENDED_ARG chains
        for b in v.iter_mut() {
            if rng.below(4) == 0 {
                *b = 0xff;
            }
        }
    }
    v
}

fn random_code(rng: &mut XorShift, version: PyVersion, depth: usize) -> Node<'static> {
    let consts = (0..rng.below(6))
        .map(|_| random_const(rng, version, depth + 1))
        .collect();
    let names = (0..rng.below(4))
        .map(|_| random_name(rng, version))
        .collect();
    let varnames = (0..rng.below(4))
        .map(|_| random_name(rng, version))
        .collect();
    make_code(
        version,
        Parts {
            code: random_bytes(rng, 120),
            consts,
            names,
            varnames,
            lines: random_bytes(rng, 24),
            exceptions: random_bytes(rng, 16),
        },
    )
}

#[test]
fn random_code_never_panics() {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let mut lines = 0usize;
    for version in versions() {
        for _ in 0..1500 {
            let root = random_code(&mut rng, version, 0);
            let dis = disassemble(&root, version);
            assert!(!dis.codes.is_empty());
            for mode in [Unreachable::Show, Unreachable::Mark, Unreachable::Hide] {
                let text = to_text(
                    &dis,
                    &TextOptions {
                        unreachable: mode,
                        ..Default::default()
                    },
                );
                lines += text.lines().count();
            }
            let mut sink = Vec::new();
            write_json(&dis, &mut sink).unwrap();
            write_text_io(&dis, &TextOptions::default(), &mut sink).unwrap();
            // every byte of the code is listed exactly once
            for code in &dis.codes {
                let mut covered = 0;
                for ins in &code.instructions {
                    assert_eq!(ins.offset, covered);
                    covered += ins.size;
                }
                assert_eq!(covered, code.code_len);
            }
        }
    }
    assert!(lines > 0);
}

#[test]
fn mutated_real_code_never_panics() {
    // a small clean function per version, then flipped bytes
    let mut rng = XorShift(0x1234_5678_9ABC_DEF1);
    for version in versions() {
        for _ in 0..500 {
            let mut code = vec![0u8; 2 * (1 + rng.below(40) as usize)];
            for b in code.iter_mut() {
                *b = if rng.below(3) == 0 {
                    rng.next() as u8
                } else {
                    100
                };
            }
            if rng.below(2) == 0 && !code.is_empty() {
                let cut = rng.below(code.len() as u64) as usize;
                code.truncate(cut);
            }
            let root = make_code(
                version,
                Parts {
                    code,
                    consts: vec![Node::new(Obj::None)],
                    names: vec![str_node("n", version)],
                    varnames: vec![],
                    lines: random_bytes(&mut rng, 10),
                    exceptions: random_bytes(&mut rng, 10),
                },
            );
            let dis = disassemble(&root, version);
            let _ = to_text(&dis, &TextOptions::default());
            let _ = to_json(&dis);
        }
    }
}

/// The seed's situation in 2.7: junk after an unconditional jump.
fn seed_like_27() -> Node<'static> {
    let v = PyVersion::new(2, 7);
    make_code(
        v,
        Parts {
            code: vec![
                100, 0, 0, // 0 LOAD_CONST 0
                110, 6, 0, // 3 JUMP_FORWARD 6 (to 12)
                218, 1, 2, // 6 <218>
                100, 255, 255, // 9 LOAD_CONST 65535
                83,  // 12 RETURN_VALUE
            ],
            consts: vec![Node::new(Obj::None)],
            names: vec![],
            varnames: vec![],
            lines: vec![],
            exceptions: vec![],
        },
    )
}

#[test]
fn seed_junk_is_shown_and_unreachable() {
    let v = PyVersion::new(2, 7);
    let root = seed_like_27();
    let dis = disassemble(&root, v);
    let text = to_text(&dis, &TextOptions::default());
    let expected = "  1           0 LOAD_CONST               0 (None)\n\
                    \x20             3 JUMP_FORWARD             6 (to 12)\n\
                    \x20             6 <218>                  513\n\
                    \x20             9 LOAD_CONST           65535 (<bad const 65535>)\n\
                    \x20       >>   12 RETURN_VALUE        \n";
    assert_eq!(text, expected);
    let reach: Vec<bool> = dis.codes[0]
        .instructions
        .iter()
        .map(|i| i.reachable)
        .collect();
    assert_eq!(reach, [true, true, false, false, true]);
    assert_eq!(dis.codes[0].unreachable_bytes, 6);

    let marked = to_text(
        &dis,
        &TextOptions {
            unreachable: Unreachable::Mark,
            ..Default::default()
        },
    );
    let junk = marked.lines().find(|l| l.contains("<218>")).unwrap();
    assert!(
        junk.starts_with(&format!("    {UNREACHABLE_MARK}")),
        "{marked}"
    );
    let ret = marked.lines().find(|l| l.contains("RETURN_VALUE")).unwrap();
    assert!(!ret.contains(UNREACHABLE_MARK.trim()), "{marked}");
    let hidden = to_text(
        &dis,
        &TextOptions {
            unreachable: Unreachable::Hide,
            ..Default::default()
        },
    );
    assert!(!hidden.contains("<218>") && hidden.contains("RETURN_VALUE"));

    let json = to_json(&dis);
    let ins = &json["code_objects"][0]["instructions"];
    assert_eq!(ins[2]["name"], "<218>");
    assert_eq!(ins[2]["reachable"], false);
    assert_eq!(ins[3]["bad_arg"], true);
    assert_eq!(ins[1]["jump_target"], 12);
    assert_eq!(ins[4]["is_jump_target"], true);
}

#[test]
fn wordcode_hostile_arguments() {
    // 3.8: LOAD_CONST 255 via EXTENDED_ARG, a jump outside, odd length
    let v = PyVersion::new(3, 8);
    let root = make_code(
        v,
        Parts {
            code: vec![
                144, 1, // EXTENDED_ARG 1
                100, 0, // LOAD_CONST 256
                110, 200, // JUMP_FORWARD to 206 (outside)
                116, 9, // LOAD_GLOBAL 9 (bad name)
                124, 3,  // LOAD_FAST 3 (bad local)
                83, // truncated RETURN_VALUE
            ],
            consts: vec![Node::new(Obj::None)],
            names: vec![Node::new(Obj::Int(1))],
            varnames: vec![],
            lines: vec![],
            exceptions: vec![],
        },
    );
    let dis = disassemble(&root, v);
    let text = to_text(&dis, &TextOptions::default());
    assert!(
        text.contains("LOAD_CONST             256 (<bad const 256>)"),
        "{text}"
    );
    assert!(text.contains("(to 206)"), "{text}");
    assert!(text.contains("(<bad name 9>)"), "{text}");
    assert!(text.contains("(<bad local 3>)"), "{text}");
    assert!(text.contains("RETURN_VALUE <truncated>"), "{text}");
    assert!(!dis.codes[0].notes.is_empty());
}

#[test]
fn exception_handlers_are_entries() {
    // 3.11: NOP; RETURN_VALUE; [junk]; handler: POP_TOP, RETURN_VALUE
    // the exception table covers offset 0 -> handler at 6
    let v = PyVersion::new(3, 11);
    // entry: start 0, length 1 (units), target 3 (units), depth 0
    let table = vec![0x80, 1, 3, 0];
    let root = make_code(
        v,
        Parts {
            code: vec![9, 0, 83, 0, 9, 0, 1, 0, 83, 0],
            consts: vec![],
            names: vec![],
            varnames: vec![],
            lines: vec![],
            exceptions: table,
        },
    );
    let dis = disassemble(&root, v);
    let reach: Vec<bool> = dis.codes[0]
        .instructions
        .iter()
        .map(|i| i.reachable)
        .collect();
    assert_eq!(reach, [true, true, false, true, true]);
    let text = to_text(&dis, &TextOptions::default());
    assert!(
        text.contains("ExceptionTable:\n  0 to 0 -> 6 [0]\n"),
        "{text}"
    );
}

#[test]
fn exponential_ref_graphs_stay_bounded() {
    // T_k = (T_{k+1}, r T_{k+1}): the repr of T_0 would be 2^40 long
    let v = PyVersion::new(3, 8);
    let depth = 40u32;
    let mut t = Node::new(Obj::Int(1));
    for k in (0..depth).rev() {
        let mut inner = t;
        inner.flag_ref = true;
        t = tuple(vec![inner, Node::new(Obj::Ref(k + 1))]);
    }
    t.flag_ref = true;
    let root = make_code(
        v,
        Parts {
            code: vec![100, 0, 100, 0, 83, 0],
            consts: vec![t],
            names: vec![],
            varnames: vec![],
            lines: vec![],
            exceptions: vec![],
        },
    );
    let start = std::time::Instant::now();
    let dis = disassemble(&root, v);
    let text = to_text(&dis, &TextOptions::default());
    assert!(text.len() < 8 << 20, "{}", text.len());
    assert!(text.contains("..."));
    assert!(start.elapsed().as_secs() < 20);
}
