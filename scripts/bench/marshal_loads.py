"""Times this interpreter's own marshal.loads (and dumps) over the bodies of
the .pyc files listed on stdin; prints one JSON line. Used by the
pyctrace-marshal benchmark so both sides read the same bytes."""
from __future__ import print_function
import json
import marshal
import sys
import time

header = 16 if sys.version_info >= (3, 7) else (12 if sys.version_info >= (3, 3) else 8)
bodies = []
for path in sys.stdin.read().splitlines():
    with open(path, "rb") as f:
        bodies.append(f.read()[header:])
total = sum(len(b) for b in bodies)
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
best_load = best_both = float("inf")
for _ in range(rounds):
    t = time.perf_counter()
    objs = [marshal.loads(b) for b in bodies]
    best_load = min(best_load, time.perf_counter() - t)
    t = time.perf_counter()
    for b in bodies:
        marshal.dumps(marshal.loads(b))
    best_both = min(best_both, time.perf_counter() - t)
print(json.dumps({"bytes": total, "files": len(bodies), "load_s": best_load, "load_dump_s": best_both}))
