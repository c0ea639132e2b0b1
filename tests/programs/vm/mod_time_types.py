# time (virtual clock in the VM, real clock in CPython: only relations and
# fixed timestamps are printed), types, input() at end of input
import time
import types

t0 = time.time()
m0 = time.monotonic()
p0 = time.perf_counter()
n0 = time.time_ns()
time.sleep(0.25)
print(time.time() - t0 >= 0.25, time.monotonic() - m0 >= 0.25, time.perf_counter() >= p0)
print(time.time_ns() >= n0, type(time.time_ns()).__name__, type(time.time()).__name__)
print(t0 > 1.6e9, isinstance(time.monotonic_ns(), int), time.process_time() >= 0)
g = time.gmtime(0)
print(g)
print(tuple(g), g[0], g[-1], g[:3], len(g), g.tm_year, g.tm_yday, g.tm_wday, g.tm_zone)
for ts in [1700000000, 951782400, 1234567890.9, -86400, 4102444800, 1709208000]:
    s = time.gmtime(ts)
    print(ts, time.strftime("%Y-%m-%d %H:%M:%S %a %A %b %B %j %p %y %w %U %W %%", s), s.tm_yday, s.tm_isdst)
    print(" ", time.asctime(s), time.strftime("%I:%M %p|%d/%m|%x %X|%c", s), time.mktime(s))
print(time.gmtime(1700000000) == time.gmtime(1700000000.5), time.gmtime(0) == (1970, 1, 1, 0, 0, 0, 3, 1, 0))
print(time.strftime("%H:%M", (2024, 2, 29, 13, 5, 0, 3, 60, 0)), time.ctime(86400 * 365))
print(time.timezone, time.altzone, time.daylight, time.tzname, time.localtime(0).tm_year)
try:
    time.sleep(-1)
except ValueError as e:
    print("ValueError", e)

ns = types.SimpleNamespace(b=1, a="x")
print(ns, ns.a, ns.b, vars(ns) == {"a": "x", "b": 1}, type(ns).__name__)
ns.c = [1, 2]
del ns.b
print(ns, ns == types.SimpleNamespace(a="x", c=[1, 2]), ns != types.SimpleNamespace(a="x"))
print(types.SimpleNamespace(), types.SimpleNamespace(inner=types.SimpleNamespace(z=0)))
try:
    types.SimpleNamespace(1, 2)
except TypeError as e:
    print("TypeError", e)


def f(x):
    return x


def gen():
    yield 1


class C:
    def m(self):
        return 0


print(isinstance(f, types.FunctionType), isinstance(lambda: 0, types.LambdaType), isinstance(len, types.BuiltinFunctionType))
# the generator runs to its end: an unstarted or suspended one would be
# closed when collected, which CPython <= 3.11 traces
g = gen()
print(list(g), isinstance(C().m, types.MethodType), isinstance(g, types.GeneratorType), isinstance(f.__code__, types.CodeType))
print(isinstance(time, types.ModuleType), isinstance(f, types.MethodType), types.FunctionType is type(f))
print(type(g).__name__, types.CodeType.__name__, types.ModuleType.__name__, types.GeneratorType.__name__)
mp = types.MappingProxyType({"k": 1, "j": 2})
print(mp, mp["k"], len(mp), "j" in mp, list(mp), sorted(mp.items()), mp.get("zz", 0), type(mp).__name__)
try:
    mp["new"] = 3
except TypeError as e:
    print("TypeError", e)
try:
    answer = input("name? ")
    print("got", answer)
except EOFError as e:
    print("EOFError", e)
