# complex numbers: literals, arithmetic, repr/str, constructor, hash, format
z = 1 + 2j
w = 3 - 4j
print(z, w, repr(z), str(w))
print(z + w, z - w, z * w, z / w)
print(z + 1, 1 + z, z * 2, 2.5 * z, z - 0.5, 0.5 - z)
print(-z, +z, abs(w), abs(3j), abs(-4 + 0j))
print(z.real, z.imag, z.conjugate(), type(z.real).__name__)
print(1j, -1j, 0j, -0j, -(0j), 1e16j, 1.5e-7j, 2j * 2j)
print(complex(), complex(1), complex(1.5, -2), complex(0, 0.0), complex(-0.0, 0))
print(complex(-0.0, -0.0), complex(1, -0.0), complex(0, -1))
print(complex(z), complex(z, 1j), complex(2, 3j), complex(True, False))
for s in ["1+2j", " (3-4.5j) ", "-j", "+J", "j", "1e3", "2.5e-3j", "inf+nanj",
          "-infj", "1_000+2_0j", "(1)", ".5-.5j", "1.e2+3.J"]:
    print(repr(s), complex(s))
for bad in ["", "1+", "j1", "1+2", "(1+2j", "1 + 2j", "1__0j", "abc"]:
    try:
        complex(bad)
    except ValueError as e:
        print("ValueError", repr(bad), e)
try:
    complex("1", 2)
except TypeError as e:
    print("TypeError", e)
try:
    complex([])
except TypeError as e:
    print("TypeError", e)
inf = float("inf")
nan = float("nan")
print(complex(inf, 0), complex(0, inf), complex(nan, nan), complex(-inf, -inf))
print(complex(1e300, 1e300) * 1e10, repr(complex(1, nan)))
print(z ** 2, z ** 0, z ** -1, z ** 3, w ** 0.5, (1j) ** 2, 2 ** z, z ** z)
print((-8) ** (1 / 3), (-1) ** 0.5, 4 ** 0.5)
print(z ** 101, (1 + 1e-10j) ** 200)
try:
    print(0j ** -1)
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)
try:
    print(z / 0)
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)
try:
    print(z / 0j)
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)
try:
    z < w
except TypeError as e:
    print("TypeError", e)
print(z == 1 + 2j, z != w, 1 + 0j == 1, 2.5 + 0j == 2.5, 1j == 1, z == "z")
print(hash(1 + 0j) == hash(1), hash(2.5 + 0j) == hash(2.5), hash(z), hash(w), hash(-1j))
print(hash(complex(0, -1)), hash(0j), hash(complex(inf, 1)))
d = {1: "one", 2.0: "two"}
print(d[1 + 0j], d[2 + 0j], {z: 1, w: 2}[3 - 4j])
print(bool(0j), bool(1j), bool(complex(0, 0.0)), not z)
print(isinstance(z, complex), type(z).__name__, type(z) is complex)
print(format(z, ""), format(z, ".2f"), format(1.5j, "10"), format(z, ">20.3g"))
print(format(-0j, ""), format(2j, ".3"), format(z, "^+15.2e"), format(z, "g"), format(3j, "g"))
print(f"{z:.3}", f"{w:<12}|", f"{z:*^14.1f}", f"{complex(1e20, -1e-20):g}", f"{1j:+}")
print("%s %r" % (z, w), "{} {!r}".format(z, -w))
print(sum([1j, 2, 3.5 + 1j]), [x * 1j for x in range(3)], list(map(abs, [3 + 4j, 1j])))
print(complex(1, 2) * complex(3, 4) / complex(5, -6), (1e308 + 1e308j) / (1e308 + 1e308j))
print((1 + 2j) / (inf + 1j), (1 + 2j) / complex(1e-320, 1e-320))
for bad in [lambda: int(1j), lambda: float(2 + 0j), lambda: divmod(1j, 2), lambda: divmod(3, 1j), lambda: (1 + 2j) // 2,
            lambda: (1 + 2j) % 2, lambda: pow(1j, 2, 3), lambda: round(1j), lambda: 1j < 2j, lambda: complex(1, "x")]:
    try:
        bad()
    except (TypeError, ValueError) as e:
        print(type(e).__name__, e)
