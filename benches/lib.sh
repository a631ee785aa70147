# Helpers shared by the benchmark scripts; source it, do not run it.

# Installs COMMAND from Debian's package PACKAGE when it is missing.
ensure_tool() {
  command -v "$1" >/dev/null && return 0
  echo "installing $2 from Debian's packages" >&2
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
  else
    sudo apt-get install -y -qq "$2" >/dev/null
  fi
}

ensure_wrk() { ensure_tool wrk wrk; }

# A free TCP port on loopback.
pick_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Waits until URL answers, or fails after SECONDS (default 10).
wait_for() {
  for _ in $(seq 1 $((${2:-10} * 10))); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "no answer from $1" >&2
  return 1
}

# Starts a server in the background with stdout and stderr discarded, and
# sets SERVER_PID to the server's own PID (not a subshell's), so that
# killing it stops the server and no pipe is held open. With PIN=1 the
# server runs on core 0 (and `client` below runs on core 1).
start_server() {
  if [ "${PIN:-0}" = 1 ]; then
    taskset -c 0 "$@" >/dev/null 2>&1 &
  else
    "$@" >/dev/null 2>&1 &
  fi
  SERVER_PID=$!
}

# Runs a client command, on core 1 with PIN=1.
client() { if [ "${PIN:-0}" = 1 ]; then taskset -c 1 "$@"; else "$@"; fi; }

# `serve` with limits no benchmark reaches: the benchmarks measure the
# mock's work, not its refusals. Append the listen address.
BENCH_SERVE=(serve --max-sessions 1000000 --max-objects-per-session 1000000
  --max-session-bytes 1GiB --max-store-bytes 64GiB --listen)

# callgrind_profile PROFILE COMMAND...: runs COMMAND (given a free loopback
# address as its last argument) under callgrind with cache simulation,
# warms it up with acquires, then counts only SECONDS (default 8) of them.
# Sets CALLGRIND_DUMP (the profile written) and CALLGRIND_REQUESTS.
callgrind_profile() {
  local profile=$1; shift
  local port; port=$(pick_port)
  rm -f "$profile"*
  start_server valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file="$profile" "$@" "127.0.0.1:$port"
  local pid=$SERVER_PID
  # Under valgrind the mock takes several seconds to compile its schemas.
  wait_for "http://127.0.0.1:$port/" 30
  # Warm up, then count only the measured run: start-up (compiling the
  # schemas) would otherwise be spread over however many requests ran.
  wrk -t1 -c4 -d2s -s benches/wrk/acquire.lua "http://127.0.0.1:$port" >/dev/null
  callgrind_control --zero "$pid" >/dev/null 2>&1
  CALLGRIND_REQUESTS=$(wrk -t1 -c4 -d"${SECONDS_MEASURED:-8}s" -s benches/wrk/acquire.lua "http://127.0.0.1:$port" | awk '/requests in/ {print $1}')
  # Dump the counts while the server runs: the floor has no signal handler
  # and would die without writing them.
  callgrind_control --dump "$pid" >/dev/null 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  CALLGRIND_DUMP=$(ls -S "$profile"* | head -1)
}
