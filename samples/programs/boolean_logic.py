# Boolean short-circuit logic.
from __future__ import print_function

calls = []


def t(tag):
    calls.append("t" + tag)
    return True


def f(tag):
    calls.append("f" + tag)
    return False


def v(tag, value):
    calls.append("v" + tag)
    return value


def classify(n):
    if n < 0 and n % 2 == 0:
        return "neg-even"
    elif n < 0 or n > 100:
        return "out"
    elif not n or n == 1:
        return "tiny"
    elif n % 3 == 0 and n % 5 == 0 or n == 42:
        return "special"
    return "plain"


def main():
    del calls[:]
    r1 = f("1") and t("2")
    r2 = t("3") or f("4")
    r3 = f("5") or t("6") and f("7")
    r4 = not (t("8") and f("9")) or t("10")
    print(r1, r2, r3, r4, calls)
    del calls[:]
    r5 = v("a", 0) or v("b", "") or v("c", [1]) or v("d", 9)
    r6 = v("e", 5) and v("f", "x") and v("g", None) and v("h", 1)
    print(r5, r6, calls)
    print([classify(n) for n in (-4, -3, 0, 1, 15, 42, 44, 150)])
    x = 7
    print(1 < x < 10, 1 < x > 10, x == 7 != 8, not x is None)
    flags = [a and not b or (b and not a) for a in (True, False) for b in (True, False)]
    print("xor table", flags)
    y = x > 5 and "big" or "small"
    z = "yes" if x % 2 and x > 3 else "no"
    print(y, z, any(i > 8 for i in range(10)), all(i < 8 for i in range(10)))


main()
