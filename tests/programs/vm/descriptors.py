# Descriptors (__get__/__set__/__delete__, __set_name__), data versus
# non-data precedence, properties with setters and deleters,
# classmethod/staticmethod, and __slots__.


class Typed:
    def __init__(self, kind, default=None):
        self.kind = kind
        self.default = default

    def __set_name__(self, owner, name):
        print('set_name', owner.__name__, name)
        self.name = name
        self.slot = '_' + name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return f'<Typed {self.name} of {objtype.__name__}>'
        return getattr(obj, self.slot, self.default)

    def __set__(self, obj, value):
        if not isinstance(value, self.kind):
            raise TypeError(f'{self.name} must be {self.kind.__name__}, not {type(value).__name__}')
        setattr(obj, self.slot, value)

    def __delete__(self, obj):
        print('deleting', self.name)
        delattr(obj, self.slot)


class Lazy:
    """A non-data descriptor: computes once, then the instance dict wins."""

    def __init__(self, func):
        self.func = func
        self.calls = 0

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        self.calls += 1
        value = self.func(obj)
        obj.__dict__[self.func.__name__] = value
        return value


class Record:
    name = Typed(str, 'anon')
    age = Typed(int, 0)

    def __init__(self, name, age):
        self.name = name
        self.age = age

    @Lazy
    def summary(self):
        return f'{self.name}:{self.age}'


r = Record('ann', 31)
print(r.name, r.age, Record.name, Record.age)
try:
    r.age = 'old'
except TypeError as e:
    print('TypeError:', e)
r.age = 32
print(r.age, sorted(vars(r)))
del r.age
print('after del', r.age)
print(r.summary, r.summary, Record.summary.calls, vars(r) is r.__dict__)


class Temperature:
    def __init__(self):
        self._c = 0.0
        self.log = []

    @property
    def celsius(self):
        """Degrees Celsius."""
        return self._c

    @celsius.setter
    def celsius(self, v):
        self.log.append(('set', v))
        self._c = float(v)

    @celsius.deleter
    def celsius(self):
        self.log.append(('del',))
        self._c = 0.0

    fahrenheit = property(lambda self: self._c * 9 / 5 + 32)


t = Temperature()
t.celsius = 25
print(t.celsius, t.fahrenheit)
del t.celsius
print(t.celsius, t.log)
for action in ('set', 'del'):
    try:
        if action == 'set':
            t.fahrenheit = 1
        else:
            del t.fahrenheit
    except AttributeError:
        print('read-only property:', action)
print(type(Temperature.celsius).__name__, Temperature.celsius.fget(t))


class Tools:
    factor = 3

    @classmethod
    def make(cls, n):
        return cls.factor * n

    @staticmethod
    def add(a, b):
        return a + b


class MoreTools(Tools):
    factor = 10


print(Tools.make(2), MoreTools.make(2), MoreTools().make(1), Tools.add(1, 2), Tools().add(3, 4))


class Slotted:
    __slots__ = ('x', 'y')

    def __init__(self, x):
        self.x = x


s = Slotted(1)
s.y = 2
print(s.x, s.y, hasattr(s, '__dict__'))
try:
    s.z = 3
except AttributeError:
    print('no attribute z allowed')
try:
    Slotted(5).y
except AttributeError:
    print('y unset')


class SlottedChild(Slotted):
    __slots__ = ('z',)


sc = SlottedChild(4)
sc.z = 9
print(sc.x, sc.z)


class Open(Slotted):
    pass


o = Open(1)
o.anything = 'fine'
print(o.anything)
