"""Reference instruction tracer: runs a .pyc under THIS interpreter with a
Python-level ``sys.settrace`` tracer that asks for opcode events
(``frame.f_trace_opcodes``), and writes the JSONL records pyctrace's
engines write (PRODUCT.md, "trace records, defined"), for frames of the
program's file only.

    python settrace_reference.py FILE.pyc [-o OUT.jsonl] [--lines] [--naive] [-- ARGS...]

It is also the "naive settrace tracer" the anti-debug programs must detect:
it leaves ``sys.gettrace()`` and ``frame.f_trace`` set. With --naive it also
does what a naive Python-level debugger does besides: ``threading.settrace``,
a no-op ``sys.setprofile``, and importing ``pdb``.

--lines (2.7 and 3.6, which have no opcode events): before running, every
code object is rebuilt with a line table in which every instruction starts
a new line, and per-instruction "line" events are reported as op records.
The line numbers reported are then meaningless ("line" is null).

Records: op records carry ev, depth, code, file, offset, line, op, arg,
argrepr, push/pop (always empty here); call/return/exception records
ev, depth, code, file, offset, line (+ exc, the exception type's name).
depth counts frames from the program's module frame (0).
Runs on 2.7 and 3.6+.
"""
import dis
import json
import marshal
import sys
import types

PY = sys.version_info[:2]


def header_len():
    if PY >= (3, 7):
        return 16
    if PY >= (3, 3):
        return 12
    return 8


def rebuild_lines(code):
    """2.7/3.6: a copy of code whose line table starts a line at every
    instruction (and so on for nested code objects)."""
    consts = tuple(rebuild_lines(c) if isinstance(c, types.CodeType) else c
                   for c in code.co_consts)
    raw = code.co_code
    if not isinstance(raw, bytes):
        raw = raw.encode('latin-1')
    offsets = [i.offset for i in dis.get_instructions(code)] if PY >= (3, 4) else _offsets27(raw)
    table = bytearray()
    prev = 0
    for off in offsets[1:]:
        delta = off - prev
        while delta > 255:
            table += bytearray([255, 0])
            delta -= 255
        table += bytearray([delta, 1])
        prev = off
    lnotab = bytes(table)
    if PY < (3, 0):
        return types.CodeType(code.co_argcount, code.co_nlocals, code.co_stacksize, code.co_flags,
                              code.co_code, consts, code.co_names, code.co_varnames,
                              code.co_filename, code.co_name, 1, lnotab,
                              code.co_freevars, code.co_cellvars)
    return types.CodeType(code.co_argcount, code.co_kwonlyargcount, code.co_nlocals,
                          code.co_stacksize, code.co_flags, code.co_code, consts,
                          code.co_names, code.co_varnames, code.co_filename, code.co_name,
                          1, lnotab, code.co_freevars, code.co_cellvars)


def _offsets27(raw):
    out = []
    i = 0
    while i < len(raw):
        out.append(i)
        op = ord(raw[i:i + 1])
        i += 3 if op >= dis.HAVE_ARGUMENT else 1
    return out


def instruction_table(code):
    """offset -> (opname, arg, argrepr) as this version's dis shows them."""
    table = {}
    if PY >= (3, 4):
        for ins in dis.get_instructions(code):
            table[ins.offset] = (ins.opname, ins.arg, ins.argrepr or '')
        return table
    raw = code.co_code
    i = 0
    ext = 0
    while i < len(raw):
        op = ord(raw[i])
        if op >= dis.HAVE_ARGUMENT:
            arg = ord(raw[i + 1]) + ord(raw[i + 2]) * 256 + ext
            ext = arg * 65536 if op == dis.EXTENDED_ARG else 0
            table[i] = (dis.opname[op], arg, '')
            i += 3
        else:
            table[i] = (dis.opname[op], None, '')
            i += 1
    return table


def main():
    argv = sys.argv[1:]
    out_path = None
    lines_mode = False
    naive = False
    rest = []
    if '--' in argv:
        k = argv.index('--')
        argv, rest = argv[:k], argv[k + 1:]
    pyc = None
    i = 0
    while i < len(argv):
        if argv[i] == '-o':
            out_path = argv[i + 1]
            i += 2
        elif argv[i] == '--naive':
            naive = True
            i += 1
        elif argv[i] == '--lines':
            lines_mode = True
            i += 1
        else:
            pyc = argv[i]
            i += 1
    with open(pyc, 'rb') as f:
        data = f.read()
    code = marshal.loads(data[header_len():])
    if lines_mode:
        code = rebuild_lines(code)
    prog_file = code.co_filename
    out = open(out_path, 'w') if out_path else sys.stderr
    tables = {}
    write = out.write
    dumps = json.dumps

    def depth_of(frame):
        d = 0
        f = frame.f_back
        while f is not None:
            d += 1
            f = f.f_back
        return d

    base = [0]

    def emit(ev, frame, extra):
        co = frame.f_code
        rec = {'ev': ev, 'depth': depth_of(frame) - base[0], 'code': co.co_name,
               'file': co.co_filename, 'offset': frame.f_lasti,
               'line': None if lines_mode else frame.f_lineno}
        if extra:
            rec.update(extra)
        write(dumps(rec, separators=(',', ':')) + '\n')

    def op_extra(frame):
        co = frame.f_code
        t = tables.get(co)
        if t is None:
            t = tables[co] = instruction_table(co)
        name, arg, argrepr = t.get(frame.f_lasti, ('?', None, ''))
        return {'op': name, 'arg': arg, 'argrepr': argrepr, 'push': [], 'pop': []}

    def local_trace(frame, event, arg):
        if event == 'opcode' or (event == 'line' and lines_mode):
            emit('op', frame, op_extra(frame))
        elif event == 'return':
            emit('return', frame, None)
        elif event == 'exception':
            emit('exception', frame, {'exc': getattr(arg[0], '__name__', '?')})
        return local_trace

    def global_trace(frame, event, arg):
        if frame.f_code.co_filename != prog_file:
            return None
        if PY >= (3, 7):
            frame.f_trace_opcodes = True
        frame.f_trace = local_trace
        emit('call', frame, None)
        return local_trace

    module = types.ModuleType('__main__')
    module.__dict__.update({'__file__': pyc, '__builtins__': __builtins__})
    if PY >= (3, 0):
        module.__cached__ = None
    sys.modules['__main__'] = module
    sys.argv = [pyc] + rest
    status = 0
    base[0] = depth_of(sys._getframe()) + 1
    if PY >= (3, 7):
        # 3.12: opcode events arrive only if some frame asked before settrace.
        sys._getframe().f_trace_opcodes = True
    if naive:
        # What a naive Python-level debugger also does: trace new threads,
        # install a profiler, use pdb/bdb.
        import threading
        import pdb  # noqa: F401
        threading.settrace(global_trace)
        sys.setprofile(lambda frame, event, arg: None)
    sys.settrace(global_trace)
    try:
        exec(code, module.__dict__)
    except SystemExit as e:
        sys.settrace(None)
        sys.setprofile(None)
        c = e.code
        if c is None:
            status = 0
        elif isinstance(c, int):
            status = c
        else:
            sys.stderr.write(str(c) + '\n')
            status = 1
    except BaseException:
        sys.settrace(None)
        import traceback
        traceback.print_exc()
        status = 1
    sys.settrace(None)
    sys.setprofile(None)
    try:
        sys.stdout.flush()
    except Exception:
        pass
    if out_path:
        out.close()
    else:
        out.flush()
    sys.exit(status)


if __name__ == '__main__':
    main()
