#!/usr/bin/env python3
"""Decompilers on protected, deobfuscated and original .pyc files.

For every protected sample of the chosen versions (samples/protected/
manifest.json), three files are decompiled by every decompiler that
supports the version (uncompyle6: 2.7 and 3.8; decompyle3: 3.8):

  protected     the sample as shipped
  deobfuscated  `pyctrace deobf --rename SAMPLE -o OUT`
  original      the unprotected program compiled by the same interpreter

A decompilation succeeds when the decompiler exits 0, its source compiles
with the version's interpreter and, run, prints the manifest's
expected_stdout. Rates are printed per version x decompiler x file kind,
then per protection set; the last line is machine-readable JSON.

Usage: compare.py [--versions 2.7,3.8] [--venv target/decompilers-venv]
                  [--pyctrace BIN] [--jobs N] [--keep DIR]
Exit status: 0, or 1 when some deobfuscated file does worse than its
original (a program the original decompiles correctly but the
deobfuscated file does not).
"""

import argparse
import concurrent.futures as cf
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DECOMPILERS = {"2.7": ["uncompyle6"], "3.8": ["uncompyle6", "decompyle3"]}
KINDS = ["protected", "deobfuscated", "original"]
TIMEOUT = 120


def interpreter(version):
    """The pyenv interpreter of X.Y."""
    proot = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    best = None
    for v in sorted(os.listdir(os.path.join(proot, "versions"))):
        if v == version or v.startswith(version + "."):
            exe = os.path.join(proot, "versions", v, "bin", "python")
            if os.path.exists(exe):
                best = exe
    if not best:
        sys.exit("no interpreter for %s" % version)
    return best


def compile_original(python, src, out):
    script = (
        "import py_compile,sys\n"
        "py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)\n"
    )
    subprocess.run([python, "-c", script, src, out], check=True, capture_output=True)


def run_env():
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def normalise(out):
    """Artifacts of the decompilers themselves, removed from every kind of
    file alike: decompyle3 3.9.3 (with spark_parser 1.9) writes its grammar
    reductions (`expr ::= LOAD_CONST`) to stdout among the source, and
    uncompyle6 ends 2.7 modules with a bare top-level `return`."""
    lines = out.split(b"\n")
    lines = [l for l in lines if b" ::= " not in l]
    while lines and lines[-1].strip() in (b"", b"return") or (
        lines and lines[-1].startswith(b"# okay decompiling")
    ):
        if lines[-1] == b"return" or not lines[-1].strip() or lines[-1].startswith(b"#"):
            lines.pop()
        else:
            break
    return b"\n".join(lines) + b"\n"


