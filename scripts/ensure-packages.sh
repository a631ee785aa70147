#!/usr/bin/env bash
# Installs Debian packages whose command is missing, e.g.
#   bash scripts/ensure-packages.sh chromium:chromium redis-server:redis-server
# (COMMAND:PACKAGE pairs). .ci/run calls it so that no test skips in CI;
# the tests find or install what they need themselves too.
set -euo pipefail
missing=()
for pair in "$@"; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing ${missing[*]} from Debian's packages" >&2
run() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
run apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
  { run apt-get update -qq && run apt-get install -y -qq "${missing[@]}" >/dev/null; }
