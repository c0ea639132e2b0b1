# Slicing.
from __future__ import print_function


def rotate(seq, k):
    k %= len(seq)
    return seq[k:] + seq[:k]


def main():
    s = "abcdefghijklmnopqrstuvwxyz"
    print(s[3:9], s[-5:], s[:4], s[::5], s[::-1][:6], s[20:3:-4])
    data = list(range(20))
    print(data[2:15:3], data[-3:-1], data[::-7])
    copy = data[:]
    copy[2:5] = ["x", "y"]
    del copy[::4]
    print(copy)
    print(rotate("rotation", 3), rotate([1, 2, 3, 4, 5], -2))
    words = "the quick brown fox jumps over the lazy dog".split()
    print([w[1:-1] for w in words], words[1::2])
    palins = [w for w in ("level", "rotor", "python", "stats") if w == w[::-1]]
    print("palindromes", palins)
    m = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]
    print([row[1:3] for row in m[::2]])
    t = tuple(range(10))
    print(t[7:], t[:-7], t[100:], t[-100:2])
    buf = list("hello world")
    buf[0:5] = list("HELLO")
    buf[-5:] = reversed(buf[-5:])
    print("".join(buf))


main()
