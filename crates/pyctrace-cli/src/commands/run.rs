//! `pyctrace run FILE --engine cpython [--python X.Y|PATH] [-- ARGS]`
//!
//! Shared with `trace`: picking the engine and the interpreter, running the
//! program and turning its end into pyctrace's exit status.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::{Args as ClapArgs, ValueEnum};
use pyctrace_cpython::{RunOptions, TraceOptions};
use pyctrace_pythons::Interpreter;

use crate::load::read_file;
use crate::Failure;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// pyctrace's own sandboxed virtual machine (3.8-3.13 bytecode).
    Vm,
    /// A real libpythonX.Y loaded at run time. NO SANDBOX: the program
    /// runs for real, with your rights.
    Cpython,
}

/// Options shared by `run` and `trace`.
#[derive(ClapArgs, Debug, Clone)]
pub struct ProgramArgs {
    /// The .pyc to run as `__main__`.
    pub file: PathBuf,
    /// Interpreter for `--engine cpython`: X.Y (a pyenv install, else
    /// pythonX.Y on PATH) or the path of a python executable. Default: the
    /// version of the .pyc.
    #[arg(long, value_name = "X.Y|PATH")]
    pub python: Option<String>,
    /// Arguments for the program (`sys.argv[1:]`), after `--`.
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<OsString>,
    #[command(flatten)]
    pub vm: super::vm_engine::VmArgs,
}

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Engine. `vm` (default): pyctrace's sandboxed VM. `cpython` runs the
    /// program in a real interpreter with NO SANDBOX.
    #[arg(long, value_enum, default_value = "vm")]
    engine: Engine,
    #[command(flatten)]
    program: ProgramArgs,
}

pub fn run(args: Args) -> Result<(), Failure> {
    execute(args.engine, &args.program, None)
}

/// Runs the program with `engine`, traced into `trace` if given.
pub fn execute(
    engine: Engine,
    program: &ProgramArgs,
    trace: Option<TraceOptions>,
) -> Result<(), Failure> {
    if engine == Engine::Vm {
        return super::vm_engine::execute(program, trace);
    }
    let bytes = read_file(&program.file)?;
    let pyc = pyctrace_marshal::read_pyc(&bytes, &Default::default()).map_err(|e| {
        Failure::Input(anyhow!(
            "{}: {e} (offset {:#x})",
            program.file.display(),
            e.offset()
        ))
    })?;
    let version = (pyc.version.major, pyc.version.minor);
    drop(pyc);
    let interpreter = pick_interpreter(version, program.python.as_deref())?;
    let outcome = pyctrace_cpython::run(
        &bytes,
        RunOptions {
            interpreter,
            file: program.file.clone(),
            args: program.args.clone(),
            trace,
        },
    )
    .map_err(|e| Failure::Input(anyhow!("{e}")))?;
    match outcome.status {
        0 => Ok(()),
        status => Err(Failure::Program(status.clamp(1, 255) as u8)),
    }
}

/// The interpreter for bytecode of `version`: `--python` if given (X.Y or
/// a path), else the pyenv install of that version, else `pythonX.Y` on
/// PATH. It must have a shared libpython.
pub fn pick_interpreter(version: (u8, u8), flag: Option<&str>) -> Result<Interpreter, Failure> {
    let want = format!("{}.{}", version.0, version.1);
    let by_version = |v: (u8, u8)| -> Option<Interpreter> {
        pyctrace_pythons::find(v.0, v.1).or_else(|| on_path(v))
    };
    let interp = match flag {
        None => by_version(version).ok_or_else(|| {
            let have: Vec<String> = pyctrace_pythons::installed()
                .iter()
                .map(|i| i.full_version.clone())
                .collect();
            Failure::Input(anyhow!(
                "the .pyc is Python {want} bytecode and no Python {want} was found (pyenv installs: {}; \
                 nor python{want} on PATH); install it or pass --python PATH",
                if have.is_empty() { "none".to_string() } else { have.join(", ") }
            ))
        })?,
        Some(text) if looks_like_version(text) => {
            let parsed = parse_xy(text)
                .ok_or_else(|| Failure::Input(anyhow!("bad --python version {text:?}")))?;
            by_version(parsed).ok_or_else(|| {
                Failure::Input(anyhow!("--python {text}: no such interpreter (pyenv or PATH)"))
            })?
        }
        Some(path) => pyctrace_pythons::from_path(Path::new(path))
            .map_err(|e| Failure::Input(anyhow!("--python {path}: {e}")))?,
    };
    if interp.version != version {
        return Err(Failure::Input(anyhow!(
            "the .pyc is Python {want} bytecode but --python gives {}",
            interp.full_version
        )));
    }
    if interp.libpython.is_none() {
        return Err(Failure::Input(anyhow!(
            "Python {} ({}) has no shared libpython{want}.so, which the cpython engine loads",
            interp.full_version,
            interp.executable.display()
        )));
    }
    Ok(interp)
}

fn looks_like_version(text: &str) -> bool {
    !text.contains('/') && text.chars().all(|c| c.is_ascii_digit() || c == '.')
}

fn parse_xy(text: &str) -> Option<(u8, u8)> {
    let (a, b) = text.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn on_path(version: (u8, u8)) -> Option<Interpreter> {
    let name = format!("python{}.{}", version.0, version.1);
    let path = std::env::var_os("PATH")?;
    let exe = std::env::split_paths(&path)
        .map(|d| d.join(&name))
        .find(|p| p.is_file())?;
    pyctrace_pythons::from_path(&exe).ok()
}
