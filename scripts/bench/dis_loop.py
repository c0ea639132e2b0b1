"""Times this interpreter's own dis.dis over the code objects of the .pyc
files listed on stdin, writing into an in-memory buffer (in-process loop,
best of N rounds); prints one JSON line. Used by the pyctrace-dis bench."""
from __future__ import print_function
import dis
import io
import json
import marshal
import sys
import time

header = 16 if sys.version_info >= (3, 7) else (12 if sys.version_info >= (3, 3) else 8)
codes = []
total = 0
for path in sys.stdin.read().splitlines():
    with open(path, "rb") as f:
        data = f.read()
    total += len(data)
    codes.append(marshal.loads(data[header:]))
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
best = float("inf")
chars = 0
for _ in range(rounds):
    buf = io.StringIO()
    t = time.perf_counter()
    for code in codes:
        dis.dis(code, file=buf)
    best = min(best, time.perf_counter() - t)
    chars = len(buf.getvalue())
print(json.dumps({"bytes": total, "files": len(codes), "dis_s": best, "chars": chars}))
