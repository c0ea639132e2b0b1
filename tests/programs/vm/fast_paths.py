# Edge cases of the VM's fast paths (small ints, floats, str concatenation in
# place, dict probing, iteration): every result must be CPython's.
big = 9223372036854775807
small = -9223372036854775808
print(big + 1, small - 1, big * 2, small * -1, -small, small // -1, small % -1)
print(7 // 2, -7 // 2, 7 // -2, -7 // -2, 7 % 3, -7 % 3, 7 % -3, -7 % -3)
print(1 << 62, 1 << 63, 1 << 64, -1 << 63, 3 >> 1, -3 >> 1, -1 >> 70, 5 >> 64)
print(6 & 3, 6 | 3, 6 ^ 3, -6 & 3, -6 | 3, ~5, -big - 2)
print(1.5 + 2, 2 + 1.5, 3 * 0.5, 1 / 4, 7.0 / 2, 10 - 0.25, 2 ** 0.5)
print(0.1 + 0.2, 1e308 * 10, -1e308 * 10, 1 / 3 * 3)
try:
    print(1 / 0)
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)
try:
    print(1.0 / 0)
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)
try:
    print(5 // 0)
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)
try:
    print(5 % 0)
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)
nan = float("nan")
print(nan == nan, nan != nan, nan < 1.0, 1.0 <= nan, 2 < 3, 3 <= 3, "a" < "b", "b" >= "ab")
print("é" > "z", "abc" == "abc", "abc" != "abd", True + True, True * 3, 1 == 1.0, 2 > 1.5)
x = 10
y = 10
print(x is y, x is not None, None is None)


def build(n):
    s = ""
    alias = s
    for i in range(n):
        s += str(i % 10)
        if i == 3:
            alias = s
    t = "x"
    t = t + "y"
    u = t
    t += "z"
    return s, alias, t, u


print(build(12))


def concat_self():
    s = "ab"
    s += s
    s = s + s
    return s


print(concat_self())

d = {}
for k in (-1, -2, 1, 1.0, True, 2 ** 64, (1, 2), (1, (2, 3)), "k", None):
    d[k] = repr(k)
print(d, len(d), d[-1], d[-2], d[1], d[(1, 2)])
stride = {}
for i in range(0, 1 << 16, 1 << 10):
    stride[i] = i
for i in range(0, 1 << 16, 1 << 11):
    del stride[i]
stride[0] = "again"
print(len(stride), list(stride)[:5], stride[1024], 0 in stride, 2048 in stride)
grow = {}
for i in range(600):
    grow[str(i)] = i
    if i % 3 == 0:
        del grow[str(i // 2)]
print(len(grow), sum(grow.values()), list(grow)[:6])
items = [1, 2, 3]
out = []
for v in items:
    out.append(v)
    if len(items) < 6:
        items.append(v * 10)
print(out, items[-1], items[-6], (4, 5, 6)[-1])
try:
    print(items[6])
except IndexError as e:
    print("IndexError", e)
for i in range(5, 0, -2):
    print(i, end=" ")
print()
print(sum([i for i in range(1000)]), [i * i for i in range(-3, 3)])
