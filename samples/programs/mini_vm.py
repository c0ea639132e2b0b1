# A tiny stack machine interpreter.
from __future__ import print_function

PROGRAM = [
    ("push", 10), ("store", "n"), ("push", 1), ("store", "acc"),
    ("load", "n"), ("jz", 14),
    ("load", "acc"), ("load", "n"), ("mul", None), ("store", "acc"),
    ("load", "n"), ("push", 1), ("sub", None), ("store", "n"),
    ("jmp_back", 4),
    ("load", "acc"), ("print", None), ("halt", None),
]


def run(program, limit=1000):
    stack = []
    env = {}
    pc = 0
    steps = 0
    out = []
    while pc < len(program) and steps < limit:
        op, arg = program[pc]
        steps += 1
        pc += 1
        if op == "push":
            stack.append(arg)
        elif op == "load":
            stack.append(env[arg])
        elif op == "store":
            env[arg] = stack.pop()
        elif op == "mul" or op == "sub":
            b = stack.pop()
            a = stack.pop()
            stack.append(a * b if op == "mul" else a - b)
        elif op == "jz":
            if stack.pop() == 0:
                pc = arg + 1
        elif op == "jmp_back":
            pc = arg
        elif op == "print":
            out.append(stack.pop())
        elif op == "halt":
            break
        else:
            raise ValueError("bad op " + op)
    return out, steps, sorted(env.items())


def main():
    out, steps, env = run(PROGRAM)
    print("output", out)
    print("steps", steps)
    print("env", env)
    out, steps, env = run(PROGRAM, limit=20)
    print("limited", out, steps, env)
    try:
        run([("bogus", None)])
    except ValueError as e:
        print("error", e)


main()
