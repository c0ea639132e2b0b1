//! Every conformance program in tests/programs/vm, compiled by every
//! installed 3.8-3.13 interpreter, must print under the VM exactly what it
//! prints under the real interpreter. Prints the program x version matrix
//! (`-`: the program needs a newer release, see `common::required_version`).

mod common;

use common::*;

#[test]
fn conformance_matrix() {
    let interps = interpreters();
    if interps.is_empty() {
        eprintln!("no CPython 3.8-3.13 installed: conformance test skipped");
        return;
    }
    let used: Vec<_> = interps.iter().collect();
    pyctrace_pythons::announce("vm conformance oracle", &used);
    let mut programs: Vec<_> = std::fs::read_dir(programs_dir())
        .expect("tests/programs/vm")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    programs.sort();
    let only = std::env::var("VM_PROGRAM").ok();
    let scratch = scratch_dir("conformance");
    let mut failures = Vec::new();
    let mut header = format!("{:<20}", "program");
    for i in &interps {
        header.push_str(&format!(" {:>5}", i.short_version()));
    }
    let mut rows = vec![header];
    for p in &programs {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let mut row = format!("{:<20}", name);
        for interp in &interps {
            if !can_compile(interp, p) {
                row.push_str(&format!(" {:>5}", "-"));
                continue;
            }
            let pyc = compile(interp, p, &scratch);
            let expected = real_stdout(interp, p);
            let (out, err, status) = vm_run(&pyc, Some(50_000_000));
            let ok = out == expected && status == Ok(0);
            row.push_str(&format!(" {:>5}", if ok { "ok" } else { "FAIL" }));
            if !ok {
                let first_diff = out
                    .lines()
                    .zip(expected.lines())
                    .position(|(a, b)| a != b)
                    .map(|i| {
                        format!(
                            "line {}: vm {:?} / cpython {:?}",
                            i + 1,
                            out.lines().nth(i).unwrap_or(""),
                            expected.lines().nth(i).unwrap_or("")
                        )
                    })
                    .unwrap_or_else(|| {
                        format!(
                            "vm printed {} lines, cpython {}",
                            out.lines().count(),
                            expected.lines().count()
                        )
                    });
                failures.push(format!(
                    "{} @ {}: status {:?}; {}; stderr: {}",
                    name,
                    interp.short_version(),
                    status,
                    first_diff,
                    err.lines().last().unwrap_or("")
                ));
            }
        }
        rows.push(row);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "\nvm conformance matrix (stdout identical to CPython):\n{}",
        rows.join("\n")
    );
    for f in &failures {
        println!("  {}", f);
    }
    assert!(
        failures.is_empty(),
        "{} program x version pairs differ",
        failures.len()
    );
}
