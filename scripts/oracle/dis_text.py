"""The Python side of pyctrace's dis parity test (runs on 2.7 and 3.6+).

Reads .pyc paths, one per line, on stdin. For each file: skips the header
(its length depends on the running interpreter's version), `marshal.loads`
the body and prints what this interpreter's `dis.dis(code)` prints. 2.7 and
3.6 do not recurse into nested code objects: for them the nested ones follow
depth-first, each after a blank line and the header 3.7+ prints,
`Disassembly of <code object ...>:`.

Output (bytes on stdout), per file:
    \\x00FILE <path>\\n<dis text>\\x00END ok\\n
or, when loading or disassembling fails, ...\\x00END error <Type>: <message>\\n
Text is UTF-8 (lone surrogates passed through).
"""
import sys
import marshal
import dis

PY2 = sys.version_info[0] == 2

if PY2:
    from StringIO import StringIO
    HEADER = 8
else:
    from io import StringIO
    if sys.version_info >= (3, 7):
        HEADER = 16
    elif sys.version_info >= (3, 3):
        HEADER = 12
    else:
        HEADER = 8

RECURSES = sys.version_info >= (3, 7)


def disassemble_into(co, buf):
    """dis.dis(co) into buf, recursing where dis does not."""
    if PY2:
        saved = sys.stdout
        sys.stdout = buf
        try:
            dis.disassemble(co)
        finally:
            sys.stdout = saved
    elif RECURSES:
        dis.dis(co, file=buf)
        return
    else:
        dis.disassemble(co, file=buf)
    for x in co.co_consts:
        if hasattr(x, 'co_code'):
            buf.write("\n")
            buf.write("Disassembly of %r:\n" % (x,))
            disassemble_into(x, buf)


def encode(text):
    if PY2:
        if isinstance(text, unicode):  # noqa: F821 (2.x only)
            return text.encode('utf-8')
        return text
    return text.encode('utf-8', 'surrogatepass')


def main():
    if PY2:
        out = sys.stdout
        lines = sys.stdin.read().split('\n')
    else:
        out = sys.stdout.buffer
        lines = sys.stdin.buffer.read().decode('utf-8', 'surrogateescape').split('\n')
    for path in lines:
        if not path:
            continue
        out.write(b"\x00FILE " + encode(path) + b"\n")
        buf = StringIO()
        status = "ok"
        try:
            with open(path, 'rb') as f:
                data = f.read()
            co = marshal.loads(data[HEADER:])
            disassemble_into(co, buf)
        except Exception as e:  # the oracle reports, never stops
            status = "error %s: %s" % (type(e).__name__, e)
        out.write(encode(buf.getvalue()))
        out.write(b"\x00END " + encode(status.replace("\n", " ")) + b"\n")
    out.flush()


if __name__ == '__main__':
    main()
