# sorted()/list.sort() compare in CPython's exact order (timsort: runs,
# binary insertion, galloping merges; powersort from 3.11, relaxed
# descending runs from 3.13): a checksum of every __lt__ call, per shape
class K:
    calls = 0
    log = 0

    def __init__(self, v):
        self.v = v

    def __lt__(self, other):
        K.calls += 1
        K.log = (K.log * 31 + self.v * 1009 + other.v) % 1000000007
        return self.v < other.v


def run(values, **kw):
    K.calls = 0
    K.log = 0
    out = sorted([K(v) for v in values], **kw)
    return K.calls, K.log, [k.v for k in out[:4]]


seed = 12345


def rand(n):
    global seed
    seed = (seed * 1103515245 + 12345) % 2147483648
    return (seed >> 8) % n


shapes = [
    ("small", [3, 1, 2]),
    ("desc_eq", [5, 5, 4, 4, 4, 3, 3, 2, 9, 9, 1, 1, 1, 0]),
    ("random", [rand(1000) for _ in range(110)]),
    ("dups", [rand(4) for _ in range(100)]),
    ("sorted", list(range(70))),
    ("reversed", list(range(70, 0, -1))),
    ("sawtooth", [i % 23 for i in range(130)]),
    ("runs", list(range(70)) + list(range(90, 30, -1)) + [rand(50) for _ in range(40)]),
]
for name, vals in shapes:
    print(name, run(vals), run(vals, reverse=True))

items = [K(rand(100)) for _ in range(90)]
K.calls = 0
items.sort(key=lambda k: -k.v)
print("key", K.calls, [k.v for k in items[:6]])


# an inconsistent order: the permutation itself shows the algorithm
class Odd:
    def __init__(self, v):
        self.v = v

    def __lt__(self, other):
        return (self.v * 7 + other.v * 3) % 5 < 2


print([o.v for o in sorted(Odd(i) for i in range(100))][:30])
