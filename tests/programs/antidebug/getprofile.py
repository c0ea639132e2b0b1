# sys.getprofile() names the installed profile function
import sys
print('debugger found' if sys.getprofile() is not None else 'clean')
