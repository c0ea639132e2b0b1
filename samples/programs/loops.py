# Loops with break / continue / else.
from __future__ import print_function


def first_divisor(n):
    for d in range(2, n):
        if n % d == 0:
            break
    else:
        return None
    return d


def main():
    primes = []
    for n in range(2, 60):
        for d in range(2, n):
            if n % d == 0:
                break
        else:
            primes.append(n)
    print("primes", primes)
    odd_squares = []
    for i in range(20):
        if i % 2 == 0:
            continue
        if i > 15:
            break
        odd_squares.append(i * i)
    print("odd squares", odd_squares)
    for n in (15, 17, 91, 97):
        print(n, "first divisor", first_divisor(n))
    count = 0
    i = 0
    while i < 100:
        i += 1
        if i % 3 == 0:
            continue
        if i * i > 500:
            break
        count += i
    else:
        count = -1
    print("while result", count, i)
    grid = []
    for row in range(4):
        line = []
        for col in range(6):
            if col > row + 2:
                break
            if (row + col) % 3 == 0:
                continue
            line.append(row * 10 + col)
        grid.append(line)
    print("grid", grid)
    j = 10
    while j:
        j -= 3
        if j < 0:
            print("went negative", j)
            break
    else:
        print("never printed")


main()
