# collections: namedtuple, deque, defaultdict, OrderedDict, Counter
from collections import namedtuple, deque, defaultdict, OrderedDict, Counter

Point = namedtuple("Point", "x y")
p = Point(1, y=2)
print(p, p.x, p.y, p[0], p[-1], len(p), tuple(p), list(p), p == (1, 2), p == Point(1, 2))
x, y = p
print(x + y, p._asdict(), p._replace(y=5), Point._make([7, 8]), Point._fields, 2 in p)
Emp = namedtuple("Emp", ["name", "role", "level"], defaults=["dev", 1])
print(Emp("ann"), Emp("bob", "ops"), Emp("cy", level=3), hash(Point(1, 2)) == hash((1, 2)))
try:
    Point(1)
except TypeError as e:
    print("TypeError", e)
print(sorted([Point(2, 1), Point(1, 5), Point(1, 2)]), {Point(0, 0): "origin"}[Point(0, 0)])


class P3(namedtuple("P3", "x y z")):
    def norm1(self):
        return abs(self.x) + abs(self.y) + abs(self.z)


print(P3(1, -2, 3).norm1(), P3(1, 2, 3))

d = deque([1, 2, 3])
d.append(4)
d.appendleft(0)
print(d, len(d), d[0], d[-1], d.pop(), d.popleft(), d, 2 in d)
d.extend([5, 6])
d.extendleft([-1, -2])
print(d, list(d))
d.rotate(2)
print(d)
d.rotate(-3)
print(d, d.count(5), d.index(5))
d.remove(5)
d.reverse()
print(d)
ring = deque(maxlen=3)
for i in range(6):
    ring.append(i)
print(ring, ring.maxlen, list(ring))
ring.appendleft(-1)
print(ring, deque("abc") == deque("abc"), deque())
try:
    deque().pop()
except IndexError as e:
    print("IndexError", e)

dd = defaultdict(list)
for word in ["apple", "avocado", "banana", "blueberry", "cherry"]:
    dd[word[0]].append(word)
print(dd, dd["a"], len(dd), "z" in dd, sorted(dd))
cnt = defaultdict(int)
for ch in "mississippi":
    cnt[ch] += 1
print(cnt, dict(cnt.items()), cnt["q"], list(cnt.keys()), cnt.get("s"))
nodefault = defaultdict(None, {"a": 1})
try:
    nodefault["b"]
except KeyError as e:
    print("KeyError", e)

od = OrderedDict()
od["b"] = 2
od["a"] = 1
od["c"] = 3
print(list(od.items()), list(od), od["a"], len(od))
od.move_to_end("b")
print(list(od.keys()))
od.move_to_end("c", last=False)
print(list(od.keys()), od.popitem(), od.popitem(last=False), list(od.items()))
print(OrderedDict(a=1) == OrderedDict(a=1), OrderedDict(x=1, y=2) == {"y": 2, "x": 1})

c = Counter("abracadabra")
print(c, c["a"], c["z"], c.most_common(2), sorted(c.elements()))
c.update("aaz")
c.subtract({"b": 1})
print(c.most_common(3), len(c), sorted(c.items()))
c2 = Counter({"red": 4, "blue": 2})
c3 = Counter(cats=4, dogs=8)
print(c2, c3, Counter(), Counter([1, 1, 2]).most_common())
words = "the cat and the hat and the bat".split()
print(Counter(words).most_common(1)[0])
