# generators.py for Python 2.7 (no yield from, no return value): send, delegation by a loop
def gen(n):
    for i in range(n):
        got = yield i
        if got:
            yield got * 2

def outer():
    yield 'start'
    for x in gen(2):
        yield x

g = gen(3)
print(next(g), g.send(5), next(g), list(g))
print(list(outer()))
print(sum(x * x for x in range(4)))
