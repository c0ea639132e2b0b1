# exceptions: hierarchy, chaining, custom classes, args
class AppError(Exception):
    def __init__(self, code, msg):
        super().__init__(code, msg)
        self.code = code


class NotFound(AppError):
    pass


try:
    raise NotFound(404, "no page")
except AppError as e:
    print(type(e).__name__, e.code, e.args, str(e), repr(e), isinstance(e, Exception))
try:
    try:
        {}["k"]
    except KeyError as e:
        raise ValueError("bad key") from e
except ValueError as e:
    print(repr(e), repr(e.__cause__), e.__suppress_context__, type(e.__context__).__name__)
try:
    try:
        1 / 0
    except ZeroDivisionError:
        raise RuntimeError("during handling")
except RuntimeError as e:
    print(repr(e.__context__), e.__cause__)
try:
    try:
        raise OSError("x")
    except OSError:
        raise TypeError("y") from None
except TypeError as e:
    print(e.__cause__, e.__suppress_context__)
for exc in [IndexError, KeyError, ZeroDivisionError, AttributeError, NameError, StopIteration]:
    print(exc.__name__, [c.__name__ for c in exc.__mro__])
print(issubclass(KeyError, LookupError), issubclass(NotFound, Exception), issubclass(bool, int))


for n in range(3):
    try:
        if n == 0:
            raise ValueError("zero")
        if n == 1:
            raise KeyError(n)
        r = n
    except (ValueError, KeyError) as e:
        print("caught", type(e).__name__, e)
    else:
        print("ok", r)
    finally:
        print("done", n)
try:
    raise Exception("a", 1, None)
except Exception as e:
    print(e, e.args)
try:
    assert 1 == 2, "math broke"
except AssertionError as e:
    print("AssertionError", e)
try:
    undefined_name
except NameError as e:
    print("NameError", e)
try:
    None.attr
except AttributeError as e:
    print("AttributeError", e)
try:
    int("abc")
except ValueError as e:
    print("ValueError", e)
try:
    [].pop()
except IndexError as e:
    print("IndexError", e)
try:
    raise
except RuntimeError as e:
    print("RuntimeError", e)
e = None
try:
    raise KeyError("x")
except KeyError as err:
    e = err
print(repr(e), str(KeyError("k")), str(KeyError()), repr(ValueError()))
