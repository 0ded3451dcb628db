#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages GPUDeck builds and runs with (Debian 12, Ubuntu 24.04).
#   scripts/deps.sh          what building and running the app needs
#   scripts/deps.sh --test   also what the test suite needs (login shells, validators, Prism)
# Uses sudo unless already root. Safe to run again: apt skips what is installed.
# .ci/run checks that this list covers every package the configure step used, computed from an
# empty system (scripts/check-deps.sh), so a fresh machine cannot miss one.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build and run. Debian's qt6-charts-dev needs libqt6opengl6-dev (Qt6Charts' CMake config finds
# Qt6OpenGL) and Qt6Gui's config needs libxkbcommon-dev, but neither is a dependency of theirs.
packages=(
    build-essential cmake ninja-build pkg-config
    qt6-base-dev qt6-charts-dev libqt6opengl6-dev libxkbcommon-dev qt6-svg-dev
    libqt6sql6-sqlite libqt6svg6
    libssh-dev libssl-dev libvterm-dev qtkeychain-qt6-dev
    openssh-server openssh-client
    xvfb xauth fonts-dejavu-core gnome-keyring dbus
)

# Only for the tests: the login shells remote commands are tested under, Node.js/npm for the
# Prism mock servers, Python for the terminal conformance suite, the openssl command (an
# independent check of GCE's JWTs); for .ci/run's other stages:
# clang + libFuzzer (tests/fuzz), `file` (CPack's dpkg-shlibdeps step) and the validators of the
# desktop file and AppStream metadata.
test_packages=(
    dash zsh fish tcsh
    python3 python3-botocore python3-yaml openssl
    clang libclang-rt-14-dev
    file desktop-file-utils appstream
)

if [ "${1:-}" = "--print" ]; then
    # The list, one per line (used by scripts/check-deps.sh).
    printf '%s\n' "${packages[@]}"
    [ "${2:-}" = "--test" ] && printf '%s\n' "${test_packages[@]}" nodejs npm
    exit 0
fi
if [ "${1:-}" = "--test" ]; then
    packages+=("${test_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        as_root=(sudo)
    fi
    echo "Installing: ${missing[*]}"
    "${as_root[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Node.js and npm (for Prism) are installed from Debian only when the commands are missing: many
# machines have Node.js from elsewhere (NodeSource's nodejs bundles npm and conflicts with
# Debian's npm package, so asking apt for npm there fails).
if [ "${1:-}" = "--test" ]; then
    as_root=()
    [ "$(id -u)" -ne 0 ] && as_root=(sudo)
    node_missing=()
    command -v node >/dev/null 2>&1 || node_missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || node_missing+=(npm)
    if [ ${#node_missing[@]} -gt 0 ]; then
        echo "Installing: ${node_missing[*]}"
        [ ${#missing[@]} -gt 0 ] || "${as_root[@]}" apt-get update
        DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y --no-install-recommends "${node_missing[@]}"
    fi
fi
