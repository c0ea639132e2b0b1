# integers, big integers, floats and their reprs
a = 7
b = 3
print(a + b, a - b, a * b, a / b, a // b, a % b, a ** b)
print(-a // b, -a % b, a // -b, a % -b, divmod(17, 5), divmod(-17, 5))
print(2 ** 100, -(2 ** 70) + 1, 3 ** 40 // 7 ** 9, (2 ** 64) % 1000007)
big = 1
for i in range(1, 30):
    big = big * i
print(big, big // (2 ** 40), -big % 97)
print(1 << 70, (1 << 70) >> 65, 0xff & 0x0f, 0xf0 | 0x0f, 0xff ^ 0x0f, ~5)
print(0.1 + 0.2, 1 / 3, 2.5 * 4, 1e16, 1e-5, 123456789.0 * 1000, 1.5e300 * 10)
print(0.1, 100.0, -0.0, 3.14159, 2.0 ** 0.5, 1e22, 12345678901234567.0)
print(7.0 // 2, 7.5 % 2, -7.5 % 2, float(10), int(3.99), int(-3.99), round(2.5), round(3.5))
print(abs(-4), abs(-2.5), min(3, 1, 2), max([4, 9, 2]), sum([1, 2, 3, 4]))
print(True + True, True * 10, 10 == 10.0, 3 < 4.5, int("123") + 1, float("1.25"))
print(hex(255), oct(8), bin(10), 10 ** 20 == 100000000000000000000)
x = 10
x += 5
x *= 2
x -= 1
x //= 3
print(x)
