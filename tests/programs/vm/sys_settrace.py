# the program's own sys.settrace / sys.setprofile: events seen by a tracer
import sys

log = []

def tracer(frame, event, arg):
    extra = ''
    if event == 'exception':
        extra = arg[0].__name__
    elif event == 'return':
        extra = type(arg).__name__ if isinstance(arg, Ctx) else repr(arg)
    log.append((event, frame.f_code.co_name, frame.f_lineno, extra))
    return tracer

def loop(n):
    t = 0
    for i in range(n):
        if i % 2:
            t += i
        else:
            t -= 1
    while n > 0: n -= 1
    return t

def boom(x):
    if x:
        raise ValueError(x)
    return x

def catcher():
    try:
        boom(1)
    except ValueError as e:
        r = str(e)
    finally:
        r = r + '!'
    return r

def gen(n):
    for i in range(n):
        yield i
    return 'done'

def gen_none(n):
    i = 0
    while i < n:
        yield i
        i += 1

def use_gen():
    total = 0
    for v in gen(2):
        total += v
    for v in gen_none(2):
        total += v
    return total

class Box:
    size = 3
    def __init__(self, v):
        self.v = v
    def get(self):
        return self.v

class Ctx(object):
    def __enter__(self):
        return self
    def __exit__(self, *a):
        return False

def with_it():
    with Ctx() as c:
        x = 1
    return x

def nested(k):
    def inner(j):
        return j * 2
    return inner(k) + inner(k + 1)

def run_all():
    loop(4)
    catcher()
    use_gen()
    Box(2).get()
    with_it()
    nested(3)

sys.settrace(tracer)
run_all()
sys.settrace(None)
print(sys.gettrace())
for e in log:
    print(*e)

# a local tracer that is not returned for some frames: no line events there
log.clear()
def picky(frame, event, arg):
    log.append((event, frame.f_code.co_name))
    if frame.f_code.co_name == 'loop':
        return None
    return picky
sys.settrace(picky)
loop(2)
nested(1)
sys.settrace(None)
print(log)

# f_trace replaced by the tracer, f_trace_lines off
log.clear()
def second(frame, event, arg):
    log.append(('second', event, frame.f_lineno))
    return second
def first(frame, event, arg):
    log.append(('first', event, frame.f_code.co_name))
    if frame.f_code.co_name == 'boom':
        frame.f_trace_lines = False
    return second
sys.settrace(first)
loop(1)
try:
    boom(2)
except ValueError:
    pass
sys.settrace(None)
print(log)

# a tracer that raises is removed, the exception reaches the program
def bad(frame, event, arg):
    if event == 'line':
        raise KeyError('from tracer')
    return bad
sys.settrace(bad)
try:
    loop(1)
except KeyError as e:
    print('KeyError', e, sys.gettrace())
sys.settrace(None)

# opcode events
counts = {}
def opcodes(frame, event, arg):
    frame.f_trace_opcodes = True
    counts[event] = counts.get(event, 0) + 1
    return opcodes
sys.settrace(opcodes)
loop(3)
sys.settrace(None)
print(sorted(counts.items()))

# the profile function
plog = []
def prof(frame, event, arg):
    name = frame.f_code.co_name
    if event.startswith('c_'):
        name = arg.__name__
    plog.append((event, name))
sys.setprofile(prof)
nested(2)
len([1, 2])
sys.setprofile(None)
print(sys.getprofile())
print(plog)
