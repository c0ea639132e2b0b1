# struct
import struct

print(struct.calcsize("<i"), struct.calcsize(">hhl"), struct.calcsize("<q"), struct.calcsize("!d"))
print(struct.calcsize("bi"), struct.calcsize("<bi"), struct.calcsize("@hq"), struct.calcsize("5s2x"))
print(struct.pack("<I", 0xdeadbeef), struct.pack(">I", 0xdeadbeef), struct.pack("<h", -2))
print(struct.pack("<bBhHiIqQ", -1, 255, -300, 65535, -7, 7, -(2**63), 2**64 - 1))
print(struct.unpack("<bBhHiIqQ", struct.pack("<bBhHiIqQ", -1, 255, -300, 65535, -7, 7, -(2**63), 2**64 - 1)))
print(struct.pack(">f", 1.5), struct.pack("<d", -2.25), struct.unpack("<d", struct.pack("<d", 0.1)))
print(struct.unpack(">f", struct.pack(">f", 0.1)), struct.pack("?", 5), struct.unpack("??", b"\x00\x02"))
print(struct.pack("4s", b"ab"), struct.pack("2s", b"abcd"), struct.unpack("3s", b"xyz"), struct.pack("c", b"Q"))
print(struct.pack("<3H", 1, 2, 3), struct.unpack("<3H", b"\x01\x00\x02\x00\x03\x00"))
print(struct.pack("=hxi", 1, 2), struct.pack("@bi", 1, 2), struct.unpack("@bi", struct.pack("@bi", 3, 4)))
print(struct.pack("5p", b"hi"), struct.unpack("5p", b"\x02hi\x00\x00"))
print(struct.unpack_from("<H", b"\x00\x01\x02\x03", 1), list(struct.iter_unpack("<h", b"\x01\x00\x02\x00")))
header = struct.pack("<4sIH", b"PYC!", 1234, 7)
magic, size, flags = struct.unpack("<4sIH", header)
print(magic, size, flags, len(header))
for fmt, args in [("<h", (40000,)), ("<B", (-1,)), ("<b", (200,)), ("<I", (-1,))]:
    try:
        struct.pack(fmt, *args)
    except struct.error as e:
        print("struct.error", type(e).__name__)
for fmt, args in [("<i", (1, 2)), ("<i", ("x",))]:
    try:
        struct.pack(fmt, *args)
    except struct.error as e:
        print("struct.error", e)
try:
    struct.unpack("<I", b"\x00")
except struct.error as e:
    print("struct.error", e)
