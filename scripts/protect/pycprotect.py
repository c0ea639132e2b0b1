# -*- coding: utf-8 -*-
"""Bytecode protector worker for pyctrace's protected-sample corpus.

This module runs under EACH target interpreter (CPython 2.7 and 3.6-3.13),
because code objects must be rebuilt with that interpreter's own
``types.CodeType`` / ``code.replace`` and serialised with its own ``marshal``.
It therefore sticks to syntax that Python 2.7 accepts.

It is driven by ``generate.py`` (see there); it is not meant to be run by hand,
but it can be:

    python pycprotect.py protect JOBS.json      # build protected .pyc files
    python pycprotect.py discheck A.pyc B.pyc   # does this interpreter's dis crash?

Every decision is drawn from a seeded splitmix64 generator, so the same jobs
give byte-identical files on every run.

Protections (each selectable, all combinable):

    junk       undecodable / out-of-range / EXTENDED_ARG junk after unconditional
               transfers (never executed)
    spaghetti  the code is cut into chunks at statement boundaries, the chunks are
               shuffled and chained together with unconditional jumps
    chains     jumps are retargeted through chains of unconditional jumps that
               live in dead code
    opaque     always-true constant comparisons guarding real code, with junk on
               the side that is never taken
    names      garbage names for the non-argument locals (co_varnames)
"""
from __future__ import print_function

import dis
import hashlib
import json
import marshal
import opcode
import os
import struct
import sys
import types

PY = sys.version_info[:2]
WORDCODE = PY >= (3, 6)
UNIT = 2 if PY >= (3, 10) else 1          # jump argument unit (bytes per unit)
HAVE_ARGUMENT = opcode.HAVE_ARGUMENT

ALL_PROTECTIONS = ("junk", "spaghetti", "chains", "opaque", "names")
CONTROL_PROTECTIONS = ("junk", "spaghetti", "chains", "opaque")

CO_VARARGS = 0x04
CO_VARKEYWORDS = 0x08
CO_GENERATOR = 0x20
CO_COROUTINE = 0x80
CO_ITERABLE_COROUTINE = 0x100
CO_ASYNC_GENERATOR = 0x200

PYC_MTIME = 1600000000          # fixed header timestamp: output must be reproducible

if PY >= (3, 0):
    text_type = str
else:                           # pragma: no cover - Python 2 only
    text_type = unicode         # noqa: F821


# ---------------------------------------------------------------------------
# Deterministic random numbers (identical on every interpreter)
# ---------------------------------------------------------------------------

class Rng(object):
    MASK = (1 << 64) - 1

    def __init__(self, *parts):
        text = "\x1f".join(str(p) for p in parts)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.state = int(digest[:16], 16)

    def next64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def below(self, n):
        return int(self.next64() % n)      # int, not long, on Python 2

    def randint(self, lo, hi):
        return lo + self.below(hi - lo + 1)

    def chance(self, p):
        return self.next64() < int(p * self.MASK)

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def shuffle(self, seq):
        for i in range(len(seq) - 1, 0, -1):
            j = self.below(i + 1)
            seq[i], seq[j] = seq[j], seq[i]


# ---------------------------------------------------------------------------
# Facts about this interpreter's bytecode
# ---------------------------------------------------------------------------

OPMAP = dict((k, v) for k, v in opcode.opmap.items() if v < 256)
OPNAME = dict((v, k) for k, v in OPMAP.items())
EXTENDED_ARG = OPMAP["EXTENDED_ARG"]
HASJREL = set(op for op in dis.hasjrel if op < 256)
HASJABS = set(op for op in dis.hasjabs if op < 256)


def _defined_opcodes():
    defined = set(OPMAP.values())
    for mod in (dis, opcode):
        extra = getattr(mod, "_all_opmap", None)
        if extra:
            defined.update(v for v in extra.values() if v < 256)
        spec = getattr(mod, "_specialized_opmap", None)
        if spec:
            defined.update(v for v in spec.values() if v < 256)
    if PY == (3, 11):
        # dis of 3.11 gives the specialised instructions the empty slots in order
        empty = [i for i in range(256) if i not in OPMAP]
        names = getattr(opcode, "_specialized_instructions", [])
        defined.update(empty[:len(names)])
    return defined


DEFINED = _defined_opcodes()
UNDEFINED = [op for op in range(1, 256) if op not in DEFINED]


def ncaches(op):
    if PY < (3, 11):
        return 0
    table = opcode._inline_cache_entries
    if isinstance(table, dict):
        return table.get(OPNAME.get(op, ""), 0)
    if op < len(table):
        return table[op]
    return 0


def has_arg(op):
    """Does a 2.x instruction carry a 2-byte argument?"""
    return op >= HAVE_ARGUMENT


TERMINAL_NAMES = set([
    "RETURN_VALUE", "RETURN_CONST", "RAISE_VARARGS", "RERAISE",
    "JUMP_FORWARD", "JUMP_ABSOLUTE", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT",
    "BREAK_LOOP", "CONTINUE_LOOP",
])
UNCOND_JUMPS = set(["JUMP_FORWARD", "JUMP_ABSOLUTE", "JUMP_BACKWARD"])


def jump_kind(name):
    """How the target of jump NAME may be placed relative to the jump.

    'flex'  any direction; the assembler picks the right opcode
    'any'   absolute jump, any direction, opcode kept
    'fwd'   target must come after the jump
    'back'  target must come before the jump
    """
    if name in UNCOND_JUMPS:
        return "flex"
    if PY <= (3, 10):
        return "any" if OPMAP[name] in HASJABS else "fwd"
    if PY == (3, 11) and name.startswith("POP_JUMP_"):
        return "flex"
    if "BACKWARD" in name:
        return "back"
    return "fwd"


