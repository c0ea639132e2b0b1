# Function calls: recursion, positional/keyword/default arguments, closures.
import sys

# sys.argv[1]: divide every size by this (traced runs use a smaller program)
DIV = int(sys.argv[1]) if len(sys.argv) > 1 else 1

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def add(a, b, c=1):
    return a + b + c


def make_counter(step):
    def counter(x):
        return x + step
    return counter


def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))


def calls(n):
    inc = make_counter(3)
    total = 0
    for i in range(n):
        total = add(total, i)
        total = add(total, 1, c=2)
        total = inc(total) % 1000003
    return total


print(fib(29 if DIV == 1 else 29 - DIV.bit_length()), calls(1200000 // DIV), ackermann(2, 300 // DIV))
