# functions: defaults, keyword arguments, *args, **kwargs, keyword-only, recursion
def f(a, b=2, *args, c=3, **kw):
    return (a, b, args, c, sorted(kw.items()))

print(f(1))
print(f(1, 5, 6, 7, c=8, z=9, y=0))
print(f(*[1, 2, 3], **{"c": 4, "d": 5}))
print(f(b=10, a=20))

def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)

print(fact(20), fact(30))

def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a

print([fib(i) for i in range(15)], fib(100))

def kwonly(x, *, y, z=5):
    return x + y + z

print(kwonly(1, y=2), kwonly(1, y=2, z=3))

def apply(fn, *args, **kwargs):
    return fn(*args, **kwargs)

print(apply(max, 3, 9, 2), apply(sorted, [3, 1, 2], reverse=True))
sq = lambda x: x * x
print(sq(7), list(map(lambda v: v + 1, [1, 2])), sorted([-3, 1, -2], key=abs))

def noreturn():
    pass

print(noreturn(), f.__name__, sq.__name__)

def outer_default(items=None):
    if items is None:
        items = []
    items.append(1)
    return items

print(outer_default(), outer_default([5]))
