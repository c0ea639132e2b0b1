# String building: concatenation, join, f-strings, % and format, methods.
import sys

# sys.argv[1]: divide every size by this (traced runs use a smaller program)
DIV = int(sys.argv[1]) if len(sys.argv) > 1 else 1

def build(n):
    parts = []
    for i in range(n):
        parts.append("item%d" % i)
    s = ",".join(parts)
    return len(s)


def fstrings(n):
    total = 0
    for i in range(n):
        line = f"{i}:{i * 2}:{'x' * (i % 5)}"
        total += len(line)
        total += len("{}-{}".format(i, total % 7))
    return total


def concat(n):
    s = ""
    for i in range(n):
        s += str(i % 10)
    return s.count("7") + len(s)


def methods(n):
    words = ("alpha beta gamma delta epsilon " * 4).split()
    total = 0
    for i in range(n):
        w = words[i % len(words)]
        u = w.upper()
        if u.startswith("A") or w.endswith("a"):
            total += 1
        total += len(w.replace("a", "oo")) + u.find("T")
    return total


print(build(360000 // DIV), fstrings(360000 // DIV), concat(600000 // DIV), methods(360000 // DIV))
