# requires: 3.9
# Annotations: module, class (SETUP_ANNOTATIONS) and function
# __annotations__ (a dict up to 3.9, name/value pairs from 3.10), and the
# builtin generic aliases (list[int], dict[str, tuple[int, ...]]).

limit: int = 10
names: list[str]
print(__annotations__)


class Node:
    value: int
    children: 'list[Node]' = []
    weight: float = 1.0

    def add(self, child: 'Node') -> None:
        self.children = self.children + [child]

    def total(self, scale: float = 1.0, *, deep: bool = True) -> float:
        return self.weight * scale


print(Node.__annotations__, Node.weight, hasattr(Node, 'value'))
print(Node.add.__annotations__, Node.total.__annotations__)


def convert(items: list[int], table: dict[str, tuple[int, ...]] = None, *rest: set[bytes], **kw: type[int]) -> frozenset[str]:
    return frozenset([str(i) for i in items])


for name, ann in convert.__annotations__.items():
    print(name, ann, type(ann).__name__)
print(sorted(convert([3, 1, 2])), convert.__annotations__ is convert.__annotations__)

alias = dict[str, list[int]]
print(alias, alias.__origin__, alias.__args__, alias(a=[1]), list[Node], tuple[int, ...])


def plain(a, b=2):
    return a + b


print(plain.__annotations__, plain(1))
plain.__annotations__['a'] = int
print(plain.__annotations__)
