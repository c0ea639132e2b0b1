//! Runs a .pyc in the VM: `cargo run -p pyctrace-vm --example vmrun FILE.pyc [--trace]`.

struct Printer;

impl pyctrace_vm::TraceSink for Printer {
    fn on_op(
        &mut self,
        frame: &pyctrace_vm::FrameInfo<'_>,
        offset: u32,
        opname: &str,
        arg: Option<u32>,
        pops: &[pyctrace_vm::Value],
    ) {
        let r = |v: &[pyctrace_vm::Value]| {
            v.iter()
                .map(pyctrace_vm::protocol::trace_repr)
                .collect::<Vec<_>>()
                .join(", ")
        };
        eprintln!(
            "{}{}:{} {} {} {}; pop {}",
            "  ".repeat(frame.depth as usize),
            frame.code_name,
            frame.line.unwrap_or(0),
            offset,
            opname,
            arg.map_or(String::new(), |a| a.to_string()),
            r(pops)
        );
    }

    fn on_op_end(
        &mut self,
        frame: &pyctrace_vm::FrameInfo<'_>,
        _offset: u32,
        pushes: &[pyctrace_vm::Value],
    ) {
        let items: Vec<String> = pushes
            .iter()
            .map(pyctrace_vm::protocol::trace_repr)
            .collect();
        eprintln!(
            "{}  push {}",
            "  ".repeat(frame.depth as usize),
            items.join(", ")
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).expect("read file");
    let pyc = pyctrace_marshal::read_pyc(&bytes, &Default::default()).expect("load pyc");
    let mut io = StdIo;
    let config = pyctrace_vm::VmConfig {
        max_instructions: Some(10_000_000),
        ..Default::default()
    };
    let mut printer = Printer;
    let trace: Option<&mut (dyn pyctrace_vm::TraceSink + Send)> =
        if args.iter().any(|a| a == "--trace") {
            Some(&mut printer)
        } else {
            None
        };
    match pyctrace_vm::run_traced(&pyc, &config, &mut io, trace) {
        Ok(status) => std::process::exit(status.code()),
        Err(e) => {
            eprintln!("vm: {}", e);
            std::process::exit(2)
        }
    }
}

struct StdIo;

impl pyctrace_vm::VmIo for StdIo {
    fn write_stdout(&mut self, text: &str) {
        print!("{}", text);
    }
    fn write_stderr(&mut self, text: &str) {
        eprint!("{}", text);
    }
    fn read_line(&mut self) -> Option<String> {
        let mut s = String::new();
        match std::io::stdin().read_line(&mut s) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(s.trim_end_matches('\n').to_string()),
        }
    }
}
