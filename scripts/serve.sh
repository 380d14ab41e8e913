#!/usr/bin/env bash
# Run Hub with the zero-setup default (SQLite in var/hub.db): creates .venv when missing,
# installs the project, then `hub serve`.
#   ./scripts/serve.sh              serve on http://127.0.0.1:8080
#   ./scripts/serve.sh --demo       first load the demo data set (`hub demo`), then serve
# Other arguments go to `hub serve`, e.g. `./scripts/serve.sh --role web`.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "scripts/serve.sh: Hub needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
        exit 1
    fi
    echo "Creating .venv with $("$PYTHON" -V 2>&1)" >&2
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .

demo=0
args=()
for arg in "$@"; do
    if [ "$arg" = "--demo" ]; then demo=1; else args+=("$arg"); fi
done
if [ "$demo" -eq 1 ]; then
    .venv/bin/hub demo
fi
exec .venv/bin/hub serve ${args[@]+"${args[@]}"}
