# A license key checker in the style of protected crackme challenges:
# strings are decrypted at run time into a table and picked by index,
# and constant checks are disguised.
from __future__ import print_function

_BLOB = [
    [70, 66, 65, 70, 87, 86, 38, 64, 83, 67, 77, 80, 64, 66],
    [101, 96, 102, 35, 104, 96, 104, 96, 117, 106],
    [106, 96, 110, 101, 107, 119, 107, 98, 101, 34, 104, 97, 124],
    [101, 96, 102, 35, 103, 109, 99, 100, 106, 113, 118, 105],
    [117, 100, 104, 102, 103, 113, 99, 99],
    [87, 88, 65, 87],
]

_KEY = 13


def _decrypt(row, key):
    out = []
    for i, c in enumerate(row):
        out.append(chr(c ^ ((key + i) % 7 + 1)))
    return "".join(out)


def _table():
    return [_decrypt(r, _KEY) for r in _BLOB]


def _checksum(s):
    acc = 7
    for ch in s:
        acc = (acc * 31 + ord(ch)) % 65521
    return acc


def check(key):
    t = _table()
    if not (len(key) + ord('e') < 44 + ord('y')):
        return t[1]
    if not (len(key) * 2 - ord('a') + 97 == 38):
        return t[1]
    parts = key.split("-")
    if len(parts) != 4:
        return t[2]
    if parts[0] != t[5]:
        return t[2]
    for p in parts[1:]:
        if len(p) != 4 or not p.isalnum():
            return t[2]
    digits = [int(c) for c in parts[1] if c.isdigit()]
    if sum(digits) != 10 and not (len(digits) == 0 and parts[1] == "ABCD"):
        return t[3]
    if _checksum(parts[2]) % 13 != 5:
        return t[3]
    if parts[3][::-1] != parts[1][::-1][:2] + "QZ":
        return t[4]
    return t[0]


def main():
    import sys
    if sys.gettrace() is not None:
        print("A debugger has been found running in your system.")
        return
    t = _table()
    print("table size", len(t))
    candidates = [
        "PYCT-1234-AABS-ZQ34",
        "PYCT-1234-AABS-QZ43",
        "NOPE-1234-AABS-ZQ34",
        "short",
        "PYCT-12X4-AABS-ZQ34",
        "PYCT-1234-ZZZZ-ZQ34",
        "PYCT-ABCD-AAAK-ZQCD",
        "PYCT-5500-AACA-ZQ00",
        "PYCT-1234-AABS-ZQ34-EXTRA-PADDING-0000",
    ]
    for key in candidates:
        print(key, "->", check(key))


main()
