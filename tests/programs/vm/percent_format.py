# %-formatting
name, n, x = "vm", 42, 2.71828
print("%s is %d years" % (name, n), "%5s|%-5s|" % ("ab", "cd"), "%r" % "quote's")
print("%05d|%+d|% d|%x|%X|%#x|%o|%#o|%e|%E|%g|%G" % (n, n, n, 255, 255, 255, 8, 8, x, x, x, 1e-10))
print("%.2f|%10.3f|%-10.1f|%+.1f|%.0f|%f" % (x, x, x, x, 2.5, 1 / 3))
print("%c%c|%%|%s|%s|%s" % (72, "i", None, [1, 2], (3,)))
print("%(a)s-%(b)03d" % {"a": "key", "b": 7}, "%s" % ((1, 2),), "%d items" % 3.9)
print("%*d|%-*d|%.*f" % (6, 42, 6, 42, 2, x), "%i" % -7, "%u" % 5)
print("%s %s" % ("a", "b"), "%.3s" % "abcdef", "%10.2s|" % "xyz", "%a" % "é")
try:
    print("%d" % "x")
except TypeError as e:
    print("TypeError", e)
try:
    print("%s %s" % ("one",))
except TypeError as e:
    print("TypeError", e)
try:
    print("%s" % (1, 2))
except TypeError as e:
    print("TypeError", e)
print("%s" % 10**20, "%d" % 10**20, "%x" % 2**70, "%.3e" % 10**20)
print("%-6s|" % True, "%.3d|%5.2d" % (7, -3))
