#!/usr/bin/env python3
"""Layered-corpus generator for the unpacker (issue 7).

From the project's programs (samples/programs/*.py) builds protected samples
with 1-5 layers. Each layer is one `exec` stage:

* ``marshal``: the inner program compiled by the target interpreter,
  ``marshal.dumps``-ed, encoded, and run by ``exec(marshal.loads(<decode>))``;
* ``source``: the inner program's source text, encoded, and run by
  ``exec(<decode>)``.

Between a layer's constant and its ``exec`` sit 1-3 encodings: zlib, lzma,
bz2, base64, base32, base85, hex, xor with a constant key, reversal.
2.7 has no lzma and no base85: those are not used there.

Every sample is compiled to a .pyc by its own interpreter (header with mtime 0
and source size 0 so that the corpus is reproducible) and validated by running
it with that interpreter: its stdout must equal the plain program's.

Writes samples/layered/<ver>/<name>.pyc and samples/layered/manifest.json.
``--check`` regenerates into a temporary directory and compares.

The marshal and .pyc bytes come from the target interpreters (through
worker.py); the encodings are applied here, by the Python running this script.
"""

import argparse
import base64
import binascii
import bz2
import hashlib
import json
import lzma
import os
import random
import shutil
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGRAMS = os.path.join(ROOT, "samples", "programs")
OUT = os.path.join(ROOT, "samples", "layered")
WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py")

