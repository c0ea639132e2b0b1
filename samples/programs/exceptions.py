# try / except / finally and raise.
from __future__ import print_function


class ValidationError(Exception):
    def __init__(self, field, reason):
        Exception.__init__(self, field, reason)
        self.field = field
        self.reason = reason


log = []


def parse_int(text):
    try:
        value = int(text)
    except ValueError:
        log.append("bad:" + text)
        return None
    else:
        log.append("ok:" + text)
        return value
    finally:
        log.append("done:" + text)


def check(record):
    if "name" not in record:
        raise ValidationError("name", "missing")
    if len(record["name"]) < 3:
        raise ValidationError("name", "too short")
    if record.get("age", 0) < 0:
        raise ValueError("negative age")
    return True


def safe_div(a, b):
    try:
        return a // b
    except ZeroDivisionError:
        return "div0"
    finally:
        log.append("div %d %d" % (a, b))


def nested(level):
    try:
        try:
            if level > 1:
                raise KeyError("k")
            if level > 0:
                raise IndexError("i")
            return "clean"
        except KeyError:
            return "inner key"
        finally:
            log.append("inner finally %d" % level)
    except IndexError:
        return "outer index"


def main():
    print([parse_int(t) for t in ("12", "x", "-7")])
    records = [{"name": "bob"}, {}, {"name": "al"}, {"name": "eve", "age": -1}]
    for r in records:
        try:
            check(r)
            print("valid")
        except ValidationError as e:
            print("invalid", e.field, e.reason)
        except ValueError as e:
            print("value error", e.args[0])
    print(safe_div(7, 2), safe_div(1, 0))
    print(nested(0), nested(1), nested(2))
    try:
        try:
            raise RuntimeError("first")
        except RuntimeError:
            raise TypeError("second")
    except TypeError as e:
        print("caught", type(e).__name__, str(e))
    for line in log:
        print("log", line)


main()
