# Nested functions and closures.
from __future__ import print_function


def make_counter(start):
    state = [start]

    def inc(step=1):
        state[0] += step
        return state[0]

    def get():
        return state[0]

    return inc, get


def make_adders(n):
    adders = []
    for i in range(n):
        def add(x, i=i):
            return x + i
        adders.append(add)
    return adders


def compose(f, g):
    def h(x):
        return f(g(x))
    return h


def outer(a):
    def middle(b):
        def inner(c):
            return a * 100 + b * 10 + c
        return inner
    return middle


def memoize(fn):
    cache = {}

    def wrapper(n):
        if n not in cache:
            cache[n] = fn(n)
        return cache[n]
    return wrapper


@memoize
def slow_square(n):
    return n * n


def main():
    inc, get = make_counter(10)
    inc()
    inc(5)
    print("counter", get(), inc(2))
    print("adders", [f(100) for f in make_adders(5)])
    double_then_inc = compose(lambda x: x + 1, lambda x: x * 2)
    print("compose", double_then_inc(20), compose(str, abs)(-42))
    print("nested", outer(3)(4)(5))
    print("memo", [slow_square(k) for k in (3, 4, 3, 4, 12)])
    scale = 7
    print("lambda capture", list(map(lambda v: v * scale, [1, 2, 3])))


main()
