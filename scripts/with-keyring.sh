#!/usr/bin/env bash
# Runs a command with a real, unlocked GNOME Keyring on a private D-Bus session bus, headless:
# the keychain tests use the real Secret Service, not a fake. The keyring's files go to a
# temporary XDG_DATA_HOME, so the user's own keyrings are never touched.
# usage: scripts/with-keyring.sh COMMAND [ARGS...]
set -euo pipefail
if [ -z "${GPUDECK_IN_KEYRING_SESSION:-}" ]; then
    if ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
        echo "with-keyring: dbus-run-session or gnome-keyring-daemon missing (packages dbus, gnome-keyring); running without a keychain" >&2
        exec "$@"
    fi
    export GPUDECK_IN_KEYRING_SESSION=1
    exec dbus-run-session -- "$0" "$@"
fi
tmp=$(mktemp -d)
trap '[ -n "${keyring_pid:-}" ] && kill "$keyring_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
export XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# --unlock reads the login keyring's password from stdin and creates the keyring if needed.
# It daemonizes; ours is the one whose environment names our private runtime directory.
printf 'gpudeck-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
for pid in $(pgrep -x gnome-keyring-d || true); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"; then
        keyring_pid=$pid
    fi
done
export GPUDECK_TEST_KEYRING=1
"$@"
