# list/dict/set comprehensions (own frames before 3.12, inlined from 3.12)
words = ['a', 'bb', 'ccc', 'bb']
lengths = [len(w) for w in words if w != 'a']
index = {w: i for i, w in enumerate(words)}
unique = {w[0] for w in words}
nested = [(x, y) for x in range(3) for y in range(x)]
print(lengths, sorted(index.items()), sorted(unique), nested)
