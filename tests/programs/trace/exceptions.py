# exceptions raised and caught across frames, finally, re-raise
class Bad(Exception):
    pass

def deep(n):
    if n == 0:
        raise Bad('bottom')
    return deep(n - 1)

def middle():
    try:
        deep(2)
    finally:
        print('finally')

try:
    middle()
except Bad as e:
    print('caught', e)

def convert(s):
    try:
        return int(s)
    except ValueError:
        return -1
    else:
        return 0

print(convert('12'), convert('x'))
try:
    try:
        {}['k']
    except KeyError:
        raise RuntimeError('again')
except RuntimeError as e:
    print(type(e).__name__)
