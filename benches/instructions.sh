#!/usr/bin/env bash
# CPU time per request of each server process (from /proc, during a wrk
# run): a steadier cost measure than requests/second on a shared 2-core
# machine, where wrk and the server compete for the same cores.
#
#   bash benches/instructions.sh        # floor and mock, once
#   RUNS=5 bash benches/instructions.sh # alternating, five times each
#
# Installs wrk from Debian's packages when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
ensure_wrk
cargo build --release --quiet --bin pizzastack --example floor

measure() {
  local name=$1; shift
  local port; port=$(pick_port)
  start_server "$@" "127.0.0.1:$port"
  local pid=$SERVER_PID
  wait_for "http://127.0.0.1:$port/"
  client wrk -t2 -c32 -d2s -s benches/wrk/acquire.lua "http://127.0.0.1:$port" >/dev/null
  local ticks_before ticks_after requests
  ticks_before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  requests=$(client wrk -t2 -c32 -d5s -s benches/wrk/acquire.lua "http://127.0.0.1:$port" | awk '/requests in/ {print $1}')
  ticks_after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  kill "$pid"
  python3 -c "
import os
hz = os.sysconf('SC_CLK_TCK')
cpu_us = ($ticks_after - $ticks_before) / hz * 1e6
print(f'$name: {cpu_us / $requests:.2f} µs of server CPU per request ({$requests} requests in 5 s)')
"
}
for _ in $(seq 1 "${RUNS:-1}"); do
  measure floor target/release/examples/floor
  measure mock target/release/pizzastack "${BENCH_SERVE[@]}"
done
