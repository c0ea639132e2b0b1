# frame.f_trace of the running frames (module and a function)
import sys

def probe():
    return sys._getframe().f_trace

found = probe() is not None or sys._getframe().f_trace is not None
print('debugger found' if found else 'clean')
