# random: CPython's Mersenne Twister and Lib/random.py algorithms, seeded
import random

random.seed(12345)
print([random.random() for _ in range(3)])
print(random.getrandbits(1), random.getrandbits(16), random.getrandbits(32), random.getrandbits(33))
print(random.getrandbits(64), random.getrandbits(100), random.getrandbits(257))
print([random.randint(1, 6) for _ in range(12)])
print([random.randrange(10) for _ in range(8)], random.randrange(5, 50, 5), random.randrange(100, 0, -7))
print(random.randrange(-10, 10), random.randrange(2 ** 70), random.randint(-2 ** 65, 2 ** 65))
items = list(range(12))
random.shuffle(items)
print(items)
print(random.choice("abcdefg"), random.choice([10, 20, 30]), random.choice(range(1000)))
print(random.sample(range(100), 7), random.sample("hello world", 4), random.sample(range(10 ** 6), 5))
print(random.sample(list(range(30)), 30)[:10])
print(random.choices("abc", k=6), random.choices([1, 2, 3], weights=[10, 1, 1], k=8))
print(random.choices(["x", "y"], cum_weights=[0.25, 1.0], k=5))
print(random.uniform(1, 2), random.uniform(-5.5, 5.5), random.triangular(0, 10, 2), random.triangular())
print(random.gauss(0, 1), random.gauss(10, 2), random.normalvariate(0, 1), random.expovariate(2.0))

for seed in ["hello", b"bytes seed", bytearray(b"ba"), -7, 0, 2 ** 100, True, 3.5]:
    random.seed(seed)
    print(repr(seed), random.random(), random.randrange(1000))

state = random.getstate()
first = [random.random() for _ in range(3)]
random.setstate(state)
print(first == [random.random() for _ in range(3)], state[0], len(state[1]), state[1][-1])

r1 = random.Random(42)
r2 = random.Random(42)
print(r1.random() == r2.random(), r1.randint(0, 100), r2.randint(0, 100), r1.choice("xyz"))
print(isinstance(r1, random.Random), type(random.Random()).__name__, 0 <= random.Random().random() < 1)
r3 = random.Random("seed")
print(r3.random(), r3.getrandbits(20), type(r3).__name__)
r3.seed(99)
print(r3.random(), r3.sample(range(50), 3))
deck = [rank + suit for suit in "SHDC" for rank in "A23456789TJQK"]
rng = random.Random(2024)
rng.shuffle(deck)
print(deck[:13])
print(sorted(rng.sample(deck, 5)))
big = random.Random(7)
print([big.randrange(3, 10 ** 30, 7) for _ in range(2)])
print([big.getrandbits(8) for _ in range(10)])
random.seed(1)
print(random.random(), random.getrandbits(31))
for bad in [lambda: random.choice([]), lambda: random.randrange(0), lambda: random.randrange(1, 10, 0),
            lambda: random.sample([1, 2], 3), lambda: random.getrandbits(-1)]:
    try:
        bad()
    except (IndexError, ValueError) as e:
        print(type(e).__name__)
