#!/usr/bin/env bash
# Instructions (and simulated cache misses) per acquire request, of the
# floor and the mock, under valgrind's callgrind: unlike requests/second on
# a shared machine, these counts barely move from run to run.
#
#   bash benches/callgrind.sh
#
# Installs wrk and valgrind from Debian's packages when they are missing.
# Keeps the profiles in target/callgrind/ for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
ensure_wrk
ensure_tool valgrind valgrind
cargo build --release --quiet --bin pizzastack --example floor
mkdir -p target/callgrind

profile() {
  local name=$1; shift
  local port; port=$(pick_port)
  local out="target/callgrind/$name.out"
  rm -f "$out"*
  start_server valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file="$out" "$@" "127.0.0.1:$port"
  local pid=$SERVER_PID
  # Under valgrind the mock takes several seconds to compile its schemas.
  wait_for "http://127.0.0.1:$port/" 30
  # Warm up, then count only the measured run: start-up (compiling the
  # schemas) would otherwise be spread over however many requests ran.
  wrk -t1 -c4 -d2s -s benches/wrk/acquire.lua "http://127.0.0.1:$port" >/dev/null
  callgrind_control --zero "$pid" >/dev/null 2>&1
  local requests
  requests=$(wrk -t1 -c4 -d10s -s benches/wrk/acquire.lua "http://127.0.0.1:$port" | awk '/requests in/ {print $1}')
  # Dump the counts while the server runs: the floor has no signal handler
  # and would die without writing them.
  callgrind_control --dump "$pid" >/dev/null 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  local dump; dump=$(ls -S "$out"* | head -1)
  callgrind_annotate --show=Ir,I1mr,D1mr,D1mw "$dump" 2>/dev/null | awk -v name="$name" -v n="$requests" '
    /PROGRAM TOTALS/ {
      for (i = 1; i <= NF; i++) gsub(",", "", $i)
      printf "%s: %d instructions, %d I1 misses, %d D1 read misses, %d D1 write misses per request (%d requests)\n", name, $1 / n, $3 / n, $5 / n, $7 / n, n
    }'
}
profile floor target/release/examples/floor
profile mock target/release/pizzastack serve --max-sessions 1000000 --max-objects-per-session 1000000 --max-session-bytes 1GiB --max-store-bytes 64GiB --listen
