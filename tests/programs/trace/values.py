# values on the stack: operands and results the program computes
class Spy(object):
    def __repr__(self):
        print('Spy.__repr__ ran')
        return 'Spy()'


def check(x, y):
    s = x + y
    d = x - y
    p = x * y
    ok = x != y
    big = p > 39
    return s, d, p, ok, big


r = check(10, 4)
a = 'ab'
b = 'cd'
name = a + b
items = [1, 2] + [3]
spy = Spy()
same = spy is spy
print(r, name, items, same)
