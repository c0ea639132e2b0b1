# An Enum built from a metaclass: members created in __new__ from the
# class namespace, iteration/len/contains/getitem on the class through
# metaclass methods, lookup by value through a metaclass __call__,
# members as singletons with properties, and guarded mutation.


class EnumMeta(type):
    def __new__(mcs, name, bases, ns):
        members = [(k, v) for k, v in ns.items()
                   if not k.startswith('_') and not callable(v) and not isinstance(v, property)]
        for k, _ in members:
            del ns[k]
        cls = super().__new__(mcs, name, bases, ns)
        cls._members = {}
        cls._by_value = {}
        for k, v in members:
            member = object.__new__(cls)
            member._name = k
            member._value = v
            cls._members[k] = member
            cls._by_value[v] = member
            type.__setattr__(cls, k, member)
        return cls

    def __call__(cls, value):
        try:
            return cls._by_value[value]
        except KeyError:
            raise ValueError(f'{value!r} is not a valid {cls.__name__}') from None

    def __iter__(cls):
        return iter(list(cls._members.values()))

    def __len__(cls):
        return len(cls._members)

    def __contains__(cls, member):
        return isinstance(member, cls) and member._name in cls._members

    def __getitem__(cls, name):
        return cls._members[name]

    def __setattr__(cls, name, value):
        if name in cls.__dict__.get('_members', {}):
            raise AttributeError(f'cannot reassign member {name!r}')
        super().__setattr__(name, value)

    def __repr__(cls):
        return f'<enum {cls.__name__}>'


class Enum(metaclass=EnumMeta):
    @property
    def name(self):
        return self._name

    @property
    def value(self):
        return self._value

    def __repr__(self):
        return f'<{type(self).__name__}.{self._name}: {self._value!r}>'

    def __str__(self):
        return f'{type(self).__name__}.{self._name}'


class Color(Enum):
    RED = 1
    GREEN = 2
    BLUE = 3

    def is_warm(self):
        return self is Color.RED


class Planet(Enum):
    MERCURY = (3.303e+23, 2.4397e6)
    EARTH = (5.976e+24, 6.37814e6)

    @property
    def gravity(self):
        mass, radius = self.value
        return round(6.673e-11 * mass / (radius * radius), 2)


print(Color, repr(Color.RED), str(Color.GREEN), Color.BLUE.name, Color.BLUE.value)
print(list(Color), len(Color), [c.name for c in Color], Color['GREEN'] is Color.GREEN)
print(Color(2), Color(3) is Color.BLUE, Color.RED in Color, 1 in Color, Color.RED.is_warm(), Color.GREEN.is_warm())
print(isinstance(Color.RED, Color), isinstance(Color.RED, Enum), type(Color).__name__, type(Color.RED).__name__)
print([(p.name, p.gravity) for p in Planet], Planet.EARTH.value[1])
for bad in (lambda: Color(7), lambda: Color['PINK'], lambda: setattr(Color, 'RED', 5)):
    try:
        bad()
    except (ValueError, KeyError, AttributeError) as e:
        print(type(e).__name__, e)
Color.extra = 'allowed'
print(Color.extra, sorted(Color._members), {Color.RED: 'stop'}[Color(1)])
