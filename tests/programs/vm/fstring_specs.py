# f-strings and the format-spec mini-language
x = 3.14159265
n = 1234567
s = "pyc"
print(f"{x:>8.3f}|{x:<8.2f}|{x:^9.1f}|{x:+.2e}|{x:.3g}|{x:%}|{x:.1%}")
print(f"{n:,}|{n:_}|{n:>12,}|{n:012d}|{-n:,}|{n:x}|{n:#x}|{n:#o}|{n:b}|{n:#010b}")
print(f"{s!r}|{s!s}|{s!a}|{s:>6}|{s:*^9}|{s:.2}|{'é'!a}|{s!r:>8}")
print(f"{255:X}|{255:#X}|{-255:x}|{65:c}|{3:03}|{-3:03}|{3:+}|{3: }|{True}|{None}")
print(f"{1e21}|{1e-7}|{0.1 + 0.2}|{1/3:.10f}|{2.5:.0f}|{3.5:.0f}|{1e16:.2f}|{123.456:10.4}")
width, prec = 10, 3
print(f"{x:{width}.{prec}f}|{s:>{width}}|{n:{'>'}{width},}")
print(f"{'nested ' + s.upper()}|{[1, 2][1]}|{ {'k': 1}['k'] }|{len(s) * 2}|{x!r:>20}")
print(f"{n:=+12}|{-42:=8}|{42:<+6}|{0.0:+}|{-0.0}|{float('inf'):>6}|{float('nan')}")
print("{:>10}|{:<5}|{:^7}|{!r}".format("a", "b", "c", "d"), "{0}{1}{0}".format("x", "y"))
print("{name}:{val:.2f}".format(name="pi", val=x), "{0[1]}|{1[k]}".format([4, 5], {"k": "v"}))
print(format(n, ","), format(x, ".2f"), format(s, "^7"), format(42), format(1.5, "e"), "%")
print(f"{1234.5678:,.2f}|{0.000123:.2e}|{12345678901234567890:,}|{-1.5:08.2f}|{5:>+5d}")
print(f"{'{'}{'}'}|{{literal}}|{x=:.2f}" if False else f"{{literal}}|{n}")
