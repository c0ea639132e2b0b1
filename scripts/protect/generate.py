#!/usr/bin/env python3
"""Generate pyctrace's protected-sample corpus.

For each program of samples/programs and each installed CPython (pyenv), the
worker module ``pycprotect.py`` -- run under that very interpreter -- compiles
the program and applies bytecode-level protections of the kind met in the wild
(junk after unconditional transfers, jump spaghetti, jump chains, opaque
predicates, garbage local names). Every sample is then run with its real
interpreter and must print exactly what the unprotected program prints; one
that does not is retried with a more conservative policy and, failing that,
not written. Whether the interpreter's own ``dis`` crashes on each sample is
recorded in the manifest.

    python3 scripts/protect/generate.py --out samples/protected
    python3 scripts/protect/generate.py --out /tmp/x --versions 3.8,3.11 --programs loops
    python3 scripts/protect/generate.py --check      # committed corpus is up to date?

Runs on the machine's python3 (3.11); needs the interpreters under $(pyenv root).
"""
import argparse
import concurrent.futures
import filecmp
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGRAMS_DIR = os.path.join(ROOT, "samples", "programs")
DEFAULT_OUT = os.path.join(ROOT, "samples", "protected")
WORKER = os.path.join(HERE, "pycprotect.py")

ALL_VERSIONS = ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]
# the committed corpus: a few programs x every version x these protection sets
DEFAULT_PROGRAMS = ["license_check", "exceptions", "generators", "closures"]
PROTECTION_SETS = [
    ("junk", ["junk"]),
    ("spaghetti", ["spaghetti"]),
    ("chains", ["chains"]),
    ("opaque", ["opaque"]),
    ("names", ["names"]),
    ("all", ["junk", "spaghetti", "chains", "opaque", "names"]),
]
FLAGSHIP = ("license_check", "3.11", "all", "flagship_3.11.pyc")
DEFAULT_SEED = 20240611
MAX_LEVEL = 2          # conservative retry levels (see pycprotect.protect_code)
RUN_TIMEOUT = 60
GENERATOR_VERSION = 1


def pyenv_root():
    root = os.environ.get("PYENV_ROOT")
    if root:
        return root
    try:
        return subprocess.check_output(["pyenv", "root"], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return os.path.expanduser("~/.pyenv")


def find_interpreter(version):
    vdir = os.path.join(pyenv_root(), "versions")
    best = None
    if os.path.isdir(vdir):
        for name in sorted(os.listdir(vdir)):
            parts = name.split(".")
            if len(parts) == 3 and ".".join(parts[:2]) == version and parts[2].isdigit():
                exe = os.path.join(vdir, name, "bin", "python")
                if os.path.exists(exe):
                    best = exe
    return best


def child_env():
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "LC_ALL": "C.UTF-8",
    }
    return env


