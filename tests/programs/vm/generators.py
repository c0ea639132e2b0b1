# generators: yield, send, yield from, generator expressions, return values
def count_up(n):
    i = 0
    while i < n:
        yield i
        i += 1

print(list(count_up(5)), sum(count_up(100)))

def echo():
    received = []
    while True:
        x = yield len(received)
        if x is None:
            break
        received.append(x)
    return received

g = echo()
print(next(g), g.send("a"), g.send("b"))
try:
    g.send(None)
except StopIteration as e:
    print("returned", e.value)

def inner():
    yield 1
    yield 2
    return "done"

def outer():
    r = yield from inner()
    yield r
    yield from [10, 20]

print(list(outer()))
gen = (x * x for x in range(6) if x % 2)
print(next(gen), list(gen))

def fibs():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b

out = []
for v in fibs():
    if v > 100:
        break
    out.append(v)
print(out)
it = iter([1, 2, 3])
print(next(it), next(it), next(it), next(it, "end"))
print(list(zip(count_up(3), "abc")), dict(zip("ab", count_up(2))))
