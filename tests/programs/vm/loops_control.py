# loops with else, break/continue, nested control flow
for i in range(5):
    if i == 3:
        break
else:
    print("no break")
for i in range(3):
    pass
else:
    print("for-else", i)
n = 0
while n < 10:
    n += 1
    if n % 2:
        continue
    if n > 6:
        break
    print("even", n)
else:
    print("while-else")
k = 0
while k < 3:
    k += 1
else:
    print("while completed", k)
found = None
for row in [[1, 2], [3, 4], [5, 6]]:
    for v in row:
        if v == 4:
            found = v
            break
    else:
        continue
    break
print("found", found)
total = 0
for i in range(100):
    if i % 3 == 0 or i % 5 == 0:
        total += i
print(total, sum([i for i in range(1, 101) if i % 7 == 0]))
grid = [[r * 3 + c for c in range(3)] for r in range(3)]
print(grid, [row[::-1] for row in grid], list(zip(*grid)))
x = 15
label = "fizzbuzz" if x % 15 == 0 else "fizz" if x % 3 == 0 else "buzz" if x % 5 == 0 else str(x)
print(label, 1 < x < 20, 1 < x > 20, x == 15 == 15.0, not x, x and 0, x or 0, None or "default")
out = []
for i in range(1, 16):
    out.append("FizzBuzz" if i % 15 == 0 else "Fizz" if i % 3 == 0 else "Buzz" if i % 5 == 0 else str(i))
print(" ".join(out))
collatz, steps = 27, 0
while collatz != 1:
    collatz = collatz // 2 if collatz % 2 == 0 else 3 * collatz + 1
    steps += 1
print("collatz", steps)
primes = [p for p in range(2, 60) if all([p % d for d in range(2, int(p ** 0.5) + 1)])]
print(primes)
del grid[0]
print(len(grid))
i = 10
while True:
    i -= 3
    if i < 0:
        break
print(i)