def judge(venv, decompiler, python, pyc, expected, workdir):
    """(ok, reason) for one decompilation."""
    exe = os.path.join(venv, "bin", decompiler)
    try:
        d = subprocess.run(
            [exe, pyc], capture_output=True, timeout=TIMEOUT, env=run_env()
        )
    except subprocess.TimeoutExpired:
        return False, "decompiler timeout"
    if d.returncode != 0 or not d.stdout.strip():
        last = (d.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
        return False, "decompiler failed: " + last[:160]
    src = os.path.join(workdir, os.path.basename(pyc) + "." + decompiler + ".py")
    with open(src, "wb") as f:
        f.write(normalise(d.stdout))
    c = subprocess.run(
        [python, "-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')", src],
        capture_output=True,
        env=run_env(),
    )
    if c.returncode != 0:
        last = (c.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
        return False, "does not compile: " + last[:160]
    try:
        r = subprocess.run(
            [python, src], capture_output=True, timeout=TIMEOUT, cwd=workdir, env=run_env()
        )
    except subprocess.TimeoutExpired:
        return False, "run timeout"
    if r.returncode != 0:
        last = (r.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
        return False, "raises: " + last[:160]
    if r.stdout.decode("utf-8", "replace") != expected:
        return False, "wrong output"
    return True, "ok"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--versions", default="2.7,3.8")
    ap.add_argument("--venv", default=os.path.join(ROOT, "target", "decompilers-venv"))
    ap.add_argument("--pyctrace", default=None, help="pyctrace binary (default: cargo run)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 4)
    ap.add_argument("--keep", default=None, help="keep the files in this directory")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    if not os.path.exists(os.path.join(args.venv, "bin", "uncompyle6")):
        sys.exit("no decompilers venv at %s: run scripts/decompilers/setup.sh" % args.venv)
    if args.pyctrace:
        pyctrace = [args.pyctrace]
    else:
        subprocess.run(["cargo", "build", "-q", "--release", "-p", "pyctrace"], cwd=ROOT, check=True)
        pyctrace = [os.path.join(ROOT, "target", "release", "pyctrace")]

    manifest = json.load(open(os.path.join(ROOT, "samples", "protected", "manifest.json")))
    versions = [v.strip() for v in args.versions.split(",") if v.strip()]
    work = args.keep or tempfile.mkdtemp(prefix="pyctrace-decompilers-")
    os.makedirs(work, exist_ok=True)

    jobs = []  # (version, set, program, kind, decompiler, pyc, expected)
    pythons = {}
    originals = {}
    for s in manifest["samples"]:
        v = s["version"]
        if v not in versions:
            continue
        py = pythons.setdefault(v, interpreter(v))
        vdir = os.path.join(work, v)
        os.makedirs(vdir, exist_ok=True)
        prog = s["program"]
        key = (v, prog)
        if key not in originals:
            o = os.path.join(vdir, prog + "__original.pyc")
            compile_original(py, os.path.join(ROOT, "samples", "programs", prog + ".py"), o)
            originals[key] = o
        prot = os.path.join(ROOT, "samples", "protected", s["file"])
        base = os.path.basename(s["file"])[: -len(".pyc")]
        deob = os.path.join(vdir, base + "__deobfuscated.pyc")
        d = subprocess.run(
            pyctrace + ["deobf", "--rename", prot, "-o", deob], capture_output=True
        )
        if d.returncode != 0:
            print("pyctrace deobf failed on %s: %s" % (s["file"], d.stderr.decode()[-300:]))
        files = {"protected": prot, "deobfuscated": deob, "original": originals[key]}
        for dec in DECOMPILERS.get(v, []):
            for kind in KINDS:
                jobs.append(
                    (v, s["protection_set"], s["file"], kind, dec, files[kind], s["expected_stdout"], py)
                )

    def one(j):
        v, pset, file, kind, dec, pyc, expected, py = j
        if not os.path.exists(pyc):
            return j, (False, "missing")
        wd = tempfile.mkdtemp(dir=work)
        try:
            return j, judge(args.venv, dec, py, pyc, expected, wd)
        finally:
            if not args.keep:
                shutil.rmtree(wd, ignore_errors=True)

    results = {}
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for j, res in ex.map(one, jobs):
            results[(j[0], j[4], j[2], j[3])] = (j[1], res)

    table = defaultdict(lambda: [0, 0])
    by_set = defaultdict(lambda: [0, 0])
    worse = []
    for (v, dec, file, kind), (pset, (ok, why)) in sorted(results.items()):
        table[(v, dec, kind)][0] += ok
        table[(v, dec, kind)][1] += 1
        by_set[(v, dec, pset, kind)][0] += ok
        by_set[(v, dec, pset, kind)][1] += 1
        if args.verbose and not ok:
            print("  %s %s %s %s: %s" % (v, dec, file, kind, why))
        if kind == "deobfuscated" and not ok:
            orig_ok = results[(v, dec, file, "original")][1][0]
            if orig_ok:
                worse.append("%s %s %s: %s" % (v, dec, file, why))

    def rate(c):
        return "%2d/%2d (%5.1f%%)" % (c[0], c[1], 100.0 * c[0] / c[1] if c[1] else 0.0)

    print("decompiled source compiles and prints the expected output")
    print("%-5s %-11s %-17s %-17s %-17s" % ("ver", "decompiler", *KINDS))
    summary = {}
    for v in versions:
        for dec in DECOMPILERS.get(v, []):
            row = [table[(v, dec, k)] for k in KINDS]
            print("%-5s %-11s %-17s %-17s %-17s" % (v, dec, *[rate(c) for c in row]))
            summary["%s/%s" % (v, dec)] = {k: table[(v, dec, k)] for k in KINDS}
    print()
    print("per protection set (protected / deobfuscated / original)")
    sets = sorted({k[2] for k in by_set})
    for v in versions:
        for dec in DECOMPILERS.get(v, []):
            for pset in sets:
                if (v, dec, pset, "protected") not in by_set:
                    continue
                cells = [by_set[(v, dec, pset, k)] for k in KINDS]
                print(
                    "%-5s %-11s %-10s %s"
                    % (v, dec, pset, "  ".join("%d/%d" % (c[0], c[1]) for c in cells))
                )
    print()
    for w in worse:
        print("WORSE than original: " + w)
    print("SUMMARY " + json.dumps({"rates": summary, "worse": len(worse)}))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
