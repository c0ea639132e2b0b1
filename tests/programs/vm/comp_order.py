# dict/set comprehension ordering and iteration order
d = {k: k * k for k in range(6)}
print(d, list(d), {v: k for k, v in d.items()})
print({c: i for i, c in enumerate("hello")})
print(sorted({x % 5 for x in range(20)}), {x % 5 for x in range(20)}, {n for n in [3, 1, 2, 1, 3]})
print({(i, j): i * j for i in range(2) for j in range(2) if i <= j})
print({-1, -2, 5, 100, 7}, {8, 16, 32, 64, 1}, set(range(10, 0, -1)))
print(frozenset({3, 2, 1}), {0.5, 1.5}, {True, 1, 1.0}, {1: "a", 1.0: "b", True: "c"})
dd = {}
for w in ["b", "a", "c", "a"]:
    dd[w] = dd.get(w, 0) + 1
print(dd, list(dd.items()))
dd.pop("b")
dd["b"] = 9
dd["a"] = 0
print(dd, {**dd, "z": 1, "a": 5}, dict(zip("xyz", range(3))))
print([x for x in range(10) if x % 2 if x % 3], [y for x in [[1, 2], [3]] for y in x])
print([(x, y) for x in range(3) for y in range(x)], list([x * 2 for x in range(4)]))
gen = iter([i for i in range(3)])
print(next(gen), list(gen), [[j for j in range(i)] for i in range(4)])
sq = {i: [j for j in range(i)] for i in range(3)}
print(sq, sum([len(v) for v in sq.values()]))
print({k: v for k, v in sorted({"b": 1, "a": 2}.items())}, {i % 3: i for i in range(10)})
# (a constant str-set literal is not used: CPython orders it differently
# when run from source than from its .pyc)
words = set(["apple", "banana", "cherry", "date", "elder", "fig"])
print(words, {w[0] for w in words}, set("mississippi"), frozenset("abc"))
a = {1, 2, 3, 40, 50}
b = {3, 4, 50, 60}
print(a | b, a & b, a - b, a ^ b, set([3, 2, 1]), set((100, 1000, 10)))
s = set()
for i in [33, 1, 17, 9, 64, 2]:
    s.add(i)
print(s, list(s), sorted(s), {("a", 1), ("b", 2)}, {1.5, 2.5, 0.25})
print({x * 7 % 11 for x in range(11)}, set(range(20)), set({"k": 1, "j": 2}), {0, 8, 16})
