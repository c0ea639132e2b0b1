# math: integer functions on big ints, fsum, logs, rounding, errors
import math
import sys

V = sys.version_info[:2]
print(math.pi, math.e, math.tau, math.inf, -math.inf, math.isnan(math.nan))
print(math.isqrt(0), math.isqrt(15), math.isqrt(16), math.isqrt(10 ** 40 + 12345), math.isqrt(2 ** 127))
print(math.gcd(12, 18), math.gcd(-4, 6), math.gcd(0, 0), math.gcd(2 ** 100, 6 ** 50), math.gcd(7, 0))
if V >= (3, 9):
    print(math.gcd(12, 18, 27), math.gcd(), math.lcm(4, 6), math.lcm(3, 5, 7), math.lcm(), math.lcm(0, 5), math.lcm(-4, 6))
else:
    print(3, 0, 12, 105, 1, 0, 12)
print(math.comb(10, 3), math.comb(52, 5), math.comb(5, 7), math.comb(100, 50), math.comb(7, 0))
print(math.perm(5), math.perm(5, 2), math.perm(5, 0), math.perm(3, 4), math.perm(30, 10))
print(math.factorial(0), math.factorial(10), math.factorial(30), len(str(math.factorial(500))))
print(math.floor(2.7), math.floor(-2.7), math.ceil(2.1), math.ceil(-2.1), math.trunc(-3.9), math.trunc(3.9))
print(math.floor(10 ** 30), math.ceil(-(10 ** 30) + 1), math.trunc(2 ** 70), math.floor(1e20), math.ceil(1.5e16))
print(math.floor(True), type(math.floor(5)).__name__, type(math.floor(5.0)).__name__)
print(math.fsum([0.1] * 10), sum([0.1] * 10), sum([1e100, 1.0, -1e100]), sum([0.5, 2, 0.25], 1), sum([1, 2.5, 10 ** 30]), math.fsum([1e100, 1.0, -1e100, 1e-100]), math.fsum([]))
print(math.fsum([1, 2.5, 3]), math.fsum(x / 7 for x in range(100)), math.fsum([1e308, -1e308, 1.5]))
print(math.fsum([0.3, 0.6, -0.2, 1e-17, 5e-324]), math.fsum([-0.0, -0.0]), math.fsum([float("inf"), 1.0]))
print(math.prod([1, 2, 3, 4]), math.prod([]), math.prod([2.5, 4]), math.prod(range(1, 21)), math.prod([3], start=2))
print(math.log(math.e), math.log(100, 10), math.log(8, 2), math.log10(1000), math.log2(1024), math.log1p(1e-10))
print(math.log(2 ** 2000), math.log2(2 ** 3000), math.log10(10 ** 400), math.log(10 ** 500, 10))
print(math.exp(1), math.expm1(1e-5), math.sqrt(2), math.sqrt(16.0), math.pow(2, 10), math.pow(2.5, -2))
print(math.sin(0.5), math.cos(0.5), math.tan(0.5), math.asin(0.5), math.acos(0.5), math.atan(0.5))
print(math.sinh(1), math.cosh(1), math.tanh(1), math.asinh(1), math.acosh(2), math.atanh(0.5))
print(math.atan2(1, -1), math.atan2(-0.0, -1), math.degrees(math.pi), math.radians(180), math.fabs(-3))
print(math.isclose(1.0, 1.0 + 1e-10), math.isclose(1.0, 1.1), math.isclose(0.0, 1e-10, abs_tol=1e-9))
print(math.isclose(1e10, 1.00001e10, rel_tol=1e-4), math.isinf(1e308 * 10), math.isfinite(1e308))
print(math.copysign(3, -0.0), math.copysign(-2.5, 1), math.frexp(8.0), math.frexp(0.1), math.frexp(0.0), math.frexp(-5e-324))
print(math.ldexp(0.5, 4), math.ldexp(1.0, -1074), math.ldexp(3, 100), math.modf(3.25), math.modf(-2.5), math.modf(math.inf))
print(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7.5, -2), math.fmod(1, math.inf), math.remainder(7, 2), math.remainder(5, 2))
print(math.remainder(-7.5, 2), math.remainder(10, 3), math.hypot(3, 4), math.hypot(5), math.hypot(), math.hypot(-8, 15))
print(math.hypot(3, 4, 12), math.dist((0, 0), (3, 4)), math.dist([1, 1, 1], [3, 7, 4]), math.hypot(math.inf, math.nan))
if V >= (3, 9):
    print(math.nextafter(1.0, 2.0), math.nextafter(0.0, -1.0), math.ulp(1.0), math.ulp(1e300), math.ulp(0.0))
else:
    print(1.0000000000000002, -5e-324, 2.220446049250313e-16, 1.4821969375237396e+284, 5e-324)
if V >= (3, 11):
    print(math.cbrt(27), math.cbrt(-8), math.exp2(10), math.exp2(0.5))
else:
    print(3.0000000000000004, -2.0, 1024.0, 1.4142135623730951)
cases = [("sqrt(-1)", lambda: math.sqrt(-1)), ("log(0)", lambda: math.log(0)), ("log(-5)", lambda: math.log(-5)),
         ("exp(1000)", lambda: math.exp(1000)), ("isqrt(-1)", lambda: math.isqrt(-1)),
         ("factorial(-1)", lambda: math.factorial(-1)), ("comb(-1, 2)", lambda: math.comb(-1, 2)),
         ("perm(3, -1)", lambda: math.perm(3, -1)), ("pow(0, -1)", lambda: math.pow(0, -1)),
         ("ldexp(1.0, 5000)", lambda: math.ldexp(1.0, 5000)), ("fsum big", lambda: math.fsum([1e308, 1e308])),
         ("floor(inf)", lambda: math.floor(math.inf)), ("ceil(nan)", lambda: math.ceil(math.nan)),
         ("acos(2)", lambda: math.acos(2)), ("cosh(1000)", lambda: math.cosh(1000)), ("log(10, 1)", lambda: math.log(10, 1)),
         ("fmod(1, 0)", lambda: math.fmod(1, 0)), ("atanh(1)", lambda: math.atanh(1)), ("sqrt('x')", lambda: math.sqrt("x")),
         ("isqrt(2.0)", lambda: math.isqrt(2.0)), ("dist", lambda: math.dist((1,), (1, 2)))]
for name, f in cases:
    try:
        print(name, f())
    except (ValueError, OverflowError, ZeroDivisionError, TypeError) as e:
        print(name, type(e).__name__, e)
print([math.erf(x) for x in (-3.0, -0.5, 0.0, 1e-10, 0.3, 1.0, 2.5, 6.0)])
print([math.erfc(x) for x in (-3.0, -0.5, 0.0, 1e-10, 0.3, 1.0, 2.5, 6.0, 30.0)])
