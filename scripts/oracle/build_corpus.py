"""Compile an interpreter's standard library into a .pyc corpus.

Usage: python build_corpus.py STDLIB_DIR OUT_DIR [HASH_EVERY]

Runs under CPython 2.7 and 3.6+ (no f-strings).  Every STDLIB_DIR/**/*.py
(site-packages excluded) is compiled with optimization level 0 into
OUT_DIR/<relative path>c as a timestamp-based pyc.  On 3.7+ every
HASH_EVERY-th file (in sorted order; default 10, 0 = none) is also compiled
as a checked-hash pyc into OUT_DIR/checked-hash/ and as an unchecked-hash pyc
into OUT_DIR/unchecked-hash/.  Files that fail to compile are skipped and
listed in OUT_DIR/skipped.txt.  Prints one summary line to stdout.
"""
from __future__ import print_function

import os
import py_compile
import sys
import time
import warnings

HASH_DIRS = ("checked-hash", "unchecked-hash")


def find_sources(stdlib):
    found = []
    for dirpath, dirnames, filenames in os.walk(stdlib):
        dirnames[:] = [d for d in dirnames
                       if d != "site-packages" and d != "__pycache__"]
        for name in filenames:
            if name.endswith(".py"):
                full = os.path.join(dirpath, name)
                found.append(os.path.relpath(full, stdlib))
    found.sort()
    return found


def compile_one(job):
    src, dst, mode = job
    warnings.simplefilter("ignore")
    parent = os.path.dirname(dst)
    try:
        if not os.path.isdir(parent):
            os.makedirs(parent)
    except OSError:
        pass  # a concurrent worker created it
    try:
        if sys.version_info >= (3, 7):
            modes = py_compile.PycInvalidationMode
            py_compile.compile(src, cfile=dst, doraise=True, optimize=0,
                               invalidation_mode=getattr(modes, mode))
        elif sys.version_info >= (3, 0):
            py_compile.compile(src, cfile=dst, doraise=True, optimize=0)
        else:
            py_compile.compile(src, cfile=dst, doraise=True)
        return None
    except Exception as exc:  # SyntaxError, encoding errors, ...
        if os.path.exists(dst):
            os.remove(dst)
        return "%s: %s" % (src, str(exc).replace("\n", " ")[:200])


def main():
    stdlib = os.path.abspath(sys.argv[1])
    out = os.path.abspath(sys.argv[2])
    hash_every = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    if sys.version_info < (3, 7):
        hash_every = 0
    start = time.time()
    sources = find_sources(stdlib)
    jobs = []
    for index, rel in enumerate(sources):
        src = os.path.join(stdlib, rel)
        jobs.append((src, os.path.join(out, rel + "c"), "TIMESTAMP"))
        if hash_every and index % hash_every == 0:
            jobs.append((src, os.path.join(out, "checked-hash", rel + "c"),
                         "CHECKED_HASH"))
            jobs.append((src, os.path.join(out, "unchecked-hash", rel + "c"),
                         "UNCHECKED_HASH"))

    workers = 1
    try:
        import multiprocessing
        workers = multiprocessing.cpu_count()
    except Exception:
        pass
    if workers > 1:
        if hasattr(multiprocessing, "get_context"):
            pool = multiprocessing.get_context("fork").Pool(workers)
        else:
            pool = multiprocessing.Pool(workers)
        try:
            # Big chunks keep IPC cheap; the order of jobs does not matter.
            errors = pool.map(compile_one, jobs, 16)
        finally:
            pool.close()
            pool.join()
    else:
        errors = [compile_one(job) for job in jobs]

    skipped = [e for e in errors if e is not None]
    with open(os.path.join(out, "skipped.txt"), "w") as f:
        for line in skipped:
            f.write(line + "\n")
    print("sources=%d jobs=%d compiled=%d skipped=%d seconds=%.2f"
          % (len(sources), len(jobs), len(jobs) - len(skipped), len(skipped),
             time.time() - start))


if __name__ == "__main__":
    main()
