# closures, nonlocal, decorators
def counter():
    count = 0
    def step(k=1):
        nonlocal count
        count += k
        return count
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
