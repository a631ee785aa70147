#!/usr/bin/env bash
# Throughput of two server command lines side by side: ROUNDS (default 8)
# alternating DURATION (default 5s) wrk rounds of benches/wrk/acquire.lua at
# CONNECTIONS (default 32), and the median ratio B/A (STATISTIC=median_low
# for the lower middle one, as devices.sh reports it). Each command gets a free loopback address
# appended, so end it with --listen (or nothing, for examples/floor).
#
#   bash benches/ab.sh "target/release/pizzastack serve --listen" \
#                      "target/release/pizzastack serve --admin --listen"
#
# For two builds, copy the binaries aside first (as devices.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
ensure_wrk
[ $# -eq 2 ] || { echo 'usage: bash benches/ab.sh "COMMAND A" "COMMAND B"' >&2; exit 2; }
a=$(pick_port); b=$(pick_port)
# Word splitting of the command lines is meant.
# shellcheck disable=SC2086
start_server $1 "127.0.0.1:$a"; pa=$SERVER_PID
# shellcheck disable=SC2086
start_server $2 "127.0.0.1:$b"; pb=$SERVER_PID
trap 'kill $pa $pb 2>/dev/null || true' EXIT
wait_for "http://127.0.0.1:$a/healthz" 30
wait_for "http://127.0.0.1:$b/healthz" 30
rps() { wrk -t2 -c"${CONNECTIONS:-32}" -d"${DURATION:-5s}" -s benches/wrk/acquire.lua "http://127.0.0.1:$1" | awk '/Requests\/sec/ {print $2}'; }
rps "$a" >/dev/null; rps "$b" >/dev/null
ratios=()
for round in $(seq 1 "${ROUNDS:-8}"); do
  if ((round % 2)); then x=$(rps "$a"); y=$(rps "$b"); else y=$(rps "$b"); x=$(rps "$a"); fi
  ratios+=("$(python3 -c "print(f'{$y / $x:.3f}')")")
done
python3 -c 'import statistics, sys; r = sorted(map(float, sys.argv[2:])); print("B/A %.3f (rounds: %s)" % (getattr(statistics, sys.argv[1])(r), " ".join(sys.argv[2:])))' "${STATISTIC:-median}" "${ratios[@]}"
