# operator overloading and dunder methods
class V:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __add__(self, o):
        return V(self.x + o.x, self.y + o.y)

    def __sub__(self, o):
        return V(self.x - o.x, self.y - o.y)

    def __mul__(self, k):
        return V(self.x * k, self.y * k)

    __rmul__ = __mul__

    def __neg__(self):
        return V(-self.x, -self.y)

    def __abs__(self):
        return (self.x ** 2 + self.y ** 2) ** 0.5

    def __eq__(self, o):
        return isinstance(o, V) and (self.x, self.y) == (o.x, o.y)

    def __hash__(self):
        return hash((self.x, self.y))

    def __lt__(self, o):
        return abs(self) < abs(o)

    def __bool__(self):
        return bool(self.x or self.y)

    def __repr__(self):
        return "V(%r, %r)" % (self.x, self.y)

    def __str__(self):
        return "<%s,%s>" % (self.x, self.y)

    def __iter__(self):
        return iter((self.x, self.y))

    def __getitem__(self, i):
        return (self.x, self.y)[i]

    def __len__(self):
        return 2

    def __contains__(self, v):
        return v in (self.x, self.y)

    def __call__(self, k):
        return self * k

    def __format__(self, spec):
        return "V[" + format(self.x, spec) + "," + format(self.y, spec) + "]"


a, b = V(1, 2), V(3, 4)
print(a + b, a - b, a * 3, 3 * a, -a, abs(b), a == V(1, 2), a != b, a < b)
print(bool(V(0, 0)), bool(a), a[1], len(a), 2 in a, 5 in a, a(10), str(a), repr(a))
print(f"{a}", f"{b:.1f}", "{:>3}".format(a), {a: 1}[V(1, 2)])
x, y = b
print(x, y)


class Acc:
    def __init__(self):
        self.items = []

    def __iadd__(self, v):
        self.items.append(v)
        return self

    def __setitem__(self, k, v):
        self.items.insert(k, v)

    def __delitem__(self, k):
        del self.items[k]

    def __getattr__(self, name):
        return "missing:" + name


acc = Acc()
acc += 1
acc += 2
acc[0] = 9
del acc[1]
print(acc.items, acc.nothing, getattr(acc, "other"), hasattr(acc, "items"))


class Num:
    def __init__(self, v):
        self.v = v

    def __radd__(self, o):
        return Num(o + self.v)

    def __truediv__(self, o):
        return Num(self.v / o)

    def __floordiv__(self, o):
        return Num(self.v // o)

    def __mod__(self, o):
        return Num(self.v % o)

    def __pow__(self, o):
        return Num(self.v ** o)

    def __repr__(self):
        return "Num(%s)" % self.v

    def __int__(self):
        return int(self.v)

    def __float__(self):
        return float(self.v)

    def __index__(self):
        return int(self.v)


print(0 + Num(1), 5 + Num(2), Num(7) / 2, Num(7) // 2, Num(7) % 4, Num(2) ** 10)
print(int(Num(3.7)))
try:
    a + 1
except AttributeError as e:
    print("AttributeError", e)
try:
    V.__lt__(a, b) and (a > 5)
except TypeError as e:
    print("TypeError", e)
