# control flow: if/elif/else, while, for, break/continue/else, chained compares
def classify(n):
    if n < 0:
        return "neg"
    elif n == 0:
        return "zero"
    elif 0 < n < 10:
        return "small"
    else:
        return "big"

print([classify(x) for x in (-5, 0, 3, 10, 99)])
total = 0
i = 0
while i < 20:
    i += 1
    if i % 3 == 0:
        continue
    if i > 15:
        break
    total += i
print(total, i)
for x in range(3):
    pass
else:
    print("for-else ran", x)
for x in range(10):
    if x == 4:
        break
else:
    print("not printed")
print("broke at", x)
n = 27
steps = 0
while n != 1:
    n = n // 2 if n % 2 == 0 else 3 * n + 1
    steps += 1
print("collatz", steps)
v = None
print(v is None, v is not None, not v, 1 and 2, 0 or "x", 0 and 1, "" or [] or 5)
for a in range(3):
    for b in range(3):
        if a == b:
            continue
        print(a, b, end=" ")
print()
print(1 if [] else 2, 3 if (1,) else 4)
