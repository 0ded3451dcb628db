#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages GPUDeck builds and runs with (Debian 12, Ubuntu 24.04).
# Uses sudo unless already root. Safe to run again: apt skips what is installed.
set -euo pipefail

packages=(
    build-essential cmake pkg-config
    qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6sql6-sqlite libqt6svg6
    libssh-dev libssl-dev libvterm-dev qtkeychain-qt6-dev
    openssh-server openssh-client
    xvfb xauth fonts-dejavu-core gnome-keyring dbus
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    as_root=(sudo)
fi
echo "Installing: ${missing[*]}"
"${as_root[@]}" apt-get update
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
