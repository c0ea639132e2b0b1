# closures.py for Python 2.7 (no nonlocal): a cell holding a list, decorators
def counter():
    count = [0]
    def step(k=1):
        count[0] += k
        return count[0]
    return step

def deco(f):
    def wrapper(*a):
        return f(*a) * 10
    return wrapper

@deco
def three():
    return 3

c = counter()
c()
c(5)
print(c(), three())
