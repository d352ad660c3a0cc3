#!/usr/bin/env bash
# Runs every shipped scenario with two builds of fjord and diffs the run folders.
#
# Usage: scripts/diff-runs.sh [BASE_REV] [DURATION]
#   BASE_REV  the git revision to compare against (default: main)
#   DURATION  scenario.duration for every run (default: 2h; `shipped` keeps each file's own)
#
# Builds BASE_REV (exported with `git archive`, built into this checkout's target/ so the
# dependencies are shared) and the working tree, runs each scenarios/*.toml of the working
# tree with both binaries (`--set scenario.duration=DURATION --threads 2 --quiet`), and
# compares the two run folders file by file. Timing values (wall_s, gpu_steps_per_s, in
# summary.json, summary.md and report.html) are blanked before comparing; everything else,
# the PNG plots included, must be byte-identical. Exit 0 when all folders agree, 1 otherwise.
# Set KEEP=1 to keep the folders (the path is printed).
set -euo pipefail

base=${1:-main}
dur=${2:-2h}
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d "${TMPDIR:-/tmp}/fjord-diff-runs.XXXXXX")
if [[ "${KEEP:-0}" != 1 ]]; then
    trap 'rm -rf "$work"' EXIT
fi
target="$root/target"

echo "building $base"
mkdir -p "$work/base-src"
git -C "$root" archive "$base" | tar -x -C "$work/base-src"
cargo build --release --quiet --bin fjord --manifest-path "$work/base-src/Cargo.toml" --target-dir "$target"
cp "$target/release/fjord" "$work/fjord-base"
echo "building the working tree"
cargo build --release --quiet --bin fjord --manifest-path "$root/Cargo.toml" --target-dir "$target"
cp "$target/release/fjord" "$work/fjord-new"

# Blanks the timing values of a run folder's text files, in place.
blank_timing() {
    local dir=$1 f
    for f in "$dir/summary.json" "$dir/summary.md" "$dir/report.html"; do
        [[ -f "$f" ]] || continue
        # JSON `"wall_s": 1.23`; the report's `<td class="k">wall_s</td><td class="v">1.23` or
        # `<tr title="wall_s"><td>Wall-clock time</td><td class="v">1.23`;
        # summary.md's `| Speed | 1.2e8 GPU-steps/s |`. The patterns need quotes, `<` or `|`,
        # which the embedded base64 images never contain.
        sed -E -i \
            -e 's/("(wall_s|gpu_steps_per_s)": *)[-+0-9.eE]+/\1#/g' \
            -e 's/(class="k">(wall_s|gpu_steps_per_s)<\/td><td class="v">)[^<]*/\1#/g' \
            -e 's/(<tr title="(wall_s|gpu_steps_per_s)"><td>[^<]*<\/td><td class="v">)[^<]*/\1#/g' \
            -e '/\| Speed \|/ s/[0-9][-+0-9.eE,]*/#/g' \
            "$f"
    done
}

set_duration=(--set "scenario.duration=$dur")
[[ "$dur" == shipped ]] && set_duration=()

status=0
for sc in "$root"/scenarios/*.toml; do
    name=$(basename "$sc" .toml)
    for v in base new; do
        if ! "$work/fjord-$v" run "$sc" --out "$work/$v/$name" "${set_duration[@]}" --threads 2 --quiet \
            >"$work/$v-$name.log" 2>&1; then
            echo "$name: the $v binary failed:"
            sed 's/^/    /' "$work/$v-$name.log"
            status=1
            continue 2
        fi
        blank_timing "$work/$v/$name"
    done
    if diff -r -q "$work/base/$name" "$work/new/$name" >"$work/diff-$name.txt"; then
        echo "$name: identical ($(find "$work/new/$name" -type f | wc -l) files)"
    else
        echo "$name: DIFFERENT"
        sed 's/^/    /' "$work/diff-$name.txt"
        status=1
    fi
done
[[ "${KEEP:-0}" == 1 ]] && echo "folders kept in $work"
exit $status
