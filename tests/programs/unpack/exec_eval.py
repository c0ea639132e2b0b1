# exec / eval / compile / globals / locals in the vm engine: compared with
# the real interpreter (source text is compiled by it, code runs in the vm).
g = {'a': 5}
exec("b = a * 2\nprint('in exec', b)", g)
print(eval("a + b", g), eval(" 3*4"), sorted(k for k in g if k != '__builtins__'))
c = compile("x = 41 + 1", "<mine>", "exec")
ns = {}
exec(c, ns)
print(ns['x'], type(c).__name__, c.co_filename, c.co_name)
print(eval(compile("[i * i for i in range(4)]", "<e>", "eval")))


def f():
    y = 3
    return eval("y + 1"), sorted(locals())


print(f())
print(sorted(k for k in globals() if not k.startswith('__')))
try:
    exec("1 +")
except SyntaxError as e:
    print("syntax error", type(e).__name__)
exec("z = 9")
print(z)
l = {}
exec("def h(n):\n    return n + a\nr = h(1)", {'a': 100}, l)
print(l['r'], sorted(l))
code = compile("print('code object', __name__)", "<m>", "exec")
exec(code)
exec(code, {'__name__': 'other'})
try:
    exec(42)
except TypeError as e:
    print("TypeError", e)
