#!/usr/bin/env bash
# Proves that scripts/deps.sh's package list is enough on a fresh machine: every Debian package
# owning a file the configure step used must be in the dependency closure of that list as apt
# computes it from an EMPTY system. A machine that already had the package for another reason
# (this one, a developer's) cannot hide a missing entry that way.
#
#   scripts/check-deps.sh <build dir>     after `cmake` configured that build dir
#
# Files checked, all read from <build dir>/CMakeCache.txt:
#   - the package config files behind each `<Pkg>_DIR` (Qt6Charts_DIR, Qt6OpenGL_DIR, ...);
#   - the .pc files of each pkg-config module found (`<X>_MODULE_NAME` with `<X>_FOUND=1`) and
#     of the modules they require;
#   - the libraries find_library()/pkg_check_modules() cached (`*_LIBRARY`, `pkgcfg_lib_*`).
# Exits 1 naming each missing package and the file that needs it.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:?usage: scripts/check-deps.sh <configured build dir>}
cache=$build/CMakeCache.txt
[ -f "$cache" ] || { echo "check-deps: $cache not found; configure first" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- 1. Files the configure step used -------------------------------------------------------
files=$tmp/files
: >"$files"
# Package config directories: every *Config.cmake / *-config.cmake inside.
sed -n 's/^[A-Za-z0-9_]*_DIR:PATH=\(.*\)$/\1/p' "$cache" | while read -r dir; do
    [ -d "$dir" ] || continue
    find "$dir" -maxdepth 1 \( -name '*Config.cmake' -o -name '*-config.cmake' \) >>"$files"
done
# pkg-config modules and what they require (pkg-config reads those .pc files too).
modules=$(sed -n 's/^\([A-Za-z0-9_]*\)_MODULE_NAME:INTERNAL=\(.*\)$/\1 \2/p' "$cache" |
    while read -r prefix module; do
        grep -qx "${prefix}_FOUND:INTERNAL=1" "$cache" && echo "$module"
    done)
seen=" "
while [ -n "$modules" ]; do
    next=""
    for m in $modules; do
        case "$seen" in *" $m "*) continue ;; esac
        seen="$seen$m "
        pc=$(pkg-config --path "$m" 2>/dev/null) || { echo "check-deps: pkg-config cannot find $m" >&2; continue; }
        echo "$pc" >>"$files"
        next="$next $(pkg-config --print-requires --print-requires-private "$m" 2>/dev/null |
            awk '{print $1}' | tr '\n' ' ')"
    done
    modules=$next
done
# Libraries cached by find_library()/pkg_check_modules() that a link line really uses (a find
# module may cache optional ones, e.g. libGLU, that nothing links).
sed -n -e 's/^[A-Za-z0-9_]*_LIBRARY:FILEPATH=\(.*\)$/\1/p' \
    -e 's/^pkgcfg_lib_[A-Za-z0-9_]*:FILEPATH=\(.*\)$/\1/p' "$cache" | sort -u |
    while read -r f; do
        if [ -e "$f" ] && grep -qF -- "$f" "$build/build.ninja"; then echo "$f"; fi
    done >>"$files"
sort -u "$files" -o "$files"

# --- 2. The Debian package owning each file -------------------------------------------------
# One dpkg-query for all files (it reads every file list, so one call per file is slow). dpkg
# records the path the package shipped: with merged /usr (Debian 12) a file reached as /usr/lib/...
# may be recorded as /lib/..., and a symlink's target may be owned by another package; those are
# looked up one by one.
owners=$tmp/owners
xargs -d '\n' dpkg-query -S <"$files" 2>/dev/null |
    sed -n 's/^\([^:,]*\)[:,].*: \(\/.*\)$/\1 \2/p' | sort -u -k2,2 >"$owners" || true
unowned=0
while read -r f; do
    awk -v f="$f" '$2 == f {found = 1} END {exit !found}' "$owners" && continue
    found=""
    for alt in "${f#/usr}" "$(readlink -f "$f")" "$(readlink -f "$f" | sed 's,^/usr,,')"; do
        found=$(dpkg-query -S "$alt" 2>/dev/null | sed -n '1s/^\([^:,]*\).*/\1/p') && [ -n "$found" ] && break
    done
    if [ -n "$found" ]; then
        echo "$found $f" >>"$owners"
    else
        echo "check-deps: no Debian package owns $f (built or installed by hand?)" >&2
        unowned=1
    fi
done <"$files"

# --- 3. The closure of deps.sh's list on an empty system ------------------------------------
: >"$tmp/empty-status"
mapfile -t list < <(scripts/deps.sh --print --test)
# -s: simulate only. An empty status file makes apt resolve as if nothing were installed, so
# every dependency down to libc6 is listed as "Inst <name> (...)".
if ! apt-get -s -o Dir::State::status="$tmp/empty-status" -o Debug::NoLocking=1 \
        install --no-install-recommends "${list[@]}" >"$tmp/sim" 2>"$tmp/sim.err"; then
    echo "check-deps: apt cannot resolve scripts/deps.sh's list from an empty system:" >&2
    cat "$tmp/sim.err" "$tmp/sim" >&2
    exit 1
fi
awk '$1 == "Inst" {print $2}' "$tmp/sim" | sed 's/:.*//' | sort -u >"$tmp/closure"

# --- 4. Compare -----------------------------------------------------------------------------
missing=0
while read -r p f; do
    if ! grep -qx "$p" "$tmp/closure"; then
        echo "check-deps: MISSING package $p (owns $f) is not in scripts/deps.sh's closure; add it to scripts/deps.sh" >&2
        missing=1
    fi
done <"$owners"
n_files=$(wc -l <"$files")
n_pkgs=$(awk '{print $1}' "$owners" | sort -u | wc -l)
n_closure=$(wc -l <"$tmp/closure")
if [ "$missing" -ne 0 ] || [ "$unowned" -ne 0 ]; then
    echo "check-deps: FAILED ($n_files files from $n_pkgs packages; closure of ${#list[@]} listed packages is $n_closure)" >&2
    exit 1
fi
echo "check-deps: OK: $n_files files the configure step used come from $n_pkgs packages, all in the" \
    "closure ($n_closure packages) of the ${#list[@]} packages scripts/deps.sh lists"
