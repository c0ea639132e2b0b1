# string operations and f-strings
s = "Hello, World"
print(s.lower(), s.upper(), len(s), s[0], s[-1], s[2:5], s[::-1], s[::2])
print(s.split(", "), "-".join(["a", "b", "c"]), s.replace("l", "L"), s.find("World"))
print(s.startswith("Hell"), s.endswith("x"), "  pad  ".strip(), "x".center(5, "*"))
print("abc" * 3, "a" + "b", "b" in "abc", "z" not in "abc", ord("A"), chr(97))
print(repr("quote's"), repr('dq"'), repr("both'\""), repr("tab\tnl\n"), str(12), repr(1.5))
name = "pyc"
n = 42
f = 3.14159
print(f"{name}:{n}:{f:.2f}:{n:5d}:{n:<5}|{n:>6}|{n:^7}|{name!r}|{n:x}|{n:08.3f}")
print(f"{n * 2} {name.upper()} {{braces}} {f:e} {1234567:,} {0.5:%} {f:g} {1e20:g}")
words = "the quick brown fox".split()
print(words, len(words), sorted(words), " ".join(w.capitalize() for w in words))
print("%s is %d years and %.1f" % ("bob", 30, 1.25), "%5s|%-5s|" % ("a", "b"))
print("{} and {}".format(1, "two"), "{0}{1}{0}".format("x", "y"), "{:>4}".format(7))
print("a,b,,c".split(","), "line1\nline2".splitlines(), "Abc".swapcase(), "abc".isalpha())
print(str(None), str(True), "x".isdigit(), "42".isdigit(), "ab".zfill(5), "-3".zfill(4))
print(s.count("l"), s.index("W"), s.rfind("o"), "é".upper(), len("héllo"))
