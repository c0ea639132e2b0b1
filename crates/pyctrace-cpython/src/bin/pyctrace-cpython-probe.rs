//! Test driver for the engine (the `pyctrace` CLI lives in another
//! package, whose binary this package's tests cannot name):
//!
//!     pyctrace-cpython-probe FILE.pyc [OUT.jsonl|-] [-- ARGS...]
//!
//! Runs FILE with the installed interpreter of its version; with OUT,
//! traces the program's frames as JSONL into OUT ("-": count only, printed
//! to stderr as `events N`). Exit status as `pyctrace run`.

use std::ffi::OsString;
use std::path::PathBuf;

use pyctrace_trace::{CountSink, Format, Sink, WriterSink};

struct Counting(CountSink);

impl Sink for Counting {
    fn record(&mut self, r: &pyctrace_trace::Record<'_>) -> std::io::Result<()> {
        self.0.record(r)
    }
    fn finish(&mut self) -> std::io::Result<()> {
        eprintln!("events {}", self.0.count());
        Ok(())
    }
    fn count(&self) -> u64 {
        self.0.count()
    }
    fn wants_values(&self) -> bool {
        false
    }
}

fn main() {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let rest = match args.iter().position(|a| a == "--") {
        Some(k) => {
            let rest = args.split_off(k + 1);
            args.pop();
            rest
        }
        None => Vec::new(),
    };
    let file = PathBuf::from(args.first().expect("usage: FILE.pyc [OUT|-] [-- ARGS]"));
    let bytes = std::fs::read(&file).expect("read the .pyc");
    let pyc = pyctrace_marshal::read_pyc(&bytes, &Default::default()).expect("a .pyc");
    let (major, minor) = (pyc.version.major, pyc.version.minor);
    drop(pyc);
    let interpreter = pyctrace_pythons::find(major, minor).expect("no interpreter for this .pyc");
    let trace = args.get(1).map(|out| {
        let sink: Box<dyn Sink> = if out == "-" {
            Box::new(Counting(CountSink::default()))
        } else {
            let f = std::fs::File::create(out).expect("create OUT");
            Box::new(WriterSink::new(f, Format::Jsonl))
        };
        pyctrace_cpython::TraceOptions {
            sink,
            all_frames: false,
        }
    });
    let options = pyctrace_cpython::RunOptions {
        interpreter,
        file,
        args: rest,
        trace,
    };
    match pyctrace_cpython::run(&bytes, options) {
        Ok(outcome) => std::process::exit(outcome.status),
        Err(e) => {
            eprintln!("pyctrace-cpython-probe: {e}");
            std::process::exit(2);
        }
    }
}
