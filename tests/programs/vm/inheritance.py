# Multiple inheritance: C3 MRO, cooperative super() chains, explicit
# two-argument super, super() in classmethods and __new__, and the
# TypeErrors of inconsistent hierarchies.


class Base:
    def __init__(self, **kw):
        print('Base.__init__', sorted(kw))
        self.trail = ['Base']

    def who(self):
        return ['Base']


class Left(Base):
    def __init__(self, left=0, **kw):
        print('Left.__init__', left)
        super().__init__(**kw)
        self.trail.append('Left')

    def who(self):
        return ['Left'] + super().who()


class Right(Base):
    def __init__(self, right=0, **kw):
        print('Right.__init__', right)
        super().__init__(**kw)
        self.trail.append('Right')

    def who(self):
        return ['Right'] + super().who()


class Diamond(Left, Right):
    def __init__(self, **kw):
        print('Diamond.__init__')
        super().__init__(**kw)
        self.trail.append('Diamond')

    def who(self):
        return ['Diamond'] + super().who()


d = Diamond(left=1, right=2)
print(d.trail, d.who())
print([c.__name__ for c in Diamond.__mro__])
print(super(Left, d).who(), super(Diamond, d).who())


class A: pass
class B: pass
class C: pass
class D: pass
class E: pass
class K1(A, B, C): pass
class K2(D, B, E): pass
class K3(D, A): pass
class Z(K1, K2, K3): pass


print([c.__name__ for c in Z.__mro__])
print(issubclass(Z, B), issubclass(K3, B), Z.__bases__[1].__name__)

for bases in [(A, K1), (K1, K3, A, D), (A, A)]:
    try:
        type('Bad', bases, {})
        print('created', [b.__name__ for b in bases])
    except TypeError as e:
        print('TypeError:', e)


class Shape:
    count = 0

    @classmethod
    def create(cls, *args):
        Shape.count += 1
        return cls(*args)

    def __repr__(self):
        return f'{type(self).__name__}({self.__dict__})'


class Square(Shape):
    def __init__(self, side=1):
        self.side = side

    @classmethod
    def create(cls, *args):
        obj = super().create(*args)
        obj.tagged = True
        return obj


print(Square.create(3), Shape.count)


class Singleton:
    _instance = None

    def __new__(cls, *args):
        if cls._instance is None:
            print('creating', cls.__name__)
            cls._instance = super().__new__(cls)
        return cls._instance

    def __init__(self, value):
        self.value = value


s1 = Singleton(1)
s2 = Singleton(2)
print(s1 is s2, s1.value)


class Point:
    def __new__(cls, x, y):
        obj = object.__new__(cls)
        obj.made_by_new = True
        return obj

    def __init__(self, x, y):
        self.x, self.y = x, y


pt = Point(1, 2)
print(pt.made_by_new, pt.x, pt.y)


class NotMine:
    def __new__(cls):
        return 42

    def __init__(self):
        print('never called')


print(NotMine())


class Mixin:
    def greet(self):
        return 'mixin ' + super().greet()


class Greeter:
    def greet(self):
        return 'greeter'


class Both(Mixin, Greeter):
    pass


print(Both().greet(), Both.greet is Mixin.greet)


class Chain:
    def __init__(self):
        super(Chain, self).__init__()
        self.ok = True


print(Chain().ok, isinstance(Both(), (Greeter, int)), issubclass(Both, (int, Mixin)))
