"""Speed of pyctrace's own VM beside CPython 3.11, on the CPU-bound programs
of scripts/bench/vm/ (loops, calls, strings, dicts, classes):

* untraced: `python3.11 prog.pyc` beside `pyctrace run --engine vm`;
* traced: `pyctrace trace --engine vm` beside `pyctrace trace --engine
  cpython` (3.11), with values, as text and as JSONL (to /dev/null), and
  counting only (`--count`).

    python3 scripts/bench/vm_speed.py [--pyctrace target/release/pyctrace]
        [--untraced-pyctrace PATH] [--runs 3] [--trace-div 50]
        [--clock wall|cpu] [PROGRAM...]

Not a test: prints a table of best-of-N times (start-up of an empty
program subtracted) and ratios. Every run's stdout must equal CPython's
(the programs print checksums). Traced runs use the programs divided by
--trace-div (their sizes come from sys.argv[1]), so that they stay short.

--untraced-pyctrace: a second pyctrace built with `--features
pyctrace-vm/untraced` (the trace hooks compiled out); its untraced time
beside the normal build's shows what the hooks cost when no trace is taken.
--clock cpu measures user+system CPU time instead of wall time (steadier on
a busy machine).
"""
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGRAMS = os.path.join(HERE, 'vm')
CLOCK = 'wall'


def python311():
    root = subprocess.check_output(['pyenv', 'root']).decode().strip()
    for name in sorted(os.listdir(os.path.join(root, 'versions'))):
        if name.startswith('3.11.'):
            return os.path.join(root, 'versions', name, 'bin', 'python3.11')
    raise SystemExit('CPython 3.11 is not installed under pyenv')


def timed(cmd):
    """(seconds, stdout) of one run; fails loudly on a non-zero exit."""
    before = os.times()
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t
    after = os.times()
    if r.returncode != 0:
        raise SystemExit('failed: %s\n%s' % (' '.join(cmd), r.stderr.decode()[-2000:]))
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return (cpu if CLOCK == 'cpu' else wall), r.stdout


def best(cmd, runs):
    results = [timed(cmd) for _ in range(runs)]
    return min(r[0] for r in results), results[-1][1]


def compile_pyc(py, src, dst):
    subprocess.check_call([py, '-c', 'import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3], doraise=True)',
                           src, dst, os.path.basename(src)])


def main():
    global CLOCK
    args = sys.argv[1:]
    pyctrace = os.path.join(ROOT, 'target', 'release', 'pyctrace')
    untraced_build = None
    runs = 3
    div = 50
    wanted = []
    while args:
        a = args.pop(0)
        if a == '--pyctrace':
            pyctrace = args.pop(0)
        elif a == '--untraced-pyctrace':
            untraced_build = args.pop(0)
        elif a == '--runs':
            runs = int(args.pop(0))
        elif a == '--trace-div':
            div = int(args.pop(0))
        elif a == '--clock':
            CLOCK = args.pop(0)
        else:
            wanted.append(a)
    py = python311()
    tmp = tempfile.mkdtemp(prefix='pyctrace-vmbench-')
    empty_src = os.path.join(tmp, 'empty.py')
    with open(empty_src, 'w') as f:
        f.write('pass\n')
    empty = os.path.join(tmp, 'empty.pyc')
    compile_pyc(py, empty_src, empty)
    start_py = best([py, empty], runs)[0]
    start_vm = best([pyctrace, 'run', '--engine', 'vm', empty], runs)[0]
    start_cp = best([pyctrace, 'run', '--engine', 'cpython', empty], runs)[0]
    net = lambda t, s: max(t - s, 1e-4)
    print('%s clock, best of %d, start-up subtracted (python %.3fs, vm %.3fs, cpython engine %.3fs)' % (
        CLOCK, runs, start_py, start_vm, start_cp))
    print('traced runs: sizes / %d; vm/cp < 1 means the vm engine is faster' % div)
    head = '%-8s %8s %8s %6s' % ('program', 'python', 'vm', 'vm/py')
    if untraced_build:
        head += ' %8s %6s' % ('vm-nohk', 'hooks')
    head += ' | %-5s %8s %8s %6s' % ('trace', 'vm', 'cpython', 'vm/cp')
    print(head)
    names = sorted(n[:-3] for n in os.listdir(PROGRAMS) if n.endswith('.py'))
    ratios = {'untraced': [], 'count': [], 'text': [], 'jsonl': []}
    for name in names:
        if wanted and name not in wanted:
            continue
        pyc = os.path.join(tmp, name + '.pyc')
        compile_pyc(py, os.path.join(PROGRAMS, name + '.py'), pyc)
        t_py, out_py = best([py, pyc], runs)
        t_vm, out_vm = best([pyctrace, 'run', '--engine', 'vm', pyc], runs)
        if out_vm != out_py:
            raise SystemExit('%s: vm printed %r, CPython %r' % (name, out_vm, out_py))
        ratios['untraced'].append(net(t_vm, start_vm) / net(t_py, start_py))
        row = '%-8s %7.3fs %7.3fs %5.2fx' % (name, net(t_py, start_py), net(t_vm, start_vm),
                                              net(t_vm, start_vm) / net(t_py, start_py))
        if untraced_build:
            t_nh, out_nh = best([untraced_build, 'run', '--engine', 'vm', pyc], runs)
            if out_nh != out_py:
                raise SystemExit('%s: untraced build printed %r' % (name, out_nh))
            row += ' %7.3fs %5.2fx' % (net(t_nh, start_vm), net(t_vm, start_vm) / net(t_nh, start_vm))
        small_out = subprocess.run([py, pyc, str(div)], stdout=subprocess.PIPE, check=True).stdout
        first = True
        for mode, extra in (('count', ['--count']),
                            ('text', ['-o', os.devnull]),
                            ('jsonl', ['--format', 'jsonl', '-o', os.devnull])):
            times = {}
            for engine in ('vm', 'cpython'):
                t, out = best([pyctrace, 'trace', '--engine', engine, pyc] + extra + ['--', str(div)], runs)
                if out != small_out:
                    raise SystemExit('%s: traced %s printed %r, CPython %r' % (name, engine, out, small_out))
                times[engine] = net(t, start_vm if engine == 'vm' else start_cp)
            ratios[mode].append(times['vm'] / times['cpython'])
            lead = row if first else ' ' * len(row)
            first = False
            print('%s | %-5s %7.3fs %7.3fs %5.2fx' % (lead, mode, times['vm'], times['cpython'],
                                                      times['vm'] / times['cpython']))
    geo = lambda xs: (lambda p: p ** (1.0 / len(xs)))(__import__('functools').reduce(lambda a, b: a * b, xs, 1.0)) if xs else 0
    print('geometric means: vm/python %.2fx; traced vm/cpython: count %.2fx, text %.2fx, jsonl %.2fx' % (
        geo(ratios['untraced']), geo(ratios['count']), geo(ratios['text']), geo(ratios['jsonl'])))


if __name__ == '__main__':
    main()