def canonical_jump(name):
    """3.11: POP_JUMP_FORWARD_IF_X / POP_JUMP_BACKWARD_IF_X -> POP_JUMP_IF_X."""
    if name.startswith("POP_JUMP_FORWARD_IF_"):
        return "POP_JUMP_IF_" + name[len("POP_JUMP_FORWARD_IF_"):]
    if name.startswith("POP_JUMP_BACKWARD_IF_"):
        return "POP_JUMP_IF_" + name[len("POP_JUMP_BACKWARD_IF_"):]
    return name


def directed_jump(name, forward):
    """Concrete opcode name for a flexible jump in the given direction."""
    name = canonical_jump(name)
    if name in UNCOND_JUMPS:
        if forward:
            return "JUMP_FORWARD"
        return "JUMP_ABSOLUTE" if PY <= (3, 10) else "JUMP_BACKWARD"
    if PY == (3, 11) and name.startswith("POP_JUMP_IF_"):
        return name.replace("POP_JUMP_IF_", "POP_JUMP_FORWARD_IF_" if forward
                            else "POP_JUMP_BACKWARD_IF_")
    return name


class Unsupported(Exception):
    pass


# ---------------------------------------------------------------------------
# Instructions
# ---------------------------------------------------------------------------

class Instr(object):
    __slots__ = ("op", "name", "arg", "target", "loc", "handler", "kind",
                 "split", "orig_offset", "nprefix", "offset", "op_offset", "end")

    def __init__(self, name_or_op, arg=0, target=None, loc=None, kind="code"):
        if isinstance(name_or_op, int):
            self.op = name_or_op
            self.name = OPNAME.get(name_or_op, "<%d>" % name_or_op)
        else:
            self.name = name_or_op
            self.op = OPMAP[name_or_op]
        self.arg = arg
        self.target = target
        self.loc = loc
        self.handler = None
        self.kind = kind            # code | jump (inserted) | pred | junk
        self.split = False
        self.orig_offset = None
        self.nprefix = 0
        self.offset = 0
        self.op_offset = 0
        self.end = 0

    def set_name(self, name):
        self.name = name
        self.op = OPMAP[name]

    @property
    def is_jump(self):
        return self.target is not None

    @property
    def terminal(self):
        return self.kind != "junk" and self.name in TERMINAL_NAMES


def instr_line(loc):
    if loc is None:
        return None
    if isinstance(loc, tuple):
        return loc[0]
    return loc


def glued(a, b):
    """May nothing be inserted between consecutive instructions A and B?"""
    if a.name == "YIELD_VALUE" or b.name in ("YIELD_FROM", "SEND") or \
            a.name in ("YIELD_FROM", "SEND", "GET_YIELD_FROM_ITER"):
        return True
    if PY == (3, 11) and a.name in ("PRECALL", "KW_NAMES"):
        return True
    if PY == (3, 12) and a.name == "KW_NAMES":
        return True
    if PY >= (3, 13) and a.name == "END_FOR":
        return True
    if a.name in ("RETURN_GENERATOR", "GEN_START"):
        return True
    return False


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------

def line_starts(co):
    if PY >= (3, 10):
        return None
    return list(dis.findlinestarts(co))


