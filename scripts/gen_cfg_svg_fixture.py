"""Writes crates/pyctrace-cfg/tests/fixtures/svg_sample_3.11.json: the code
of one small function compiled by CPython 3.11 and what its own `dis`
prints, for the SVG renderer's tests (CFG checked against dis, snapshot).

    $(pyenv root)/versions/3.11.*/bin/python scripts/gen_cfg_svg_fixture.py
"""
import dis
import io
import json
import os
import sys

SOURCE = '''
def sample(n):
    total = 0
    while n > 0:
        try:
            total += 10 // n
        except ZeroDivisionError:
            total = -1
        n -= 1
    return total
'''

assert sys.version_info[:2] == (3, 11), "run with CPython 3.11"
scope = {}
exec(compile(SOURCE, "sample.py", "exec"), scope)
code = scope["sample"].__code__
text = io.StringIO()
dis.dis(code, file=text)
out = {
    "made_by": "scripts/gen_cfg_svg_fixture.py",
    "python": sys.version.split()[0],
    "source": SOURCE,
    "name": code.co_name,
    "co_code": code.co_code.hex(),
    "exceptiontable": code.co_exceptiontable.hex(),
    "dis": text.getvalue(),
}
path = os.path.join(os.path.dirname(__file__), "..", "crates", "pyctrace-cfg", "tests", "fixtures", "svg_sample_3.11.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
print(path)
