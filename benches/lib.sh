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
