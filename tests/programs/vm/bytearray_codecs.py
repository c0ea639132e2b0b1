# bytearray with the byte codecs: XOR decoding loops, hashing, compression
import zlib, base64, hashlib, marshal, struct, binascii
ba = bytearray(b"hello world" * 3)
for i in range(len(ba)):
    ba[i] ^= 0x5a
print(hashlib.md5(ba).hexdigest(), hashlib.sha256(bytes(ba)).hexdigest()[:16])
print(zlib.compress(ba)[:10], base64.b64encode(ba)[:10], struct.unpack("<I", ba[:4]), zlib.crc32(ba))
print(binascii.hexlify(ba)[:8], zlib.decompress(bytearray(zlib.compress(b"abc"))), base64.b64decode(bytearray(b"aGk=")))
print(marshal.loads(bytearray(marshal.dumps((1, "a")))), bytes(ba) == ba, ba.decode("latin-1")[:5])
key = bytearray(b"k3y")
out = bytearray(c ^ key[i % len(key)] for i, c in enumerate(b"secret"))
print(out, out.hex(), bytes(out).decode("latin-1"))
