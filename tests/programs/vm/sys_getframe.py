# frame objects: sys._getframe and the attributes anti-debug code reads
import sys

def describe(f):
    return (f.f_code.co_name, f.f_lineno, f.f_trace, f.f_trace_lines, f.f_trace_opcodes)

def inner(a, b=2):
    c = a + b
    f = sys._getframe()
    caller = sys._getframe(1)
    print(describe(f))
    print(describe(caller))
    print(sorted([k for k in f.f_locals]), f.f_locals['a'], f.f_locals['c'])
    print(f.f_back is caller, f.f_globals is globals())
    print(caller.f_back.f_code.co_name, caller.f_back.f_back)
    names = []
    walk = f
    while walk is not None:
        names.append(walk.f_code.co_name)
        walk = walk.f_back
    print(names)
    return c

def outer():
    x = 'outer'
    return inner(1)

print(outer())
top = sys._getframe()
print(top.f_code.co_name, top.f_back, top.f_locals is globals(), top.f_lineno)
print(type(top).__name__, top.f_code is sys._getframe().f_code)
try:
    sys._getframe(50)
except ValueError as e:
    print('ValueError', e)

def gen():
    f = sys._getframe()
    yield f.f_code.co_name, f.f_back.f_code.co_name
    yield sys._getframe().f_lineno

def consume():
    g = gen()
    first = next(g), next(g)
    return first, list(g)

print(consume())

class K:
    here = sys._getframe().f_code.co_name
    names = sorted([k for k in sys._getframe().f_locals if not k.startswith('__')])
print(K.here, K.names)

def kw_only(*, key):
    return sorted(sys._getframe().f_locals)
print(kw_only(key=1))
try:
    sys.no_such_thing
except AttributeError as e:
    print(e)
