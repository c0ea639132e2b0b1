# requires: 3.10
# match as a dispatcher: a tiny expression evaluator over tuples and
# node classes, a command interpreter over strings and dicts, and
# patterns over collections types and builtin subclasses.
from collections import OrderedDict, defaultdict, deque, namedtuple


class Num:
    __match_args__ = ('value',)

    def __init__(self, value):
        self.value = value


class BinOp:
    __match_args__ = ('op', 'left', 'right')

    def __init__(self, op, left, right):
        self.op, self.left, self.right = op, left, right


class Neg:
    __match_args__ = ('operand',)

    def __init__(self, operand):
        self.operand = operand


def evaluate(node, env):
    match node:
        case Num(value=v):
            return v
        case str(name) if name in env:
            return env[name]
        case str(name):
            raise NameError(name)
        case Neg(Neg(inner)):
            return evaluate(inner, env)
        case Neg(x):
            return -evaluate(x, env)
        case BinOp('+' | '-' as op, l, r):
            a, b = evaluate(l, env), evaluate(r, env)
            return a + b if op == '+' else a - b
        case BinOp('*', Num(0), _) | BinOp('*', _, Num(0)):
            return 0
        case BinOp('*', l, r):
            return evaluate(l, env) * evaluate(r, env)
        case ('+', *terms):
            total = 0
            for t in terms:
                total += evaluate(t, env)
            return total
        case (op, *_):
            raise ValueError(f'unknown operator {op!r}')
        case _:
            raise TypeError(f'bad node {node!r}')


env = {'x': 4, 'y': 10}
tree = BinOp('+', Num(2), BinOp('*', 'x', Neg(Neg('y'))))
print(evaluate(tree, env))
print(evaluate(BinOp('*', Num(0), 'undefined'), env), evaluate(('+', Num(1), 'x', Neg('y')), env))
for bad in [('%', 1), 'z', 3.5]:
    try:
        evaluate(bad, env)
    except (NameError, ValueError, TypeError) as e:
        print(type(e).__name__, e)


def command(line):
    match line.split():
        case ['go', ('north' | 'south' | 'east' | 'west') as direction]:
            return f'walking {direction}'
        case ['go', other]:
            return f'cannot go {other}'
        case ['take', *items] if items:
            return 'taking ' + ' and '.join(items)
        case ['drop', item, 'here' | 'there']:
            return f'dropping {item}'
        case ['quit' | 'exit']:
            return 'bye'
        case []:
            return 'nothing'
        case [verb, *_]:
            return f'unknown verb {verb}'


for line in ['go north', 'go up', 'take key lamp', 'take', 'drop key here', 'exit', '', 'dance now']:
    print(repr(line), '->', command(line))


def event(e):
    match e:
        case {'kind': 'click', 'pos': (x, y), **rest}:
            return f'click at {x},{y} extra={sorted(rest)}'
        case {'kind': 'key', 'key': str(k)} if len(k) == 1:
            return f'key {k}'
        case {'kind': kind}:
            return f'other {kind}'
        case _:
            return 'not an event'


class Event(dict):
    def __missing__(self, key):
        return 'missing!'


for e in [{'kind': 'click', 'pos': (1, 2), 'button': 1}, {'kind': 'key', 'key': 'q'},
          {'kind': 'key', 'key': 'esc'}, Event(kind='custom'), Event(pos=1),
          OrderedDict(kind='ordered'), defaultdict(int, kind='default'), [('kind', 'list')]]:
    print(type(e).__name__, event(e))

Pt = namedtuple('Pt', 'x y')
for seq in [deque([1, 2, 3]), Pt(5, 6), range(3), (9,), 'xy', b'z', bytes(2)]:
    match seq:
        case [a, b, c]:
            print(type(seq).__name__, 'three', a, b, c)
        case [a, b]:
            print(type(seq).__name__, 'two', a, b)
        case [a]:
            print(type(seq).__name__, 'one', a)
        case _:
            print(type(seq).__name__, 'no sequence match')

match Pt(1, 2):
    case Pt(x=1, y=yy):
        print('namedtuple keyword pattern', yy)

counts = defaultdict(int)
for word in 'a b a c a b'.split():
    match word:
        case 'a' | 'b' as w:
            counts[w] += 1
        case other:
            counts['other:' + other] += 1
print(sorted(counts.items()))
