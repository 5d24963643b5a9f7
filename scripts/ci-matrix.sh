#!/usr/bin/env bash
# Prepares `cargo test --test matrix` (and the cpio unit test) for CI:
#   - installs qemu-system-x86, kmod, cpio, xz-utils, zstd and binutils when missing
#     (apt-get install -y --no-install-recommends; apt-get update first if needed),
#   - fetches Debian 12's 6.1 and 6.12 kernels with scripts/fetch-kernels.sh into
#     ${KDECK_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdeck/kernels} (kept between
#     runs when the machine keeps it),
#   - prints `export KDECK_TEST_KERNEL_61=<dir>` and `export KDECK_TEST_KERNEL_612=<dir>`
#     on stdout (progress on stderr), and appends them to $GITHUB_ENV when that is set.
#
# Use:  eval "$(bash scripts/ci-matrix.sh)" && cargo test
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${KDECK_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdeck/kernels}"

missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
command -v depmod >/dev/null 2>&1 || missing+=(kmod)
command -v cpio >/dev/null 2>&1 || missing+=(cpio)
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
command -v objcopy >/dev/null 2>&1 || missing+=(binutils)
if [ ${#missing[@]} -gt 0 ]; then
    echo "ci-matrix: installing ${missing[*]}" >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
        apt-get update -q >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
    fi
fi

for series in 6.1 6.12; do
    var="KDECK_TEST_KERNEL_${series//./}"
    dir="$(bash "$here/fetch-kernels.sh" "$cache" "$series" | tail -n 1)"
    if [ -z "$dir" ] || [ ! -d "$dir/boot" ]; then
        echo "ci-matrix: no $series kernel fetched" >&2
        exit 1
    fi
    echo "ci-matrix: $var=$dir" >&2
    printf 'export %s=%q\n' "$var" "$dir"
    if [ -n "${GITHUB_ENV:-}" ]; then
        echo "$var=$dir" >>"$GITHUB_ENV"
    fi
done
