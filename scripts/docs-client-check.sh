#!/usr/bin/env bash
# Runs scripts/docs_client.py (python `requests`, the docs' own example
# bodies) against a real mock process. Installs `requests` into a private
# virtualenv under target/ so that a fresh machine needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/docs-client-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import requests' 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'requests>=2.31,<3'
fi

cargo build --quiet --bin pizzastack
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
target/debug/pizzastack serve --listen "127.0.0.1:$port" >"$log" 2>&1 &
mock=$!
trap 'kill "$mock" 2>/dev/null || true; rm -f "$log"' EXIT

for _ in $(seq 1 100); do
  if "$venv/bin/python" -c "import requests,sys; requests.get('http://127.0.0.1:$port/healthz', timeout=1)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$mock" 2>/dev/null; then
    echo "the mock exited early:"; cat "$log"; exit 1
  fi
  sleep 0.1
done

"$venv/bin/python" scripts/docs_client.py "http://127.0.0.1:$port/v1"
