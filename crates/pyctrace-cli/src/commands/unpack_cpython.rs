//! `pyctrace unpack --engine cpython`: placeholder until the audit-hook
//! unpacker lands.

use std::path::Path;

use anyhow::anyhow;
use pyctrace_unpack::dynamic::{DynOptions, Recorder};

use crate::Failure;

pub fn run(
    _file: &Path,
    _out: &Path,
    _opts: &DynOptions,
    _python: Option<&str>,
) -> Result<(Recorder, Result<i32, String>), Failure> {
    Err(Failure::Input(anyhow!(
        "unpack --engine cpython: not implemented yet"
    )))
}
