#!/usr/bin/env bash
# Runs scenarios on two fjord binaries and diffs their run folders byte for byte, except
# the timing figures (summary.json `wall_s` / `gpu_steps_per_s`, the summary.md "Speed"
# row). The second binary also runs with --threads 1 and 2, which must agree too.
#
# Usage: scripts/compare-builds.sh BASE_BIN NEW_BIN [--set key=value ...] [-- scenario.toml ...]
#   default scenarios: every scenarios/*.toml. Example, two simulated hours of each:
#   scripts/compare-builds.sh /tmp/fjord-base target/release/fjord --set scenario.duration=2h
# Exit 0 when every pair matches, 1 otherwise.
set -euo pipefail
base=$(realpath "$1"); new=$(realpath "$2"); shift 2
sets=(); scen=()
while [ $# -gt 0 ]; do
  case "$1" in
    --set) sets+=(--set "$2"); shift 2 ;;
    --) shift; scen=("$@"); break ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
[ ${#scen[@]} -eq 0 ] && scen=("$root"/scenarios/*.toml)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip() { # drop timing figures so the rest can be diffed
  sed -i -E '/"(wall_s|gpu_steps_per_s)"/d; /^\| Speed \|/d' "$1/summary.json" "$1/summary.md"
}
fail=0
for s in "${scen[@]}"; do
  name=$(basename "$s" .toml)
  for run in "base:$base:" "new1:$new:1" "new2:$new:2"; do
    IFS=: read -r tag bin thr <<<"$run"
    args=(run "$s" --format none --quiet --out "$work/$name-$tag" "${sets[@]}")
    [ -n "$thr" ] && args+=(--threads "$thr")
    "$bin" "${args[@]}" >/dev/null
    strip "$work/$name-$tag"
  done
  for tag in new1 new2; do
    if diff -r "$work/$name-base" "$work/$name-$tag" >"$work/diff.txt"; then
      echo "same     $name ($tag)"
    else
      echo "DIFFERS  $name ($tag):"; head -20 "$work/diff.txt"; fail=1
    fi
  done
done
exit $fail
