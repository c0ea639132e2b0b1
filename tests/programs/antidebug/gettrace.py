# sys.gettrace() names the installed trace function
import sys
print('debugger found' if sys.gettrace() is not None else 'clean')
