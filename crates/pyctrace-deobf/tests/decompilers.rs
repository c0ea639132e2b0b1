//! Decompilers on protected, deobfuscated and original files (opt-in:
//! `PYCTRACE_DECOMPILERS=1 cargo test -p pyctrace-deobf --test decompilers
//! -- --nocapture`). Sets up `target/decompilers-venv` with
//! `scripts/decompilers/setup.sh` (uncompyle6 and decompyle3 from PyPI,
//! pinned), then runs `scripts/decompilers/compare.py` on 2.7 and 3.8 and
//! prints its rates. Fails when a deobfuscated file decompiles worse than
//! the unprotected original of the same program.

use std::path::Path;
use std::process::Command;

#[test]
fn decompilers_do_as_well_on_deobfuscated_as_on_original() {
    if std::env::var("PYCTRACE_DECOMPILERS").ok().as_deref() != Some("1") {
        eprintln!("skipped: set PYCTRACE_DECOMPILERS=1 to run the decompilers");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let setup = Command::new("bash")
        .arg(root.join("scripts/decompilers/setup.sh"))
        .current_dir(&root)
        .status()
        .expect("setup.sh");
    assert!(setup.success(), "scripts/decompilers/setup.sh failed");
    let out = Command::new("python3")
        .arg(root.join("scripts/decompilers/compare.py"))
        .args(["--versions", "2.7,3.8"])
        .current_dir(&root)
        .output()
        .expect("compare.py");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "some deobfuscated file decompiles worse than its original"
    );
}
