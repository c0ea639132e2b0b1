# Recursion.
from __future__ import print_function


def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def hanoi(n, src, dst, via, moves):
    if n == 0:
        return moves
    hanoi(n - 1, src, via, dst, moves)
    moves.append(src + dst)
    hanoi(n - 1, via, dst, src, moves)
    return moves


def permutations(items):
    if len(items) <= 1:
        return [items]
    out = []
    for i in range(len(items)):
        rest = items[:i] + items[i + 1:]
        for p in permutations(rest):
            out.append(items[i] + p)
    return out


def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))


def flatten(tree):
    if not isinstance(tree, list):
        return [tree]
    out = []
    for sub in tree:
        out.extend(flatten(sub))
    return out


def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


def main():
    print("fact", [fact(i) for i in range(8)])
    print("fib", [fib(i) for i in range(15)])
    moves = hanoi(4, "A", "C", "B", [])
    print("hanoi", len(moves), " ".join(moves[:7]))
    print("perms", permutations("abc"))
    print("ackermann", ackermann(2, 3))
    print("flatten", flatten([1, [2, [3, [4, 5]], 6], [[7]]]))
    print("parity", is_even(10), is_odd(7), is_even(3))


main()
