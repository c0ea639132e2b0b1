# generators, send, yield from, generator expressions
def gen(n):
    for i in range(n):
        got = yield i
        if got:
            yield got * 2

def outer():
    yield 'start'
    yield from gen(2)
    return 'done'

g = gen(3)
print(next(g), g.send(5), next(g), list(g))
print(list(outer()))
print(sum(x * x for x in range(4)))
