# recursion: factorial, fibonacci, mutual recursion
def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)

def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

def is_even(n):
    return True if n == 0 else is_odd(n - 1)

def is_odd(n):
    return False if n == 0 else is_even(n - 1)

print(fact(6), fib(7), is_even(7))
