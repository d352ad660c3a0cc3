#!/usr/bin/env bash
# Runs every shipped scenario with two fjord binaries and diffs the run folders, ignoring only
# the timing metrics (wall_s, gpu_steps_per_s, and report.html, which embeds them); every
# CSV, summary, resolved scenario and PNG must match byte for byte. Used to show that a
# refactor changes no result (issue 14: byte-identical runs).
#
# usage: scripts/diff-runs.sh OLD_FJORD NEW_FJORD [extra --set ...]
# Two passes per scenario: 20 minutes at the scenario's own step, and 12 hours at a 10 s step
# (so the events and the daily cycle are exercised). Exit 0 when every folder matches.
set -euo pipefail
old=${1:?old binary}; new=${2:?new binary}; shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/fjord-diff-runs.XXXXXX")
trap 'rm -rf "$work"' EXIT
status=0
passes=("short:--set scenario.duration=20m"
        "long:--set scenario.duration=12h --set scenario.step=10s --set scenario.record_every=60s")
for sc in "$here"/scenarios/*.toml; do
  name=$(basename "$sc" .toml)
  for pass in "${passes[@]}"; do
    tag=${pass%%:*}; sets=${pass#*:}
    for which in old new; do
      bin=$old; [ "$which" = new ] && bin=$new
      # shellcheck disable=SC2086
      if ! "$bin" run "$sc" --quiet --out "$work/$which/$name-$tag" $sets "$@" >"$work/$which-$name-$tag.out" 2>&1; then
        echo "FAIL  $name ($tag): $which binary exited non-zero:"; sed 's/^/    /' "$work/$which-$name-$tag.out" | head -5
        status=1
      fi
    done
    a=$work/old/$name-$tag; b=$work/new/$name-$tag
    [ -d "$a" ] && [ -d "$b" ] || continue
    # The timing metrics differ run to run: drop them before comparing.
    for d in "$a" "$b"; do
      sed -i -E '/"(wall_s|gpu_steps_per_s)"/d' "$d/summary.json"
      sed -i -E '/wall_s|gpu_steps_per_s|steps\/s|wall time/d' "$d/summary.md"
      [ -f "$d/report.html" ] && rm -f "$d/report.html"   # embeds the timing metrics
    done
    if diff -r "$a" "$b" >"$work/diff.txt"; then
      echo "same  $name ($tag)"
    else
      echo "DIFF  $name ($tag):"; head -20 "$work/diff.txt" | sed 's/^/    /'; status=1
    fi
  done
done
exit $status
