# divmod, pow with modulus, rounding
for p in [(7, 3), (-7, 3), (7, -3), (-7, -3), (0, 5), (10**20, 7)]:
    print(p, divmod(*p), p[0] // p[1], p[0] % p[1])
for p in [(7.5, 2), (-7.5, 2), (7, 2.5), (1e300, 1e-300) if False else (1.0, 3)]:
    print(p, divmod(*p))
print(pow(2, 10), pow(2, -1), pow(2.0, 0.5), pow(-8, 1 / 3) if False else pow(10, 2, 7), pow(3, 4, -5))
print(pow(123456789, 987654321, 1000000007), pow(5, 0, 1), pow(0, 0), 0 ** 0, 2 ** -2)
print(pow(38, -1, 97), pow(3, -2, 7), (38 * pow(38, -1, 97)) % 97)
try:
    pow(2, -1, 4)
except ValueError as e:
    print("ValueError", e)
try:
    divmod(1, 0)
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)
try:
    5 % 0
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)
try:
    1.0 // 0
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)
print(round(2.5), round(3.5), round(-2.5), round(2.675, 2), round(1234, -2), round(1250, -2), round(7.0))
print(abs(-7), abs(-7.5), abs(True), -7 // 2, -7 % 2, 7 % -2, -7.0 % 2, 7.0 // -2, 1e308 * 10)
print(int(7.9), int(-7.9), int("  42 "), float("1e3"), 10 / 4, 10 // 4, 2 ** 0.5, 9 ** 0.5)
