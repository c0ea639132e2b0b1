# bytearray: constructors, mutation, shared bytes methods, comparisons
a = bytearray(b"hello")
print(a, repr(a), len(a), a[0], a[-1], a[1:3], a[::-1], type(a[1:3]).__name__)
print(bytearray(), bytearray(3), bytearray([65, 66, 67]), bytearray("héllo", "utf-8"))
print(bytearray(range(5)), bytearray(b"x" * 3), bytearray(a), bytearray(memo for memo in b"ok"))
a.append(33)
a.extend(b" world")
a.extend([46, 46])
a.insert(0, 62)
a.insert(-1, 95)
print(a)
print(a.pop(), a.pop(0), a.pop(3), a)
a.remove(ord("w"))
print(a)
a[0] = 72
a[1:3] = b"EY"
a[-3:] = b""
print(a)
a[::2] = bytearray(len(a[::2]))
print(a)
del a[0]
del a[1:4]
del a[::3]
print(a, len(a))
b = bytearray(b"abc")
b += b"def"
b += bytearray(b"!")
print(b)
b *= 2
print(b, b * 2, 2 * b, b + b"x", b"x" + b, type(b"x" + b).__name__)
print(b == b"abcdef!abcdef!", b"abcdef!abcdef!" == b, b != bytearray(b"q"))
print(bytearray(b"abc") < b"abd", b"abc" < bytearray(b"ab"), bytearray(b"b") > bytearray(b"a"))
print(bytes(bytearray(b"xyz")), bytes(b), list(bytearray(b"AZ")), 66 in b, b"cd" in b, b"zz" in b)
s = bytearray(b"  The quick brown fox  ")
print(s.strip(), s.lstrip(), s.rstrip(), s.strip(b" Tx"), s.upper(), s.lower(), s.swapcase())
print(s.split(), s.split(b" "), s.split(None, 2), s.rsplit(None, 1), s.split(b"o", 1))
print(s.find(b"quick"), s.find(b"q", 10), s.rfind(b"o"), s.index(b"fox"), s.count(b"o"), s.count(b" "))
print(s.replace(b"o", b"0"), s.replace(b" ", b"", 3), s.startswith(b"  T"), s.endswith((b"x", b"  ")))
print(bytearray(b"-").join([b"a", bytearray(b"b"), b"c"]), b"+".join([bytearray(b"x"), b"y"]))
print(bytearray(b"hello world").title(), bytearray(b"hELLO").capitalize(), bytearray(b"42").zfill(5))
print(bytearray(b"abc").center(9, b"*"), bytearray(b"abc").ljust(6), bytearray(b"abc").rjust(6, b"."))
print(bytearray(b"a,b,c").partition(b","), bytearray(b"a,b,c").rpartition(b","), bytearray(b"abc").partition(b"x"))
print(bytearray(b"l1\nl2\r\nl3").splitlines(), bytearray(b"l1\nl2\n").splitlines(True))
print(bytearray(b"abc").isalpha(), bytearray(b"a1").isalnum(), bytearray(b"12").isdigit(), bytearray(b" \t").isspace())
print(bytearray(b"ABC").isupper(), bytearray(b"abc").islower(), bytearray(b"Ab Cd").istitle(), bytearray(b"").isalpha())
print(bytearray(b"\x00\xffab").hex(), bytearray(b"\x01\x02\x03\x04\x05").hex(":"), bytearray(b"\x01\x02\x03").hex("-", 2))
print(bytearray.fromhex("de ad be ef"), bytes.fromhex("00ff10"), bytearray.fromhex(""), b"abc".hex(" ", -2))
print(bytearray(b"caf\xc3\xa9").decode(), bytearray(b"abc").decode("ascii"), bytearray(b"\xe9t\xe9").decode("latin-1"))
try:
    bytearray(b"\xff").decode()
except UnicodeDecodeError as e:
    print("UnicodeDecodeError", e)
print(bytearray(b"a\tb").expandtabs(4), bytearray(b"abc").translate(None, b"b"), bytearray(b"xyz").copy())
c = bytearray(b"321")
c.reverse()
print(c, bytearray(b"q").isascii())
c.clear()
print(c, len(c), bool(c), bool(bytearray(b"0")))
for bad in [lambda: bytearray([256]), lambda: bytearray(-1), lambda: c.pop(), lambda: bytearray(b"a").remove(98),
            lambda: bytearray(b"a").append(300), lambda: bytearray(b"a")[5], lambda: hash(bytearray()),
            lambda: bytearray("abc"), lambda: bytearray(b"a") + "b", lambda: bytearray.fromhex("0g")]:
    try:
        bad()
    except (ValueError, IndexError, TypeError) as e:
        print(type(e).__name__, e)
print(isinstance(a, bytearray), isinstance(a, bytes), type(a).__name__, sorted(bytearray(b"dcba")))
print(b"a,b".split(b","), b"x".join([b"1", b"2"]), b"  pad ".strip(), b"AbC".lower(), b"abc".find(b"c"))
print(b"abc".replace(b"b", b"BB"), b"hello".startswith(b"he"), b"a b  c".split(), b"abc".upper().isupper())
print(bytes(3), bytes([1, 2]), bytes("xy", "ascii"), b"%s" if False else b"ok", b"abc".count(b""), b"q".center(4, b"-"))
print(b"%s-%d-%05.1f|%x|%r|%a|%c%c|%-6s|%6b|%.2s|%%" % (b"ab", 42, 3.14159, 255, b"q", "\xe9", 65, b"Z", b"l", bytearray(b"r"), b"trunc"))
print(bytearray(b"<%s>") % b"x", b"%(k)s=%(v)d" % {b"k": b"key", b"v": 7}, b"%*d|%-*d|" % (5, 1, 4, 2), b"%i %u %X %o %e %g" % (1, 2, 255, 8, 1.5, 2.25))
for bad in [lambda: b"%s" % "str", lambda: b"%d %d" % (1,), lambda: b"%d" % (1, 2), lambda: b"%c" % 300, lambda: b"%c" % b"ab"]:
    try:
        bad()
    except (TypeError, ValueError, OverflowError) as e:
        print(type(e).__name__, e)
table = bytes.maketrans(b"abc", b"xyz")
print(len(table), table[97:100], b"aabbcc-abc".translate(table), bytearray(b"cab").translate(table, b"b"))
print(bytearray.maketrans(b"01", b"10") == bytes.maketrans(b"01", b"10"), b"1001".translate(bytearray.maketrans(b"01", b"10")))
try:
    bytes.maketrans(b"ab", b"c")
except ValueError as e:
    print("ValueError", e)
