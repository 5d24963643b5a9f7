#!/usr/bin/env bash
# End-to-end figures of kdeck, as medians, on this machine:
#  1. time to first frame with highlighted Rust code, → key to the next slide, peak RSS
#     (the release binary in a pseudo-terminal at 120x40, measured by ttff.py);
#  2. r pressed → first line of live demo output in the pane (Landlock slide);
#  3. wall time of each demo run live in the plain terminal (`kdeck demo ID`).
# Targets (issues 2 and 3): first frame ≤ 8 ms, key ≤ 0.5 ms, RSS ≤ 8 MiB,
# r → first line ≤ 20 ms, each demo ≤ 300 ms.
# Usage: benches/tui.sh [RUNS]   (TTFF=path/to/ttff.py to override the harness)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
ttff=${TTFF:-../shared/tools/ttff.py}
[ -f "$ttff" ] || { echo "benches/tui.sh: no ttff.py at $ttff (set TTFF=...)" >&2; exit 2; }
cargo build --release -q
bin=$PWD/target/release/kdeck
deck_slide() { "$bin" list --json | python3 -c "import json,sys; print(next(r['n'] for r in json.load(sys.stdin)['slides'] if $1))"; }
rust_slide=$(deck_slide "'XPFO' in r['title']")
landlock_slide=$(deck_slide "r['demo'] == 'landlock'")

echo "== first frame (highlighted Rust, slide $rust_slide), → key, peak RSS — $runs runs, 120x40"
python3 "$ttff" -n "$runs" --size 120x40 --first 'XPFO: never merged' --key right --second 'Then vs now' \
  --quit ctrl-c -- "$bin" --start "$rust_slide" | grep -E 'first frame \(|key -> marker|peak RSS|clean runs'

echo "== → and ← on a warm process (5 round trips per run)"
python3 "$ttff" -n 10 --size 120x40 --first 'XPFO: never merged' --key right --second 'Then vs now' \
  --back-key left --cycles 5 --quit ctrl-c -- "$bin" --start "$rust_slide" | grep -E 'key -> marker|back key|clean runs'

# The whole demo takes a few milliseconds, so its first line is often scrolled past by
# the time a frame shows it: measure r → the finished run ("✓ passed in"), an upper
# bound of r → first line.
echo "== r → live demo finished on screen (Landlock, slide $landlock_slide): bounds r → first line"
python3 "$ttff" -n "$runs" --size 120x40 --first '▶ Landlock' --key r --second '✓ passed in' \
  --quit ctrl-c -- "$bin" --start "$landlock_slide" | grep -E 'key -> marker|clean runs'

echo "== each demo, live, wall time (median of 10 runs of \`kdeck demo ID\`)"
for id in $("$bin" list --json | python3 -c "import json,sys; print(' '.join(r['demo'] for r in json.load(sys.stdin)['slides'] if r['demo']))"); do
  times=()
  for _ in $(seq 10); do
    t0=$(date +%s%N); "$bin" demo "$id" >/dev/null 2>&1 || true; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 6p)
  printf '  %-12s %7.1f ms\n' "$id" "$(echo "$median / 1000" | bc -l)"
done
