#!/usr/bin/env bash
# The README's picture of the session inspector: starts the mock with
# --admin on a free loopback port, bakes a good pizza and a degraded one
# (a raw tomato simmered) in one session, and has headless Chromium
# (Debian's chromium) screenshot /__admin/ui/session/ID into
# docs/inspector.png.
#
#   bash scripts/inspector-screenshot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
bash scripts/ensure-packages.sh chromium:chromium
cargo build --quiet --bin pizzastack
port=$(pick_port)
start_server target/debug/pizzastack serve --admin --listen "127.0.0.1:$port"
trap 'kill $SERVER_PID' EXIT
url="http://127.0.0.1:$port"
wait_for "$url/healthz"
session=a1b2c3d4-e5f6-7890-abcd-ef1234567890
post() {
  curl -s -X POST "$url$1" -H 'X-API-Key: your-api-key' -H "X-Session-ID: $session" \
    -H 'Content-Type: application/json' -d "$2"
}
id() { python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'; }
simmer() { post /v1/cook/simmer "{\"ingredients\":[{\"id\":\"$1\",\"name\":\"tomato\",\"amount\":400,\"unit\":\"g\"}],\"temperature\":100,\"duration\":\"30m\"}" | id; }
base='{"thickness":"medium","size":"12inch","style":"neapolitan","hydration":0.65}'
tomato=$(post /v1/tomato/acquire '{"variety":"San Marzano","ripeness":0.8,"weight":150}' | id)
sliced=$(post /v1/tomato/slice "{\"tomato_ids\":[\"$tomato\"],\"method\":\"dice\",\"size\":\"medium\",\"consistency\":\"uniform\"}" | id)
good=$(simmer "$sliced")
raw=$(post /v1/tomato/acquire '{"variety":"Roma","ripeness":0.7,"weight":120}' | id)
bad=$(simmer "$raw")
for sauce in "$good" "$bad"; do
  b=$(post /v1/pizza/base "$base" | id)
  pizza=$(post /v1/pizza/assemble "{\"base_id\":\"$b\",\"sauce_id\":\"$sauce\",\"toppings\":[\"mozzarella\",\"basil\"]}" | id)
  post /v1/pizza/bake "{\"pizza_id\":\"$pizza\"}" >/dev/null
done
post /v1/pizza/bake "{\"pizza_id\":\"$b\"}" >/dev/null  # refused: a base
mkdir -p docs
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1460,860 \
  --screenshot="$PWD/docs/inspector.png" "$url/__admin/ui/session/$session" 2>/dev/null
echo "wrote docs/inspector.png"
