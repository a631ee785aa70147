#!/usr/bin/env bash
# Runs Schemathesis (installed here from PyPI into target/schemathesis-venv)
# against the mock's own /openapi.json with every check: no 5xx, responses
# matching their schemas and status codes, invalid input refused, valid
# input accepted. Settings and the reasons for each: scripts/schemathesis.toml.
#
#   bash scripts/schemathesis.sh            # seed 1, as in CI
#   SEED=42 bash scripts/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4.32,<5'
fi

cargo build --quiet --bin pizzastack
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
target/debug/pizzastack serve --listen "127.0.0.1:$port" >"$log" 2>&1 &
mock=$!
trap 'kill "$mock" 2>/dev/null || true; rm -f "$log"' EXIT

# One worker: with two, Hypothesis describes strategies from two threads at
# once, and the ast.parse of CPython 3.11 here (CPython gh-106905) can then
# fail with "AST constructor recursion depth mismatch", an error of the
# tool's own that turned a CI run red.
"$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run \
  "http://127.0.0.1:$port/openapi.json" \
  --checks all --seed "${SEED:-1}" --workers 1 --wait-for-schema 30 \
  --report junit --report-dir target/schemathesis-report
