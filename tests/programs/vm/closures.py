# closures, nonlocal, global, decorators
def counter():
    count = 0
    def inc(step=1):
        nonlocal count
        count += step
        return count
    return inc

c = counter()
c()
c(5)
print(c(), c.__name__)

def make_adders():
    return [lambda x, i=i: x + i for i in range(3)]

print([f(10) for f in make_adders()])

G = 1
def bump():
    global G
    G += 10
bump()
bump()
print(G)

def decorate(fn):
    def wrapper(*a, **k):
        print("calling", fn.__name__)
        return fn(*a, **k) * 2
    return wrapper

@decorate
def add(a, b):
    return a + b

print(add(2, 3))

def outer():
    x = "outer"
    def middle():
        def inner():
            return x + "!"
        return inner()
    return middle()

print(outer())

def compose(*fns):
    def run(v):
        for fn in reversed(fns):
            v = fn(v)
        return v
    return run

print(compose(str, lambda v: v * 3, abs)(-4))
