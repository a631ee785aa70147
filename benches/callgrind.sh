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
  SECONDS_MEASURED=10 callgrind_profile "target/callgrind/$name.out" "$@"
  callgrind_annotate --show=Ir,I1mr,D1mr,D1mw "$CALLGRIND_DUMP" 2>/dev/null | awk -v name="$name" -v n="$CALLGRIND_REQUESTS" '
    /PROGRAM TOTALS/ {
      for (i = 1; i <= NF; i++) gsub(",", "", $i)
      printf "%s: %d instructions, %d I1 misses, %d D1 read misses, %d D1 write misses per request (%d requests)\n", name, $1 / n, $3 / n, $5 / n, $7 / n, n
    }'
}
profile floor target/release/examples/floor
profile mock target/release/pizzastack "${BENCH_SERVE[@]}"
