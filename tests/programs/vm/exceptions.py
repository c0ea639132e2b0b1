# raise, try/except/else/finally, custom exceptions, nesting
class AppError(Exception):
    pass

class DetailError(AppError):
    def __init__(self, code):
        super().__init__("detail " + str(code))
        self.code = code

def risky(n):
    if n == 0:
        raise ValueError("zero")
    if n == 1:
        raise DetailError(42)
    if n == 2:
        return 1 // 0
    if n == 3:
        return [][5]
    if n == 4:
        return {}["k"]
    return n

for i in range(6):
    try:
        r = risky(i)
    except ValueError as e:
        print("value", e, e.args)
    except AppError as e:
        print("app", e, type(e).__name__, e.code)
    except (ZeroDivisionError, IndexError) as e:
        print("arith/index", type(e).__name__, e)
    except Exception as e:
        print("other", type(e).__name__, repr(e))
    else:
        print("ok", r)
    finally:
        print("finally", i)

def f():
    try:
        return "try"
    finally:
        print("cleanup")

print(f())

def g():
    for i in range(5):
        try:
            if i == 2:
                continue
            if i == 4:
                break
        finally:
            print("fin", i)
    return i

print(g())
try:
    try:
        raise KeyError("inner")
    except KeyError:
        raise RuntimeError("outer")
except RuntimeError as e:
    print("chained", e, type(e.__context__).__name__)
try:
    raise TypeError("bad type")
except:
    print("bare except")
try:
    assert 1 == 2, "math"
except AssertionError as e:
    print("assert", e)
try:
    undefined_name
except NameError as e:
    print("name", e)
try:
    int("x")
except ValueError as e:
    print(e)
print(isinstance(DetailError(1), Exception), issubclass(KeyError, LookupError))
