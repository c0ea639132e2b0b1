# decorators, functools, lambdas, recursion
import functools


def trace(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        r = fn(*args, **kwargs)
        print("call", fn.__name__, args, r)
        return r

    return wrapper


@trace
def add(a, b=10):
    return a + b


add(1)
add(2, 3)


def repeat(n):
    def deco(fn):
        def inner(*a):
            return [fn(*a) for _ in range(n)]

        return inner

    return deco


@repeat(3)
def hello(name):
    return "hi " + name


print(hello("vm"))


def memo(fn):
    cache = {}

    def inner(n):
        if n not in cache:
            cache[n] = fn(n)
        return cache[n]

    inner.cache = cache
    return inner


@memo
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


print(fib(90), len(fib.cache))
double = functools.partial(lambda a, b: a * b, 2)
print(double(21), functools.reduce(lambda a, b: a * 10 + b, [1, 2, 3]), list(map(lambda s: s[::-1], ["ab", "cd"])))


def hanoi(n, a="A", b="B", c="C", moves=None):
    if moves is None:
        moves = []
    if n:
        hanoi(n - 1, a, c, b, moves)
        moves.append(a + c)
        hanoi(n - 1, b, a, c, moves)
    return moves


print(len(hanoi(10)), hanoi(2))


def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))


print(ackermann(2, 3))


class Registry:
    handlers = {}

    @classmethod
    def register(cls, name):
        def deco(fn):
            cls.handlers[name] = fn
            return fn

        return deco


@Registry.register("up")
def up(s):
    return s.upper()


@Registry.register("rev")
def rev(s):
    return s[::-1]


print({k: f("abc") for k, f in Registry.handlers.items()})
compose = lambda *fs: lambda x: functools.reduce(lambda acc, f: f(acc), fs, x)
print(compose(str.strip, str.title, len)("  hello world "))
