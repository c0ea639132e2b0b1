#!/usr/bin/env python3
"""Generate crates/pyctrace-bytecode/src/generated/opcodes.rs.

Facts (opcode numbers, argument families, inline cache sizes, specialisation
families) are read from CPython itself:

* for every installed interpreter (pyenv: $PYENV_ROOT, `pyenv root` or
  ~/.pyenv) we run that interpreter with a tiny introspection snippet that
  imports its own `opcode` / `dis` modules and prints what they know, byte by
  byte, the way its `dis` decodes;
* for the release lines that are not installed (3.0-3.5, 3.14) we read the
  hand-written data files in scripts/opcodes/legacy/<X.Y>.txt.

Usage:
    python3 scripts/gen_opcodes.py          # write the Rust file
    python3 scripts/gen_opcodes.py --check  # exit 1 if the file is stale
"""

import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "pyctrace-bytecode", "src", "generated", "opcodes.rs")
LEGACY_DIR = os.path.join(ROOT, "scripts", "opcodes", "legacy")

# Every release line the tables cover, in order.
VERSIONS = [(2, 7), (3, 0), (3, 1), (3, 2), (3, 3), (3, 4), (3, 5), (3, 6), (3, 7),
            (3, 8), (3, 9), (3, 10), (3, 11), (3, 12), (3, 13), (3, 14)]

# Runs inside the target interpreter (2.7 .. 3.13): must stay 2.7-compatible.
SNIPPET = r'''
import json, opcode, dis
names = list(getattr(dis, "_all_opname", opcode.opname))
opmap = dict(getattr(dis, "_all_opmap", opcode.opmap))
deoptmap = dict(getattr(dis, "deoptmap", {}))
have = opcode.HAVE_ARGUMENT
hasarg = getattr(opcode, "hasarg", None)
ice = getattr(opcode, "_inline_cache_entries", None)
def deop(b):
    n = names[b]
    if n in deoptmap:
        return opmap[deoptmap[n]]
    return b
def caches(d):
    if hasattr(dis, "_get_cache_size"):
        return dis._get_cache_size(names[d])
    if isinstance(ice, dict):
        return ice.get(names[d], 0)
    if ice is not None:
        return ice[d]
    return 0
rows = []
for b in range(256):
    d = deop(b)
    if hasarg is not None:
        a = d in hasarg
    else:
        a = d >= have
    rows.append([names[b], d, bool(a), caches(d)])
def lst(n):
    return sorted(x for x in getattr(opcode, n, []) if x < 256)
out = {
    "rows": rows,
    "have_argument": have,
    "extended_arg": opcode.EXTENDED_ARG,
    "hasconst": lst("hasconst"), "hasname": lst("hasname"),
    "hasjrel": lst("hasjrel"), "hasjabs": lst("hasjabs"),
    "haslocal": lst("haslocal"), "hasfree": lst("hasfree"),
    "hascompare": lst("hascompare"),
    "nb_ops": [list(x) for x in getattr(opcode, "_nb_ops", [])],
    "intrinsic1": list(getattr(opcode, "_intrinsic_1_descs", [])),
    "intrinsic2": list(getattr(opcode, "_intrinsic_2_descs", [])),
    "cmp_op": list(opcode.cmp_op),
}
print(json.dumps(out, sort_keys=True))
'''


def pyenv_root():
    env = os.environ.get("PYENV_ROOT")
    if env and os.path.isdir(env):
        return env
    try:
        r = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=30)
        if r.returncode == 0 and os.path.isdir(r.stdout.strip()):
            return r.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    home = os.path.expanduser("~/.pyenv")
    return home if os.path.isdir(home) else None


