# More builtin-type subclasses: float, bytes, frozenset, tuple; int and str
# subclasses where builtins expect ints and strings (range, %-format,
# join, in, dict keys); overridden list/dict dunders that the base
# methods bypass; unbound base methods called on plain values.
class F(float):
    def half(self): return self / 2
class I(int): pass
class S(str): pass
class B(bytes): pass
class FS(frozenset): pass
class T(tuple): pass
f = F(3.5); i = I(7); s = S('ab')
print(f, repr(f), f.half(), f + 1, f.is_integer(), round(f), int(f), F('2.5'), float(f))
print(list(range(I(3))), bool(I(0)), i ** 2, divmod(i, 2), abs(I(-2)), round(i), '%d|%s|%r' % (i, i, i), f'{i:04d}', hex(i), i.to_bytes(2, 'big'))
print('-'.join([s, S('c')]), s * 2, s in 'xaby', s.startswith('a'), S('x') < 'y', sorted([S('b'), 'a']), {s: 1}['ab'], str(s), s == 'ab', len({s, 'ab'}))
print(B(b'xy'), B(b'xy')[0], B(b'xy').hex(), FS([1, 2]) | {3}, len(FS([1])), 1 in FS([1]), T([1, 2]), T('ab') + ('c',), T() == ())
print(type(f).__name__, isinstance(f, float), I.__mro__[1].__name__, I(5).__class__.__name__, issubclass(B, bytes))
class L(list):
    def __getitem__(self, k): return 'override'
l = L([1, 2])
print(l[0], list(l), [x for x in l], l[1:], len(l))
class D(dict):
    def __setitem__(self, k, v): super().__setitem__(k, v * 10)
d = D(a=1); d['b'] = 2; d.update(c=3); d.setdefault('e', 5)
print(d, D.__mro__[1].__name__, isinstance(d, dict), d.copy(), type(d.copy()).__name__)
print(int.__add__(3, 4), str.upper('x'), list.__len__([1]), dict.get({'a': 1}, 'a'), int.__new__(I, 9), type(int.__new__(I, 9)).__name__)
