# nested closures with nonlocal
def counter(start=0):
    n = start

    def inc(by=1):
        nonlocal n
        n += by
        return n

    def get():
        return n

    return inc, get


inc, get = counter(10)
print(inc(), inc(5), get())


def outer():
    x = "outer"

    def middle():
        y = "middle"

        def inner():
            nonlocal x, y
            x = x + "!"
            y = y.upper()
            return x, y

        r = inner()
        return r, y

    r = middle()
    return r, x


print(outer())


def make_adders():
    return [lambda v, i=i: v + i for i in range(3)], [lambda v: v + i for i in range(3)]


bound, late = make_adders()
print([f(10) for f in bound], [f(10) for f in late])


def accumulator():
    total = []

    def add(x):
        total.append(x)
        return sum(total)

    return add


acc = accumulator()
print(acc(1), acc(2), acc(3))


def fib_memo():
    memo = {}

    def fib(n):
        if n in memo:
            return memo[n]
        r = n if n < 2 else fib(n - 1) + fib(n - 2)
        memo[n] = r
        return r

    return fib


print(fib_memo()(80))


def shadow():
    v = 1

    def a():
        v = 2

        def b():
            nonlocal v
            v += 10
            return v

        return b(), v

    return a(), v


print(shadow())
x = 5


def use_global():
    global x
    x += 1

    def read():
        return x

    return read()


print(use_global(), x)
