# base64 and binascii
import base64
import binascii

data = [b"", b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar", bytes(range(0, 256, 7))]
for d in data:
    e = base64.b64encode(d)
    print(e, base64.b64decode(e) == d, base64.b32encode(d), base64.b16encode(d))
    print(base64.b85encode(d), base64.b85decode(base64.b85encode(d)) == d)
    print(base64.b32decode(base64.b32encode(d)) == d, base64.b16decode(base64.b16encode(d)) == d)
print(base64.urlsafe_b64encode(b"\xfb\xff\xfe"), base64.urlsafe_b64decode("-__-"))
print(base64.b64encode(b"\xfb\xff", altchars=b"-_"), base64.b64decode("aGVsbG8gd29ybGQ="))
print(base64.b64decode(b"aGVs\nbG8=\n"), base64.standard_b64encode(b"xyz"))
print(base64.encodebytes(b"payload" * 12))
print(base64.b85encode(b"abc", pad=True), base64.b16decode("ab12", casefold=True))
# (errors are raised by binascii directly: base64's functions are Python
# code in CPython, whose exception events are placed differently)
for bad in [b"abc", b"a", b"ab=c=="]:
    try:
        print(binascii.a2b_base64(bad))
    except binascii.Error as e:
        print("binascii.Error", e)
print(binascii.hexlify(b"\x00\x01\xfe\xff"), binascii.unhexlify("deadBEEF"))
print(binascii.b2a_hex(b"ab"), binascii.a2b_hex(b"6869"), binascii.hexlify(b"abcde", "-"))
print(binascii.hexlify(b"abcde", b":", 2), binascii.hexlify(b"abcde", ":", -2))
print(binascii.crc32(b"hello world"), binascii.crc32(b"world", binascii.crc32(b"hello ")))
print(binascii.b2a_base64(b"hi"), binascii.a2b_base64(b"aGk=\n"))
for bad in ["abc", "zz"]:
    try:
        binascii.unhexlify(bad)
    except binascii.Error as e:
        print("Error:", e)
# a layered payload: hex of base64 of source text
layer = binascii.hexlify(base64.b64encode(b"print('unwrapped')"))
print(layer)
print(base64.b64decode(binascii.unhexlify(layer)).decode())
