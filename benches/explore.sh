#!/usr/bin/env bash
# explore's step rate against the release mock on this machine: ROUNDS
# (default 5) runs of `pizzastack explore --steps STEPS` (default 40000)
# with the default workers (two per core), each against a fresh mock with
# --admin (so workflows let sessions expire through its clock), and the
# median rate in requests per second. Side by side, in the same rounds,
# `check` of the whole suite against the same mock, as a ratio: the
# explorer's rate per request over the runner's (the runner sends every
# case's requests one by one, the explorer judges each against its model).
#
#   bash benches/explore.sh
#
# The issue's target: at least 5,000 steps/s (benches/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
cargo build --release --quiet --bin pizzastack
bin=target/release/pizzastack
rates=()
ratios=()
for round in $(seq 1 "${ROUNDS:-5}"); do
  port=$(pick_port)
  start_server "$bin" serve --admin --listen "127.0.0.1:$port"
  pid=$SERVER_PID
  wait_for "http://127.0.0.1:$port/healthz" 30
  line=$("$bin" explore --target "http://127.0.0.1:$port" --steps "${STEPS:-40000}" --seed "$round" | grep '^explore: seed')
  rate=$(echo "$line" | sed -E 's/.*\(([0-9]+)\/s\).*/\1/')
  # The suite's requests, as the mock's journal numbers them.
  journal_seq() { curl -s "http://127.0.0.1:$port/__admin/requests?limit=1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["requests"][0]["seq"])'; }
  before=$(journal_seq)
  start=$(date +%s.%N)
  "$bin" check --target "http://127.0.0.1:$port" >/dev/null
  end=$(date +%s.%N)
  after=$(journal_seq)
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  check_rate=$(python3 -c "print(int(($after - $before - 1) / ($end - $start)))")
  rates+=("$rate")
  ratios+=("$(python3 -c "print(f'{$rate / $check_rate:.2f}')")")
  echo "round $round: explore $rate requests/s; check ~$check_rate requests/s"
done
python3 -c 'import statistics, sys; r = sorted(map(int, sys.argv[1:])); print("explore: median %d requests/s (rounds: %s)" % (statistics.median(r), " ".join(sys.argv[1:])))' "${rates[@]}"
python3 -c 'import statistics, sys; r = sorted(map(float, sys.argv[1:])); print("explore/check rate: median %.2f" % statistics.median(r))' "${ratios[@]}"
