# positional, keyword, default and star arguments; nested calls
def add(a, b=2):
    return a + b

def apply(f, *args, **kwargs):
    return f(*args, **kwargs)

def twice(x):
    return add(add(x), b=x)

print(add(1), add(1, 5), apply(add, 3, b=4), twice(7))
print(sorted([3, 1, 2], key=lambda v: -v))
