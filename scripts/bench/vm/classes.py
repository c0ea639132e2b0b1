# Classes: instances, attribute access, method calls, inheritance, super().
import sys

# sys.argv[1]: divide every size by this (traced runs use a smaller program)
DIV = int(sys.argv[1]) if len(sys.argv) > 1 else 1

class Vec:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def add(self, other):
        return Vec(self.x + other.x, self.y + other.y)

    def dot(self, other):
        return self.x * other.x + self.y * other.y


class Shape:
    def __init__(self, name):
        self.name = name

    def area(self):
        return 0

    def describe(self):
        return self.area() + len(self.name)


class Rect(Shape):
    def __init__(self, w, h):
        super().__init__("rect")
        self.w = w
        self.h = h

    def area(self):
        return self.w * self.h


class Square(Rect):
    def __init__(self, s):
        super().__init__(s, s)


class Counter:
    def __init__(self):
        self.count = 0

    def bump(self, by):
        self.count += by
        return self


def vectors(n):
    acc = Vec(0, 0)
    step = Vec(1, 2)
    total = 0
    for i in range(n):
        acc = acc.add(step)
        total += acc.dot(step) % 7
    return total + acc.x


def shapes(n):
    total = 0
    for i in range(n):
        s = Rect(i % 7, 3) if i % 2 else Square(i % 5)
        total += s.describe()
    return total


def counter(n):
    c = Counter()
    for i in range(n):
        c.bump(1).bump(i % 3)
    return c.count


print(vectors(450000 // DIV), shapes(270000 // DIV), counter(660000 // DIV))
