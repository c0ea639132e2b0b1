import sys


def count(n):
    hits = 0
    for i in range(n):
        if i < 3:
            hits += 1
    return hits


print(count(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
