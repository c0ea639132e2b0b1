# requires: 3.10
# class patterns: __match_args__, keyword sub-patterns, inheritance,
# builtin types matching themselves, properties, and the TypeErrors.


class Point:
    __match_args__ = ('x', 'y')

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __repr__(self):
        return f'Point({self.x}, {self.y})'


class Point3(Point):
    __match_args__ = ('x', 'y', 'z')

    def __init__(self, x, y, z):
        super().__init__(x, y)
        self.z = z


class Line:
    __match_args__ = ('start', 'end')

    def __init__(self, start, end):
        self.start = start
        self.end = end

    @property
    def length2(self):
        return (self.end.x - self.start.x) ** 2 + (self.end.y - self.start.y) ** 2


class Bare:
    pass


def describe(obj):
    match obj:
        case Point3(0, 0, 0):
            return 'origin in 3d'
        case Point3(x, y, z=zz) if zz < 0:
            return f'below ground at {x},{y}'
        case Point(0, 0):
            return 'origin'
        case Point(x=0, y=yy):
            return f'on the y axis at {yy}'
        case Point(xx, 0):
            return f'on the x axis at {xx}'
        case Line(Point(x1, y1), Point(x2, y2)) if x1 == x2:
            return f'vertical line at x={x1}'
        case Line(length2=l2) if l2 > 50:
            return f'long line {l2}'
        case Line(start=s):
            return f'line from {s}'
        case Bare():
            return 'a bare object'
        case _:
            return 'unknown'


things = [Point(0, 0), Point(0, 5), Point(3, 0), Point(2, 2), Point3(0, 0, 0),
          Point3(1, 2, -3), Point3(1, 2, 3), Line(Point(1, 1), Point(1, 9)),
          Line(Point(0, 0), Point(8, 9)), Line(Point(0, 0), Point(1, 1)), Bare(), 42]
for t in things:
    print(t if not isinstance(t, (Line, Bare)) else type(t).__name__, '->', describe(t))


class MyInt(int):
    pass


class Pair(tuple):
    pass


def builtin(v):
    match v:
        case bool(b):
            return f'bool {b}'
        case MyInt(n):
            return f'MyInt {n}'
        case int(n):
            return f'int {n}'
        case Pair((a, b)):
            return f'Pair {a} {b}'
        case tuple((a, b)):
            return f'tuple {a} {b}'
        case dict(d):
            return f'dict of {len(d)}'
        case _:
            return 'other'


for v in [True, MyInt(7), 8, Pair((1, 2)), (3, 4), {'a': 1}, 'x']:
    print(repr(v), '->', builtin(v))


class NotTuple:
    __match_args__ = ['a']
    a = 1


class Two:
    __match_args__ = ('a', 'b')
    a = b = 1


def errors(which):
    try:
        match which:
            case 1:
                match Point(1, 2):
                    case Point(1, 2, 3):
                        pass
            case 2:
                match NotTuple():
                    case NotTuple(1):
                        pass
            case 3:
                match Two():
                    case Two(a, a=b):
                        pass
            case 4:
                match Bare():
                    case Bare(1):
                        pass
            case 5:
                match 5:
                    case int(5, 6):
                        pass
            case 6:
                match 5:
                    case NotTuple.a():
                        pass
    except TypeError as e:
        return f'TypeError: {e}'
    return 'no error'


for i in range(1, 7):
    print(i, errors(i))


class Missing:
    __match_args__ = ('nope',)


match Missing():
    case Missing(x):
        print('matched?', x)
    case _:
        print('missing attribute: no match')