def decode(co):
    code = bytearray(co.co_code)
    n = len(code)
    instrs = []
    by_offset = {}
    i = 0
    ext = 0
    start = None
    while i < n:
        op = code[i]
        if WORDCODE:
            if i + 1 >= n:
                raise Unsupported("odd code length")
            arg = code[i + 1] | ext
            size = 2
        else:
            if has_arg(op):
                if i + 2 >= n:
                    raise Unsupported("truncated instruction")
                arg = code[i + 1] | (code[i + 2] << 8) | ext
                size = 3
            else:
                arg = 0
                size = 1
        if start is None:
            start = i
        if op == EXTENDED_ARG:
            ext = arg << (8 if WORDCODE else 16)
            i += size
            continue
        ext = 0
        if op not in OPNAME:
            raise Unsupported("undefined opcode %d at %d" % (op, i))
        ins = Instr(op, arg)
        ins.orig_offset = start
        ins.offset = start
        ins.op_offset = i
        nc = ncaches(op)
        for k in range(nc):
            j = i + size + 2 * k
            if j + 1 >= n + 1 or code[j] != 0:
                raise Unsupported("bad cache entry at %d" % j)
        ins.end = i + size + 2 * nc
        for off in range(start, i + 1):
            by_offset[off] = ins
        instrs.append(ins)
        i = ins.end
        start = None
    if ext:
        raise Unsupported("dangling EXTENDED_ARG")

    # jump targets
    for ins in instrs:
        if ins.op in HASJREL or ins.op in HASJABS:
            if ins.op in HASJABS:
                tgt = ins.arg * UNIT
            else:
                base = ins.op_offset + (2 if WORDCODE else 3) + 2 * ncaches(ins.op)
                if PY >= (3, 11) and "BACKWARD" in ins.name:
                    tgt = base - ins.arg * UNIT
                else:
                    tgt = base + ins.arg * UNIT
            target = by_offset.get(tgt)
            if target is None or target.offset != tgt:
                raise Unsupported("jump from %d to %d is not an instruction boundary"
                                  % (ins.offset, tgt))
            ins.target = target
            if PY == (3, 11):
                ins.set_name(canonical_jump(ins.name)
                             if canonical_jump(ins.name) in OPMAP else ins.name)

    # locations
    if PY >= (3, 11):
        positions = list(co.co_positions())
        for ins in instrs:
            ins.loc = tuple(positions[ins.op_offset // 2])
    elif PY == (3, 10):
        ranges = list(co.co_lines())
        for ins in instrs:
            ins.loc = None
            for s, e, line in ranges:
                if s <= ins.op_offset < e:
                    ins.loc = line
                    break
    else:
        starts = line_starts(co)
        line = co.co_firstlineno
        k = 0
        for ins in instrs:
            while k < len(starts) and starts[k][0] <= ins.offset:
                line = starts[k][1]
                k += 1
            ins.loc = line

    # exception table
    if PY >= (3, 11):
        for start_, end_, target_, depth, lasti in parse_exception_table(co.co_exceptiontable):
            tins = by_offset.get(target_)
            if tins is None or tins.offset != target_:
                raise Unsupported("exception handler not on an instruction boundary")
            for ins in instrs:
                if start_ <= ins.op_offset < end_ and ins.handler is None:
                    ins.handler = (tins, depth, lasti)
    return instrs


def parse_exception_table(table):
    data = bytearray(table)
    pos = [0]

    def varint():
        b = data[pos[0]]
        pos[0] += 1
        val = b & 63
        while b & 64:
            val <<= 6
            b = data[pos[0]]
            pos[0] += 1
            val |= b & 63
        return val

    entries = []
    while pos[0] < len(data):
        start = varint() * 2
        length = varint() * 2
        target = varint() * 2
        dl = varint()
        entries.append((start, start + length, target, dl >> 1, bool(dl & 1)))
    return entries


# ---------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------

def prefixes_needed(arg):
    if WORDCODE:
        if arg < 0:
            raise Unsupported("negative argument")
        if arg <= 0xFF:
            return 0
        if arg <= 0xFFFF:
            return 1
        if arg <= 0xFFFFFF:
            return 2
        return 3
    if arg <= 0xFFFF:
        return 0
    return 1


def instr_size(ins):
    if WORDCODE:
        if ins.op == EXTENDED_ARG:
            return 2
        return 2 * (ins.nprefix + 1) + 2 * ncaches(ins.op)
    if ins.op == EXTENDED_ARG:
        return 3
    if not has_arg(ins.op):
        return 1
    return 3 * (ins.nprefix + 1)


def assemble(layout):
    index = {}
    for i, ins in enumerate(layout):
        index[id(ins)] = i
    for i, ins in enumerate(layout):
        if ins.target is None:
            continue
        if id(ins.target) not in index:
            raise Unsupported("jump to an instruction that is not laid out")
        forward = index[id(ins.target)] > i
        kind = jump_kind(canonical_jump(ins.name))
        if kind == "flex":
            ins.set_name(directed_jump(ins.name, forward))
        elif kind == "fwd" and not forward:
            raise Unsupported("forward-only %s would jump backward" % ins.name)
        elif kind == "back" and forward:
            raise Unsupported("backward-only %s would jump forward" % ins.name)
    for ins in layout:
        if ins.target is None and ins.op != EXTENDED_ARG:
            ins.nprefix = prefixes_needed(ins.arg)
        else:
            ins.nprefix = 0
    for _ in range(64):
        pos = 0
        for ins in layout:
            ins.offset = pos
            size = instr_size(ins)
            if WORDCODE:
                ins.op_offset = pos + 2 * ins.nprefix if ins.op != EXTENDED_ARG else pos
            else:
                ins.op_offset = pos + 3 * ins.nprefix
            pos += size
            ins.end = pos
        changed = False
        for ins in layout:
            if ins.target is None:
                continue
            tgt = ins.target.offset
            if ins.op in HASJABS:
                if tgt % UNIT:
                    raise Unsupported("misaligned target")
                arg = tgt // UNIT
            else:
                base = ins.op_offset + (2 if WORDCODE else 3) + 2 * ncaches(ins.op)
                delta = tgt - base
                if PY >= (3, 11) and "BACKWARD" in ins.name:
                    delta = -delta
                if delta < 0 or delta % UNIT:
                    raise Unsupported("bad relative jump %s delta %d" % (ins.name, delta))
                arg = delta // UNIT
            ins.arg = arg
            need = prefixes_needed(arg)
            if need > ins.nprefix:
                ins.nprefix = need
                changed = True
        if not changed:
            break
    else:
        raise Unsupported("EXTENDED_ARG fixpoint not reached")

    out = bytearray()
    for ins in layout:
        if WORDCODE:
            if ins.op == EXTENDED_ARG:
                out += bytearray([ins.op, ins.arg & 0xFF])
                continue
            for k in range(ins.nprefix, 0, -1):
                out += bytearray([EXTENDED_ARG, (ins.arg >> (8 * k)) & 0xFF])
            out += bytearray([ins.op, ins.arg & 0xFF])
            out += bytearray(2 * ncaches(ins.op))
        else:
            if ins.op == EXTENDED_ARG:
                out += bytearray([ins.op, ins.arg & 0xFF, (ins.arg >> 8) & 0xFF])
                continue
            if not has_arg(ins.op):
                out.append(ins.op)
                continue
            if ins.nprefix:
                hi = (ins.arg >> 16) & 0xFFFF
                out += bytearray([EXTENDED_ARG, hi & 0xFF, hi >> 8])
            out += bytearray([ins.op, ins.arg & 0xFF, (ins.arg >> 8) & 0xFF])
        assert len(out) == ins.end, (ins.name, len(out), ins.end)
    return bytes(out)


# line tables -----------------------------------------------------------------

def make_lnotab(layout, firstlineno):
    out = bytearray()
    prev_off = 0
    prev_line = firstlineno
    for ins in layout:
        line = ins.loc
        if line is None:
            continue
        if PY < (3, 0):
            line = max(line, prev_line)       # 2.x: line increments are unsigned
        if line == prev_line:
            continue
        bdelta = ins.offset - prev_off
        ldelta = line - prev_line
        while bdelta > 255:
            out += bytearray([255, 0])
            bdelta -= 255
        if PY < (3, 0):
            while ldelta > 255:
                out += bytearray([bdelta, 255])
                ldelta -= 255
                bdelta = 0
        else:
            while ldelta > 127:
                out += bytearray([bdelta, 127])
                ldelta -= 127
                bdelta = 0
            while ldelta < -128:
                out += bytearray([bdelta, 0x80])
                ldelta += 128
                bdelta = 0
        out += bytearray([bdelta, ldelta & 0xFF])
        prev_off = ins.offset
        prev_line = line
    return bytes(out)


def make_linetable_310(layout, firstlineno):
    ranges = []
    for ins in layout:
        if ranges and ranges[-1][2] == ins.loc:
            ranges[-1][1] = ins.end
        else:
            ranges.append([ins.offset, ins.end, ins.loc])
    out = bytearray()
    prev_line = firstlineno
    for start, end, line in ranges:
        bdelta = end - start
        if line is None:
            while bdelta > 254:
                out += bytearray([254, 0x80])
                bdelta -= 254
            out += bytearray([bdelta, 0x80])
            continue
        ldelta = line - prev_line
        while ldelta > 127:
            out += bytearray([0, 127])
            ldelta -= 127
        while ldelta < -127:
            out += bytearray([0, (-127) & 0xFF])
            ldelta += 127
        while bdelta > 254:
            out += bytearray([254, ldelta & 0xFF])
            ldelta = 0
            bdelta -= 254
        out += bytearray([bdelta, ldelta & 0xFF])
        prev_line = line
    return bytes(out)


def _loc_varint(out, v):
    while v >= 64:
        out.append(0x40 | (v & 63))
        v >>= 6
    out.append(v)


def _loc_svarint(out, v):
    _loc_varint(out, ((-v) << 1) | 1 if v < 0 else v << 1)


def make_locations(layout, firstlineno):
    runs = []
    for ins in layout:
        units = (ins.end - ins.offset) // 2
        loc = ins.loc
        if loc is not None and loc[0] is None:
            loc = None
        if runs and runs[-1][1] == loc:
            runs[-1][0] += units
        else:
            runs.append([units, loc])
    out = bytearray()
    prev_line = firstlineno
    for units, loc in runs:
        while units > 0:
            k = min(units, 8)
            units -= k
            if loc is None:
                out.append(0x80 | (15 << 3) | (k - 1))
                continue
            line, endline, col, endcol = loc
            if endline is None or col is None or endcol is None:
                out.append(0x80 | (13 << 3) | (k - 1))
                _loc_svarint(out, line - prev_line)
            else:
                out.append(0x80 | (14 << 3) | (k - 1))
                _loc_svarint(out, line - prev_line)
                _loc_varint(out, endline - line)
                _loc_varint(out, col + 1)
                _loc_varint(out, endcol + 1)
            prev_line = line
    return bytes(out)


def _exc_varint(out, v, mark):
    chunks = [v & 63]
    v >>= 6
    while v:
        chunks.append(v & 63)
        v >>= 6
    chunks.reverse()
    for i, c in enumerate(chunks):
        b = c
        if i < len(chunks) - 1:
            b |= 64
        if i == 0 and mark:
            b |= 128
        out.append(b)


def make_exception_table(layout):
    runs = []
    for ins in layout:
        h = ins.handler
        key = None if h is None else (id(h[0]), h[1], h[2])
        if runs and runs[-1][3] == key and runs[-1][1] == ins.offset:
            runs[-1][1] = ins.end
        else:
            runs.append([ins.offset, ins.end, h, key])
    out = bytearray()
    for start, end, h, key in runs:
        if h is None:
            continue
        _exc_varint(out, start // 2, True)
        _exc_varint(out, (end - start) // 2, False)
        _exc_varint(out, h[0].offset // 2, False)
        _exc_varint(out, (h[1] << 1) | (1 if h[2] else 0), False)
    return bytes(out)


# ---------------------------------------------------------------------------
# Protections
# ---------------------------------------------------------------------------

NAME_PIECES = ["/", "*", "&&", "^", "||", "%", "+", "-", "<<", ">>", "!", "~",
               "==", "->", "::", "**", "@", "|", "&", ">=", "with", "raise",
               "if", "else", "lambda", "yield", "return", "not", "in", "is",
               "def", "class", "try", "pass", "import", "from", "del"]


def garbage_names(rng, count, avoid):
    names = []
    seen = set(avoid)
    while len(names) < count:
        k = rng.randint(2, 3)
        name = " ".join(rng.choice(NAME_PIECES) for _ in range(k)) + " "
        if name in seen:
            continue
        seen.add(name)
        names.append(name)
    return names


class Ctx(object):
    """Per-code-object state while protecting."""

    def __init__(self, co, rng, stats):
        self.co = co
        self.rng = rng
        self.consts = list(co.co_consts)
        self.stats = stats
        self.extra_stack = 0
        self.cmp_args = CMP_TEMPLATE

    def const_index(self, value):
        for i, c in enumerate(self.consts):
            if type(c) is type(value) and c == value:
                return i
        self.consts.append(value)
        return len(self.consts) - 1


def _template_compare_args():
    """COMPARE_OP arguments exactly as this interpreter's compiler emits them
    for `if a OP b:` (3.12/3.13 pack masks and flags into the argument)."""
    result = {}
    for sym in ("<", "<=", "==", "!=", ">", ">="):
        src = "def f(a, b):\n    if a %s b:\n        return 1\n    return 2\n" % sym
        mod = compile(src, "<template>", "exec")
        fco = [c for c in mod.co_consts if isinstance(c, types.CodeType)][0]
        for ins in decode(fco):
            if ins.name == "COMPARE_OP":
                result[sym] = ins.arg
                break
    return result


CMP_TEMPLATE = _template_compare_args()

CMP_TRUE = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def junk_instrs(ctx, allow_dangling=False):
    """1-4 junk instructions (never executed)."""
    rng = ctx.rng
    out = []
    for _ in range(rng.randint(1, 4)):
        r = rng.below(10)
        if r <= 2 and UNDEFINED:
            op = rng.choice(UNDEFINED)
            if WORDCODE:
                arg = rng.below(256)
            else:
                arg = rng.below(65536) if has_arg(op) else 0
            out.append(Instr(op, arg, kind="junk"))
        elif r <= 6:
            name, arg = rng.choice([
                ("LOAD_CONST", 65535), ("SET_ADD", 18016), ("IMPORT_NAME", 8316),
                ("LOAD_CONST", len(ctx.consts) + rng.randint(100, 5000)),
                ("LOAD_NAME", 40000 + rng.below(20000)),
                ("LOAD_GLOBAL", 30000 + rng.below(20000)),
                ("LOAD_FAST", 20000 + rng.below(20000)),
                ("STORE_ATTR", 1000 + rng.below(50000)),
                ("COMPARE_OP", 200 + rng.below(50)),
            ])
            if name in OPMAP:
                out.append(Instr(name, arg, kind="junk"))
        elif r == 7:
            # an explicit EXTENDED_ARG chain in front of a junk opcode
            for _k in range(rng.randint(1, 2)):
                out.append(Instr(EXTENDED_ARG, rng.below(256), kind="junk"))
            op = rng.choice(UNDEFINED) if UNDEFINED else OPMAP["LOAD_CONST"]
            out.append(Instr(op, rng.below(256), kind="junk"))
        elif r == 8:
            # STOP_CODE (2.x) or the byte 0 (undefined in 3.0-3.10, CACHE in 3.11+)
            out.append(Instr(0, 0, kind="junk"))
        else:
            name = rng.choice(["BINARY_ADD", "BINARY_OP", "POP_TOP", "ROT_TWO",
                               "SWAP", "DUP_TOP", "COPY", "UNARY_NOT", "GET_ITER",
                               "BUILD_TUPLE", "BUILD_SLICE"])
            if name in OPMAP:
                out.append(Instr(name, rng.below(256), kind="junk"))
    if not out:
        out.append(Instr("LOAD_CONST", 65535, kind="junk"))
    if allow_dangling and rng.chance(0.15):
        # a prefix that lexically extends the next (real, jump-target) instruction
        out.append(Instr(EXTENDED_ARG, rng.randint(1, 255), kind="junk"))
        ctx.stats["dangling_extended_args"] = ctx.stats.get("dangling_extended_args", 0) + 1
    return out


def safe_boundaries(layout, prologue):
    """Indices i (boundary before layout[i]) where code may be inserted."""
    result = []
    for i in range(max(prologue, 1), len(layout)):
        a, b = layout[i - 1], layout[i]
        if glued(a, b):
            continue
        if instr_line(a.loc) != instr_line(b.loc) or a.terminal or a.is_jump:
            result.append(i)
    return result


def jump_targets(layout):
    t = set()
    for ins in layout:
        if ins.target is not None:
            t.add(id(ins.target))
        if ins.handler is not None:
            t.add(id(ins.handler[0]))
    return t


def prologue_length(layout):
    if PY >= (3, 11):
        for i, ins in enumerate(layout):
            if ins.name == "RESUME":
                return i + 1
        raise Unsupported("no RESUME")
    return 1


def apply_opaque(ctx, layout, prologue, pending_dead):
    rng = ctx.rng
    points = safe_boundaries(layout, prologue)
    chosen = [i for i in points if rng.chance(0.35)][:12]
    if not chosen:
        return layout
    chosen_set = set(chosen)
    out = []
    count = 0
    for i, ins in enumerate(layout):
        if i in chosen_set:
            sym = rng.choice(sorted(ctx.cmp_args))
            while True:
                a, b = rng.randint(-50, 400), rng.randint(-50, 400)
                if CMP_TRUE[sym](a, b):
                    break
            loc = ins.loc
            block = [Instr("LOAD_CONST", ctx.const_index(a), loc=loc, kind="pred"),
                     Instr("LOAD_CONST", ctx.const_index(b), loc=loc, kind="pred"),
                     Instr("COMPARE_OP", ctx.cmp_args[sym], loc=loc, kind="pred")]
            if rng.chance(0.5):
                # always-true condition jumps over junk laid inline
                block.append(Instr(directed_jump("POP_JUMP_IF_TRUE", True), 0, target=ins,
                                   loc=loc, kind="pred"))
                block.extend(junk_instrs(ctx))
                ctx.stats["opaque_skip_over_junk"] = ctx.stats.get("opaque_skip_over_junk", 0) + 1
            else:
                # never-taken side goes to a junk block placed in dead code later on
                junk = junk_instrs(ctx)
                block.append(Instr(directed_jump("POP_JUMP_IF_FALSE", True), 0, target=junk[0],
                                   loc=loc, kind="pred"))
                pending_dead.append((block[-1], junk))
                ctx.stats["opaque_never_taken"] = ctx.stats.get("opaque_never_taken", 0) + 1
            block[0].split = ins.split
            ins.split = False
            out.extend(block)
            count += 1
        out.append(ins)
    ctx.extra_stack = 2
    return out


def apply_spaghetti(ctx, layout, prologue):
    rng = ctx.rng
    # chunk starts
    starts = [0] + [i for i in range(prologue, len(layout)) if layout[i].split]
    starts = sorted(set(starts))
    chunks = []
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(layout)
        chunks.append(layout[s:e])
    if len(chunks) < 2:
        return layout
    chunk_of = {}
    for ci, ch in enumerate(chunks):
        for ins in ch:
            chunk_of[id(ins)] = ci
    # connectors for fall-through between consecutive chunks
    for ci in range(len(chunks) - 1):
        last = chunks[ci][-1]
        if not last.terminal:
            conn = Instr("JUMP_FORWARD", 0, target=chunks[ci + 1][0], loc=last.loc, kind="jump")
            conn.handler = None
            chunks[ci].append(conn)
            chunk_of[id(conn)] = ci
    # ordering constraints from direction-restricted jumps
    succ = [set() for _ in chunks]
    indeg = [0] * len(chunks)
    for ci, ch in enumerate(chunks):
        for ins in ch:
            if ins.target is None:
                continue
            kind = jump_kind(canonical_jump(ins.name))
            tc = chunk_of.get(id(ins.target))
            if tc is None or tc == ci:
                continue
            if kind == "fwd":
                a, b = ci, tc
            elif kind == "back":
                a, b = tc, ci
            else:
                continue
            if b not in succ[a]:
                succ[a].add(b)
                indeg[b] += 1
    order = []
    ready = [ci for ci in range(len(chunks)) if indeg[ci] == 0]
    if 0 not in ready:
        raise Unsupported("entry chunk is constrained")
    ready.remove(0)
    current = 0
    while True:
        order.append(current)
        for b in sorted(succ[current]):
            indeg[b] -= 1
            if indeg[b] == 0:
                ready.append(b)
        if not ready:
            break
        current = ready.pop(rng.below(len(ready)))
    if len(order) != len(chunks):
        raise Unsupported("cyclic chunk constraints")
    ctx.stats["spaghetti_chunks"] = ctx.stats.get("spaghetti_chunks", 0) + len(chunks)
    out = []
    for ci in order:
        out.extend(chunks[ci])
    return out


def dead_slots(layout):
    slots = []
    for p in range(1, len(layout) + 1):
        prev = layout[p - 1]
        if not prev.terminal:
            continue
        if p < len(layout) and glued(prev, layout[p]):
            continue
        slots.append(p)
    return slots


def place_blocks(layout, placements):
    """placements: list of (slot index, [instrs]) -> new layout."""
    by_slot = {}
    for slot, block in placements:
        by_slot.setdefault(slot, []).append(block)
    out = []
    for p in range(len(layout) + 1):
        for block in by_slot.get(p, []):
            out.extend(block)
        if p < len(layout):
            out.append(layout[p])
    return out


def pick_slot(rng, slots, after=None):
    if after is not None:
        cands = [s for s in slots if s > after]
    else:
        cands = slots
    if not cands:
        raise Unsupported("no dead slot available")
    return rng.choice(cands)


def apply_chains_and_dead(ctx, layout, do_chains, pending_dead):
    rng = ctx.rng
    slots = dead_slots(layout)
    placements = []
    position = {}
    for i, ins in enumerate(layout):
        position[id(ins)] = i
    for jump, junk in pending_dead:
        placements.append((pick_slot(rng, slots, position[id(jump)]), junk))
    hops = 0
    if do_chains:
        for i, ins in enumerate(layout):
            if ins.target is None or ins.kind == "junk":
                continue
            if PY >= (3, 12) and ins.name in ("FOR_ITER", "SEND"):
                continue
            if ins.name in ("SEND", "SETUP_ASYNC_WITH"):
                continue
            kind = jump_kind(canonical_jump(ins.name))
            if kind == "back" or not rng.chance(0.45):
                continue
            length = rng.randint(1, 2) if rng.chance(0.8) else 3
            final = ins.target
            chain = [Instr("JUMP_FORWARD", 0, loc=None, kind="jump") for _ in range(length)]
            for k, hop in enumerate(chain):
                hop.target = chain[k + 1] if k + 1 < len(chain) else final
                hop.loc = ins.loc if PY < (3, 10) else None
            first_slot = pick_slot(rng, slots, i if kind == "fwd" else None)
            placements.append((first_slot, [chain[0]]))
            for hop in chain[1:]:
                placements.append((pick_slot(rng, slots), [hop]))
            ins.target = chain[0]
            hops += length
        ctx.stats["chain_hops"] = ctx.stats.get("chain_hops", 0) + hops
    if not placements:
        return layout
    return place_blocks(layout, placements)


def apply_junk(ctx, layout):
    rng = ctx.rng
    slots = dead_slots(layout)
    placements = []
    n = 0
    for p in slots:
        if rng.chance(0.75):
            block = junk_instrs(ctx, allow_dangling=p < len(layout))
            if PY < (3, 10):
                for j in block:
                    j.loc = layout[p - 1].loc
            placements.append((p, block))
            n += len(block)
    ctx.stats["junk_instructions"] = ctx.stats.get("junk_instructions", 0) + n
    if not placements:
        return layout
    return place_blocks(layout, placements)


def fix_pred_locs(layout):
    """lnotab (<= 3.9) cannot say "no line": give junk the line before it."""
    if PY >= (3, 10):
        for ins in layout:
            if ins.kind == "junk":
                ins.loc = None
        return
    prev = None
    for ins in layout:
        if ins.loc is None:
            ins.loc = prev
        prev = ins.loc


def protect_instructions(co, prots, ctx):
    layout = decode(co)
    prologue = prologue_length(layout)
    targets = jump_targets(layout)
    pending_dead = []
    if "spaghetti" in prots:
        for i in safe_boundaries(layout, prologue):
            if ctx.rng.chance(0.5) or id(layout[i]) in targets and ctx.rng.chance(0.5):
                layout[i].split = True
    if "opaque" in prots:
        layout = apply_opaque(ctx, layout, prologue, pending_dead)
    if "spaghetti" in prots:
        layout = apply_spaghetti(ctx, layout, prologue)
    if "chains" in prots or pending_dead:
        layout = apply_chains_and_dead(ctx, layout, "chains" in prots, pending_dead)
    if "junk" in prots:
        layout = apply_junk(ctx, layout)
    fix_pred_locs(layout)
    code = assemble(layout)
    return code, layout


def build_code(co, code, layout, consts, varnames, stacksize):
    """A new code object for this interpreter."""
    if PY >= (3, 8):
        kw = dict(co_code=code, co_consts=tuple(consts), co_varnames=tuple(varnames),
                  co_stacksize=stacksize)
        if layout is not None:
            if PY >= (3, 11):
                kw["co_linetable"] = make_locations(layout, co.co_firstlineno)
                kw["co_exceptiontable"] = make_exception_table(layout)
            elif PY == (3, 10):
                kw["co_linetable"] = make_linetable_310(layout, co.co_firstlineno)
            else:
                kw["co_lnotab"] = make_lnotab(layout, co.co_firstlineno)
        return co.replace(**kw)
    lnotab = co.co_lnotab if layout is None else make_lnotab(layout, co.co_firstlineno)
    if PY >= (3, 0):
        return types.CodeType(co.co_argcount, co.co_kwonlyargcount, co.co_nlocals,
                              stacksize, co.co_flags, code, tuple(consts), co.co_names,
                              tuple(varnames), co.co_filename, co.co_name,
                              co.co_firstlineno, lnotab, co.co_freevars, co.co_cellvars)
    return types.CodeType(co.co_argcount, co.co_nlocals, stacksize, co.co_flags, code,
                          tuple(consts), co.co_names, tuple(varnames), co.co_filename,
                          co.co_name, co.co_firstlineno, lnotab, co.co_freevars,
                          co.co_cellvars)


def verify_tables(co, layout):
    """Read the new line and exception tables back through the interpreter and
    check that every instruction kept its location and handler."""
    if PY >= (3, 11):
        positions = list(co.co_positions())
        for ins in layout:
            if ins.kind == "junk":
                continue
            got = tuple(positions[ins.op_offset // 2])
            want = ins.loc
            if want is None or want[0] is None:
                want_line = None
            else:
                want_line = want[0]
            if got[0] != want_line or (want_line is not None and None not in want and got != want):
                raise AssertionError("location of %s at %d: %r != %r"
                                     % (ins.name, ins.op_offset, got, want))
        entries = parse_exception_table(co.co_exceptiontable)
        for ins in layout:
            found = None
            for start, end, target, depth, lasti in entries:
                if start <= ins.op_offset < end:
                    found = (target, depth, lasti)
                    break
            want = None
            if ins.handler is not None:
                want = (ins.handler[0].offset, ins.handler[1], ins.handler[2])
            if found != want:
                raise AssertionError("handler of %s at %d: %r != %r"
                                     % (ins.name, ins.op_offset, found, want))
    elif PY == (3, 10):
        ranges = list(co.co_lines())
        for ins in layout:
            got = [line for s, e, line in ranges if s <= ins.op_offset < e]
            if got != [ins.loc]:
                raise AssertionError("line of %s at %d: %r != %r"
                                     % (ins.name, ins.op_offset, got, ins.loc))
    elif PY >= (3, 6):
        starts = list(dis.findlinestarts(co))
        line = co.co_firstlineno
        k = 0
        for ins in layout:
            while k < len(starts) and starts[k][0] <= ins.offset:
                line = starts[k][1]
                k += 1
            if line != ins.loc:
                raise AssertionError("line of %s at %d: %r != %r"
                                     % (ins.name, ins.offset, line, ins.loc))


def code_path(parent, co):
    name = co.co_name
    if not isinstance(name, str):
        name = name.encode("ascii", "replace").decode("ascii")
    return (parent + "/" if parent else "") + "%s@%d" % (name, co.co_firstlineno)


def protect_code(co, prots, seed, job_key, level, report, parent=""):
    path = code_path(parent, co)
    stats = report["stats"]
    rng = Rng(seed, job_key, "%d.%d" % PY, path)
    consts = []
    for c in co.co_consts:
        if isinstance(c, types.CodeType):
            c = protect_code(c, prots, seed, job_key, level, report, path)
        consts.append(c)
    ctx = Ctx(co, rng, stats)
    ctx.consts = list(consts)
    stats["code_objects"] = stats.get("code_objects", 0) + 1

    varnames = list(co.co_varnames)
    if "names" in prots:
        nargs = co.co_argcount + getattr(co, "co_kwonlyargcount", 0)
        if co.co_flags & CO_VARARGS:
            nargs += 1
        if co.co_flags & CO_VARKEYWORDS:
            nargs += 1
        avoid = set(co.co_cellvars) | set(co.co_freevars) | set(varnames)
        idx = [i for i in range(nargs, len(varnames))
               if varnames[i] not in co.co_cellvars and varnames[i] not in co.co_freevars]
        for i, name in zip(idx, garbage_names(rng, len(idx), avoid)):
            varnames[i] = name
        stats["renamed_locals"] = stats.get("renamed_locals", 0) + len(idx)

    control = [p for p in CONTROL_PROTECTIONS if p in prots]
    skip_reason = None
    if control:
        flags = co.co_flags
        if flags & (CO_COROUTINE | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR):
            skip_reason = "coroutine / async generator"
        elif level >= 1 and PY >= (3, 11) and flags & CO_GENERATOR:
            skip_reason = "generator on 3.11+ (conservative retry)"
        elif level >= 1 and PY >= (3, 11) and len(co.co_exceptiontable) and \
                ("spaghetti" in control or "chains" in control):
            skip_reason = "exception-handled code on 3.11+ (conservative retry)"
        elif level >= 2 and flags & CO_GENERATOR:
            skip_reason = "generator (conservative retry)"
    layout = None
    code = co.co_code
    stacksize = co.co_stacksize
    if control and skip_reason is None:
        saved = dict(stats)
        try:
            if any(op in OPNAME and OPNAME[op] in ("SEND", "YIELD_FROM")
                   for op in bytearray(co.co_code)[::2 if WORDCODE else 1]) and WORDCODE:
                raise Unsupported("yield from / await")
            code, layout = protect_instructions(co, control, ctx)
            stacksize = co.co_stacksize + ctx.extra_stack
        except Unsupported as e:
            skip_reason = str(e)
            stats.clear()
            stats.update(saved)
            layout = None
            code = co.co_code
            ctx.consts = list(consts)
    if skip_reason is not None:
        for p in control:
            report["skipped"].append({"code": path, "protection": p, "reason": skip_reason})
    else:
        stats["protected_code_objects"] = stats.get("protected_code_objects", 0) + (1 if control else 0)
    new = build_code(co, code, layout, ctx.consts, varnames, stacksize)
    if layout is not None:
        verify_tables(new, layout)
        report["patches"].append((new, code))
    return new


# ---------------------------------------------------------------------------
# .pyc output
# ---------------------------------------------------------------------------

def magic():
    if PY >= (3, 0):
        import importlib.util
        return importlib.util.MAGIC_NUMBER
    import imp
    return imp.get_magic()


def pyc_header(source_size):
    if PY >= (3, 7):
        return magic() + struct.pack("<III", 0, PYC_MTIME, source_size & 0xFFFFFFFF)
    if PY >= (3, 3):
        return magic() + struct.pack("<II", PYC_MTIME, source_size & 0xFFFFFFFF)
    return magic() + struct.pack("<I", PYC_MTIME)


def header_size():
    if PY >= (3, 7):
        return 16
    if PY >= (3, 3):
        return 12
    return 8


def dump_with_raw_code(top, patches):
    """marshal.dumps(TOP), with each protected code object's bytecode as built.

    From 3.11 on, ``co_code`` (and so marshal) "deoptimises" the bytes: junk
    opcodes the interpreter does not define come out as CACHE. Put the real
    bytes back by replacing each object's serialised co_code string.
    """
    data = marshal.dumps(top)
    if PY < (3, 11):
        return data
    for co, raw in patches:
        shown = co.co_code
        if shown == raw:
            continue
        if len(shown) != len(raw):
            raise Unsupported("co_code length changed by the interpreter")
        needle = struct.pack("<i", len(shown)) + shown
        hits = []
        start = 0
        while True:
            k = data.find(needle, start)
            if k < 0:
                break
            if k > 0 and data[k - 1] in (0x73, 0xF3):
                hits.append(k)
            start = k + 1
        if len(hits) != 1:
            raise Unsupported("cannot locate serialised co_code (%d hits)" % len(hits))
        k = hits[0] + 4
        data = data[:k] + raw + data[k + len(raw):]
    return data


def run_job(job):
    with open(job["program"], "rb") as f:
        source = f.read()
    top = compile(source, job["filename"], "exec", 0, True)
    prots = set(job["protections"])
    unknown = prots - set(ALL_PROTECTIONS)
    if unknown:
        raise ValueError("unknown protections %r" % sorted(unknown))
    report = {"stats": {}, "skipped": [], "patches": []}
    job_key = "%s|%s|%s" % (job["name"], ",".join(sorted(prots)), job.get("salt", ""))
    new = protect_code(top, prots, job["seed"], job_key, job.get("level", 0), report)
    body = dump_with_raw_code(new, report["patches"])
    data = pyc_header(len(source)) + body
    out_dir = os.path.dirname(job["out"])
    if out_dir and not os.path.isdir(out_dir):
        os.makedirs(out_dir)
    with open(job["out"], "wb") as f:
        f.write(data)
    return {"out": job["out"], "stats": report["stats"], "skipped": report["skipped"],
            "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def main_protect(path):
    with open(path) as f:
        jobs = json.load(f)
    results = []
    for job in jobs:
        try:
            res = run_job(job)
            res["ok"] = True
        except Exception as e:  # reported, never fatal for the batch
            import traceback
            res = {"out": job["out"], "ok": False,
                   "error": "%s: %s" % (type(e).__name__, e),
                   "traceback": traceback.format_exc()}
        results.append(res)
    sys.stdout.write(json.dumps(results, sort_keys=True))
    sys.stdout.write("\n")


class _Sink(object):
    def write(self, s):
        pass

    def flush(self):
        pass


def _all_codes(co):
    yield co
    for c in co.co_consts:
        if isinstance(c, types.CodeType):
            for x in _all_codes(c):
                yield x


def main_discheck(paths):
    """For each .pyc: does dis.dis(top) crash? does dis of every code object?"""
    results = []
    hs = header_size()
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        co = marshal.loads(data[hs:])
        res = {"path": p}
        saved = sys.stdout
        for key, targets in (("top", [co]), ("every", list(_all_codes(co)))):
            err = None
            sys.stdout = _Sink()
            try:
                for c in targets:
                    dis.dis(c)
            except Exception as e:
                err = "%s: %s" % (type(e).__name__, e)
            finally:
                sys.stdout = saved
            res[key] = err
        results.append(res)
    sys.stdout.write(json.dumps(results, sort_keys=True))
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "protect":
        main_protect(sys.argv[2])
    elif len(sys.argv) >= 2 and sys.argv[1] == "discheck":
        main_discheck(sys.argv[2:])
    elif len(sys.argv) >= 2 and sys.argv[1] == "info":
        print(json.dumps({"version": list(PY), "undefined": UNDEFINED,
                          "cmp": CMP_TEMPLATE}, sort_keys=True))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
