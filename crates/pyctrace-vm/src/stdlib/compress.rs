//! `lzma` and `bz2` (pure-Rust decoders): one-shot `compress` and
//! `decompress`. Output never grows past the run's memory limit.

use std::io::{Read, Write};
use std::rc::Rc;

use super::{bytes_arg, bytes_val, raise};
use crate::interp::{Args, PyResult, Vm};
use crate::sandbox::{ai, func, module};
use crate::types::class::Instance;
use crate::value::Value;

fn data_arg(vm: &mut Vm, a: &Args) -> PyResult<Vec<u8>> {
    let v = ai(a, 0, "data").unwrap_or(Value::None);
    bytes_arg(vm, &v, false)
}

/// Bytes the program may still allocate (+1 so that reaching it is seen).
fn room(vm: &Vm) -> usize {
    vm.config
        .max_memory
        .saturating_sub(vm.memory)
        .saturating_add(1)
}

struct CappedWriter {
    out: Vec<u8>,
    limit: usize,
}

impl Write for CappedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + buf.len() > self.limit {
            return Err(std::io::Error::other("memory limit"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn make_lzma(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "lzma");
    let err = super::exc_class(vm, "_lzma.LZMAError", "Exception");
    m.set("LZMAError", Value::Class(err));
    for (k, v) in [
        ("FORMAT_AUTO", 0),
        ("FORMAT_XZ", 1),
        ("FORMAT_ALONE", 2),
        ("FORMAT_RAW", 3),
    ] {
        m.set(k, Value::Int(v));
    }
    func(&m, "decompress", |vm, a| {
        let d = data_arg(vm, &a)?;
        vm.charge_memory(d.len())?;
        let limit = room(vm);
        let mut w = CappedWriter {
            out: Vec::new(),
            limit,
        };
        let r = if d.starts_with(b"\xfd7zXZ\x00") {
            lzma_rs::xz_decompress(&mut &d[..], &mut w).map_err(|e| e.to_string())
        } else {
            lzma_rs::lzma_decompress(&mut &d[..], &mut w).map_err(|e| e.to_string())
        };
        if w.out.len() >= limit {
            vm.charge_memory(w.out.len())?;
        }
        match r {
            Ok(()) => {
                vm.charge_memory(w.out.len())?;
                crate::observe::buffer(vm, "lzma", &d, &w.out)?;
                Ok(bytes_val(w.out))
            }
            Err(_) => Err(raise(
                vm,
                "_lzma.LZMAError",
                "Exception",
                "Input format not supported by decoder",
            )),
        }
    });
    func(&m, "compress", |vm, a| {
        let d = data_arg(vm, &a)?;
        vm.charge_memory(d.len() * 2)?;
        let mut out = Vec::new();
        match lzma_rs::xz_compress(&mut &d[..], &mut out) {
            Ok(()) => Ok(bytes_val(out)),
            Err(e) => Err(raise(vm, "_lzma.LZMAError", "Exception", &e.to_string())),
        }
    });
    m
}

pub fn make_bz2(vm: &mut Vm) -> Rc<Instance> {
    let m = module(vm, "bz2");
    func(&m, "decompress", |vm, a| {
        let d = data_arg(vm, &a)?;
        vm.charge_memory(d.len())?;
        let cap = room(vm) as u64;
        let mut out = Vec::new();
        let r = bzip2::read::MultiBzDecoder::new(&d[..])
            .take(cap)
            .read_to_end(&mut out);
        match r {
            Ok(_) => {
                vm.charge_memory(out.len())?;
                crate::observe::buffer(vm, "bz2", &d, &out)?;
                Ok(bytes_val(out))
            }
            Err(_) => Err(vm.new_exc("OSError", "Invalid data stream")),
        }
    });
    func(&m, "compress", |vm, a| {
        let d = data_arg(vm, &a)?;
        let level = match ai(&a, 1, "compresslevel") {
            Some(v) => vm.to_i64(&v)?,
            None => 9,
        };
        if !(1..=9).contains(&level) {
            return Err(vm.value_error("compresslevel must be between 1 and 9"));
        }
        vm.charge_memory(d.len() * 2)?;
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(level as u32));
        match e.write_all(&d).and_then(|_| e.finish()) {
            Ok(o) => Ok(bytes_val(o)),
            Err(e) => Err(vm.new_exc("OSError", &e.to_string())),
        }
    });
    m
}
