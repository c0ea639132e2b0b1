# while loops with complex conditions.
from __future__ import print_function


def collatz_len(n):
    steps = 0
    while n != 1 and steps < 1000:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def bsearch(seq, x):
    lo, hi = 0, len(seq) - 1
    while lo <= hi and seq[lo] <= x <= seq[hi]:
        mid = (lo + hi) // 2
        if seq[mid] == x:
            return mid
        if seq[mid] < x:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


def isqrt(n):
    x = n
    y = (x + 1) // 2
    while y < x:
        x = y
        y = (x + n // x) // 2
    return x


def main():
    print("collatz", [collatz_len(n) for n in (1, 6, 7, 27, 97)])
    print("gcd", gcd(1071, 462), gcd(17, 5), gcd(0, 9))
    seq = [1, 3, 4, 8, 15, 16, 23, 42, 77]
    print("bsearch", [bsearch(seq, x) for x in (1, 15, 42, 77, 5, 100)])
    print("isqrt", [isqrt(n) for n in (0, 1, 15, 16, 99, 10 ** 12)])
    i, j, hits = 0, 50, []
    while (i < j and len(hits) < 6) or (i == 0 and j > 100):
        if (i * j) % 7 == 3 or not (i + j) % 11:
            hits.append((i, j))
        i += 2
        j -= 3
    print("hits", hits, i, j)
    a, b = 0, 1
    while not (a > 1000 or b > 1500) and a != b:
        a, b = b, a + b
    print("fib stop", a, b)


main()
