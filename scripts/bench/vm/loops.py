# Integer loops: while/for over range, arithmetic, comparisons, bit operations.
import sys

# sys.argv[1]: divide every size by this (traced runs use a smaller program)
DIV = int(sys.argv[1]) if len(sys.argv) > 1 else 1

def collatz_steps(limit):
    total = 0
    for n in range(1, limit):
        steps = 0
        while n != 1:
            if n % 2 == 0:
                n = n // 2
            else:
                n = 3 * n + 1
            steps += 1
        total += steps
    return total


def sieve(n):
    flags = [True] * (n + 1)
    flags[0] = flags[1] = False
    i = 2
    while i * i <= n:
        if flags[i]:
            for j in range(i * i, n + 1, i):
                flags[j] = False
        i += 1
    count = 0
    for f in flags:
        if f:
            count += 1
    return count


def mix(n):
    acc = 0
    for i in range(n):
        acc = (acc * 31 + (i ^ (i >> 3))) & 0xFFFFFFFF
        if acc > 0x7FFFFFFF:
            acc -= 12345
    return acc


print(collatz_steps(60000 // DIV), sieve(600000 // DIV), mix(800000 // DIV))
