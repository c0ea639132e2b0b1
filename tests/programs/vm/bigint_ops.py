# big-int arithmetic and bit operations
a = 2**100
b = 3**70
print(a, b, a + b, a - b, b - a, a * b)
print(a // 7, a % 7, -a // 7, -a % 7, a // -7, divmod(a, 12345), divmod(-b, 97))
print(a >> 50, a << 3, (a | b) & 0xFFFFFFFF, a ^ b, ~a, -a >> 3, (-a) & 0xFF)
print(a.bit_length(), b.bit_length(), (0).bit_length(), (-255).bit_length(), abs(-a))
print(2**64 - 1, -(2**63), (2**63) - 1 + 1, 10**30 // 10**15, 10**18 * 10**18)
print(pow(2, 200), pow(2, 200, 10**9 + 7), pow(3, 1000, 2**61 - 1), pow(-2, 63), pow(7, -1, 40) if hasattr(int, "bit_count") or True else 0)
print(int("123456789012345678901234567890"), int("-ff" * 10, 16) if False else int("ff" * 10, 16), int("1" * 70, 2))
print(hex(a), oct(b)[:20], bin(2**70 + 5), str(a * b)[:25], len(str(3**1000)))
print(a == 2**100, a > b, a < -a, a != a + 1, hash(2**61 - 1), hash(2**61), hash(-(2**61)), hash(2**100))
print(int(1e20), int(-1.5e19), float(2**80), 2**80 / 3, (2**80) // 3.0, round(2**70 / 7))
x = 1
for i in range(1, 30):
    x *= i
print(x, x % 1000003, x.to_bytes(14, "big"))
print(sum(range(10**6)), sum([i * i for i in range(1000)]), max(a, b), min(-a, -b))
print(12345678901234567890 * 98765432109876543210 % 1000000007, (a + 1) * (a - 1) == a * a - 1)
print(0x7FFFFFFFFFFFFFFF + 1, -0x8000000000000000 - 1, 9223372036854775807 * 2, (-1) ** 2**64)
