# try/finally with returns, breaks, and exceptions
def f1():
    try:
        return "try"
    finally:
        print("finally runs")


def f2():
    try:
        return "try"
    finally:
        return "finally wins"


def f3():
    try:
        raise ValueError("lost")
    finally:
        return "swallowed"


def f4(n):
    out = []
    for i in range(n):
        try:
            if i == 1:
                continue
            if i == 3:
                break
            out.append(i)
        finally:
            out.append("f%d" % i)
    return out


def f5():
    x = 1
    try:
        return x
    finally:
        x = 2


def f6():
    try:
        try:
            raise KeyError("inner")
        finally:
            print("inner finally")
    except KeyError as e:
        return "outer caught %r" % e.args[0]


def f7():
    log = []
    try:
        log.append("a")
        1 / 0
    except ZeroDivisionError:
        log.append("b")
        return log
    else:
        log.append("never")
    finally:
        log.append("c")


def f8():
    for i in range(3):
        try:
            return i
        finally:
            if i == 0:
                continue


print(f1(), f2(), f3(), f4(5), f5(), f6(), f7(), f8())


def nested():
    try:
        try:
            return "inner"
        finally:
            print("first")
    finally:
        print("second")


print(nested())
try:
    try:
        raise TypeError("t")
    except TypeError:
        raise ValueError("v")
    finally:
        print("fin before propagate")
except ValueError as e:
    print("ctx", type(e.__context__).__name__, e)
