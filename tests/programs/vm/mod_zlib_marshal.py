# zlib (round trips and checksums; compressed bytes differ between zlib builds)
import zlib
import marshal

text = b"the quick brown fox jumps over the lazy dog " * 20
for level in (-1, 0, 1, 6, 9):
    c = zlib.compress(text, level)
    print(level, zlib.decompress(c) == text, len(zlib.decompress(c)))
print(zlib.crc32(text), zlib.adler32(text), zlib.crc32(b""), zlib.adler32(b""))
print(zlib.crc32(b"abc", 12345), zlib.adler32(b"abc", 7), zlib.MAX_WBITS)
# a blob made by CPython's zlib
fixed = b"x\x9c\xcbH\xcd\xc9\xc9W(\xcf/\xcaI\x01\x00\x1a\x0b\x04]"
print(zlib.decompress(fixed))
try:
    zlib.decompress(b"not zlib data")
except zlib.error as e:
    print("zlib.error", e)
try:
    zlib.decompress(fixed[:-6])
except zlib.error as e:
    print("zlib.error", e)

# marshal of constants: round trips through the running version's format
values = [None, True, False, 0, -1, 7, 2**31 - 1, -2**31, 2**31, 2**64 + 5, -(2**70), 1.5, -0.0,
          "", "ascii", "snow\u2603", b"", b"\x00bytes", (), (1, "a"), [1, [2, 3]],
          {"k": [1, 2], 3: None}, frozenset([1]), {5}, ...]
for v in values:
    d = marshal.dumps(v)
    back = marshal.loads(d)
    print(repr(back), back == v, type(back).__name__)
print(marshal.loads(marshal.dumps(tuple(range(300))))[-3:])
print(marshal.loads(b"\xe9\x07\x00\x00\x00"), marshal.loads(b"z\x02hi"))
try:
    marshal.loads(b"")
except EOFError as e:
    print("EOFError", e)
# a code object from compile() marshalled by this interpreter is loaded and run
payload = marshal.dumps(zlib.compress(b"layered"))
print(zlib.decompress(marshal.loads(payload)))
