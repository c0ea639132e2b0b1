"""Oracle: load .pyc bodies with this interpreter's own marshal, print JSON.

Usage: python marshal_json.py [--check-co-code] < LIST

LIST holds one .pyc path per line (UTF-8).  For each path, in order, one line
of JSON is written to stdout:
    {"file":"<path>","ok":true,"value":<tree>}
    {"file":"<path>","ok":false,"error":"<message>"}
The header length is chosen for this interpreter's version (8 bytes up to
3.2, 12 for 3.3-3.6, 16 for 3.7+); the rest goes to marshal.loads.  See
crates/pyctrace-pythons/src/lib.rs for the tree format.

--check-co-code (3.11+): also check that co_code of each loaded code object
is the bytes stored in the file (exactly for the top-level one, as a
substring of the file for nested ones); summary on stderr.

Runs under CPython 2.7 and 3.6+ (no f-strings).
"""
from __future__ import print_function

import binascii
import json
import marshal
import struct
import sys

PY2 = sys.version_info[0] == 2
if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)

if sys.version_info < (3, 3):
    HEADER = 8
elif sys.version_info < (3, 7):
    HEADER = 12
else:
    HEADER = 16

V = sys.version_info[:2]
if V >= (3, 11):
    CODE_FIELDS = [
        "co_argcount", "co_posonlyargcount", "co_kwonlyargcount",
        "co_stacksize", "co_flags", "co_code", "co_consts", "co_names",
        "co_varnames", "co_cellvars", "co_freevars", "co_nlocals",
        "co_filename", "co_name", "co_qualname", "co_firstlineno",
        "co_linetable", "co_exceptiontable"]
else:
    CODE_FIELDS = [
        "co_argcount", "co_nlocals", "co_stacksize", "co_flags", "co_code",
        "co_consts", "co_names", "co_varnames", "co_freevars", "co_cellvars",
        "co_filename", "co_name", "co_firstlineno"]
    if V >= (3, 0):
        CODE_FIELDS.append("co_kwonlyargcount")
    if V >= (3, 8):
        CODE_FIELDS.append("co_posonlyargcount")
# Where co_linetable comes from before 3.11 (3.11+ lists it above).
LINETABLE_ATTR = "co_lnotab" if V < (3, 10) else "co_linetable"

if PY2:
    INT_TYPES = (int, long)  # noqa: F821 (2.x only)
    BYTES_TYPE = str
    TEXT_TYPE = unicode  # noqa: F821 (2.x only)
else:
    INT_TYPES = (int,)
    BYTES_TYPE = bytes
    TEXT_TYPE = str

CODE_TYPE = type(compile("", "", "exec"))
CHECK = False


def compact(tree):
    return json.dumps(tree, sort_keys=True, separators=(",", ":"))


def hexbytes(b):
    return binascii.hexlify(b).decode("ascii")


def hexfloat(x):
    return hexbytes(struct.pack(">d", x))


def convert_text(obj):
    if PY2:
        raw = obj.encode("utf-8")
    else:
        raw = obj.encode("utf-8", "surrogatepass")
    return {"t": "str", "v": hexbytes(raw)}


def convert_set(obj):
    items = [convert(x) for x in obj]
    items.sort(key=compact)
    kind = "frozenset" if isinstance(obj, frozenset) else "set"
    return {"t": kind, "v": items}


def convert_dict(obj):
    pairs = [[convert(k), convert(v)] for k, v in obj.items()]
    pairs.sort(key=lambda pair: compact(pair[0]))
    return {"t": "dict", "v": pairs}


# Exact types first (all marshal.loads ever builds); subclasses fall back to
# the isinstance() chain in convert().
HANDLERS = [
    (bool, lambda obj: {"t": "true" if obj else "false"}),
    (float, lambda obj: {"t": "float", "v": hexfloat(obj)}),
    (complex, lambda obj: {"t": "complex", "re": hexfloat(obj.real),
                           "im": hexfloat(obj.imag)}),
    (BYTES_TYPE, lambda obj: {"t": "bytes", "v": hexbytes(obj)}),
    (TEXT_TYPE, convert_text),
    (tuple, lambda obj: {"t": "tuple", "v": [convert(x) for x in obj]}),
    (list, lambda obj: {"t": "list", "v": [convert(x) for x in obj]}),
    (set, convert_set),
    (frozenset, convert_set),
    (dict, convert_dict),
    (slice, lambda obj: {"t": "slice", "v": [convert(obj.start),
                                              convert(obj.stop),
                                              convert(obj.step)]}),
    (CODE_TYPE, lambda obj: {"t": "code", "v": convert_code(obj)}),
]
for _int_type in INT_TYPES:
    HANDLERS.insert(1, (_int_type, lambda obj: {"t": "int", "v": str(obj)}))
