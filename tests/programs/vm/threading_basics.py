# a single-threaded threading: threads run at start(), hooks, locks, events
import threading as t
hook = t.gettrace() if hasattr(t, 'gettrace') else t._trace_hook
print(hook, t.current_thread().name, t.main_thread().name, t.active_count(), len(t.enumerate()))
print(t.current_thread() is t.main_thread(), t.get_ident() == t.main_thread().ident)
seen = []
class T(t.Thread):
    def __init__(self, tag):
        super().__init__()
        self.tag = tag
    def run(self):
        seen.append((self.tag, t.current_thread() is self, t.current_thread().name == self.name, t.active_count()))
x = T('a')
print(x.name.startswith('Thread-'), x.is_alive())
x.start(); x.join()
print(seen, x.is_alive())
def work(a, b=0):
    seen.append(a + b)
y = t.Thread(target=work, args=(1,), kwargs={'b': 2}, daemon=True)
y.start(); y.join(0.5)
print(seen[-1], y.daemon)
try:
    y.start()
except RuntimeError as e:
    print('RuntimeError', e)
l = t.Lock()
print(l.acquire(), l.locked(), l.acquire(False))
l.release()
with l:
    print('inside', l.locked())
print(l.locked())
r = t.RLock()
with r:
    with r:
        print('reentrant')
try:
    l.release()
except RuntimeError as e:
    print('RuntimeError', e)
e = t.Event()
print(e.is_set(), e.wait(0.01))
e.set()
print(e.is_set(), e.wait())
loc = t.local()
loc.x = 5
print(loc.x)
fired = []
tm = t.Timer(0.01, fired.append, args=('timer',))
tm.start(); tm.join()
print(fired)
def tracer(frame, event, arg):
    return None
t.settrace(tracer)
hook = t.gettrace() if hasattr(t, 'gettrace') else t._trace_hook
print(hook is tracer)
import sys
def probe():
    seen.append(sys.gettrace() is tracer)
z = t.Thread(target=probe); z.start(); z.join()
print(seen[-1], sys.gettrace())
