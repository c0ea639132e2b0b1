//! Reading the input file the way every subcommand does.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use clap::Args as ClapArgs;
use pyctrace_marshal::{read_marshal, read_pyc, read_pyc_as, PyVersion, Pyc, ReadOptions};

use crate::Failure;

/// Options shared by the commands that load a file.
#[derive(ClapArgs, Debug, Clone)]
pub struct InputArgs {
    /// The .pyc file (or a headerless marshal blob with --version).
    pub file: PathBuf,
    /// Read FILE as a headerless marshal blob written by Python X.Y; with
    /// --header, force that version for a .pyc whose magic is unknown.
    #[arg(long = "version", value_name = "X.Y")]
    pub py_version: Option<String>,
    /// With --version: FILE has a header of that version's length.
    #[arg(long, requires = "py_version")]
    pub header: bool,
    /// Keep going on damaged data: report problems and show what was read.
    #[arg(long)]
    pub permissive: bool,
}

pub fn read_file(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(Failure::Input)
}

impl InputArgs {
    pub fn options(&self) -> ReadOptions {
        if self.permissive {
            ReadOptions::permissive()
        } else {
            ReadOptions::default()
        }
    }

    pub fn load<'a>(&self, bytes: &'a [u8]) -> Result<Pyc<'a>, Failure> {
        let options = self.options();
        let result = match &self.py_version {
            Some(text) => {
                let version = PyVersion::parse(text).ok_or_else(|| {
                    Failure::Input(anyhow!("unknown Python version {text:?} (expected X.Y)"))
                })?;
                if self.header {
                    read_pyc_as(bytes, version, &options)
                } else {
                    read_marshal(bytes, version, &options)
                }
            }
            None => read_pyc(bytes, &options),
        };
        result.map_err(|err| {
            Failure::Input(anyhow!(
                "{}: {err} (offset {:#x})",
                self.file.display(),
                err.offset()
            ))
        })
    }
}
