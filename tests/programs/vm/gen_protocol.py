# generator protocol corners whose events CPython's tracer reports:
# close()/throw(), finalization of abandoned generators, StopIteration
# from iterator classes and generator return values, yield from a raising
# generator, a class iterator and a list
def g():
    try:
        yield 1
        yield 2
    finally:
        print("fin")


a = g()
a.close()
b = g()
next(b)
b.close()
c = g()
next(c)
try:
    c.throw(ValueError("boom"))
except ValueError as e:
    print("thrown", e)
d = g()
next(d)
d = None
print("dropped")


def plain():
    yield 1
    yield 2


p = plain()
next(p)
p.close()
p = plain()
next(p)
del p


class Countdown:
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return self

    def __next__(self):
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        return self.n


for x in Countdown(3):
    print("cd", x)


def returns():
    yield 1
    return "value"


for x in returns():
    print("r", x)


def inner():
    yield 1
    raise KeyError("inner")


def outer():
    try:
        yield from inner()
    except KeyError as e:
        print("outer caught", e)
    r = yield from returns()
    print("r =", r)
    yield from Countdown(2)
    yield from [7, 8]


print(list(outer()))


def catcher():
    while True:
        try:
            yield
        except ValueError:
            print("caught in gen")


cg = catcher()
next(cg)
cg.throw(ValueError)
cg.close()
def sub():
    try:
        yield 1
    except ValueError:
        print("sub caught")
        yield 2
    finally:
        print("sub fin")


def deleg():
    try:
        r = yield from sub()
        yield 3
    finally:
        print("deleg fin")


dg = deleg()
next(dg)
print(dg.throw(ValueError))
dg.close()
dg = deleg()
next(dg)
dg.close()
dg = deleg()
next(dg)
del dg
print("deleg end")


def sub_returns():
    try:
        yield 1
    except ValueError:
        return "sub value"


def sub_raises():
    try:
        yield 1
    except ValueError:
        raise KeyError("from sub")


def deleg2(sub):
    try:
        r = yield from sub
        print("deleg2 got", r)
        yield "after"
    except KeyError as e:
        print("deleg2 caught", e)
        yield "handled"


for make in (sub_returns, sub_raises):
    dg = deleg2(make())
    next(dg)
    print(dg.throw(ValueError))
    dg.close()
for it in (Countdown(5), [1, 2, 3]):
    dg = deleg2(iter(it))
    next(dg)
    try:
        dg.throw(KeyError("k"))
    except StopIteration:
        print("stopped")
    else:
        print("resumed")
