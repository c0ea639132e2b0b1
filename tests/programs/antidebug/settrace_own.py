# the program installs its own tracer: it must see no previous tracer, and
# its own tracer must work as usual
import sys

seen = []

def mine(frame, event, arg):
    seen.append(event)
    return mine

def work(x):
    y = x + 1
    return y * 2

previous = sys.gettrace()
sys.settrace(mine)
same = sys.gettrace() is mine
work(3)
sys.settrace(previous)
after = sys.gettrace()
ok = previous is None and same and after is None and seen[:1] == ['call'] and 'return' in seen
print('debugger found' if not ok else 'clean')
print(seen.count('call'), seen.count('line'), seen.count('return'))
total = 0
for i in range(3):
    total += work(i)
print(total)
