# threading.gettrace() (3.10+; the module global _trace_hook before)
import threading
hook = threading.gettrace() if hasattr(threading, 'gettrace') else threading._trace_hook
print('debugger found' if hook is not None else 'clean')
