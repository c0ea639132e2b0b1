"""Runs under the target interpreter (2.7 or 3.x) for generate.py.

    python worker.py marshal < source   -> marshal.dumps(compile(source))
    python worker.py pyc     < source   -> a .pyc of it (mtime 0, size 0)

Source text comes on stdin as UTF-8; the bytes go to stdout.
"""
import marshal
import sys


def main():
    mode = sys.argv[1]
    stdin = getattr(sys.stdin, "buffer", sys.stdin)
    stdout = getattr(sys.stdout, "buffer", sys.stdout)
    source = stdin.read()
    if sys.version_info[0] >= 3:
        source = source.decode("utf-8")
    filename = "<layer>" if mode == "marshal" else "<layered>"
    code = compile(source, filename, "exec", 0, True)
    body = marshal.dumps(code)
    if mode == "marshal":
        stdout.write(body)
        return
    if sys.version_info[0] >= 3:
        import importlib.util

        magic = importlib.util.MAGIC_NUMBER
    else:
        import imp

        magic = imp.get_magic()
    if sys.version_info >= (3, 7):
        header = magic + b"\0" * 12
    elif sys.version_info >= (3, 3):
        header = magic + b"\0" * 8
    else:
        header = magic + b"\0" * 4
    stdout.write(header + body)


if __name__ == "__main__":
    main()
