# Attribute hooks: __getattr__ (fallback), __getattribute__ (every
# lookup), __setattr__ and __delattr__, with object.__setattr__ and
# super() calls reaching the default behaviour.


class Defaults:
    color = 'blue'

    def __init__(self):
        self.size = 3

    def __getattr__(self, name):
        if name.startswith('get_'):
            return lambda: f'getter for {name[4:]}'
        raise AttributeError(f'no {name} here')


d = Defaults()
print(d.size, d.color, d.get_width())
print(getattr(d, 'missing', 'fallback'), hasattr(d, 'nothing'), hasattr(d, 'size'))
try:
    d.other
except AttributeError as e:
    print('AttributeError:', e)


class Audited:
    def __init__(self, a):
        self.a = a
        self.reads = []

    def __getattribute__(self, name):
        if name not in ('reads', '__class__', '__dict__'):
            object.__getattribute__(self, 'reads').append(name)
        if name == 'secret':
            return 'redacted'
        return super().__getattribute__(name)

    def double(self):
        return self.a * 2


au = Audited(21)
print(au.a, au.double(), au.secret)
print(au.reads)


class Frozen:
    def __init__(self, **fields):
        for k, v in sorted(fields.items()):
            object.__setattr__(self, k, v)

    def __setattr__(self, name, value):
        raise AttributeError(f'cannot set {name}: frozen')

    def __delattr__(self, name):
        raise AttributeError(f'cannot delete {name}: frozen')

    def __repr__(self):
        return 'Frozen(' + ', '.join([f'{k}={getattr(self, k)!r}' for k in ('x', 'y')]) + ')'


f = Frozen(x=1, y='two')
print(f, f.x)
for action in ('set', 'del'):
    try:
        if action == 'set':
            f.x = 5
        else:
            del f.y
    except AttributeError as e:
        print(action, '->', e)


class Logged:
    def __init__(self):
        self.history = []
        self.value = 0

    def __setattr__(self, name, value):
        if name != 'history':
            self.history.append((name, value))
        super().__setattr__(name, value)

    def __delattr__(self, name):
        self.history.append(('del', name))
        super().__delattr__(name)


lg = Logged()
lg.value = 10
lg.extra = 'e'
del lg.extra
print(lg.value, lg.history, hasattr(lg, 'extra'))


class Doubler:
    def __setattr__(self, name, value):
        self.__dict__[name] = value * 2

    def __delattr__(self, name):
        self.__dict__.pop(name)


db = Doubler()
db.n = 4
db.__dict__['raw'] = 1
print(db.n, db.raw, vars(db))
del db.n
print(vars(db), hasattr(db, 'n'))


class Proxy:
    def __init__(self, target):
        object.__setattr__(self, '_target', target)

    def __getattr__(self, name):
        return getattr(self._target, name)

    def __setattr__(self, name, value):
        setattr(self._target, name, value)


class Target:
    def __init__(self):
        self.n = 1

    def bump(self):
        self.n += 1
        return self.n


tg = Target()
p = Proxy(tg)
p.bump()
p.n = p.n * 10
print(p.n, tg.n, p.bump(), type(p).__name__)
setattr(p, 'label', 'via setattr')
print(tg.label, getattr(p, 'label'))
try:
    delattr(tg, 'nope')
except AttributeError:
    print('delattr of a missing attribute fails')
