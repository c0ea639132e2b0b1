# list/set/dict comprehensions and generator expressions
print([x * 2 for x in range(5)])
print([x for x in range(20) if x % 3 == 0 if x % 2 == 0])
print([(x, y) for x in range(3) for y in range(x)])
print(sorted({x % 4 for x in range(10)}))
print({str(k): k ** 2 for k in range(4)})
print(sum(x for x in range(101)), max(len(w) for w in ["a", "abc", "ab"]))
matrix = [[i * 3 + j for j in range(3)] for i in range(3)]
print(matrix, [row[i] for i, row in enumerate(matrix)])
print([[r[c] for r in matrix] for c in range(3)])
y = 10
print([x + y for x in range(3)], y)
words = ["apple", "bob", "kayak", "level", "xyz"]
print([w for w in words if w == w[::-1]], {w[0]: len(w) for w in words})
flat = [v for row in matrix for v in row if v % 2]
print(flat, list(map(lambda t: t[0] * t[1], zip(flat, flat[1:]))))
