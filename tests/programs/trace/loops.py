# for/while loops, break/continue, arithmetic, comparisons
total = 0
for i in range(6):
    if i % 2:
        continue
    total += i * 3
n = 10
while n > 0:
    n -= 3
    if n == 1:
        break
print(total, n)
