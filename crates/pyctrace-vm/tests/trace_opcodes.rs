//! The trace hook reports every executed instruction with its offset: the
//! `(code, offset, opname)` sequence of a program must equal what CPython
//! reports through `sys.settrace` with `f_trace_opcodes`.

mod common;

use std::sync::{Arc, Mutex};

use pyctrace_vm::{FrameInfo, TraceSink, Value};

const PROGRAM: &str = r#"
def add(a, b):
    return a + b

total = 0
for i in range(4):
    if i % 2:
        total = add(total, i)
    else:
        total -= 1
names = [str(n) for n in (1, 2)]
print(total, names)
"#;

/// Reference tracer: runs the .pyc's code under sys.settrace with opcode events.
const TRACER: &str = r#"
import sys, marshal, dis
data = open(sys.argv[1], 'rb').read()
code = marshal.loads(data[16:])
events = []
def tracer(frame, event, arg):
    if frame.f_code.co_filename != code.co_filename:
        return None
    frame.f_trace_opcodes = True
    if event == 'opcode':
        co = frame.f_code
        events.append('%s %d %s' % (co.co_name, frame.f_lasti, dis.opname[co.co_code[frame.f_lasti]]))
    return tracer
sys.settrace(tracer)
exec(code, {'__name__': '__main__'})
sys.settrace(None)
sys.stdout.write('\n'.join(['----'] + events) + '\n')
"#;

#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<String>>>);

impl TraceSink for Collect {
    fn on_op(
        &mut self,
        frame: &FrameInfo<'_>,
        offset: u32,
        opname: &str,
        _arg: Option<u32>,
        _pops: &[Value],
    ) {
        // settrace reports nothing for the frame prelude it raises its 'call'
        // event on (3.11+: MAKE_CELL/COPY_FREE_VARS/RESUME)
        if matches!(opname, "RESUME" | "MAKE_CELL" | "COPY_FREE_VARS") {
            return;
        }
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {} {}", frame.code_name, offset, opname));
    }
}

#[test]
fn opcode_trace_matches_settrace() {
    let interps = common::interpreters();
    if interps.is_empty() {
        eprintln!("no CPython installed: trace test skipped");
        return;
    }
    let scratch = common::scratch_dir("trace");
    let src = scratch.join("traced.py");
    std::fs::write(&src, PROGRAM).unwrap();
    let mut results = Vec::new();
    for interp in &interps {
        let pyc = common::compile(interp, &src, &scratch);
        let pyc_path = scratch.join(format!("traced.py.{}.pyc", interp.short_version()));
        let out = common::run_python(interp, TRACER, &[pyc_path.to_str().unwrap()]);
        let expected: Vec<String> = out
            .split("----\n")
            .nth(1)
            .unwrap_or("")
            .lines()
            .map(String::from)
            .collect();
        let parsed = pyctrace_marshal::read_pyc(&pyc, &Default::default()).unwrap();
        let sink = Collect::default();
        let mut s2 = sink.clone();
        let mut io = pyctrace_vm::BufferIo::default();
        pyctrace_vm::run_traced(&parsed, &Default::default(), &mut io, Some(&mut s2)).unwrap();
        let got = sink.0.lock().unwrap().clone();
        let same = got == expected;
        let detail = if same {
            format!("{} events identical", got.len())
        } else {
            let i = got
                .iter()
                .zip(&expected)
                .position(|(a, b)| a != b)
                .unwrap_or(got.len().min(expected.len()));
            format!(
                "first difference at event {}: vm {:?} / cpython {:?} ({} vs {} events)",
                i,
                got.get(i),
                expected.get(i),
                got.len(),
                expected.len()
            )
        };
        println!("{}: {}", interp.short_version(), detail);
        results.push((interp.version, same));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    // 3.11 is the reference line for this foundation; others are reported.
    for (v, same) in results {
        if v == (3, 11) {
            assert!(same, "3.11 opcode trace differs from sys.settrace");
        }
    }
}
