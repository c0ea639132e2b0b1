# itertools
import itertools
from itertools import count, chain, islice, product, permutations, combinations

print(list(islice(count(), 5)), list(islice(count(10, 3), 4)), list(islice(count(1.5, 0.5), 3)))
print(list(chain([1, 2], "ab", (3,))), list(chain.from_iterable([[1], [2, 3], []])))
print(list(islice("abcdefg", 2, None)), list(islice(range(20), 1, 12, 3)), list(islice([], 3)))
it = iter(range(10))
print(list(islice(it, 3)), next(it), list(islice(it, 0, 2)), list(it))
print(list(product("ab", [0, 1])), list(product([1, 2], repeat=2)), list(product()))
print(list(permutations([1, 2, 3])), list(permutations("abc", 2)), list(permutations([], 1)))
print(list(combinations(range(4), 2)), list(combinations("abc", 3)), list(combinations([1], 2)))
print(list(itertools.combinations_with_replacement("ab", 2)))
print(list(itertools.repeat("x", 3)), list(islice(itertools.repeat(7), 2)), list(islice(itertools.cycle("ab"), 5)))
print(list(itertools.accumulate([1, 2, 3, 4])), list(itertools.accumulate([3, 1, 2], max)))
print(list(itertools.takewhile(lambda x: x < 3, [1, 2, 3, 1])), list(itertools.dropwhile(lambda x: x < 3, [1, 2, 3, 1])))
print(list(itertools.starmap(pow, [(2, 3), (3, 2)])), list(itertools.zip_longest("ab", [1, 2, 3], fillvalue="-")))
print([(k, list(g)) for k, g in itertools.groupby("aaabccaa")])
print([(k, len(list(g))) for k, g in itertools.groupby([0, 0, 3, 5, 0, 7], key=bool)])
a, b = itertools.tee([1, 2, 3])
print(list(a), list(b), list(itertools.compress("abcdef", [1, 0, 1, 0, 1, 1])))
counter = count()
print(next(counter), next(counter), next(counter))
for i, c in zip(count(1), "xyz"):
    print(i, c, end=" ")
print()
total = 0
for x, y in product(range(3), range(3)):
    total += x * y
print(total, len(list(permutations(range(5)))), len(list(combinations(range(10), 3))))
