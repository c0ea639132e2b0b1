# hashlib
import hashlib

for msg in [b"", b"abc", b"The quick brown fox jumps over the lazy dog", b"x" * 1000]:
    print(hashlib.md5(msg).hexdigest())
    print(hashlib.sha1(msg).hexdigest())
    print(hashlib.sha256(msg).hexdigest())
    print(hashlib.sha512(msg).hexdigest()[:32], hashlib.sha224(msg).hexdigest()[:16])
h = hashlib.sha256()
h.update(b"part one, ")
h.update(b"part two")
print(h.hexdigest() == hashlib.sha256(b"part one, part two").hexdigest(), h.digest()[:4])
print(h.name, h.digest_size, h.block_size, hashlib.md5().name, hashlib.md5().digest_size)
c = h.copy()
c.update(b"!")
print(c.hexdigest() != h.hexdigest(), hashlib.new("sha1", b"abc").hexdigest())
print(hashlib.new("md5", b"key").digest())
try:
    hashlib.md5("text")
except TypeError as e:
    print("TypeError", e)
# a license check as protected programs do it
key = "USER-1234"
print(hashlib.md5(key.encode()).hexdigest()[:8].upper())
