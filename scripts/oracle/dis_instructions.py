"""Reference dump for pyctrace-bytecode's differential test.

Runs under any CPython from 2.7 to 3.13 (keep it 2.7-compatible). Compiles
modules of that interpreter's own standard library and, for every code object
(nested ones included), prints what that interpreter's `dis` says:

    C <co_code hex> <line table hex> <co_firstlineno> <exception table hex>
    I <offset> <start_offset> <opname> <arg or -> <jump target or ->
    L <offset> <line or ->
    E <start> <end> <target> <depth> <lasti 0/1>
    R <start> <end> <line or ->            (co_lines(), 3.10+)

(`-` stands for an empty hex string.) Usage:
    python dis_instructions.py [MAX_CODE_OBJECTS]
"""
import dis
import opcode
import os
import re
import sys

PY3 = sys.version_info[0] >= 3
MAX = int(sys.argv[1]) if len(sys.argv) > 1 else 600


def hexs(b):
    if not b:
        return "-"
    if PY3:
        return b.hex()
    return b.encode("hex")


def line_table(co):
    if sys.version_info >= (3, 10):
        return co.co_linetable
    return co.co_lnotab


def walk(co):
    yield co
    for c in co.co_consts:
        if hasattr(c, "co_code"):
            for x in walk(c):
                yield x


JUMPS = set(getattr(opcode, "hasjrel", [])) | set(getattr(opcode, "hasjabs", []))
JUMPS |= set(getattr(opcode, "hasjump", []))


def instrs_py2(co):
    from StringIO import StringIO
    old = sys.stdout
    sys.stdout = buf = StringIO()
    try:
        dis.disassemble(co)
    finally:
        sys.stdout = old
    out = []
    for line in buf.getvalue().splitlines():
        if not line.strip():
            continue
        m = re.match(r"\s*(\d+) (\S+)\s*(\d+)?(.*)$", line[11:])
        off, name, arg, rest = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        t = re.search(r"\(to (\d+)\)", rest)
        target = t.group(1) if t else "-"
        if opcode.opmap.get(name) in opcode.hasjabs:
            target = arg
        out.append((off, off, name, arg if arg is not None else "-", target))
    return out


def instrs_py3(co):
    out = []
    for ins in dis.get_instructions(co):
        start = getattr(ins, "start_offset", ins.offset)
        target = "-"
        if ins.opcode in JUMPS and ins.arg is not None:
            jt = getattr(ins, "jump_target", None)
            target = jt if jt is not None else ins.argval
        arg = "-" if ins.arg is None else ins.arg
        out.append((ins.offset, start, ins.opname, arg, target))
    return out


def main():
    libdir = os.path.dirname(os.__file__)
    names = sorted(n for n in os.listdir(libdir) if n.endswith(".py"))
    count = 0
    w = sys.stdout.write
    for n in names:
        if count >= MAX:
            break
        path = os.path.join(libdir, n)
        try:
            with open(path, "rb") as f:
                src = f.read()
            top = compile(src, path, "exec")
        except Exception:
            continue
        for co in walk(top):
            if count >= MAX:
                break
            count += 1
            exc = getattr(co, "co_exceptiontable", b"")
            w("C %s %s %d %s\n" % (hexs(co.co_code), hexs(line_table(co)), co.co_firstlineno, hexs(exc)))
            ins = instrs_py3(co) if PY3 else instrs_py2(co)
            for i in ins:
                w("I %s %s %s %s %s\n" % i)
            for off, line in dis.findlinestarts(co):
                w("L %d %s\n" % (off, "-" if line is None else line))
            if hasattr(co, "co_lines"):
                for start, end, line in co.co_lines():
                    w("R %d %d %s\n" % (start, end, "-" if line is None else line))
            if hasattr(dis, "_parse_exception_table"):
                for e in dis._parse_exception_table(co):
                    w("E %d %d %d %d %d\n" % (e.start, e.end, e.target, e.depth, 1 if e.lasti else 0))


main()
