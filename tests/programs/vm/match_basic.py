# requires: 3.10
# match statements: literal, capture, wildcard, or, as, guard, sequence
# (with star), mapping (with **rest), value and builtin class patterns.

class Color:
    RED = 'red'
    GREEN = 'green'


def literal(x):
    match x:
        case 0:
            return 'zero'
        case 1 | 2 | 3:
            return 'small'
        case -1:
            return 'minus one'
        case 'hello':
            return 'greeting'
        case b'raw':
            return 'bytes'
        case None:
            return 'none'
        case True:
            return 'true'
        case 2.5:
            return 'float'
        case _:
            return 'other'


def sequence(x):
    match x:
        case []:
            return 'empty'
        case [a]:
            return f'one {a}'
        case [a, b] if a == b:
            return f'pair of {a}'
        case [a, b]:
            return f'two {a} {b}'
        case [first, *middle, last] if len(middle) > 2:
            return f'long {first}..{last} ({len(middle)} inside)'
        case [0, *rest]:
            return f'zero then {rest}'
        case (a, b, c):
            return f'three {a + b + c}'
        case _:
            return 'other'


def mapping(x):
    match x:
        case {'type': 'point', 'x': px, 'y': py}:
            return f'point {px},{py}'
        case {'type': 'circle', 'r': r, **extra} if extra:
            return f'circle {r} with {sorted(extra.items())}'
        case {'type': 'circle', 'r': r}:
            return f'plain circle {r}'
        case {'type': t}:
            return f'unknown type {t}'
        case {}:
            return 'some mapping'
        case _:
            return 'not a mapping'


def values(x):
    match x:
        case Color.RED:
            return 'is red'
        case Color.GREEN as g:
            return 'is ' + g
        case int(n) if n > 100:
            return f'big int {n}'
        case int() | float() as num:
            return f'number {num!r}'
        case str(s):
            return f'string of {len(s)}'
        case [int(a), str(b)]:
            return f'int {a} and str {b}'
        case (list() | tuple()) as seq:
            return f'{type(seq).__name__} of {len(seq)}'
        case {'k': [1, {'deep': d}]}:
            return f'deep {d}'
        case _:
            return 'no match'


for v in [0, 2, -1, 'hello', b'raw', None, True, 2.5, 9, 'x']:
    print('literal', repr(v), '->', literal(v))
for v in [[], [7], [3, 3], [3, 4], [1, 2, 3, 4, 5, 6], [0, 9, 8], (1, 2, 3), 'abc', range(2)]:
    print('sequence', repr(v), '->', sequence(v))
for v in [{'type': 'point', 'x': 1, 'y': 2}, {'type': 'circle', 'r': 3, 'c': 'blue', 'a': 1},
          {'type': 'circle', 'r': 4}, {'type': 'square'}, {'z': 1}, [1]]:
    print('mapping', v, '->', mapping(v))
for v in ['red', 'green', 500, 7, 1.5, 'abc', [1, 'x'], [1, 2], (1,), {'k': [1, {'deep': 42}]}, None]:
    print('values', repr(v), '->', values(v))

# the subject is evaluated once, captures stay bound after the match
calls = []


def subject():
    calls.append(1)
    return [1, [2, 3]]


match subject():
    case [x, [y, z]]:
        print('nested', x, y, z)
print('calls', len(calls), 'x after', x)

# str and bytes are not sequences for patterns
for v in ['ab', b'ab', ['a', 'b']]:
    match v:
        case [p, q]:
            print(repr(v), 'sequence', p, q)
        case _:
            print(repr(v), 'not a sequence')
