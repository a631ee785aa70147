#!/usr/bin/env bash
# Hostile load: normal clients' latency while other connections send 1 MB
# invalid bodies, against the release mock, on loopback only.
#
#   bash benches/hostile.sh          # 10 s, 8 hostile connections
#   DURATION=20s HOSTILE=16 bash benches/hostile.sh
#
# Prints the latency of the invalid body alone, then the normal clients'
# throughput and p99 with and without the hostile connections, and the
# mock's peak resident memory. Installs wrk from Debian's packages when it
# is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
duration=${DURATION:-10s}
hostile=${HOSTILE:-8}
ensure_wrk
cargo build --release --quiet --bin pizzastack
port=$(pick_port)
start_server target/release/pizzastack "${BENCH_SERVE[@]}" "127.0.0.1:$port"
mock=$SERVER_PID
hostile_pid=
trap 'kill $mock $hostile_pid 2>/dev/null || true' EXIT
wait_for "http://127.0.0.1:$port/healthz"
url="http://127.0.0.1:$port"

p99() { awk '$1 == "99%" {print $2}'; }
rps() { awk '/Requests\/sec/ {print $2}'; }

echo "== the invalid 1 MB body alone, one connection"
alone=$(wrk -t1 -c1 -d"$duration" --latency -s benches/wrk/invalid-megabyte.lua "$url")
echo "$alone" | grep -E 'Requests/sec|50%|99%'
# From a file: half a million zeros do not fit on a command line.
body=$(mktemp)
python3 -c 'print("{\"tomato_ids\":[" + ",".join(["0"] * 500000) + "]}")' >"$body"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/v1/tomato/slice" \
  -H 'Content-Type: application/json' -H 'X-API-Key: your-api-key' -H 'X-Session-ID: probe' \
  --data-binary "@$body")
rm -f "$body"
echo "its answer: $status"
# Peak memory so far: start-up plus the invalid bodies, before any object
# is stored.
hostile_peak=$(awk '/VmHWM/ {print $2}' "/proc/$mock/status")
echo "mock peak RSS after the invalid bodies alone: $((hostile_peak / 1024)) MiB"

echo "== normal clients alone (acquire, 2 threads, 32 connections)"
calm=$(wrk -t2 -c32 -d"$duration" --latency -s benches/wrk/acquire.lua "$url")
echo "$calm" | grep -E 'Requests/sec|99%'

echo "== normal clients while $hostile connections send the invalid body"
wrk -t1 -c"$hostile" -d"$duration" -s benches/wrk/invalid-megabyte.lua "$url" >/dev/null &
hostile_pid=$!
sleep 1
stormy=$(wrk -t2 -c32 -d"$duration" --latency -s benches/wrk/acquire.lua "$url")
wait $hostile_pid || true
echo "$stormy" | grep -E 'Requests/sec|99%'
peak=$(awk '/VmHWM/ {print $2}' "/proc/$mock/status")
echo "summary: invalid body alone p99 $(echo "$alone" | p99); normal p99 $(echo "$calm" | p99) calm, $(echo "$stormy" | p99) under $hostile hostile connections; normal throughput $(echo "$calm" | rps) -> $(echo "$stormy" | rps) req/s; mock peak RSS $((hostile_peak / 1024)) MiB after the invalid bodies alone, $((peak / 1024)) MiB at the end (mostly the objects the normal clients created)"
