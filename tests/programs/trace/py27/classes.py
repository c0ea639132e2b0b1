# classes.py for Python 2.7 (no zero-argument super): the same shapes
class Base(object):
    kind = 'base'
    def __init__(self, v):
        self.v = v
    def value(self):
        return self.v
    @property
    def double(self):
        return self.v * 2

class Child(Base):
    def __init__(self, v, w):
        super(Child, self).__init__(v)
        self.w = w
    def value(self):
        return super(Child, self).value() + self.w
    def __add__(self, other):
        return Child(self.v + other.v, self.w + other.w)
    @staticmethod
    def make():
        return Child(1, 1)

c = Child(2, 3) + Child.make()
print(c.value(), c.double, Child.kind, isinstance(c, Base))
