# debugger modules already imported
import sys
found = [m for m in ('pdb', 'bdb', 'pydevd', 'debugpy') if m in sys.modules]
print('debugger found' if found else 'clean')
