# sorting with key and reverse, stability
data = [("bob", 25, 3.5), ("amy", 31, 4.0), ("cat", 25, 2.5), ("dan", 19, 4.0), ("eve", 31, 3.0)]
print(sorted(data))
print(sorted(data, key=lambda r: r[1]))
print(sorted(data, key=lambda r: r[1], reverse=True))
print(sorted(data, key=lambda r: (-r[2], r[0])))
print(sorted(data, key=lambda r: r[2], reverse=True))
words = ["banana", "Apple", "cherry", "apple", "Banana", "date"]
print(sorted(words), sorted(words, key=str.lower), sorted(words, key=len), sorted(words, key=len, reverse=True))
nums = [5, -3, 2, -8, 0, 7, -1]
print(sorted(nums, key=abs), sorted(nums, reverse=True), min(nums, key=abs), max(nums, key=lambda v: v * v))
lst = list(nums)
lst.sort(key=lambda v: (v % 3, v))
print(lst)
lst.sort(reverse=True)
print(lst, sorted("hello"), sorted({3: "c", 1: "a", 2: "b"}), sorted({3: "c", 1: "a"}.items()))
print(sorted([[2, 1], [1, 2], [1, 1, 0]]), sorted([(1, "b"), (1, "a")]), sorted([2.5, 1, True, 0.5]))
print(sorted(range(10), key=lambda i: i % 3), list(reversed(sorted([3, 1, 2]))))
try:
    sorted([1, "a"])
except TypeError as e:
    print("TypeError", e)


class Item:
    def __init__(self, v):
        self.v = v

    def __lt__(self, other):
        return self.v < other.v

    def __repr__(self):
        return "Item(%d)" % self.v


print(Item(3) < Item(1), Item(1) < Item(2))
stable = sorted([("x", 1), ("y", 0), ("z", 1), ("w", 0)], key=lambda t: t[1])
print(stable, sorted([], reverse=True), sorted((1,)), sorted("bca", reverse=True))
