#!/usr/bin/env bash
# Load benchmark: drives the release mock and the floor (a bare axum handler
# parsing the same body, examples/floor.rs) with wrk, on loopback only, and
# prints throughput, latency percentiles and the mock/floor ratio.
#
#   bash benches/load.sh   # 5 s per run, 32 connections, 9 + 5 rounds (~3 min)
#   DURATION=10s CONNECTIONS=64 ROUNDS=15 PACED_ROUNDS=7 bash benches/load.sh
#   MOCK=/tmp/pizzastack-before bash benches/load.sh   # another build of the mock
#
# Installs wrk from Debian's packages when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# PIN=1 runs the servers on core 0 and wrk on core 1. Measured: the same
# throughput ratio, but a worse tail for the mock (its two runtime workers
# then share one core), so it is off by default.
source benches/lib.sh
duration=${DURATION:-5s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
large_session_objects=${LARGE_SESSION_OBJECTS:-1000}
rounds=${ROUNDS:-9}
paced_rounds=${PACED_ROUNDS:-5}

ensure_wrk
cargo build --release --quiet --bin pizzastack --example floor
mock_port=$(pick_port)
floor_port=$(pick_port)
start_server "${MOCK:-target/release/pizzastack}" "${BENCH_SERVE[@]}" "127.0.0.1:$mock_port"
mock=$SERVER_PID
start_server target/release/examples/floor "127.0.0.1:$floor_port"
floor=$SERVER_PID
trap 'kill $mock $floor 2>/dev/null || true' EXIT

wait_for "http://127.0.0.1:$mock_port/healthz"
wait_for "http://127.0.0.1:$floor_port/"

# Runs wrk and prints "rps p50 p99 max".
measure() {
  local out
  out=$(client wrk --latency "$@")
  echo "$out" >&2
  local rps p50 p99 max
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  max=$(echo "$out" | awk '$1 == "Latency" {print $4}')
  echo "$rps $p50 $p99 $max"
}

echo "== warm-up"
client wrk -t"$threads" -c"$connections" -d2s -s benches/wrk/acquire.lua "http://127.0.0.1:$mock_port" >/dev/null
client wrk -t"$threads" -c"$connections" -d2s -s benches/wrk/acquire.lua "http://127.0.0.1:$floor_port" >/dev/null

# Throughput on this shared machine drifts over minutes by more than the
# gap being measured, so every comparison alternates floor and mock runs,
# in ABBA order (floor first in odd rounds, mock first in even ones), and
# reports the median round.
#
#   alternate LUA ROUNDS   fills floor_runs and mock_runs with "rps p50 p99 max"
alternate() {
  local lua=$1 count=$2 round
  run() { measure -t"$threads" -c"$connections" -d"$duration" -s "$lua" "http://127.0.0.1:$1"; }
  floor_runs=()
  mock_runs=()
  for round in $(seq 1 "$count"); do
    if ((round % 2)); then
      floor_runs+=("$(run "$floor_port")")
      mock_runs+=("$(run "$mock_port")")
    else
      mock_runs+=("$(run "$mock_port")")
      floor_runs+=("$(run "$floor_port")")
    fi
  done
}

# Prints the median round's floor and mock "rps p50 p99 max", the median
# mock/floor throughput ratio and every round's ratio; with "p99" as the
# first argument, the round of the median mock p99 instead.
median_round() {
  python3 - "$@" <<'PY'
import statistics, sys
by, runs = sys.argv[1], [line.split() for line in sys.argv[2:]]
floor, mock = runs[: len(runs) // 2], runs[len(runs) // 2 :]
ratios = [float(m[0]) / float(f[0]) for f, m in zip(floor, mock)]
def ms(text):
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float(text)
keys = ratios if by == "ratio" else [ms(m[2]) for m in mock]
i = keys.index(statistics.median_low(keys))
print(*floor[i], *mock[i], f"{statistics.median_low(ratios):.2f}", ",".join(f"{r:.2f}" for r in ratios))
PY
}

echo "== $rounds alternating rounds of floor (bare axum handler, acquire body) and mock (POST /v1/tomato/acquire), at saturation"
alternate benches/wrk/acquire.lua "$rounds"
read -r floor_rps floor_p50 floor_p99 floor_max mock_rps mock_p50 mock_p99 mock_max ratio ratios < <(
  median_round ratio "${floor_runs[@]}" "${mock_runs[@]}")
echo "== $paced_rounds alternating rounds of floor and mock: acquire paced at 1 request/ms per connection (below saturation)"
alternate benches/wrk/acquire-paced.lua "$paced_rounds"
read -r floor_paced_rps floor_paced_p50 floor_paced_p99 floor_paced_max paced_rps paced_p50 paced_p99 paced_max _ _ < <(
  median_round p99 "${floor_runs[@]}" "${mock_runs[@]}")
paced_p99s=$(for run in "${mock_runs[@]}"; do echo "$run" | awk '{print $3}'; done | paste -sd, -)
echo "== mock: whole pipeline (6 requests per pizza), 4 connections"
read -r pipe_rps pipe_p50 pipe_p99 pipe_max < <(measure -t4 -c4 -d"$duration" -s benches/wrk/pipeline.lua "http://127.0.0.1:$mock_port")

echo "== filling one session with $large_session_objects objects"
python3 - "$mock_port" "$large_session_objects" <<'PY'
import http.client, json, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port)
body = json.dumps({"variety": "San Marzano", "ripeness": 0.8, "weight": 150})
headers = {"Content-Type": "application/json", "X-API-Key": "your-api-key", "X-Session-ID": "bench-large"}
for _ in range(count):
    conn.request("POST", "/v1/tomato/acquire", body, headers)
    response = conn.getresponse(); response.read()
    assert response.status == 200, response.status
PY
log_bytes=$(curl -s -H 'X-API-Key: your-api-key' "http://127.0.0.1:$mock_port/v1/session/bench-large/log" | wc -c)
echo "== mock: GET the log of a $large_session_objects-object session ($log_bytes bytes)"
read -r log_rps log_p50 log_p99 log_max < <(measure -t"$threads" -c"$connections" -d"$duration" -s benches/wrk/log.lua "http://127.0.0.1:$mock_port")

cat <<REPORT

scenario                               requests/s   p50        p99        max
floor (bare axum, acquire body)        $(printf '%-12s %-10s %-10s %s' "$floor_rps" "$floor_p50" "$floor_p99" "$floor_max")
mock acquire                           $(printf '%-12s %-10s %-10s %s' "$mock_rps" "$mock_p50" "$mock_p99" "$mock_max")
floor acquire, paced                   $(printf '%-12s %-10s %-10s %s' "$floor_paced_rps" "$floor_paced_p50" "$floor_paced_p99" "$floor_paced_max")
mock acquire, paced                    $(printf '%-12s %-10s %-10s %s' "$paced_rps" "$paced_p50" "$paced_p99" "$paced_max")
mock pipeline (6 steps, 4 conns)       $(printf '%-12s %-10s %-10s %s' "$pipe_rps" "$pipe_p50" "$pipe_p99" "$pipe_max")
mock log of $large_session_objects objects              $(printf '%-12s %-10s %-10s %s' "$log_rps" "$log_p50" "$log_p99" "$log_max")

mock/floor throughput on acquire at saturation: $ratio, the median of $rounds alternating rounds ($ratios) (goal >= 0.8)
p99 at $connections connections, paced below saturation: $paced_p99 in the median of $paced_rounds rounds ($paced_p99s; floor in that round: $floor_paced_p99) (goal < 2ms)
p99 at $connections connections, at saturation: $mock_p99 (floor: $floor_p99), in the median throughput round
REPORT
