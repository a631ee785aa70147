#!/usr/bin/env bash
# The shared store's cost (serve --store): throughput and p99 of one
# replica on Redis against the in-memory mock, of two replicas on one Redis
# side by side, Redis round trips per request, and Redis bytes per object.
#
#   bash benches/fleet.sh          (ROUNDS=5 DURATION=5s CONNECTIONS=32)
#
# Installs wrk and redis-server from Debian's packages when missing. Every
# process runs on loopback on this machine, Redis included: on two cores the
# mock, Redis and wrk share the CPU, so the figures are a floor.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
ensure_wrk
ensure_tool redis-server redis-server
ensure_tool redis-cli redis-tools
rounds=${ROUNDS:-5}
duration=${DURATION:-5s}
connections=${CONNECTIONS:-32}

cargo build --release --locked --quiet
mock=target/release/pizzastack

redis_port=$(pick_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no >/dev/null &
redis_pid=$!
pids=("$redis_pid")
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
rc() { redis-cli -p "$redis_port" "$@"; }
for _ in $(seq 1 50); do rc ping >/dev/null 2>&1 && break; sleep 0.1; done
store="redis://127.0.0.1:$redis_port"

memory_port=$(pick_port); a_port=$(pick_port); b_port=$(pick_port)
start_server "$mock" "${BENCH_SERVE[@]}" "127.0.0.1:$memory_port"; pids+=("$SERVER_PID")
start_server "$mock" "${BENCH_SERVE[@]:0:1}" --admin --store "$store" "${BENCH_SERVE[@]:1}" "127.0.0.1:$a_port"; pids+=("$SERVER_PID")
start_server "$mock" "${BENCH_SERVE[@]:0:1}" --admin --store "$store" "${BENCH_SERVE[@]:1}" "127.0.0.1:$b_port"; pids+=("$SERVER_PID")
for port in "$memory_port" "$a_port" "$b_port"; do wait_for "http://127.0.0.1:$port/healthz" 30; done

# wrk ARGS... -> "rps p99 requests"
measure() {
  local out
  out=$(wrk --latency "$@")
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '$1 == "99%" {print $2}')" \
    "$(echo "$out" | awk '/requests in/ {print $1}')"
}
acquire() { measure -t2 -c"$connections" -d"$duration" -s benches/wrk/acquire.lua "http://127.0.0.1:$1"; }

echo "== warm-up"
acquire "$memory_port" >/dev/null; acquire "$a_port" >/dev/null

echo "== $rounds alternating rounds: in-memory mock and one replica on Redis (acquire, $connections connections)"
memory_runs=(); redis_runs=()
for round in $(seq 1 "$rounds"); do
  if ((round % 2)); then m=$(acquire "$memory_port"); r=$(acquire "$a_port")
  else r=$(acquire "$a_port"); m=$(acquire "$memory_port"); fi
  memory_runs+=("$m"); redis_runs+=("$r")
  echo "round $round: memory $m | redis $r"
done

echo "== two replicas on one Redis, each loaded by its own wrk at once"
both=$( (measure -t1 -c$((connections / 2)) -d"$duration" -s benches/wrk/acquire.lua "http://127.0.0.1:$a_port" > /tmp/fleet-a.$$ &
         measure -t1 -c$((connections / 2)) -d"$duration" -s benches/wrk/acquire.lua "http://127.0.0.1:$b_port" > /tmp/fleet-b.$$; wait)
        echo "$(cat /tmp/fleet-a.$$) | $(cat /tmp/fleet-b.$$)"; rm -f /tmp/fleet-a.$$ /tmp/fleet-b.$$)

# Script calls Redis counted per HTTP request.
calls() { rc info commandstats | awk -F'[=,:]' '/^cmdstat_(evalsha|eval|script)/ {n += $3} END {print n + 0}'; }
round_trips() {
  local before after requests
  before=$(calls)
  requests=$(measure -t"$2" -c"$2" -d2s -s "benches/wrk/$1.lua" "http://127.0.0.1:$a_port" | awk '{print $3}')
  after=$(calls)
  python3 -c "print(f'{($after - $before) / $requests:.2f}')"
}
echo "== Redis round trips per request"
acquire_trips=$(round_trips acquire 4)
pipeline_trips=$(round_trips pipeline 4)

echo "== Redis bytes per object"
curl -s -X POST "http://127.0.0.1:$a_port/__admin/reset" >/dev/null
used() { rc info memory | awk -F: '/^used_memory:/ {print $2+0}'; }
empty=$(used)
wrk -t2 -c8 -d3s -s benches/wrk/acquire.lua "http://127.0.0.1:$a_port" >/dev/null
full=$(used)
stats=$(curl -s "http://127.0.0.1:$a_port/__admin/stats")
per_object=$(python3 -c "
import json; s = json.loads('''$stats''')
print(f\"{($full - $empty) / s['live_objects']:.0f} bytes per object ({s['live_objects']} objects in {s['live_sessions']} sessions, session keys included)\")")

python3 - "$rounds" "${memory_runs[@]}" "${redis_runs[@]}" <<EOF
import statistics, sys
n = int(sys.argv[1])
memory = [r.split() for r in sys.argv[2:2 + n]]
redis = [r.split() for r in sys.argv[2 + n:2 + 2 * n]]
ratios = [float(r[0]) / float(m[0]) for m, r in zip(memory, redis)]
i = sorted(range(n), key=lambda k: ratios[k])[(n - 1) // 2]
print("== result")
print(f"in-memory mock: {float(memory[i][0]):,.0f} req/s, p99 {memory[i][1]}")
print(f"one replica on Redis: {float(redis[i][0]):,.0f} req/s, p99 {redis[i][1]} "
      f"({ratios[i]:.2f}x the in-memory mock; median of {n} alternating rounds: {', '.join(f'{r:.2f}' for r in ratios)})")
a, b = "$both".split(" | ")
print(f"two replicas at once: {float(a.split()[0]):,.0f} + {float(b.split()[0]):,.0f} req/s, p99 {a.split()[1]} and {b.split()[1]}")
print("Redis round trips per request: acquire $acquire_trips, the whole pipeline $pipeline_trips")
print("Redis memory: $per_object")
EOF
