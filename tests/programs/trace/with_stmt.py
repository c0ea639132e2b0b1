# with-statements: normal exit, exception suppressed, exception propagated
class Ctx:
    def __init__(self, name, swallow=False):
        self.name = name
        self.swallow = swallow
    def __enter__(self):
        print('enter', self.name)
        return self
    def __exit__(self, et, ev, tb):
        print('exit', self.name, et is not None)
        return self.swallow

with Ctx('a') as a, Ctx('b'):
    x = 1
with Ctx('c', swallow=True):
    raise ValueError('swallowed')
try:
    with Ctx('d'):
        raise KeyError('out')
except KeyError:
    print('propagated')
