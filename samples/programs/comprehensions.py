# List / dict / set comprehensions.
from __future__ import print_function


def main():
    squares = [x * x for x in range(12)]
    evens = [x for x in squares if x % 2 == 0]
    pairs = [(a, b) for a in range(4) for b in range(a) if (a + b) % 2]
    print("squares", squares)
    print("evens", evens)
    print("pairs", pairs)
    words = ["apple", "banana", "cherry", "date", "elderberry", "fig"]
    lengths = {w: len(w) for w in words}
    print("lengths", sorted(lengths.items()))
    by_len = {}
    for w in words:
        by_len.setdefault(len(w), []).append(w)
    print("by_len", [(k, by_len[k]) for k in sorted(by_len)])
    initials = sorted({w[0] for w in words if len(w) > 3})
    print("initials", initials)
    matrix = [[r * 3 + c for c in range(3)] for r in range(3)]
    transposed = [[row[i] for row in matrix] for i in range(3)]
    print("matrix", matrix)
    print("transposed", transposed)
    flat = [v for row in transposed for v in row if v != 4]
    print("flat", flat, sum(flat))
    inverted = dict((v, k) for k, v in sorted(lengths.items()) if v > 4 and k != "cherry")
    print("inverted", sorted(inverted.items()))
    gen_total = sum(x for x in range(100) if x % 7 == 3)
    print("gen total", gen_total)


main()
