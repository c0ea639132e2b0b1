# Dataclass-like classes built by a decorator from __annotations__:
# generated __init__/__repr__/__eq__/ordering/__hash__, defaults, frozen
# instances, inheritance of fields, and class attributes via __dict__.


def record(cls=None, *, frozen=False, order=False):
    def wrap(cls):
        fields = []
        for klass in reversed(cls.__mro__):
            for name in klass.__dict__.get('__annotations__', {}):
                if name not in fields:
                    fields.append(name)
        defaults = {f: getattr(cls, f) for f in fields if hasattr(cls, f)}

        def __init__(self, *args, **kw):
            if len(args) > len(fields):
                raise TypeError(f'{cls.__name__} takes {len(fields)} arguments')
            values = dict(zip(fields, args))
            for name in fields[len(args):]:
                if name in kw:
                    values[name] = kw.pop(name)
                elif name in defaults:
                    values[name] = defaults[name]
                else:
                    raise TypeError(f'missing field {name!r}')
            if kw:
                raise TypeError(f'unexpected {sorted(kw)}')
            for name, value in values.items():
                object.__setattr__(self, name, value)
            post = getattr(self, '__post_init__', None)
            if post is not None:
                post()

        def astuple(self):
            return tuple([getattr(self, f) for f in fields])

        def __repr__(self):
            inner = ', '.join([f'{f}={getattr(self, f)!r}' for f in fields])
            return f'{type(self).__name__}({inner})'

        def __eq__(self, other):
            if type(other) is not type(self):
                return NotImplemented
            return self._astuple() == other._astuple()

        cls.__init__ = __init__
        cls.__repr__ = __repr__
        cls.__eq__ = __eq__
        cls._astuple = astuple
        cls._fields = tuple(fields)
        if order:
            cls.__lt__ = lambda self, other: self._astuple() < other._astuple()
            cls.__le__ = lambda self, other: self._astuple() <= other._astuple()
        if frozen:
            def __setattr__(self, name, value):
                raise AttributeError(f'cannot assign to field {name!r}')
            cls.__setattr__ = __setattr__
            cls.__hash__ = lambda self: hash(self._astuple())
        else:
            cls.__hash__ = None
        return cls
    return wrap if cls is None else wrap(cls)


@record
class Point:
    x: int
    y: int = 0


@record(order=True)
class Version:
    major: int
    minor: int = 0
    patch: int = 0

    def __post_init__(self):
        self.label = f'v{self.major}.{self.minor}.{self.patch}'


@record(frozen=True)
class Key:
    name: str
    scope: str = 'global'


@record
class Point3(Point):
    z: int = 0


print(Point(1), Point(1, 2), Point(y=5, x=4), Point(1) == Point(1, 0), Point(1) == (1, 0))
print(Point3(1, 2, 3), Point3._fields, Point3(7).z, isinstance(Point3(0), Point))
vs = [Version(1, 2), Version(1, 0, 5), Version(0, 9), Version(1, 2, 1)]
print(sorted(vs), [v.label for v in sorted(vs)], Version(1) <= Version(1, 0, 0))
k = Key('user')
print(k, hash(k) == hash(('user', 'global')), {k: 1}[Key('user')], len({Key('a'), Key('a'), Key('b')}))
for bad in (lambda: setattr(k, 'name', 'x'), lambda: Point(), lambda: Point(1, 2, 3),
            lambda: Point(1, w=2), lambda: hash(Point(1))):
    try:
        bad()
    except (TypeError, AttributeError) as e:
        print(type(e).__name__, e)
print(Point.__annotations__, Version.__dict__['__lt__'].__name__, 'x' in Point3.__dict__, 'z' in Point3.__dict__)
print(['minor' in Version.__dict__, '_astuple' in Version.__dict__, 'major' in Version.__dict__])
