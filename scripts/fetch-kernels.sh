#!/usr/bin/env bash
# Fetches Debian's stock kernels for `kdeck matrix` and prints one kernel dir per line.
#
#   scripts/fetch-kernels.sh [CACHE_DIR] [SERIES...]
#
# SERIES is any of 6.1 (Debian 12's kernel) and 6.12 (the 6.12 kernel Debian 12 ships
# through bookworm-security / backports); the default is both. For each, the newest
# linux-image package of that series for amd64 is resolved with apt-cache (the ABI
# number changes with every security update), downloaded with `apt-get download`,
# unpacked with `dpkg -x` into CACHE_DIR/<release>/ and indexed with
# `depmod -b CACHE_DIR/<release> <release>`. A kernel already unpacked is not fetched
# again; with no package lists (offline) the newest cached kernel of the series is used.
#
# The default cache is ${XDG_CACHE_HOME:-$HOME/.cache}/kdeck/kernels. Progress goes to
# stderr, the kernel dirs to stdout, so `mapfile -t K < <(scripts/fetch-kernels.sh)`.
#
# If 6.12 is in neither the configured suites nor bookworm-security, the script adds
# bookworm-backports for its own apt invocations only (a temporary sources file passed
# with -o Dir::Etc::sourcelist / sourceparts, and its own lists dir): the machine's apt
# configuration is never changed.
set -euo pipefail

CACHE="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/kdeck/kernels}"
shift || true
SERIES=("$@")
[ ${#SERIES[@]} -gt 0 ] || SERIES=(6.1 6.12)

log() { printf 'fetch-kernels: %s\n' "$*" >&2; }
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    log "installing $2 (for $1)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >&2
}

mkdir -p "$CACHE/debs"
need depmod kmod
need dpkg-deb dpkg

APT_OPTS=()
BACKPORTS_DIR=""
cleanup() { [ -z "$BACKPORTS_DIR" ] || rm -rf "$BACKPORTS_DIR"; }
trap cleanup EXIT

# The regex for a series' kernel releases, and for its image package names (the
# first capture is the release).
release_re() {
    case "$1" in
        6.1) echo '6\.1\.0-[0-9]+-amd64' ;;
        6.12) echo '6\.12\.[0-9]+\+(deb12|bpo)-amd64' ;;
        *) log "unknown series $1 (known: 6.1 6.12)"; exit 2 ;;
    esac
}
pattern() { echo "^linux-image-($(release_re "$1"))(-unsigned)?\$"; }

# Newest package of a series: "<package> <release>", or nothing.
resolve() {
    local re
    re="$(pattern "$1")"
    apt-cache "${APT_OPTS[@]}" search --names-only "$re" 2>/dev/null |
        awk '{print $1}' |
        sed -E "s/$re/\\1 &/" |
        sort -V -k1,1 | tail -n 1 |
        awk '{print $2, $1}'
}

# Newest already unpacked kernel of a series in the cache.
cached_of() {
    local re
    re="$(release_re "$1")"
    (cd "$CACHE" && ls -d -- */ 2>/dev/null | tr -d / | grep -E "^${re}\$" | sort -V | tail -n 1) || true
}

ready() { # DIR RELEASE
    [ -f "$1/boot/vmlinuz-$2" ] && [ -f "$1/lib/modules/$2/modules.dep" ]
}

lists_fresh=0
ensure_lists() {
    if [ "$lists_fresh" = 0 ] && [ "$(apt-cache search --names-only "^linux-image-6\\." 2>/dev/null | wc -l)" = 0 ]; then
        log "apt-get update (no package lists yet)"
        apt-get update -q >&2 || log "apt-get update failed; using the cache only"
    fi
    lists_fresh=1
}

add_backports() {
    BACKPORTS_DIR="$(mktemp -d)"
    mkdir -p "$BACKPORTS_DIR/lists/partial"
    cat >"$BACKPORTS_DIR/backports.sources" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    APT_OPTS=(-o "Dir::Etc::sourcelist=/dev/null" -o "Dir::Etc::sourceparts=$BACKPORTS_DIR"
        -o "Dir::State::Lists=$BACKPORTS_DIR/lists")
    log "6.12 not in the configured suites: trying bookworm-backports for this run only"
    apt-get "${APT_OPTS[@]}" update -q >&2 || true
}

for series in "${SERIES[@]}"; do
    ensure_lists
    APT_OPTS=()
    found="$(resolve "$series")"
    if [ -z "$found" ] && [ "$series" = 6.12 ]; then
        add_backports
        found="$(resolve "$series")"
    fi
    if [ -z "$found" ]; then
        rel="$(cached_of "$series")"
        if [ -n "$rel" ] && ready "$CACHE/$rel" "$rel"; then
            log "$series: no package found, using cached $rel"
            echo "$CACHE/$rel"
            continue
        fi
        log "$series: no linux-image package found (pattern $(pattern "$series"))"
        exit 1
    fi
    read -r pkg rel <<<"$found"
    dir="$CACHE/$rel"
    if ready "$dir" "$rel"; then
        log "$series: $rel cached"
        echo "$dir"
        continue
    fi
    log "$series: downloading $pkg"
    deb="$(ls "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | head -n 1 || true)"
    if [ -z "$deb" ]; then
        (cd "$CACHE/debs" && apt-get "${APT_OPTS[@]}" download "$pkg" >&2)
        deb="$(ls "$CACHE/debs/${pkg}_"*.deb | head -n 1)"
    fi
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    dpkg -x "$deb" "$dir.tmp"
    # merged-/usr packages put modules under usr/lib/modules; depmod -b wants lib/modules
    if [ ! -d "$dir.tmp/lib/modules" ] && [ -d "$dir.tmp/usr/lib/modules" ]; then
        ln -s usr/lib "$dir.tmp/lib"
    fi
    depmod -b "$dir.tmp" "$rel"
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
    rm -f "$deb"
    log "$series: $rel ready in $dir"
    echo "$dir"
done
