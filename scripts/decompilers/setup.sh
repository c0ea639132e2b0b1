#!/usr/bin/env bash
# Creates target/decompilers-venv with uncompyle6 and decompyle3 from PyPI
# (pinned). The venv's Python must be one the decompilers run on: the
# machine's python3.11 first, else a pyenv 3.9 / 3.8 interpreter.
# Usage: scripts/decompilers/setup.sh   (prints the venv's python path last)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/target/decompilers-venv"
UNCOMPYLE6=3.9.3
DECOMPYLE3=3.9.3
XDIS=6.1.8
SPARK=1.9.0

candidates=()
command -v python3.11 >/dev/null 2>&1 &&
  candidates+=("$(python3.11 -c 'import sys; print(sys.executable)')")
if command -v pyenv >/dev/null 2>&1; then
  proot="$(pyenv root)"
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(9|8)\.' | sort -rV); do
    candidates+=("$proot/versions/$v/bin/python")
  done
fi

ok() {
  "$venv/bin/python" -c 'import uncompyle6, decompyle3' >/dev/null 2>&1 &&
    "$venv/bin/uncompyle6" --version >/dev/null 2>&1 &&
    "$venv/bin/decompyle3" --version >/dev/null 2>&1
}

if [ -x "$venv/bin/python" ] && ok; then
  echo "$venv/bin/python"
  exit 0
fi

for py in "${candidates[@]}"; do
  echo "trying $py" >&2
  rm -rf "$venv"
  "$py" -m venv "$venv" >&2 || continue
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "xdis==$XDIS" "spark_parser==$SPARK" "click==8.1.8" "six==1.17.0" \
    "uncompyle6==$UNCOMPYLE6" "decompyle3==$DECOMPYLE3" >&2 || continue
  if ok; then
    echo "$venv/bin/python"
    exit 0
  fi
  echo "decompilers do not run on $py" >&2
done
echo "could not set up the decompilers venv" >&2
exit 1
