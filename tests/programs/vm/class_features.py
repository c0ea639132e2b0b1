# properties, classmethod, staticmethod, super()
class Temp:
    scale = "C"
    count = 0

    def __init__(self, c):
        self._c = c
        Temp.count += 1

    @property
    def celsius(self):
        return self._c

    @celsius.setter
    def celsius(self, v):
        if v < -273.15:
            raise ValueError("below absolute zero")
        self._c = v

    @property
    def fahrenheit(self):
        return self._c * 9 / 5 + 32

    @classmethod
    def from_f(cls, f):
        return cls((f - 32) * 5 / 9)

    @staticmethod
    def valid(v):
        return v >= -273.15

    def __repr__(self):
        return "Temp(%r)" % self._c


t = Temp(100)
print(t.celsius, t.fahrenheit, Temp.from_f(212), Temp.valid(-300), t.valid(0), Temp.count)
t.celsius = 25
print(t, t.fahrenheit)
try:
    t.celsius = -500
except ValueError as e:
    print("ValueError:", e)
try:
    t.fahrenheit = 1
except AttributeError:
    print("AttributeError: read-only")


class Base:
    def __init__(self, name):
        self.name = name

    def describe(self):
        return "Base(" + self.name + ")"

    @classmethod
    def make(cls, n):
        return cls(n)


class Mid(Base):
    def describe(self):
        return "Mid<" + super().describe() + ">"


class Leaf(Mid):
    def __init__(self, name, extra):
        super().__init__(name)
        self.extra = extra

    def describe(self):
        return "Leaf[" + super(Leaf, self).describe() + "," + str(self.extra) + "]"


leaf = Leaf("x", 3)
print(leaf.describe(), Mid.make("m").describe(), type(Mid.make("m")).__name__)
print([c.__name__ for c in Leaf.__mro__], isinstance(leaf, Base), issubclass(Leaf, Mid))


class A:
    def who(self):
        return ["A"]


class B(A):
    def who(self):
        return ["B"] + super().who()


class C(A):
    def who(self):
        return ["C"] + super().who()


class D(B, C):
    def who(self):
        return ["D"] + super().who()


print(D().who(), [k.__name__ for k in D.__mro__])


class Counter:
    instances = 0

    def __init__(self):
        type(self).instances += 1

    @classmethod
    def how_many(cls):
        return cls.instances


Counter()
Counter()
print(Counter.how_many(), Counter().how_many())


class Shape:
    def area(self):
        raise NotImplementedError

    def __str__(self):
        return "%s with area %.2f" % (type(self).__name__, self.area())


class Sq(Shape):
    def __init__(self, s):
        self.s = s

    def area(self):
        return self.s ** 2


print(str(Sq(3)), Sq(1.5))
