#!/usr/bin/env bash
# kdeck and presenterm side by side on the same user decks (issue 13's targets):
#  - a 5-slide deck with Rust, C, shell and TOML code: first frame ≤ 0.5× presenterm's,
#    → key ≤ 0.5× presenterm's on every key (each the first visit of its slide), peak
#    RSS ≤ 8 MiB;
#  - a 300-slide deck (code on every third slide): first frame within 1.5× of the 5-slide
#    deck's, key latency unchanged, RSS ≤ 12 MiB, `kdeck check` ≤ 100 ms;
#  - the built-in talk (kdeck only; with KDECK_BASE, beside an older kdeck binary).
# presenterm is built once with `cargo install --locked` into the cache folder below.
# The decks come from benches/decks.py, in a temporary directory. Both programs run in
# turn in each round (benches/vs_presenterm.py), measured by ttff.py at 120x40; the table
# has medians and ratios.
#
# Usage: benches/vs-presenterm.sh [RUNS] [ROUNDS]
#   TTFF=path/to/ttff.py  the harness (default ../shared/tools/ttff.py)
#   KDECK_BASE=path       an older kdeck binary to compare with (a column of its own)
#   PRESENTERM=path       a presenterm binary to use instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
rounds=${2:-4}
ttff=${TTFF:-../shared/tools/ttff.py}
[ -f "$ttff" ] || { echo "benches/vs-presenterm.sh: no ttff.py at $ttff (set TTFF=...)" >&2; exit 2; }

version=0.16.1
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kdeck/bench
presenterm=${PRESENTERM:-$cache/presenterm-$version/bin/presenterm}
if [ ! -x "$presenterm" ]; then
  echo "building presenterm $version into $cache (once; takes a while)" >&2
  mkdir -p "$cache"
  cargo install presenterm --version "$version" --locked --root "$cache/presenterm-$version" -q
fi

cargo build --release -q
target_dir=$(cargo metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
kdeck="${target_dir:-target}/release/kdeck"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 benches/decks.py "$work/decks"

echo "kdeck $("$kdeck" --version | cut -d' ' -f2) vs presenterm $version, $(nproc) cores, $(uname -r), $(date -u +%F)"
python3 benches/vs_presenterm.py --ttff "$ttff" --decks "$work/decks" --kdeck "$kdeck" \
  --presenterm "$presenterm" ${KDECK_BASE:+--base "$KDECK_BASE"} --runs "$runs" --rounds "$rounds"