def find_interpreter(ver):
    root = pyenv_root()
    if not root:
        return None
    best = None
    for d in glob.glob(os.path.join(root, "versions", "%d.%d.*" % ver)):
        tail = os.path.basename(d)[len("%d.%d." % ver):]
        if not tail.isdigit():
            continue
        exe = os.path.join(d, "bin", "python")
        if os.path.exists(exe) and (best is None or int(tail) > best[0]):
            best = (int(tail), exe)
    return best[1] if best else None


def introspect(exe):
    r = subprocess.run([exe, "-S", "-c", SNIPPET], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise SystemExit("introspection failed for %s:\n%s" % (exe, r.stderr))
    return json.loads(r.stdout)


# ---------------------------------------------------------------- legacy files

def read_legacy(ver):
    """Parse scripts/opcodes/legacy/X.Y.txt into the same shape `introspect` gives.

    Line format (after '#' comments are stripped):
        HAVE_ARGUMENT <n>
        EXTENDED_ARG <n>
        CMP_OP <op> <op> ...
        NB_OPS <name>:<symbol> ...
        <NAME> <number> <flags>
    The EXTENDED_ARG line both names the constant and defines the opcode.
    flags is a comma-separated list from: def (no family), arg (has an
    argument), const, name, jrel, jabs, local, free, compare, nargs,
    cache=<n>, deopt=<BASE NAME>.
    Before 3.12 an opcode has an argument iff number >= HAVE_ARGUMENT; from 3.12
    only the ones flagged `arg` (or deopting to one) do.
    """
    path = os.path.join(LEGACY_DIR, "%d.%d.txt" % ver)
    names = ["<%d>" % b for b in range(256)]
    fam = {k: [] for k in ("hasconst", "hasname", "hasjrel", "hasjabs", "haslocal",
                           "hasfree", "hascompare")}
    flagmap = {"const": "hasconst", "name": "hasname", "jrel": "hasjrel", "jabs": "hasjabs",
               "local": "haslocal", "free": "hasfree", "compare": "hascompare"}
    have = None
    ext = None
    cmp_op = []
    nb_ops = []
    argset = set()
    cache = {}
    deopt = {}
    with open(path) as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if parts[0] == "HAVE_ARGUMENT":
                have = int(parts[1])
                continue
            if parts[0] == "EXTENDED_ARG":
                # the header names the opcode too: it is defined below, and it
                # always takes an argument
                ext = int(parts[1])
                argset.add(ext)
            if parts[0] == "CMP_OP":
                cmp_op = parts[1:]
                continue
            if parts[0] == "NB_OPS":
                nb_ops = [p.split(":", 1) for p in parts[1:]]
                continue
            name, num = parts[0], int(parts[1])
            flags = parts[2].split(",") if len(parts) > 2 else ["def"]
            if not (0 <= num < 256):
                raise SystemExit("%s: opcode out of range: %s" % (path, line))
            if not names[num].startswith("<"):
                raise SystemExit("%s: opcode %d defined twice" % (path, num))
            names[num] = name
            for fl in flags:
                if fl in flagmap:
                    fam[flagmap[fl]].append(num)
                elif fl == "arg":
                    argset.add(num)
                elif fl.startswith("cache="):
                    cache[num] = int(fl[6:])
                elif fl.startswith("deopt="):
                    deopt[num] = fl[6:]
                elif fl in ("def", "nargs"):
                    pass
                else:
                    raise SystemExit("%s: unknown flag %r" % (path, fl))
    if have is None or ext is None:
        raise SystemExit("%s: HAVE_ARGUMENT and EXTENDED_ARG are required" % path)
    opmap = {n: b for b, n in enumerate(names) if not n.startswith("<")}
    rows = []
    for b in range(256):
        d = opmap[deopt[b]] if b in deopt else b
        if ver >= (3, 12):
            a = d in argset
        else:
            a = d >= have
        rows.append([names[b], d, a, cache.get(d, 0)])
    out = {"rows": rows, "have_argument": have, "extended_arg": ext, "cmp_op": cmp_op,
           "nb_ops": nb_ops, "intrinsic1": [], "intrinsic2": []}
    for k, v in fam.items():
        out[k] = sorted(v)
    return out


# ---------------------------------------------------------------- classification

LOCAL_PAIRS = {"LOAD_FAST_LOAD_FAST", "STORE_FAST_LOAD_FAST", "STORE_FAST_STORE_FAST",
               "LOAD_FAST_BORROW_LOAD_FAST_BORROW"}
NARGS_CALLS = {"CALL_FUNCTION", "CALL_FUNCTION_VAR", "CALL_FUNCTION_KW", "CALL_FUNCTION_VAR_KW"}
NAMED_KINDS = {
    "BINARY_OP": "BinaryOp",
    "CALL_INTRINSIC_1": "Intrinsic1",
    "CALL_INTRINSIC_2": "Intrinsic2",
    "FORMAT_VALUE": "FormatValue",
    "CONVERT_VALUE": "ConvertValue",
    "BUILD_INTERPOLATION": "FormatValue",
    "SET_FUNCTION_ATTRIBUTE": "FunctionAttribute",
    "LOAD_SMALL_INT": "SmallInt",
    "LOAD_COMMON_CONSTANT": "CommonConstant",
    "LOAD_SPECIAL": "SpecialMethod",
    "IS_OP": "Invert",
    "CONTAINS_OP": "Invert",
    "CALL": "Call",
    "CALL_KW": "Call",
    "PRECALL": "Call",
    "RESUME": "Resume",
    "EXTENDED_ARG": "ExtendedArg",
}


def classify(ver, facts, b):
    name, d, has_arg, _ = facts["rows"][b]
    base = facts["rows"][d][0]
    if not has_arg:
        return "None"
    if d == facts["extended_arg"]:
        return "ExtendedArg"
    if base in LOCAL_PAIRS:
        return "LocalPair"
    if d in facts["hasconst"]:
        return "Const"
    if d in facts["haslocal"]:
        return "Local"
    if d in facts["hasfree"]:
        return "Free"
    if d in facts["hasname"]:
        if base == "LOAD_GLOBAL" and ver >= (3, 11):
            return "LoadGlobal"
        if base == "LOAD_ATTR" and ver >= (3, 12):
            return "LoadAttr"
        if base == "LOAD_SUPER_ATTR":
            return "LoadSuperAttr"
        return "Name"
    if d in facts["hascompare"]:
        return "Compare"
    if d in facts["hasjabs"]:
        return "JumpAbsolute"
    if d in facts["hasjrel"]:
        if ver >= (3, 11) and ("JUMP_BACKWARD" in base or (ver >= (3, 14) and base == "END_ASYNC_FOR")):
            return "JumpBackward"
        return "JumpForward"
    if base in NARGS_CALLS and ver <= (3, 5):
        return "CallNargsKw"
    if base in NAMED_KINDS:
        return NAMED_KINDS[base]
    return "Raw"


def rust_ident(name):
    # 2.x spells some opcodes with a '+' (SLICE+0): not a Rust identifier.
    return name.replace("+", "_")


def main():
    check = "--check" in sys.argv[1:]
    tables = []
    sources = []
    for ver in VERSIONS:
        legacy = os.path.join(LEGACY_DIR, "%d.%d.txt" % ver)
        exe = None if os.path.exists(legacy) else find_interpreter(ver)
        if exe:
            facts = introspect(exe)
            sources.append("%d.%d: the installed CPython %d.%d (its opcode and dis modules)" % (ver + ver))
        elif os.path.exists(legacy):
            facts = read_legacy(ver)
            sources.append("%d.%d: scripts/opcodes/legacy/%d.%d.txt" % (ver + ver))
        else:
            raise SystemExit("no interpreter and no data file for %d.%d" % ver)
        tables.append((ver, facts))

    # One mnemonic per name across every version.
    all_names = set()
    for ver, facts in tables:
        for name, _, _, _ in facts["rows"]:
            if not name.startswith("<"):
                all_names.add(name)
    names = sorted(all_names)
    if "CACHE" not in names:
        names.append("CACHE")
        names.sort()

    out = []
    w = out.append
    w("// generated by scripts/gen_opcodes.py, do not edit")
    w("//")
    w("// Sources of the facts:")
    for s in sources:
        w("//   %s" % s)
    w("")
    w("use crate::opinfo::{ArgKind, OpInfo, OpTable};")
    w("")
    w("/// Every opcode name of every supported CPython version, once.")
    w("#[allow(non_camel_case_types, clippy::upper_case_acronyms)]")
    w("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]")
    w("#[repr(u16)]")
    w("pub enum Mnemonic {")
    for n in names:
        w("    %s," % rust_ident(n))
    w("}")
    w("")
    w("impl Mnemonic {")
    w("    /// All mnemonics, in the enum's order.")
    w("    pub const ALL: &'static [Mnemonic] = &[")
    for n in names:
        w("        Mnemonic::%s," % rust_ident(n))
    w("    ];")
    w("")
    w("    /// The CPython spelling of the name (`LOAD_CONST`).")
    w("    pub const fn name(self) -> &'static str {")
    w("        match self {")
    for n in names:
        w('            Mnemonic::%s => "%s",' % (rust_ident(n), n))
    w("        }")
    w("    }")
    w("}")
    w("")

    for ver, facts in tables:
        ident = "TABLE_%d_%d" % ver
        w("pub(crate) static %s: OpTable = OpTable {" % ident)
        w("    version: (%d, %d)," % ver)
        w("    have_argument: %d," % facts["have_argument"])
        w("    extended_arg: %d," % facts["extended_arg"])
        cmp_ops = ", ".join('"%s"' % c for c in facts["cmp_op"])
        w("    cmp_op: &[%s]," % cmp_ops)
        nb = ", ".join('"%s"' % s for _, s in facts["nb_ops"])
        w("    nb_ops: &[%s]," % nb)
        w("    intrinsic1: &[%s]," % ", ".join('"%s"' % s for s in facts["intrinsic1"]))
        w("    intrinsic2: &[%s]," % ", ".join('"%s"' % s for s in facts["intrinsic2"]))
        w("    ops: [")
        for b in range(256):
            name, d, has_arg, caches = facts["rows"][b]
            if name.startswith("<"):
                w("        None, // %d" % b)
                continue
            deopt = facts["rows"][d][0]
            kind = classify(ver, facts, b)
            deopt_s = "None" if d == b else "Some(Mnemonic::%s)" % rust_ident(deopt)
            w("        Some(OpInfo { mnemonic: Mnemonic::%s, kind: ArgKind::%s, has_arg: %s, "
              "caches: %d, deopt: %s, deopt_opcode: %d }), // %d"
              % (rust_ident(name), kind, "true" if has_arg else "false", caches, deopt_s, d, b))
        w("    ],")
        w("};")
        w("")
    w("/// The table of a release line, if this crate has one.")
    w("pub(crate) fn table_for(major: u8, minor: u8) -> Option<&'static OpTable> {")
    w("    match (major, minor) {")
    for ver, _ in tables:
        w("        (%d, %d) => Some(&TABLE_%d_%d)," % (ver + ver))
    w("        _ => None,")
    w("    }")
    w("}")
    text = "\n".join(out) + "\n"

    if check:
        try:
            with open(OUT) as f:
                old = f.read()
        except OSError:
            old = None
        if old != text:
            print("%s is stale: run python3 scripts/gen_opcodes.py" % os.path.relpath(OUT, ROOT))
            return 1
        print("%s is up to date" % os.path.relpath(OUT, ROOT))
        return 0
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print("wrote %s (%d mnemonics, %d tables)" % (os.path.relpath(OUT, ROOT), len(names), len(tables)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
