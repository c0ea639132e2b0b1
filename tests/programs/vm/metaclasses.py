# Metaclasses: __new__/__init__/__call__/__prepare__ on the metaclass,
# type(name, bases, dict), metaclass methods and properties, registries,
# __init_subclass__ with keywords, __class_getitem__, __instancecheck__.


class Registry(type):
    classes = []

    def __new__(mcs, name, bases, ns, **kw):
        print('Registry.__new__', name, [b.__name__ for b in bases], sorted(kw))
        ns['created_by'] = mcs.__name__
        cls = super().__new__(mcs, name, bases, ns)
        Registry.classes.append(name)
        return cls

    def __init__(cls, name, bases, ns, **kw):
        print('Registry.__init__', name, kw)
        super().__init__(name, bases, ns)
        cls.options = kw

    def __call__(cls, *args, **kw):
        print('Registry.__call__', cls.__name__, args, kw)
        inst = super().__call__(*args, **kw)
        inst.serial = len(Registry.classes)
        return inst

    def describe(cls):
        return f'{cls.__name__} made by {cls.created_by} with {cls.options}'

    @property
    def upper_name(cls):
        return cls.__name__.upper()


class Base(metaclass=Registry):
    def __init__(self, value):
        print('Base.__init__', value)
        self.value = value


class Child(Base, flavour='sweet'):
    pass


b = Base(1)
c = Child(2)
print(b.value, b.serial, c.value, c.serial)
print(Base.describe(), '|', Child.describe())
print(Child.upper_name, type(Child).__name__, type(c).__name__)
print(isinstance(Child, Registry), isinstance(c, Base), Registry.classes)


class Tracing(type):
    @classmethod
    def __prepare__(mcs, name, bases, **kw):
        print('prepare', name, kw)
        return {'prepared': True}

    def __new__(mcs, name, bases, ns, **kw):
        keys = [k for k in ns if not k.startswith('__')]
        print('namespace keys', keys)
        return super().__new__(mcs, name, bases, ns)


class Traced(metaclass=Tracing, level=3):
    a = 1

    def method(self):
        return 'method'


print(Traced.prepared, Traced.a, Traced().method())

# three-argument type()
def shout(self):
    return self.word.upper()


Dyn = type('Dyn', (object,), {'word': 'hey', 'shout': shout})
print(Dyn.__name__, Dyn().shout(), type(Dyn).__name__, Dyn.__bases__[0].__name__)
Sub = type('Sub', (Dyn,), {'word': 'sub'})
print(Sub().shout(), [k.__name__ for k in Sub.__mro__])
RegDyn = type('RegDyn', (Base,), {})
print(type(RegDyn).__name__, RegDyn.created_by)


class Plugin:
    plugins = {}

    def __init_subclass__(cls, key=None, **kw):
        super().__init_subclass__(**kw)
        print('init_subclass', cls.__name__, key)
        if key is not None:
            Plugin.plugins[key] = cls


class CsvPlugin(Plugin, key='csv'):
    pass


class JsonPlugin(Plugin, key='json'):
    pass


class Helper(Plugin):
    pass


print(sorted(Plugin.plugins), Plugin.plugins['csv'].__name__)


class Box:
    def __class_getitem__(cls, item):
        return f'{cls.__name__}[{item.__name__}]'


print(Box[int], Box[str])


class EvenCheck(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, int) and obj % 2 == 0

    def __subclasscheck__(cls, sub):
        return sub is bool


class Even(metaclass=EvenCheck):
    pass


print(isinstance(4, Even), isinstance(3, Even), isinstance('x', Even), issubclass(bool, Even), issubclass(int, Even))


class Counted(type):
    def __len__(cls):
        return len(cls.items)

    def __iter__(cls):
        return iter(cls.items)

    def __repr__(cls):
        return f'<counted {cls.__name__}>'


class Bag(metaclass=Counted):
    items = ['x', 'y', 'z']


print(len(Bag), list(Bag), repr(Bag), 'y' in Bag)


class OtherMeta(type):
    pass


try:
    class Mixed(Base, metaclass=OtherMeta):
        pass
except TypeError as e:
    print('TypeError:', e)