BY_TYPE = dict(HANDLERS)


def convert(obj):
    handler = BY_TYPE.get(type(obj))
    if handler is not None:
        return handler(obj)
    if obj is None:
        return {"t": "none"}
    if obj is Ellipsis:
        return {"t": "ellipsis"}
    if obj is StopIteration:
        return {"t": "stopiter"}
    for kind, handler in HANDLERS:
        if isinstance(obj, kind):
            return handler(obj)
    raise TypeError("unsupported type in marshal data: %s"
                    % type(obj).__name__)


def convert_code(code):
    fields = {}
    for name in CODE_FIELDS:
        value = getattr(code, name)
        if isinstance(value, INT_TYPES) and not isinstance(value, bool):
            fields[name] = value
        else:
            fields[name] = convert(value)
    if V < (3, 11):
        fields["co_linetable"] = convert(getattr(code, LINETABLE_ATTR))
    return fields


def stored_top_code(body):
    """co_code bytes as stored for a top-level 3.11+ code object, or None."""
    # 'c' (maybe | FLAG_REF), five int32 fields, then the bytes object
    # ('s' maybe | FLAG_REF, int32 length, data).
    if len(body) < 26 or (body[0] & 0x7F) != ord("c"):
        return None
    if (body[21] & 0x7F) != ord("s"):
        return None
    size = struct.unpack("<i", body[22:26])[0]
    return body[26:26 + size]


def all_code_stored(code, body):
    """Whether every nested code object's co_code occurs in the file."""
    for const in code.co_consts:
        if isinstance(const, CODE_TYPE):
            if const.co_code not in body or not all_code_stored(const, body):
                return False
    return True


def process(path):
    """Returns (JSON line, co_code check result: None, True or False)."""
    record = {"file": path}
    same = None
    try:
        with open(path, "rb") as f:
            data = f.read()
        if len(data) < HEADER:
            raise ValueError("file shorter than the %d-byte header" % HEADER)
        body = data[HEADER:]
        obj = marshal.loads(body)
        record["value"] = convert(obj)
        record["ok"] = True
        if CHECK and isinstance(obj, CODE_TYPE):
            same = (stored_top_code(body) == obj.co_code
                    and all_code_stored(obj, body))
        return compact(record), same
    except Exception as exc:  # includes RecursionError on deep nesting
        record.pop("value", None)
        record["ok"] = False
        record["error"] = "%s: %s" % (type(exc).__name__, exc)
        return compact(record), None


def main():
    global CHECK
    CHECK = "--check-co-code" in sys.argv[1:] and V >= (3, 11)
    if PY2:
        lines = sys.stdin.read().splitlines()
        out = sys.stdout
    else:
        raw = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
        lines = raw.splitlines()
        out = open(sys.stdout.fileno(), "w", encoding="utf-8",
                   errors="surrogateescape", closefd=False)
    paths = [p for p in lines if p]

    workers = 1
    # Python 2's Pool is slower than one process here (measured).
    if len(paths) >= 64 and not PY2:
        try:
            import multiprocessing
            workers = multiprocessing.cpu_count()
        except Exception:
            pass
    pool = None
    if workers > 1:
        if hasattr(multiprocessing, "get_context"):
            pool = multiprocessing.get_context("fork").Pool(workers)
        else:
            pool = multiprocessing.Pool(workers)
        results = pool.imap(process, paths, 8)
    else:
        results = (process(p) for p in paths)

    checked = mismatched = 0
    for path, (line, same) in zip(paths, results):
        out.write(line)
        out.write("\n")
        if same is not None:
            checked += 1
            if not same:
                mismatched += 1
                print("co_code differs from stored bytes: %s" % path,
                      file=sys.stderr)
    out.flush()
    if pool is not None:
        pool.close()
        pool.join()
    if CHECK:
        print("co_code check: %d files (all code objects), %d mismatched"
              % (checked, mismatched), file=sys.stderr)


if __name__ == "__main__":
    main()