VERSIONS = ["2.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]
SAMPLES_PER_VERSION = 7
SEED = 7
# A sample whose .pyc is larger than this is drawn again (the corpus must stay small).
MAX_SAMPLE = 48 * 1024

ALL_ENCODINGS = ["zlib", "lzma", "bz2", "base64", "base32", "base85", "hex", "xor", "reverse"]
PY2_MISSING = {"lzma", "base85"}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def pyenv_root():
    root = os.environ.get("PYENV_ROOT")
    if root:
        return root
    try:
        return subprocess.check_output(["pyenv", "root"]).decode().strip()
    except (OSError, subprocess.CalledProcessError):
        return os.path.expanduser("~/.pyenv")


def interpreter(version):
    base = os.path.join(pyenv_root(), "versions")
    best = None
    if os.path.isdir(base):
        for name in sorted(os.listdir(base)):
            parts = name.split(".")
            if len(parts) >= 2 and ".".join(parts[:2]) == version:
                exe = os.path.join(base, name, "bin", "python" + version)
                if os.path.exists(exe):
                    best = exe
    return best


def worker(exe, mode, source):
    """Runs worker.py under `exe`: compile `source` (text) to marshal or .pyc bytes."""
    proc = subprocess.run(
        [exe, WORKER, mode],
        input=source.encode("utf-8"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    if proc.returncode != 0:
        raise SystemExit("worker failed under %s: %s" % (exe, proc.stderr.decode("utf-8", "replace")))
    return proc.stdout


def encode(kind, data, key):
    if kind == "zlib":
        return zlib.compress(data, 9)
    if kind == "lzma":
        return lzma.compress(data, format=lzma.FORMAT_XZ, preset=6)
    if kind == "bz2":
        return bz2.compress(data, 9)
    if kind == "base64":
        return base64.b64encode(data)
    if kind == "base32":
        return base64.b32encode(data)
    if kind == "base85":
        return base64.b85encode(data)
    if kind == "hex":
        return binascii.hexlify(data)
    if kind == "xor":
        return bytes(b ^ key for b in data)
    if kind == "reverse":
        return data[::-1]
    raise ValueError(kind)


def decode_expr(kind, expr, key):
    """Source text that undoes `encode(kind)` on the value of `expr`."""
    return {
        "zlib": "zlib.decompress(%s)",
        "lzma": "lzma.decompress(%s)",
        "bz2": "bz2.decompress(%s)",
        "base64": "base64.b64decode(%s)",
        "base32": "base64.b32decode(%s)",
        "base85": "base64.b85decode(%s)",
        "hex": "binascii.unhexlify(%s)",
        "xor": "bytes(bytearray(b ^ %d for b in bytearray(%%s)))" % key,
        "reverse": "%s[::-1]",
    }[kind] % expr


MODULES = {"zlib": "zlib", "lzma": "lzma", "bz2": "bz2", "base64": "base64",
           "base32": "base64", "base85": "base64", "hex": "binascii"}


def plan(rng, version):
    """Draws a layer plan: outermost layer first."""
    allowed = [e for e in ALL_ENCODINGS if not (version == "2.7" and e in PY2_MISSING)]
    layers = []
    for _ in range(rng.randint(1, 5)):
        n = rng.randint(1, 3)
        encs = []
        while len(encs) < n:
            e = rng.choice(allowed)
            # Two byte-shuffles in a row are legal but pointless; keep the draws varied.
            if encs and encs[-1] == e:
                continue
            encs.append(e)
        layers.append({
            "kind": rng.choice(["marshal", "source"]),
            # Encodings in the order they are applied to the payload.
            "encodings": encs,
            "xor_key": rng.randint(1, 255),
        })
    return layers


def build(exe, version, program_source, layers):
    """Builds the sample from the inside out; fills in sizes and hashes."""
    inner = program_source
    for layer in reversed(layers):
        key = layer["xor_key"]
        if layer["kind"] == "marshal":
            payload = worker(exe, "marshal", inner)
        else:
            payload = inner.encode("utf-8")
        data = payload
        for enc in layer["encodings"]:
            data = encode(enc, data, key)
        expr = repr(bytes(data))
        if not expr.startswith("b"):
            expr = "b" + expr
        for enc in reversed(layer["encodings"]):
            expr = decode_expr(enc, expr, key)
        modules = sorted({MODULES[e] for e in layer["encodings"] if e in MODULES})
        if layer["kind"] == "marshal":
            modules = sorted(set(modules) | {"marshal"})
            expr = "marshal.loads(%s)" % expr
        head = "import %s\n" % ", ".join(modules) if modules else ""
        inner = head + "exec(%s)\n" % expr
        layer["payload_size"] = len(payload)
        layer["payload_sha256"] = sha256(payload)
        layer["constant_size"] = len(data)
        layer["constant_sha256"] = sha256(data)
        layer["decode_steps"] = list(reversed(layer["encodings"]))
        if "xor" not in layer["encodings"]:
            del layer["xor_key"]
    return worker(exe, "pyc", inner)


def run(exe, path):
    proc = subprocess.run([exe, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def generate(out_dir, versions):
    programs = sorted(f for f in os.listdir(PROGRAMS) if f.endswith(".py"))
    manifest = {
        "generator": "scripts/layers/generate.py",
        "seed": SEED,
        "note": "layers are listed outermost first; layer N is produced by layer N-1 "
                "(layer 1 by the sample file); decode_steps are in the order a reader undoes them",
        "samples": [],
    }
    for version in versions:
        exe = interpreter(version)
        if exe is None:
            raise SystemExit("python%s is not installed (pyenv); cannot generate" % version)
        rng = random.Random("%d-%s" % (SEED, version))
        os.makedirs(os.path.join(out_dir, version), exist_ok=True)
        chosen = rng.sample(programs, SAMPLES_PER_VERSION)
        for i, program in enumerate(chosen):
            with open(os.path.join(PROGRAMS, program)) as f:
                source = f.read()
            code, expected, err = run(exe, os.path.join(PROGRAMS, program))
            if code != 0:
                raise SystemExit("%s fails under %s: %s" % (program, version, err.decode()))
            for _attempt in range(20):
                layers = plan(rng, version)
                pyc = build(exe, version, source, layers)
                if len(pyc) <= MAX_SAMPLE:
                    break
            else:
                raise SystemExit("no small enough draw for %s %s" % (version, program))
            kinds = "-".join(l["kind"][0] for l in layers)
            name = "%02d_%s_%s" % (i, program[:-3], kinds)
            rel = "%s/%s.pyc" % (version, name)
            path = os.path.join(out_dir, rel)
            with open(path, "wb") as f:
                f.write(pyc)
            code, got, err = run(exe, path)
            if code != 0 or got != expected:
                raise SystemExit("validation failed for %s: exit %d\n%s" % (rel, code, err.decode("utf-8", "replace")))
            for n, layer in enumerate(layers, 1):
                layer["index"] = n
                layer["parent"] = n - 1
            manifest["samples"].append({
                "file": rel,
                "version": version,
                "program": "samples/programs/" + program,
                "program_sha256": sha256(source.encode("utf-8")),
                "stdout_sha256": sha256(expected),
                "stdout_size": len(expected),
                "size": len(pyc),
                "sha256": sha256(pyc),
                "layers": [dict(sorted(l.items())) for l in layers],
                "innermost": "samples/programs/" + program,
            })
            print("%-34s %2d layers %6d bytes  %s" % (
                rel, len(layers), len(pyc),
                " | ".join("%s(%s)" % (l["kind"], ",".join(l["decode_steps"])) for l in layers)))
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


def tree_files(root):
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            with open(full, "rb") as f:
                out[os.path.relpath(full, root)] = f.read()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate in a temporary directory and compare with the committed corpus")
    ap.add_argument("--versions", default=",".join(VERSIONS))
    args = ap.parse_args()
    versions = args.versions.split(",")
    if args.check:
        tmp = tempfile.mkdtemp(prefix="pyctrace-layered-")
        try:
            generate(tmp, versions)
            want, have = tree_files(tmp), tree_files(OUT)
            bad = sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))
            if bad:
                print("corpus differs from a fresh generation: %s" % ", ".join(bad))
                return 1
            print("corpus matches a fresh generation (%d files)" % len(want))
            return 0
        finally:
            shutil.rmtree(tmp)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    generate(OUT, versions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
