# Generators.
from __future__ import print_function


def count_up(n):
    i = 0
    while i < n:
        yield i
        i += 1


def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b


def take(gen, n):
    out = []
    for v in gen:
        if len(out) >= n:
            break
        out.append(v)
    return out


def chunked(seq, size):
    chunk = []
    for item in seq:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def accumulator():
    total = 0
    while True:
        value = yield total
        if value is None:
            break
        total += value


def guarded(n):
    try:
        for i in range(n):
            yield i * 10
    finally:
        print("guarded cleanup", n)


def main():
    print("count", list(count_up(5)))
    print("fib", take(fib(), 12))
    print("chunks", list(chunked("abcdefgh", 3)))
    acc = accumulator()
    next(acc)
    print("acc", acc.send(5), acc.send(10), acc.send(-3))
    evens = (x for x in count_up(20) if x % 2 == 0)
    print("evens", list(evens))
    g = guarded(5)
    print("first two", next(g), next(g))
    g.close()
    print("all", list(guarded(3)))
    pipeline = (s.upper() for s in ("a", "bb", "ccc") if len(s) > 1)
    print("pipeline", "|".join(pipeline))


main()
