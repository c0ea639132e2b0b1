# string constants and operator
import string
import operator
from operator import itemgetter, attrgetter, methodcaller

print(string.ascii_letters, string.digits, string.hexdigits, string.octdigits)
print(string.ascii_lowercase, string.ascii_uppercase)
print(repr(string.punctuation), repr(string.whitespace), len(string.printable))
print(string.capwords("hello   wORLD foo"), string.capwords("a-b-c", "-"))
print(operator.add(2, 3), operator.sub(2, 3), operator.mul("ab", 3), operator.truediv(7, 2))
print(operator.floordiv(-7, 2), operator.mod(-7, 2), operator.pow(2, 10), operator.neg(5))
print(operator.and_(12, 10), operator.or_(12, 10), operator.xor(12, 10), operator.invert(5))
print(operator.lshift(1, 40), operator.rshift(1024, 3), operator.not_(0), operator.truth([]))
print(operator.eq(1, 1.0), operator.ne("a", "b"), operator.lt(1, 2), operator.ge(1, 2))
print(operator.contains([1, 2], 2), operator.getitem({"k": 9}, "k"), operator.concat([1], [2]))
print(operator.is_(None, None), operator.is_not(1, None), operator.index(7), operator.abs(-3))
lst = [1, 2, 3]
operator.setitem(lst, 0, 10)
operator.delitem(lst, 1)
print(lst, operator.countOf([1, 2, 1], 1))
rows = [("b", 2, 9.5), ("a", 3, 1.0), ("c", 1, 4.25)]
print(sorted(rows, key=itemgetter(1)), sorted(rows, key=itemgetter(0), reverse=True))
print(list(map(itemgetter(0, 2), rows)), itemgetter(-1)("xyz"), itemgetter(slice(1, 3))("abcd"))


class P:
    def __init__(self, name, age):
        self.name = name
        self.age = age
        self.me = self


people = [P("ann", 31), P("bob", 25), P("cy", 40)]
print([p.name for p in sorted(people, key=attrgetter("age"))], attrgetter("name", "age")(people[0]))
print(attrgetter("me.me.name")(people[2]))
print(methodcaller("upper")("abc"), methodcaller("split", ",")("a,b,c"), methodcaller("count", "a")("banana"))
from functools import reduce
print(reduce(operator.add, range(10)), reduce(operator.mul, [1, 2, 3, 4], 1))
