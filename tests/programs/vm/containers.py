# lists, tuples, dicts, sets
l = [3, 1, 2]
l.append(5)
l.extend([9, 0])
l.insert(1, 7)
print(l, len(l), l[1:4], l[-2:], sorted(l), sorted(l, reverse=True))
l.sort()
print(l, l.pop(), l.pop(0), l, l.index(3), l.count(2))
l.remove(7)
l.reverse()
print(l, [1, 2] + [3], [0] * 3, 2 in l, list(range(5)), list(range(10, 0, -3)))
t = (1, "a", 2.5)
print(t, t[1], len(t), t + (4,), (1,), (), t.index("a"), tuple([1, 2]))
a, b, *rest = [1, 2, 3, 4, 5]
print(a, b, rest)
d = {"x": 1, "y": 2}
d["z"] = 3
print(d, d["x"], d.get("q"), d.get("q", 0), len(d), "y" in d, list(d.keys()))
print(list(d.values()), list(d.items()), d.pop("x"), d)
d.update({"w": 4})
del d["y"]
print(d, sorted(d), {k: v * 2 for k, v in d.items()})
print(dict(a=1, b=2), dict([("k", "v")]), {1: "one", 2.0: "two", True: "t"})
s = {3, 1, 2}
s.add(4)
s.discard(1)
print(sorted(s), len(s), 2 in s, sorted(s | {9}), sorted(s & {2, 3}), sorted(s - {2}))
print(sorted({1, 2} ^ {2, 3}), set(), frozenset([1]) == frozenset([1]), {1, 2} <= {1, 2, 3})
m = [[1, 2], [3, 4]]
m[1][0] = 30
print(m, [row[1] for row in m], list(zip([1, 2], "ab")), list(enumerate("xy", 1)))
print(list(reversed([1, 2, 3])), any([0, 1]), all([1, 0]), list(map(str, [1, 2])))
print(list(filter(None, [0, 1, 2, 0])), [1, 2, 3][::-1], l == l[:], (1, 2) < (1, 3))
nested = {"k": [1, {"z": (1, 2)}]}
print(nested, repr(nested), str([None, True, "s"]))
