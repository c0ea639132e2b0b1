# Classes with methods and inheritance.
from __future__ import print_function


class Shape(object):
    count = 0

    def __init__(self, name):
        self.name = name
        Shape.count += 1

    def area(self):
        return 0

    def describe(self):
        return "%s with area %d" % (self.name, self.area())


class Rect(Shape):
    def __init__(self, w, h):
        super(Rect, self).__init__("rect")
        self.w = w
        self.h = h

    def area(self):
        return self.w * self.h


class Square(Rect):
    def __init__(self, side):
        super(Square, self).__init__(side, side)
        self.name = "square"

    def describe(self):
        return "[" + super(Square, self).describe() + "]"


class Vector(object):
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, other):
        return Vector(self.x + other.x, self.y + other.y)

    def __mul__(self, k):
        return Vector(self.x * k, self.y * k)

    def __eq__(self, other):
        return self.x == other.x and self.y == other.y

    def __repr__(self):
        return "Vector(%d, %d)" % (self.x, self.y)

    @staticmethod
    def zero():
        return Vector(0, 0)

    @classmethod
    def unit(cls):
        return cls(1, 1)


def main():
    shapes = [Rect(3, 4), Square(5), Shape("blob")]
    for s in shapes:
        print(s.describe(), isinstance(s, Rect), type(s).__name__)
    print("count", Shape.count)
    v = Vector(2, 3) + Vector.unit() * 4
    print(v, v == Vector(6, 7), Vector.zero())
    total = 0
    for s in sorted(shapes, key=lambda s: s.area()):
        total += s.area()
        print("sorted", s.name)
    print("total", total)


main()
