# enumerate, zip, map, filter, any, all and friends
names = ["ann", "bob", "cy"]
ages = [31, 25, 40, 99]
print(list(enumerate(names)), list(enumerate(names, start=10)), dict(enumerate("ab")))
print(list(zip(names, ages)), list(zip(names, ages, "xyz")), list(zip()), list(zip("a")))
print(list(map(len, names)), list(map(lambda a, b: a * b, [1, 2, 3], [4, 5])), list(map(str.upper, "ab")))
print(list(filter(lambda v: v % 2, range(10))), list(filter(None, [0, "", None, 1, "a", [], [0]])))
print(any([]), all([]), any([x > 35 for x in ages]), all([x > 20 for x in ages]), any([0, 0.0, ""]))
print(all(map(str.isalpha, names)), any(map(str.isdigit, names)), sum(ages), sum(ages, 100), sum([[1], [2]], []))
print(min(ages), max(ages), min("hello"), max(names, key=len), min([], default="none"), max(1, 2, 3))
it = iter(names)
print(next(it), next(it), next(it), next(it, "done"))
e = enumerate("xy")
print(next(e), list(e))
z = zip([1, 2], [3, 4])
print(next(z), list(z), list(zip(*[(1, "a"), (2, "b")])))
m = map(int, ["1", "2", "3"])
print(next(m), sum(m), list(m))
print(list(reversed(range(5))), list(reversed("abc")), sorted(zip(ages, names)), list(range(0, -10, -3)))
print(len(range(0, 100, 7)), range(5)[2], range(10)[::3], 7 in range(0, 10, 7), list(range(3, 0)))
pairs = [(i, c) for i, c in enumerate("abc") if i != 1]
print(pairs, [a + b for a, b in zip("ab", "cd")], dict(zip("abc", map(ord, "abc"))))
count = 0


def noisy(v):
    global count
    count += 1
    return v > 2


print(any(map(noisy, [1, 3, 5, 7])), count, all(map(noisy, [3, 1, 5])), count)
print(list(zip(range(3), enumerate("xyz"))), isinstance(iter([]), object), callable(len), callable(3))
print(len(list(filter(str.isupper, "aBcDeF"))), "".join(map(chr, range(97, 103))), list(map(abs, (-1, 2, -3))))
