# Subclasses of builtin types: int, str, list, dict (with __missing__),
# tuple (namedtuple style), set; base methods on instances, overridden
# dunders used by operators, repr/str, and results of the base type.


class Money(int):
    def __new__(cls, cents, currency='EUR'):
        obj = super().__new__(cls, cents)
        obj.currency = currency
        return obj

    def __repr__(self):
        return f'Money({int(self)}, {self.currency!r})'

    def __str__(self):
        return f'{self // 100}.{self % 100:02d} {self.currency}'

    def __add__(self, other):
        return Money(int(self) + int(other), self.currency)


m = Money(1250)
n = m + 99
print(repr(m), str(m), n, type(n).__name__, type(m * 2).__name__, m * 2)
print(m == 1250, m > 1000, hash(m) == hash(1250), m.bit_length(), f'{m:>8}', -m, abs(Money(-5)))
print(sorted([Money(3), Money(1), 2]), isinstance(m, int), int(m) + 1, [10, 20][Money(1)])


class Word(str):
    def __new__(cls, text):
        return super().__new__(cls, text.strip())

    def vowels(self):
        return len([ch for ch in self if ch in 'aeiou'])

    def __eq__(self, other):
        return self.lower() == str(other).lower()

    __hash__ = str.__hash__


w = Word('  Banana ')
print(repr(w), w, len(w), w.vowels(), w.upper(), type(w.upper()).__name__, w + '!', w[1:3])
print(w == 'BANANA', w != 'apple', 'nan' in w, w.split('a'), f'<{w}>', '%s|' % w)


class Stack(list):
    def push(self, item):
        self.append(item)
        return self

    def peek(self):
        return self[-1]

    def __repr__(self):
        return 'Stack' + super().__repr__()


st = Stack([1, 2])
st.push(3).push(4)
print(st, len(st), st.peek(), st.pop(), st, sum(st), st[0], st[::-1], type(st[::-1]).__name__)
st += [9]
st.extend([7, 8])
st.sort()
print(st, type(st).__name__, 9 in st, st.index(9), st + [0], bool(Stack()), list(reversed(st)))


class Counter(dict):
    def __missing__(self, key):
        return 0

    def add(self, key):
        self[key] += 1


c = Counter()
for ch in 'mississippi':
    c.add(ch)
print(c, c['s'], c['z'], 'z' in c, len(c), sorted(c.items()), c.get('z'), c.get('i'))


class DefaultList(dict):
    def __missing__(self, key):
        value = self[key] = []
        return value

    def __setitem__(self, key, value):
        super().__setitem__(key.lower(), value)


dl = DefaultList()
dl['A'].append(1)
dl['a'].append(2)
dl['B'] = 'set'
print(dl, list(dl.keys()), dict(dl), {**dl, 'c': 3})


class Pair(tuple):
    __slots__ = ()
    _fields = ('left', 'right')

    def __new__(cls, left, right):
        return super().__new__(cls, (left, right))

    @property
    def left(self):
        return self[0]

    @property
    def right(self):
        return self[1]

    def __repr__(self):
        return f'Pair(left={self[0]!r}, right={self[1]!r})'

    def swap(self):
        return Pair(self.right, self.left)


p = Pair(1, 'b')
a, b = p
print(p, p.left, p.right, p.swap(), a, b, len(p), p == (1, 'b'), p + (3,), type(p + (3,)).__name__)
print(p.count(1), p.index('b'), hash(p) == hash((1, 'b')), sorted([Pair(2, 0), Pair(1, 5)]))


class Tags(set):
    def __str__(self):
        return ','.join(sorted(self))


t = Tags(['b', 'a'])
t.add('c')
print(str(t), len(t), 'a' in t, sorted(t | {'z'}), type(t).__name__)
