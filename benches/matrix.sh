#!/usr/bin/env bash
# Benchmark (not a test): wall time of the default kernel matrix, Debian 12's 6.1 and
# 6.12 kernels × every boot profile (`kdeck matrix --list-profiles`) plus the host
# column, guests booted in parallel up to the number of CPUs, release build. Target on
# the 2-core dev machine: ≤ 120 s. Fetches the kernels first (cached).
#
#   benches/matrix.sh [MORE kdeck matrix ARGS...]   e.g. --profile default, --save
#
# Its files go to a fresh temporary directory, printed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo build --release --quiet
mapfile -t kernels < <(bash scripts/fetch-kernels.sh)
args=()
for k in "${kernels[@]}"; do args+=(--kernel "$k"); done
out="$(mktemp -d "${TMPDIR:-/tmp}/kdeck-matrix-bench.XXXXXX")"

start=$(date +%s.%N)
status=0
target/release/kdeck matrix "${args[@]}" --out "$out" --json "$out/matrix.json" "$@" \
    >"$out/stdout" 2>&1 || status=$?
end=$(date +%s.%N)

wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
# per guest: name, accelerator, boot seconds (qemu start to power-off)
grep -o '"name": "[^"]*"\|"accel": "[^"]*"\|"boot_seconds": [0-9.]*' "$out/matrix.json" |
    awk -F': ' '/"name"/ { if (line) print line; line = $2; next } { line = line " " $2 } END { print line }' |
    tr -d '"' | sed 's/^/  /'
printf 'matrix wall time: %s s, %d kernels x %s profiles, %s CPUs, load %s (target ≤ 120 s) %s; exit %d; files in %s\n' \
    "$wall" "${#kernels[@]}" "$(grep -c '^[a-z]' < <(target/release/kdeck matrix --list-profiles))" \
    "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)" \
    "$(awk -v w="$wall" 'BEGIN { print (w <= 120) ? "OK" : "OVER" }')" "$status" "$out"
