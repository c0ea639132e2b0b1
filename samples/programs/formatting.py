# String formatting with % and .format.
from __future__ import print_function


def main():
    name, qty, price = "widget", 7, 3.25
    print("%s x%d at %.2f = %.2f" % (name, qty, price, qty * price))
    print("%-10s|%10s|" % ("left", "right"))
    print("%05d %+d %x %X %o %e" % (42, 42, 255, 255, 8, 12345.678))
    print("%(a)s and %(b)s" % {"a": "first", "b": "second"})
    print("%%literal %c%c" % (80, 89))
    print("{} {} {}".format("auto", "numbered", "fields"))
    print("{0} {1} {0}".format("x", "y"))
    print("{name} is {age} years".format(name="Ada", age=36))
    print("[{:>8}] [{:<8}] [{:^8}]".format("r", "l", "c"))
    print("{:08.3f} {:,} {:b} {:o} {:#x}".format(3.14159, 1234567, 10, 64, 255))
    print("{0[1]} {1[k]}".format(["zero", "one"], {"k": "key"}))
    rows = [("apples", 3, 0.5), ("pears", 12, 0.75), ("kiwis", 101, 0.2)]
    for item, n, p in rows:
        print("{:<8}{:>5}{:>8.2f}".format(item, n, n * p))
    table = "\n".join("%2d: %s" % (i, "#" * i) for i in range(1, 6))
    print(table)
    print("%s" % (("tuple", "inside"),))
    print("{!r} {!s}".format("repr", "str"))


main()
