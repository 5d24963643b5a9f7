#!/usr/bin/env bash
# Benchmarks of `kdeck record` (issue 4 targets: every demo live ≤ 2 s wall; the
# walkthrough ≤ 5 s). Builds --release, then times
#   - `kdeck record` of the live-capable demos, 10 runs;
#   - `kdeck record --walkthrough` of the whole talk, 5 runs;
# with hyperfine when it is installed, else a bash loop over `date +%s%N`, and prints
# the medians. Run from anywhere; needs root for the demos to run live.
#
#   benches/record.sh                 # the two benchmarks
#   RUNS=20 WALK_RUNS=10 benches/record.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-10}
WALK_RUNS=${WALK_RUNS:-5}
LIVE=${LIVE:-seccomp-log,landlock,namespaces,timens,lsm,audit,container,kspp}

cargo build --release --quiet
target_dir=$(cargo metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
kdeck="${target_dir:-target}/release/kdeck"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

record_cmd="$kdeck record --only $LIVE --out $work/out --json $work/j.json --junit $work/x.xml"
walk_cmd="$kdeck record --out $work/wout --walkthrough $work/w.cast --frames $work/f.txt"

# One run each first: shows the result and catches errors (exit 1 is allowed for the
# whole talk: a demo without a recording on this machine fails, and is still timed).
$record_cmd </dev/null >"$work/table.txt" 2>"$work/err.txt" || {
  echo "kdeck record failed:"; cat "$work/table.txt" "$work/err.txt"; exit 1; }
tail -n 1 "$work/table.txt"
$walk_cmd </dev/null >/dev/null 2>"$work/err.txt" || true
grep -m1 walkthrough "$work/err.txt" || true

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Runs "$2" $1 times with no terminal; prints the median wall time in ms.
time_loop() {
  local n=$1 cmd=$2 i start end
  for ((i = 0; i < n; i++)); do
    start=$(date +%s%N)
    $cmd </dev/null >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo $(((end - start) / 1000))
  done | median | awk '{printf "%.1f\n", $1 / 1000}'
}

if command -v hyperfine >/dev/null; then
  # stdin from /dev/null (hyperfine ≥ 1.16 says so with --input; older ones are run
  # with stdin redirected here).
  input=()
  hyperfine --help | grep -q -- '--input' && input=(--input null)
  hyperfine --style basic --warmup 1 --runs "$RUNS" -i --export-json "$work/r.json" \
    "${input[@]}" "$record_cmd" </dev/null >/dev/null
  rec=$(sed -n 's/.*"median": *\([0-9.e-]*\).*/\1/p' "$work/r.json" | head -n1 | awk '{printf "%.1f", $1 * 1000}')
  hyperfine --style basic --warmup 1 --runs "$WALK_RUNS" -i --export-json "$work/w.json" \
    "${input[@]}" "$walk_cmd" </dev/null >/dev/null
  walk=$(sed -n 's/.*"median": *\([0-9.e-]*\).*/\1/p' "$work/w.json" | head -n1 | awk '{printf "%.1f", $1 * 1000}')
  how="hyperfine"
else
  rec=$(time_loop "$RUNS" "$record_cmd")
  walk=$(time_loop "$WALK_RUNS" "$walk_cmd")
  how="bash loop, date +%s%N"
fi

echo "kdeck record, live demos ($LIVE), $RUNS runs: median ${rec} ms (target ≤ 2000 ms)"
echo "kdeck record --walkthrough (whole talk), $WALK_RUNS runs: median ${walk} ms (target ≤ 5000 ms)"
echo "($how; $(nproc) cores; $(uname -r))"
