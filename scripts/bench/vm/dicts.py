# Dicts and sets: counting, lookups, membership, comprehensions, iteration.
import sys

# sys.argv[1]: divide every size by this (traced runs use a smaller program)
DIV = int(sys.argv[1]) if len(sys.argv) > 1 else 1

def counts(n):
    d = {}
    for i in range(n):
        k = i % 1000
        d[k] = d.get(k, 0) + 1
    return sum(d.values())


def words(n):
    text = "the quick brown fox jumps over the lazy dog and the cat".split()
    freq = {}
    for i in range(n):
        w = text[i % len(text)]
        if w in freq:
            freq[w] += 1
        else:
            freq[w] = 1
    return sorted(freq.items())[0][1]


def sets(n):
    seen = set()
    hits = 0
    for i in range(n):
        v = (i * 7919) % 5003
        if v in seen:
            hits += 1
        else:
            seen.add(v)
    squares = {x: x * x for x in range(2000)}
    total = 0
    for k, v in squares.items():
        total += v - k
    return hits + total + len(seen)


def tuples_as_keys(n):
    grid = {}
    for x in range(n):
        grid[(x % 50, x // 50)] = x
    total = 0
    for y in range(n // 50):
        total += grid[(y % 50, y)]
    return total


print(counts(900000 // DIV), words(900000 // DIV), sets(900000 // DIV), tuples_as_keys(360000 // DIV))
