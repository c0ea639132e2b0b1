#!/usr/bin/env python3
"""Compile crates/pyctrace-marshal/tests/fixtures/sample_module.py with every
installed interpreter into fixtures/real/<X.Y>.pyc, so that unit tests have
real files without needing the interpreters. Deterministic: the header's
mtime and size are fixed. Usage: scripts/gen_marshal_fixtures.py [--check]"""
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "crates", "pyctrace-marshal", "tests", "fixtures")
SOURCE = os.path.join(FIX, "sample_module.py")

# Runs under the target interpreter: compile, then write header + marshal
# with a fixed mtime so the output does not depend on the checkout.
WORKER = r'''
import imp_or_util, marshal, struct, sys
src = open(sys.argv[1]).read()
code = compile(src, "sample_module.py", "exec")
magic = imp_or_util.MAGIC
v = sys.version_info
if v >= (3, 7):
    head = magic + struct.pack("<III", 0, 1700000000, len(src))
elif v >= (3, 3):
    head = magic + struct.pack("<II", 1700000000, len(src))
else:
    head = magic + struct.pack("<I", 1700000000)
out = open(sys.argv[2], "wb")
out.write(head + marshal.dumps(code))
out.close()
'''.replace("import imp_or_util, ", "import ").replace(
    "magic = imp_or_util.MAGIC",
    "try:\n    import importlib.util as _u; magic = _u.MAGIC_NUMBER\nexcept ImportError:\n    import imp; magic = imp.get_magic()")


def interpreters():
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = {}
    for exe in sorted(glob.glob(os.path.join(root, "versions", "*", "bin", "python"))):
        name = os.path.basename(os.path.dirname(os.path.dirname(exe)))
        parts = name.split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            found["%s.%s" % (parts[0], parts[1])] = exe
    return found


def build(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    made = []
    for short, exe in sorted(interpreters().items()):
        dest = os.path.join(out_dir, short + ".pyc")
        subprocess.check_call([exe, "-E", "-s", "-c", WORKER, SOURCE, dest])
        # What this interpreter's own marshal.loads makes of it, as oracle JSON.
        oracle = os.path.join(ROOT, "scripts", "oracle", "marshal_json.py")
        line = subprocess.check_output([exe, "-E", "-s", oracle], input=(dest + "\n").encode())
        record = json.loads(line.decode())
        with open(os.path.join(out_dir, short + ".expected.json"), "w") as f:
            json.dump(record["value"], f, sort_keys=True, indent=1)
            f.write("\n")
        made.append(short)
    return made


def main():
    if "--check" in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            made = build(tmp)
            bad = [v for v in made for ext in (".pyc", ".expected.json")
                   if open(os.path.join(tmp, v + ext), "rb").read()
                   != open(os.path.join(FIX, "real", v + ext), "rb").read()]
            if bad:
                print("fixtures out of date for: " + ", ".join(bad))
                return 1
            print("real fixtures up to date: " + ", ".join(made))
            return 0
    print("wrote fixtures for: " + ", ".join(build(os.path.join(FIX, "real"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
