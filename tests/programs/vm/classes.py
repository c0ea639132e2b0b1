# classes, inheritance, super(), dunder methods, class attributes, properties
class Animal:
    kind = "animal"

    def __init__(self, name):
        self.name = name

    def speak(self):
        return self.name + " makes a sound"

    def __repr__(self):
        return "Animal(" + repr(self.name) + ")"

class Dog(Animal):
    kind = "dog"

    def __init__(self, name, tricks):
        super().__init__(name)
        self.tricks = tricks

    def speak(self):
        return super().speak() + " (woof)"

a = Animal("cat")
d = Dog("rex", ["sit"])
print(a.speak(), d.speak(), a, d.kind, Animal.kind, d.tricks, d.name)
print(isinstance(d, Animal), isinstance(a, Dog), issubclass(Dog, Animal), type(d).__name__)

class Vec:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, other):
        return Vec(self.x + other.x, self.y + other.y)

    def __mul__(self, k):
        return Vec(self.x * k, self.y * k)

    def __eq__(self, other):
        return self.x == other.x and self.y == other.y

    def __len__(self):
        return 2

    def __getitem__(self, i):
        return (self.x, self.y)[i]

    def __str__(self):
        return f"Vec({self.x}, {self.y})"

    def __lt__(self, other):
        return (self.x, self.y) < (other.x, other.y)

v = Vec(1, 2) + Vec(3, 4) * 2
print(v, str(v), len(v), v[0], v[1], v == Vec(7, 10), v != Vec(0, 0))
print([str(p) for p in sorted([Vec(3, 1), Vec(1, 2), Vec(2, 0)])])

class Temp:
    def __init__(self):
        self._c = 0

    @property
    def c(self):
        return self._c

    @c.setter
    def c(self, value):
        self._c = value * 2

    @staticmethod
    def s(x):
        return x + 1

    @classmethod
    def make(cls):
        return cls()

t = Temp.make()
t.c = 21
print(t.c, Temp.s(1), t.s(2), type(t) is Temp, hasattr(t, "c"), getattr(t, "zz", "dflt"))

class Base:
    def hello(self):
        return "base"

class Mixin:
    def hello(self):
        return "mixin+" + super().hello()

class Both(Mixin, Base):
    pass

print(Both().hello(), [k.__name__ for k in Both.__mro__])

class Counter:
    instances = 0

    def __init__(self):
        Counter.instances += 1

Counter()
Counter()
print(Counter.instances)
