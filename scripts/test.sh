#!/usr/bin/env bash
# The whole test suite: generated files up to date, then every test.
# Differential tests use the CPython interpreters pyenv installed (see
# crates/pyctrace-pythons); each prints which versions it used and skips,
# saying so, what needs one that is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

have_pythons=$(ls "${PYENV_ROOT:-$HOME/.pyenv}/versions" 2>/dev/null | grep -c '^[23]\.' || true)
if [ "$have_pythons" -gt 0 ]; then
    # Generated from the interpreters' own Lib/: regenerate and fail on a diff.
    python3 scripts/gen_opcodes.py --check
    python3 scripts/gen_stack_effects.py --check 2>/dev/null
    python3 scripts/gen_marshal_fixtures.py --check
    python3 scripts/protect/generate.py --check
    python3 scripts/layers/generate.py --check
else
    echo "test.sh: no pyenv interpreters found: generated-file checks skipped"
fi

# --show-output: the differential tests print per-version tables.
cargo test --workspace --locked -- --show-output
