#!/usr/bin/env bash
# Lint and test Hub: creates .venv when missing, installs the project with its test extras,
# runs `ruff check .`, `mypy hub channels campaigns` and `pytest -q` (extra arguments go to pytest).
# pytest exit code 5 (no tests collected) is a failure here, never a green run.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/venv.sh
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'

.venv/bin/ruff check .
.venv/bin/mypy hub channels campaigns

status=0
.venv/bin/pytest -q "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "scripts/test.sh: pytest collected no tests (exit code 5); failing" >&2
    exit 1
fi
exit "$status"
