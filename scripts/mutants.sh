#!/usr/bin/env bash
# Conformance power measured by mutation testing: cargo-mutants changes the
# mock's rules one small edit at a time (crates/mock/src/kitchen, the in-memory store,
# crates/mock/src/server/extract.rs; see .cargo/mutants.toml) and the conformance
# suite alone, strict and without snapshots, must notice. A survivor is
# acceptable only when it changes nothing the documentation fixes; each one
# is listed in scripts/mutants-triage.txt with the MOCK rule or undocumented
# field that makes it harmless. A survivor not listed there fails the run.
#
#   bash scripts/mutants.sh            every mutant (about 260; see README)
#   bash scripts/mutants.sh --subset   the kitchen's cook and pizza rules, the
#                                      extractors, and the store's lookup and
#                                      renewal (about 40), as CI runs it
#
# Installs cargo-mutants itself (from crates.io, into target/), and prints
# caught / missed / unviable / timeouts, the kill rate and the time taken.
set -euo pipefail
cd "$(dirname "$0")/.."

version=27.1.0
tool="$PWD/target/mutants-tool"
if ! "$tool/bin/cargo-mutants" --version 2>/dev/null | grep -qF "$version"; then
  echo "installing cargo-mutants $version into target/mutants-tool (a few minutes, once)"
  cargo install cargo-mutants --version "$version" --locked --quiet --root "$tool"
fi
export PATH="$tool/bin:$PATH"

# The mutants live in pizzastack-mock and the top package's conformance
# test judges them. cargo-mutants would test the unmutated tree in the
# mutated package, which has no such test: that check is skipped here
# (`cargo test` has just run the suite on the same tree) and the time a
# mutant may take is given instead of measured.
args=(--package pizzastack-mock --test-package pizzastack --baseline skip --timeout 60)
case "${1:-}" in
  "") ;;
  --subset)
    # Names as `cargo mutants --list` shows them; --file would add to the
    # config's globs rather than narrow them.
    args+=(--re 'crates/mock/src/kitchen/cook\.rs|crates/mock/src/kitchen/pizza\.rs|crates/mock/src/server/extract\.rs|SessionObjects::get|SessionView::get|SessionStore::renew')
    ;;
  *)
    echo "usage: bash scripts/mutants.sh [--subset]" >&2
    exit 2
    ;;
esac

# Only documented rules may catch a mutant: no snapshot comparison, and
# SHOULD rules count (--strict).
export PIZZASTACK_SNAPSHOTS=off PIZZASTACK_STRICT=1
out=target/mutants
rm -rf "$out"
started=$(date +%s)
status=0
# In CI the clone is fresh and its target/ is warm from `cargo test`:
# mutating in place reuses it instead of building a copy from nothing.
if [ "${CI:-}" = true ]; then
  args+=(--in-place)
else
  args+=(--jobs 2)
fi
cargo mutants --output "$out" "${args[@]}" || status=$?
elapsed=$(($(date +%s) - started))
results="$out/mutants.out"
# 0: every mutant caught; 2: some missed; 3: some timed out. Anything else
# (1 usage, 4 the unmutated tree failed its tests) means no measure at all.
case "$status" in
  0 | 2 | 3) ;;
  *)
    echo "cargo mutants could not measure (exit $status); see $results/debug.log" >&2
    exit 1
    ;;
esac

# grep -c prints 0 (and fails) when nothing matches.
count() {
  if [ -f "$results/$1" ]; then grep -c . "$results/$1" || true; else echo 0; fi
}
caught=$(count caught.txt)
missed=$(count missed.txt)
unviable=$(count unviable.txt)
timeouts=$(count timeout.txt)

# A mutant is named without its line and column, so that edits elsewhere
# in a file do not unlist it: `crates/mock/src/kitchen/quality.rs: replace + with - in Seeded::new`.
triaged=$(mktemp)
trap 'rm -f "$triaged"' EXIT
grep -v '^#' scripts/mutants-triage.txt | grep -F ' -- why: ' | sed 's/ -- why: .*//' | sort -u >"$triaged"
untriaged=()
if [ -f "$results/missed.txt" ]; then
  while IFS= read -r line; do
    name=$(sed -E 's/^([^:]+):[0-9]+:[0-9]+:/\1:/' <<<"$line")
    grep -qxF "$name" "$triaged" || untriaged+=("$line")
  done <"$results/missed.txt"
fi

killed=$((caught + timeouts))
judged=$((killed + missed))
rate=$(awk -v k="$killed" -v j="$judged" 'BEGIN { printf "%.0f", j ? 100 * k / j : 100 }')
echo "mutants: $caught caught, $missed missed (all triaged unless listed below), $unviable unviable, $timeouts timed out (counted as caught)"
echo "mutation kill rate: $killed/$judged ($rate%) in ${elapsed}s"
if [ "${#untriaged[@]}" -gt 0 ]; then
  echo "survivors not in scripts/mutants-triage.txt: a documented rule no case catches, or a triage to write:"
  printf '  %s\n' "${untriaged[@]}"
  echo "mutants-triage: 0 passed, ${#untriaged[@]} failed"
  exit 1
fi
echo "mutants-triage: $missed passed, 0 failed"