def run(cmd, cwd=None, timeout=RUN_TIMEOUT):
    p = subprocess.run(cmd, cwd=cwd, env=child_env(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class VersionRun:
    """Everything for one interpreter version."""

    def __init__(self, version, exe, programs, sets, seed, staging, extra_jobs):
        self.version = version
        self.exe = exe
        self.programs = programs
        self.sets = sets
        self.seed = seed
        self.staging = staging
        self.extra_jobs = extra_jobs      # (program, set name, relative output path)
        self.log = []

    def expected_output(self, program):
        src = os.path.join(PROGRAMS_DIR, program + ".py")
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(src, os.path.join(tmp, program + ".py"))
            rc, out, err = run([self.exe, program + ".py"], cwd=tmp)
        if rc != 0:
            raise RuntimeError("%s fails under %s: %s" % (program, self.version, err))
        return out

    def worker(self, jobs):
        fd, path = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(jobs, f)
        try:
            rc, out, err = run([self.exe, WORKER, "protect", path], timeout=600)
        finally:
            os.unlink(path)
        if rc != 0:
            raise RuntimeError("worker failed under %s:\n%s" % (self.version, err))
        return json.loads(out)

    def validate(self, pyc, expected):
        with tempfile.TemporaryDirectory() as tmp:
            local = os.path.join(tmp, "sample.pyc")
            shutil.copy(pyc, local)
            try:
                rc, out, err = run([self.exe, "sample.pyc"], cwd=tmp)
            except subprocess.TimeoutExpired:
                return "timeout"
        if rc != 0:
            return "exit %d: %s" % (rc, err.strip().splitlines()[-1:] or "")
        if out != expected:
            return "output differs"
        return None

    def go(self):
        expected = {p: self.expected_output(p) for p in sorted(set(
            self.programs + [j[0] for j in self.extra_jobs]))}
        wanted = []
        for program in self.programs:
            for set_name, prots in self.sets:
                rel = os.path.join(self.version, "%s__%s.pyc" % (program, set_name))
                wanted.append((program, set_name, prots, rel))
        for program, set_name, rel in self.extra_jobs:
            prots = dict(PROTECTION_SETS)[set_name]
            wanted.append((program, set_name, prots, rel))

        results = {}
        pending = list(wanted)
        failures = []
        for level in range(MAX_LEVEL + 1):
            if not pending:
                break
            jobs = []
            for program, set_name, prots, rel in pending:
                jobs.append({
                    "program": os.path.join(PROGRAMS_DIR, program + ".py"),
                    "name": program,
                    "filename": program + ".py",
                    "protections": prots,
                    "seed": self.seed,
                    "level": level,
                    "out": os.path.join(self.staging, rel),
                })
            answers = self.worker(jobs)
            retry = []
            for (program, set_name, prots, rel), ans in zip(pending, answers):
                if not ans.get("ok"):
                    problem = ans.get("error")
                else:
                    problem = self.validate(ans["out"], expected[program])
                if problem is None:
                    ans["level"] = level
                    results[rel] = (program, set_name, prots, ans)
                    continue
                self.log.append("%s %s level %d: %s" % (self.version, rel, level, problem))
                if os.path.exists(os.path.join(self.staging, rel)):
                    os.unlink(os.path.join(self.staging, rel))
                if level < MAX_LEVEL:
                    retry.append((program, set_name, prots, rel))
                else:
                    failures.append({"version": self.version, "sample": rel,
                                     "problem": problem})
            pending = retry

        # does this interpreter's own dis survive the samples?
        paths = [os.path.join(self.staging, rel) for rel in sorted(results)]
        dis_info = {}
        if paths:
            rc, out, err = run([self.exe, WORKER, "discheck"] + paths, timeout=600)
            if rc != 0:
                raise RuntimeError("discheck failed under %s:\n%s" % (self.version, err))
            for item in json.loads(out):
                dis_info[os.path.relpath(item["path"], self.staging)] = item

        entries = []
        for rel in sorted(results):
            program, set_name, prots, ans = results[rel]
            d = dis_info[rel]
            entries.append({
                "file": rel.replace(os.sep, "/"),
                "program": program,
                "program_sha256": sha256_file(os.path.join(PROGRAMS_DIR, program + ".py")),
                "version": self.version,
                "protection_set": set_name,
                "protections": prots,
                "seed": self.seed,
                "sha256": ans["sha256"],
                "size": ans["size"],
                "policy_level": ans["level"],
                "stats": ans["stats"],
                "skipped": ans["skipped"],
                "expected_stdout": expected[program],
                "validated": True,
                "cpython_dis_crashes": d["top"] is not None,
                "cpython_dis_error": d["top"],
                "cpython_dis_every_code_object_crashes": d["every"] is not None,
                "cpython_dis_every_code_object_error": d["every"],
            })
        return entries, failures


def generate(out_dir, versions, programs, sets, seed, jobs, flagship=True, quiet=False):
    staging = tempfile.mkdtemp(prefix="pyctrace-protect-")
    try:
        runs = []
        missing = []
        for v in versions:
            exe = find_interpreter(v)
            if exe is None:
                missing.append(v)
                continue
            extra = []
            if flagship and v == FLAGSHIP[1]:
                extra.append((FLAGSHIP[0], FLAGSHIP[2], FLAGSHIP[3]))
            runs.append(VersionRun(v, exe, programs, sets, seed, staging, extra))
        entries, failures = [], []
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futs = [pool.submit(r.go) for r in runs]
            for r, fut in zip(runs, futs):
                e, f = fut.result()
                entries.extend(e)
                failures.extend(f)
                for line in r.log:
                    if not quiet:
                        print("retry:", line, file=sys.stderr)

        # install into OUT_DIR
        if os.path.isdir(out_dir):
            for name in os.listdir(out_dir):
                full = os.path.join(out_dir, name)
                if name in ALL_VERSIONS and os.path.isdir(full):
                    shutil.rmtree(full)
                elif name.startswith("flagship_") or name == "manifest.json":
                    os.unlink(full)
        os.makedirs(out_dir, exist_ok=True)
        for e in entries:
            src = os.path.join(staging, e["file"])
            dst = os.path.join(out_dir, e["file"])
            os.makedirs(os.path.dirname(dst) or out_dir, exist_ok=True)
            shutil.copy(src, dst)
        entries.sort(key=lambda e: (ALL_VERSIONS.index(e["version"]), e["file"]))
        manifest = {
            "generator": "scripts/protect/generate.py",
            "generator_version": GENERATOR_VERSION,
            "seed": seed,
            "versions": [r.version for r in runs],
            "missing_versions": missing,
            "programs": programs,
            "protection_sets": {name: prots for name, prots in sets},
            "flagship": FLAGSHIP[3] if flagship and FLAGSHIP[1] in versions else None,
            "failures": failures,
            "notes": {
                "expected_stdout": "what the unprotected program prints under the same "
                                   "interpreter; every sample was run and printed exactly this",
                "cpython_dis_crashes": "the interpreter's own dis.dis(code) on the module "
                                       "code object raised (2.7 and 3.6 do not recurse into "
                                       "nested code objects)",
                "cpython_dis_every_code_object_crashes": "dis.dis raised on at least one code "
                                                         "object, nested ones included",
                "skipped": "code objects a protection was not applied to, and why",
                "policy_level": "0 = protections applied everywhere; 1/2 = conservative "
                                "retry after a failed validation (see pycprotect.py)",
                "pyc_header": "fixed mtime %d, source size of the program" % 1600000000,
            },
            "samples": entries,
        }
        with open(os.path.join(out_dir, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
            f.write("\n")
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def summarize(manifest):
    lines = []
    samples = manifest["samples"]
    sets = list(manifest["protection_sets"])
    header = "%-6s" % "ver" + "".join("%11s" % s for s in sets) + "%8s%10s%11s" % (
        "total", "dis-top", "dis-every")
    lines.append(header)
    for v in manifest["versions"]:
        row = [s for s in samples if s["version"] == v]
        counts = ["%11d" % sum(1 for s in row if s["protection_set"] == name) for name in sets]
        lines.append("%-6s" % v + "".join(counts) + "%8d%10d%11d" % (
            len(row), sum(s["cpython_dis_crashes"] for s in row),
            sum(s["cpython_dis_every_code_object_crashes"] for s in row)))
    lines.append("samples: %d validated, %d failed (not written); dis crashes: %d top-level, "
                 "%d on some code object" % (
                     len(samples), len(manifest["failures"]),
                     sum(s["cpython_dis_crashes"] for s in samples),
                     sum(s["cpython_dis_every_code_object_crashes"] for s in samples)))
    skipped = {}
    for s in samples:
        for sk in s["skipped"]:
            key = (s["version"], sk["protection"], sk["reason"])
            skipped[key] = skipped.get(key, 0) + 1
    for (v, p, r), n in sorted(skipped.items()):
        lines.append("skipped: %s %-9s x%-3d %s" % (v, p, n, r))
    levels = {}
    for s in samples:
        if s["policy_level"]:
            levels[(s["version"], s["policy_level"])] = levels.get((s["version"], s["policy_level"]), 0) + 1
    for (v, lvl), n in sorted(levels.items()):
        lines.append("conservative policy level %d: %s x%d" % (lvl, v, n))
    for f in manifest["failures"]:
        lines.append("FAILED: %s %s: %s" % (f["version"], f["sample"], f["problem"]))
    return "\n".join(lines)


def compare_dirs(a, b):
    diffs = []
    for base, _dirs, files in os.walk(a):
        for name in files:
            pa = os.path.join(base, name)
            rel = os.path.relpath(pa, a)
            pb = os.path.join(b, rel)
            if not os.path.exists(pb):
                diffs.append("missing in committed corpus: " + rel)
            elif not filecmp.cmp(pa, pb, shallow=False):
                diffs.append("differs: " + rel)
    for base, _dirs, files in os.walk(b):
        for name in files:
            rel = os.path.relpath(os.path.join(base, name), b)
            if not os.path.exists(os.path.join(a, rel)):
                diffs.append("not generated any more: " + rel)
    return sorted(diffs)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: samples/protected)")
    ap.add_argument("--versions", default=",".join(ALL_VERSIONS),
                    help="comma-separated X.Y list (default: all)")
    ap.add_argument("--programs", default=",".join(DEFAULT_PROGRAMS),
                    help="comma-separated program names from samples/programs, or 'all'")
    ap.add_argument("--sets", default=",".join(n for n, _ in PROTECTION_SETS),
                    help="comma-separated protection sets: " + ", ".join(n for n, _ in PROTECTION_SETS))
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("--no-flagship", action="store_true")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary directory and verify that the "
                         "committed samples/protected is byte-identical")
    args = ap.parse_args(argv)

    versions = [v for v in args.versions.split(",") if v]
    for v in versions:
        if v not in ALL_VERSIONS:
            ap.error("unknown version %s" % v)
    if args.programs == "all":
        programs = sorted(n[:-3] for n in os.listdir(PROGRAMS_DIR) if n.endswith(".py"))
    else:
        programs = [p for p in args.programs.split(",") if p]
    for p in programs:
        if not os.path.exists(os.path.join(PROGRAMS_DIR, p + ".py")):
            ap.error("no program %s in samples/programs" % p)
    known = dict(PROTECTION_SETS)
    sets = []
    for name in args.sets.split(","):
        if name not in known:
            ap.error("unknown protection set %s" % name)
        sets.append((name, known[name]))

    if args.check:
        committed = args.out
        tmp = tempfile.mkdtemp(prefix="pyctrace-protect-check-")
        try:
            manifest = generate(tmp, versions, programs, sets, args.seed, args.jobs,
                                flagship=not args.no_flagship, quiet=True)
            print(summarize(manifest))
            diffs = compare_dirs(tmp, committed)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if diffs:
            print("protected corpus is NOT up to date (%d differences):" % len(diffs))
            for d in diffs[:50]:
                print("  " + d)
            return 1
        print("protected corpus is up to date: %s" % committed)
        return 0

    manifest = generate(args.out, versions, programs, sets, args.seed, args.jobs,
                        flagship=not args.no_flagship)
    print(summarize(manifest))
    return 1 if manifest["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
