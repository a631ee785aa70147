#!/usr/bin/env bash
# Checks `pizzastack check` against a server it was not written with:
# scripts/independent_server.py, written from the documentation pages alone
# with its own choices wherever they are silent (8-hex-digit IDs, 201s,
# {"detail": ...} errors, nulls, no session_id in the log, shared sessions,
# a 2 s TTL that expiry cases wait out).
#  - As written, it must pass with --strict: no false alarm.
#  - With one documented rule broken (--break RULE), the check must exit 1
#    and report exactly that rule as FAIL.
# Standard-library Python only; loopback only; every server is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --bin pizzastack
check=target/debug/pizzastack
servers=()
trap 'for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts the independent server with extra arguments; prints its base URL.
start() {
  local port log
  port=$(free_port)
  log=$(mktemp)
  python3 scripts/independent_server.py --port "$port" --api-key key-one --api-key key-two --session-ttl 2 "$@" >"$log" 2>&1 &
  servers+=("$!")
  for _ in $(seq 1 100); do
    if grep -q "independent PizzaStack server" "$log"; then
      echo "http://127.0.0.1:$port"
      return
    fi
    sleep 0.05
  done
  echo "the independent server did not start:" >&2
  cat "$log" >&2
  exit 1
}

run_check() {
  "$check" check --target "$1" --api-key key-one --other-api-key key-two --session-ttl 2s --strict --test-threads 4
}

failures=0
target=$(start)
out=$(mktemp)
if run_check "$target" >"$out" 2>&1; then
  echo "as written: passes with --strict ($(grep -E '^[0-9]+ of [0-9]+ MUST rules verified' "$out" | cut -d';' -f1))"
else
  echo "FALSE ALARM: the independent server, which follows the docs, failed:"
  sed -n '/^Deviations from the contract/,$p' "$out"
  failures=$((failures + 1))
fi

for rule in SESS-005 QLT-002 SIM-002; do
  target=$(start --break "$rule")
  status=0
  run_check "$target" >"$out" 2>&1 || status=$?
  failing=$(grep -E '^  (MUST|SHOULD) +[A-Z]+-[0-9]+ +FAIL' "$out" | awk '{print $2}' | sort | tr '\n' ' ')
  if [ "$status" = 1 ] && [ "$failing" = "$rule " ]; then
    echo "with $rule broken: caught, exit 1, and the only rule failing is $rule"
  else
    echo "MISSED: with $rule broken, exit $status and failing rules: ${failing:-none}"
    sed -n '/^Rules against/,$p' "$out"
    failures=$((failures + 1))
  fi
done
run_explore() {
  "$check" explore --target "$1" --api-key key-one --other-api-key key-two --session-ttl 2s --strict --seed 7 --time "${EXPLORE_TIME:-20s}"
}

# explore: generated workflows judged by the docs; the server's 2 s TTL is
# waited out at most once per worker.
target=$(start)
if run_explore "$target" >"$out" 2>&1; then
  echo "explored: passes with --strict ($(grep '^explore: seed' "$out"))"
else
  echo "FALSE ALARM: explore fails the independent server, which follows the docs:"
  grep -E '^explore:|^FAIL' "$out"
  failures=$((failures + 1))
fi
for rule in SESS-005 SIM-002; do
  target=$(start --break "$rule")
  status=0
  run_explore "$target" >"$out" 2>&1 || status=$?
  if [ "$status" = 1 ] && grep -q "^explore: FAIL $rule " "$out"; then
    echo "explored with $rule broken: caught, exit 1 ($(grep "^explore: FAIL $rule " "$out"))"
  else
    echo "MISSED by explore: with $rule broken, exit $status"
    grep -E '^explore:' "$out"
    failures=$((failures + 1))
  fi
done
rm -f "$out"
echo "independent-server: $((7 - failures)) passed, $failures failed"
[ "$failures" = 0 ]
