#!/usr/bin/env bash
# Wall time of a two-kernel matrix (Debian 12's 6.1 and 6.12) plus the host column.
# Target on the 2-core dev machine: ≤ 60 s. Fetches the kernels first (cached).
#
#   benches/matrix.sh [--release]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

profile=debug
if [ "${1:-}" = "--release" ]; then
    profile=release
    cargo build --release --quiet
else
    cargo build --quiet
fi
mapfile -t kernels < <(bash scripts/fetch-kernels.sh)
args=()
for k in "${kernels[@]}"; do args+=(--kernel "$k"); done
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

start=$(date +%s.%N)
"target/$profile/kdeck" matrix "${args[@]}" --out "$out" --json "$out/matrix.json"
end=$(date +%s.%N)

wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
echo
# per kernel: name, accelerator, boot seconds (qemu start to power-off)
grep -o '"name": "[^"]*"\|"accel": "[^"]*"\|"boot_seconds": [0-9.]*' "$out/matrix.json" |
    awk -F': ' '/"name"/ { if (line) print line; line = $2; next } { line = line " " $2 } END { print line }' |
    tr -d '"' | sed 's/^/  /'
printf 'matrix wall time: %s s (%s build, target ≤ 60 s) %s\n' "$wall" "$profile" \
    "$(awk -v w="$wall" 'BEGIN { print (w <= 60) ? "OK" : "OVER" }')"
