"""Events per second of `pyctrace trace --engine cpython` (text, JSONL,
count only) beside the Python-level settrace opcode tracer
(scripts/oracle/settrace_reference.py) and the untraced run, on one
CPU-bound program, for every installed CPython 3.7+ (pyenv).

    python3 scripts/bench/trace_speed.py [--pyctrace target/release/pyctrace] [--n 20000] [VERSIONS...]

Not a test: prints a table. Wall-clock times include interpreter start-up
(measured alone and subtracted). Traces are written to /tmp (text, JSONL)
so that disk speed, not a terminal, is what is measured.
"""
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGRAM = '''
def work(n):
    total = 0
    i = 0
    while i < n:
        if i %% 3 == 0:
            total += i
        else:
            total -= 1
        i += 1
    return total

print(work(%d))
'''


def pyenv_versions():
    root = subprocess.check_output(['pyenv', 'root']).decode().strip()
    out = {}
    for name in sorted(os.listdir(os.path.join(root, 'versions'))):
        parts = name.split('.')
        if len(parts) == 3 and parts[0] == '3' and parts[2].isdigit() and int(parts[1]) >= 7:
            out['3.' + parts[1]] = os.path.join(root, 'versions', name, 'bin', 'python')
    return out


def timed(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit('failed: %s\n%s' % (' '.join(cmd), r.stderr.decode()[-2000:]))
    return dt, r.stderr.decode()


def best(cmd, runs=3):
    results = [timed(cmd) for _ in range(runs)]
    return min(r[0] for r in results), results[-1][1]


def main():
    args = sys.argv[1:]
    pyctrace = os.path.join(ROOT, 'target', 'release', 'pyctrace')
    n = 20000
    wanted = []
    while args:
        a = args.pop(0)
        if a == '--pyctrace':
            pyctrace = args.pop(0)
        elif a == '--n':
            n = int(args.pop(0))
        else:
            wanted.append(a)
    versions = pyenv_versions()
    tmp = tempfile.mkdtemp(prefix='pyctrace-bench-')
    src = os.path.join(tmp, 'bench.py')
    with open(src, 'w') as f:
        f.write(PROGRAM % n)
    ref = os.path.join(ROOT, 'scripts', 'oracle', 'settrace_reference.py')
    print('loop iterations: %d; times are best of 3, start-up subtracted' % n)
    print('%-5s %10s %10s | %12s %12s %12s %12s | %7s %7s' % (
        'ver', 'events', 'untraced', 'count ev/s', 'jsonl ev/s', 'text ev/s', 'settrace ev/s',
        'x settr', 'ovh cnt'))
    for v, py in versions.items():
        if wanted and v not in wanted:
            continue
        pyc = os.path.join(tmp, 'bench-%s.pyc' % v)
        subprocess.check_call([py, '-c', 'import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile="bench.py", doraise=True)', src, pyc])
        empty = os.path.join(tmp, 'empty-%s.pyc' % v)
        with open(os.path.join(tmp, 'empty.py'), 'w') as f:
            f.write('pass\n')
        subprocess.check_call([py, '-c', 'import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)', os.path.join(tmp, 'empty.py'), empty])
        start_py, _ = best([py, empty])
        start_pc, _ = best([pyctrace, 'run', empty, '--engine', 'cpython'])
        untraced, _ = best([py, pyc])
        t_count, err = best([pyctrace, 'trace', pyc, '--engine', 'cpython', '--count'])
        events = int(err.split('pyctrace: ')[-1].split()[0])
        t_jsonl, _ = best([pyctrace, 'trace', pyc, '--engine', 'cpython', '--format', 'jsonl', '-o', os.path.join(tmp, 'o.jsonl')])
        t_text, _ = best([pyctrace, 'trace', pyc, '--engine', 'cpython', '-o', os.path.join(tmp, 'o.txt')])
        t_ref, _ = best([py, ref, pyc, '-o', os.path.join(tmp, 'r.jsonl')], runs=1)
        ref_events = sum(1 for _ in open(os.path.join(tmp, 'r.jsonl')))
        net = lambda t, s: max(t - s, 1e-6)
        rate = lambda t, s, e: e / net(t, s)
        r_count = rate(t_count, start_pc, events)
        r_ref = rate(t_ref, start_py, ref_events)
        print('%-5s %10d %9.3fs | %12.3g %12.3g %12.3g %12.3g | %6.1fx %6.1fx' % (
            v, events, net(untraced, start_py), r_count, rate(t_jsonl, start_pc, events),
            rate(t_text, start_pc, events), r_ref, r_count / r_ref,
            net(t_count, start_pc) / net(untraced, start_py)))


if __name__ == '__main__':
    main()
