#!/usr/bin/env bash
# Weighs each performance device against its simpler alternative, so that
# every device keeps a standing justification (or goes).
#
#   bash benches/devices.sh                  # every benches/devices/*.patch
#   bash benches/devices.sh scratch-buffer   # one of them
#   ROUNDS=8 DURATION=5s MEMORY=id-cipher bash benches/devices.sh
#
# Each patch in benches/devices/ replaces one device with the simpler code
# it stands for. For HEAD and for HEAD with each patch applied (in a git
# worktree under target/devices/, so the working tree is never touched) it
# builds the release mock, then prints
#   - instructions per acquire request under callgrind (steady from run to
#     run: the measure the decision rests on), and
#   - the median throughput ratio variant/HEAD of ROUNDS alternating wrk
#     rounds at saturation (ABBA order; noisy on a shared machine), and
#   - for the devices named in MEMORY (e.g. MEMORY=id-cipher), bytes per
#     object from benches/memory.rs (slow: it builds the bench profile too).
# A device stays where its alternative costs at least ~3% more
# instructions (or throughput), or more memory per object; benches/README.md
# records the verdicts. Builds take ~2.5 min each (whole-program
# optimisation); the whole run ~20 min. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/lib.sh
ensure_wrk
ensure_tool valgrind valgrind

rounds=${ROUNDS:-6}
duration=${DURATION:-3s}
connections=${CONNECTIONS:-32}
root=$PWD
out=$root/target/devices
tree=$out/tree
mkdir -p "$out/bin"
# One target directory for every variant: dependencies build once.
export CARGO_TARGET_DIR=$out/target

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for patch in benches/devices/*.patch; do names+=("$(basename "$patch" .patch)"); done
fi

git worktree remove --force "$tree" 2>/dev/null || true
git worktree add --quiet --detach "$tree" HEAD
trap 'git -C "$root" worktree remove --force "$tree" 2>/dev/null || true' EXIT

# build NAME [PATCH]: the release mock of HEAD, or of HEAD with PATCH.
build() {
  git -C "$tree" checkout --quiet -- .
  if [ -n "${2:-}" ]; then git -C "$tree" apply "$2"; fi
  echo "== building $1" >&2
  (cd "$tree" && cargo build --release --quiet --bin pizzastack)
  cp "$CARGO_TARGET_DIR/release/pizzastack" "$out/bin/$1"
}

# instructions BINARY: instructions per acquire under callgrind.
instructions() {
  callgrind_profile "$out/callgrind.$(basename "$1").out" "$1" "${BENCH_SERVE[@]}"
  callgrind_annotate "$CALLGRIND_DUMP" 2>/dev/null | awk -v n="$CALLGRIND_REQUESTS" '
    /PROGRAM TOTALS/ { gsub(",", "", $1); printf "%d\n", $1 / n }'
}

# throughput_ratio BINARY: median (low) of ROUNDS alternating rounds of
# BINARY/HEAD requests per second, by benches/ab.sh.
throughput_ratio() {
  ROUNDS=$rounds DURATION=$duration CONNECTIONS=$connections STATISTIC=median_low \
    bash benches/ab.sh "$out/bin/HEAD ${BENCH_SERVE[*]}" "$1 ${BENCH_SERVE[*]}" | sed 's/^B\/A //'
}

# bytes_per_object: benches/memory.rs's figure for the tree as it is now.
bytes_per_object() {
  (cd "$tree" && OBJECTS=${OBJECTS:-200000} cargo bench --quiet --bench memory 2>/dev/null) |
    awk '/bytes per object/ {for (i = 1; i <= NF; i++) if ($(i+1) == "bytes") {print $i; exit}}'
}

wants_memory() { [[ " ${MEMORY:-} " == *" $1 "* ]]; }

build HEAD
base_instructions=$(instructions "$out/bin/HEAD")
base_bytes=
if [ -n "${MEMORY:-}" ]; then base_bytes=$(bytes_per_object); fi
echo "HEAD $(git -C "$tree" rev-parse --short HEAD): $base_instructions instructions per acquire${base_bytes:+, $base_bytes bytes per object}"
for name in "${names[@]}"; do
  build "$name" "$root/benches/devices/$name.patch"
  variant_instructions=$(instructions "$out/bin/$name")
  variant_bytes=
  if wants_memory "$name"; then variant_bytes=$(bytes_per_object); fi
  ratio=$(throughput_ratio "$out/bin/$name")
  python3 - "$name" "$base_instructions" "$variant_instructions" "$ratio" "${base_bytes:-}" "${variant_bytes:-}" <<'PY'
import sys
name, base, variant, ratio, base_bytes, variant_bytes = sys.argv[1:]
base, variant = int(base), int(variant)
line = f"{name}: without the device {variant} instructions per acquire ({(variant - base) / base:+.1%}); throughput {ratio} of HEAD's"
if base_bytes and variant_bytes:
    line += f"; {variant_bytes} bytes per object against {base_bytes}"
print(line)
PY
done
