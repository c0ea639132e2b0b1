# set/frozenset iteration order (CPython's hash table order; str hashes
# with PYTHONHASHSEED=0: siphash24 up to 3.10, siphash13 from 3.11).
# No displays of 3+ constants: from 3.9 they are frozenset constants whose
# order differs between a fresh compile and a .pyc loaded by marshal.
words = ["apple", "banana", "cherry", "date", "elderberry", "fig", "grape", "kiwi", "lemon", "mango"]
print(set(words))
x, y, z, w = "xyzw"
print({x, y, z, w}, {"a"}, set("hello world"), frozenset("abcdef"), set(["x", "y", "z", "w"]))
print({w[:2] for w in words}, set(w.upper() for w in words[:5]))
print(set(range(20)), set([-1, -2, -3, 0, 1, 2]), set([10 ** 6, 10 ** 12, 2 ** 61 - 1, 2 ** 61, 2 ** 64, -2 ** 61]))
print(set([1.5, 2.5, 0.25, 100.0, -3.75]), set([(1, 2), (2, 1), (0, 0), ("a", 1)]), set([True, "s", 2.0, (1,)]))
print({i * 37 % 101 for i in range(40)}, set([8, 16, 24, 32, 40, 48, 56, 64, 72, 80]))
s = set(words)
s.discard("cherry")
s.remove("fig")
s.add("zucchini")
s.add("cherry")
print(s)
t = set(range(0, 64, 3))
for x in range(0, 64, 6):
    t.discard(x)
t.update([100, 200, 300])
print(t, len(t))
a = set("abcdefgh")
b = set("efghijkl")
print(a | b, a & b, a - b, b - a, a ^ b)
print(a.union(b, "xyz"), a.intersection("aeiou"), a.difference("abc"), a.symmetric_difference(b))
print(frozenset(words) | {"nut"}, frozenset([3, 1, 2]) & set([2, 3, 4]), sorted(a ^ b) == sorted(a.symmetric_difference(b)))
c = set(words)
c -= set(["apple", "kiwi"])
c |= set(["orange", "pear"])
c &= set(words) | {"pear"}
c ^= set(["quince", "grape"])
print(c)
d = set(range(100))
popped = [d.pop() for _ in range(5)]
print(popped, len(d), list(d)[:10])
e = set()
for i in range(30):
    e.add(str(i))
print(e)
print(list({"k%d" % i for i in range(12)}), [x for x in frozenset(["q", "r", "s", "t"])])
print(hash(frozenset()), hash(frozenset([1, 2, 3])), hash(frozenset(["a", "b"])), hash(frozenset([frozenset([1])])))
print(set([frozenset([1, 2]), frozenset([3]), frozenset()]), set({k: 0 for k in words[:4]}))
f = set(words)
g = f.copy()
g.add("extra")
print(f == g - {"extra"}, g, set(sorted(words, reverse=True)))
h = set([1, 2, 3])
h.clear()
h.update("cba")
print(h, set(), frozenset(), {0}, set([0, 0, 0, 1]))
