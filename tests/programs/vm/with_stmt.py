# with statements (enter/exit order, suppression, propagation, return,
# break/continue inside a with) and user exception classes
class Ctx:
    def __init__(self, name, swallow=False):
        self.name = name
        self.swallow = swallow
    def __enter__(self):
        print('enter', self.name)
        return self
    def __exit__(self, et, ev, tb):
        print('exit', self.name, et.__name__ if et else None, ev)
        return self.swallow


with Ctx('a') as a, Ctx('b') as b:
    print('body', a.name, b.name)

with Ctx('c', swallow=True):
    raise ValueError('swallowed')
print('after c')

try:
    with Ctx('d'):
        raise KeyError('out')
except KeyError as e:
    print('propagated', repr(e))


def ret():
    with Ctx('r'):
        return 'returned'


print(ret())

for i in range(4):
    with Ctx('loop%d' % i):
        if i == 1:
            continue
        if i == 2:
            break
        print('loop body', i)


def nested():
    with Ctx('outer'):
        with Ctx('inner', swallow=True):
            1 / 0
        print('inner swallowed')
        with Ctx('inner2'):
            raise RuntimeError('x')


try:
    nested()
except RuntimeError as e:
    print('nested', e)


class BadExit:
    def __enter__(self):
        return 42
    def __exit__(self, *a):
        raise TypeError('from exit')


try:
    with BadExit() as v:
        print('v', v)
except TypeError as e:
    print('exit raised', e)


class Tracker:
    log = []
    def __enter__(self):
        Tracker.log.append('in')
        return self
    def __exit__(self, *exc):
        Tracker.log.append(exc[0] is None)
        return False


def gen():
    with Tracker():
        yield 1
        yield 2


print(list(gen()), Tracker.log)


class AppError(Exception):
    def __init__(self, code, msg):
        Exception.__init__(self, code, msg)
        self.code = code
        self.msg = msg


class ParseError(AppError):
    def __init__(self, text):
        super().__init__(2, 'cannot parse %r' % text)
        self.text = text


class Plain(Exception):
    pass


class WithStr(Exception):
    def __str__(self):
        return 'custom str'


for exc in (AppError(1, 'boom'), ParseError('zz'), Plain('p', 1), Plain(), WithStr('x')):
    try:
        raise exc
    except AppError as e:
        print('app', type(e).__name__, e.code, e.msg, e.args, str(e), repr(e))
    except Exception as e:
        print('other', type(e).__name__, e.args, str(e), repr(e))

try:
    try:
        raise ParseError('q')
    except ParseError as e:
        raise AppError(3, 'wrapped') from e
except AppError as e:
    print('chained', e.args, type(e.__cause__).__name__, e.__cause__.text)

e = ValueError('a', 'b')
print(e.args, str(e), repr(e), str(ValueError()), repr(KeyError('k')), str(KeyError('k')))
