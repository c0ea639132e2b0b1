# Arithmetic and string building.
from __future__ import print_function


def digits_sum(n):
    total = 0
    while n > 0:
        total += n % 10
        n //= 10
    return total


def build_banner(word, width):
    pad = (width - len(word)) // 2
    line = "*" * width
    middle = "*" + " " * (pad - 1) + word
    middle = middle + " " * (width - len(middle) - 1) + "*"
    return line + "\n" + middle + "\n" + line


def main():
    a, b = 1234, 56
    print("sum", a + b, "diff", a - b, "prod", a * b)
    print("floordiv", a // b, "mod", a % b, "neg", -a // b, -a % b)
    print("pow", 3 ** 7, "shift", a << 3, a >> 2, "bits", a & b, a | b, a ^ b)
    print("digits", digits_sum(9876543210))
    acc = ""
    for i in range(10):
        acc += chr(ord("a") + (i * 7) % 26)
    print("acc", acc, acc.upper(), len(acc))
    parts = []
    for word in ["alpha", "beta", "gamma", "delta"]:
        parts.append(word[0].upper() + word[1:] + str(len(word)))
    print("-".join(parts))
    print(build_banner("pyctrace", 16))
    n = 1
    for k in range(1, 21):
        n *= k
    print("20! =", n, "digits", len(str(n)))
    print("mixed %d/%d = %.4f" % (a, b, float(a) / b))


main()
