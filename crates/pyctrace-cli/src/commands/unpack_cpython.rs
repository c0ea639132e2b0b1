//! `pyctrace unpack --engine cpython`: the program runs in a real
//! interpreter (NO SANDBOX) with an audit hook (3.8+) or a call hook (2.7)
//! reporting what it creates.

use std::path::Path;

use anyhow::anyhow;
use pyctrace_unpack::dynamic::{DynOptions, Recorder};

use crate::Failure;

pub fn run(
    file: &Path,
    out: &Path,
    opts: &DynOptions,
    python: Option<&str>,
) -> Result<(Recorder, Result<i32, String>), Failure> {
    let bytes = crate::load::read_file(file)?;
    let version = pyctrace_marshal::read_pyc(&bytes, &Default::default())
        .map_err(|e| {
            Failure::Input(anyhow!(
                "{}: {e} (offset {:#x})",
                file.display(),
                e.offset()
            ))
        })?
        .version;
    let interpreter = super::run::pick_interpreter((version.major, version.minor), python)?;
    let (rec, outcome) = pyctrace_unpack::dynamic::unpack_cpython(file, out, opts, interpreter)
        .map_err(|e| Failure::Input(anyhow!("{e}")))?;
    Ok((rec, outcome.status))
}
