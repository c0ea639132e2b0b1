# unpacking, star expressions, keyword arguments
a, *b = [1, 2, 3]
*c, d = "xyz"
e, *f, g = range(6)
(h, i), j = (1, 2), 3
print(a, b, c, d, e, f, g, h, i, j)
first, *_ = "only"
print(first, [*range(3), *"ab"], (*[1], 2), {*[1, 1], 2}, {**{"a": 1}, "b": 2})


def f(*args, **kwargs):
    return args, sorted(kwargs.items())


print(f(1, *[2, 3], *(4,), k=1, **{"z": 26}, m=2))


def g(a, b=2, *rest, c, d=4, **kw):
    return a, b, rest, c, d, kw


print(g(1, c=3), g(1, 5, 6, 7, c=8, e=9), g(*[1, 2], **{"c": 0, "d": 1}))


def pos_only(a, b, /, c):
    return a + b + c


print(pos_only(1, 2, c=3), pos_only(1, 2, 3))
for idx, (k, v) in enumerate({"p": 1, "q": 2}.items()):
    print(idx, k, v)
pairs = [(1, (2, 3)), (4, (5, 6))]
print([x + y + z for x, (y, z) in pairs])
m, n = n, m = 1, 2
print(m, n)
swap = [1, 2, 3]
swap[0], swap[2] = swap[2], swap[0]
print(swap)
try:
    p, q = [1, 2, 3]
except ValueError as e:
    print("ValueError", e)
try:
    p, q, r = [1, 2]
except ValueError as e:
    print("ValueError", e)
try:
    s, *t, u = [1]
except ValueError as e:
    print("ValueError", e)
print(*[1, 2, 3], sep="-", end="!\n")
print(dict(**{"a": 1}, b=2), list(map(lambda *xs: sum(xs), [1, 2], [3, 4])))
if (n := len("walrus")) > 3:
    print("walrus", n)
print([y for x in range(5) if (y := x * x) > 4])
