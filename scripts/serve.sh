#!/usr/bin/env bash
# Run Hub with the zero-setup default (SQLite in var/hub.db): creates .venv when missing,
# installs the project, then `hub serve`.
#   ./scripts/serve.sh              serve on http://127.0.0.1:8080
#   ./scripts/serve.sh --demo       first load the demo data set (`hub demo`), then serve
# Other arguments go to `hub serve`, e.g. `./scripts/serve.sh --role web`.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/venv.sh
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
