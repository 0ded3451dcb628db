#!/usr/bin/env bash
# Checks a built .deb, installs it with apt (which resolves its Depends) and starts what it
# installed, headless, as a user would after `apt install ./gpudeck_*.deb`:
#   - the control fields and file list (binaries, the Sandbox helper, icon, .desktop, AppStream);
#   - desktop-file-validate and appstreamcli validate on the installed files;
#   - /usr/bin/gpudeck starts on the offscreen platform, shows its window (first paint) and quits;
#   - /usr/bin/gpudeck-cli lists plans, launches a Sandbox machine, runs a command on it over SSH
#     and destroys it (the Sandbox helper must come from /usr/libexec/gpudeck).
# Needs root (apt-get install). Run by .ci/run; by hand: sudo packaging/smoke-test.sh build.
set -euo pipefail
build=${1:?usage: packaging/smoke-test.sh <build dir with gpudeck_*.deb>}
shopt -s nullglob
debs=("$build"/gpudeck_*.deb)
[ ${#debs[@]} -eq 1 ] || { echo "smoke: expected one gpudeck_*.deb in $build, found ${#debs[@]}" >&2; exit 1; }
deb=$(cd "$(dirname "${debs[0]}")" && pwd)/$(basename "${debs[0]}")
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }

echo "smoke: $deb"
dpkg-deb -I "$deb" | sed -n '/Package:/,$p'
control=$(dpkg-deb -f "$deb" Depends Recommends)
for want in 'libQt6|libqt6core6' libssh openssh-client libqt6svg6 libqt6sql6-sqlite; do
    grep -Eq "$want" <<<"$control" || fail "Depends lacks $want: $control"
done
[ "$(dpkg-deb -f "$deb" Recommends)" = "openssh-server" ] || fail "Recommends is not openssh-server"
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for want in ./usr/bin/gpudeck ./usr/bin/gpudeck-cli ./usr/libexec/gpudeck/gpudeck-simgpu \
    ./usr/share/applications/io.github.gpudeck.GPUDeck.desktop \
    ./usr/share/metainfo/io.github.gpudeck.GPUDeck.metainfo.xml \
    ./usr/share/icons/hicolor/scalable/apps/io.github.gpudeck.GPUDeck.svg \
    ./usr/share/doc/gpudeck/copyright; do
    grep -qx -- "$want" <<<"$files" || fail "the package lacks $want"
done

DEBIAN_FRONTEND=noninteractive apt-get install -y "$deb"
desktop-file-validate /usr/share/applications/io.github.gpudeck.GPUDeck.desktop
appstreamcli validate --no-net --pedantic /usr/share/metainfo/io.github.gpudeck.GPUDeck.metainfo.xml
grep -q '<svg' /usr/share/icons/hicolor/scalable/apps/io.github.gpudeck.GPUDeck.svg ||
    fail "the installed icon is not an SVG"

# A user of our own: empty XDG folders, nothing inherited from the machine.
home=$(mktemp -d)
cleanup() {
    [ -n "${id:-}" ] && HOME=$home XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data \
        XDG_STATE_HOME=$home/state XDG_CACHE_HOME=$home/cache \
        /usr/bin/gpudeck-cli destroy "$id" --yes >/dev/null 2>&1 || true
    rm -rf "$home"
}
trap cleanup EXIT
export HOME=$home XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data \
    XDG_STATE_HOME=$home/state XDG_CACHE_HOME=$home/cache XDG_RUNTIME_DIR=$home/run
mkdir -m 0700 "$XDG_RUNTIME_DIR"
cd "$home"

# The GUI: GPUDECK_BENCH_STARTUP makes it quit 300 ms after the main window's first paint
# (ui/startupprobe.cpp), so this is a real start, not a --version.
out=$(QT_QPA_PLATFORM=offscreen GPUDECK_BENCH_STARTUP=300 timeout 120 /usr/bin/gpudeck 2>&1) ||
    fail "gpudeck did not start and quit: $out"
grep -q '^first-paint$' <<<"$out" || fail "gpudeck never painted its window: $out"
echo "smoke: /usr/bin/gpudeck painted its window ($(grep VmRSS <<<"$out" || true))"

plans=$(/usr/bin/gpudeck-cli plans --provider sandbox --json)
plan=$(grep -oE '"id": *"[^"]+"' <<<"$plans" | head -1 | sed 's/.*"\([^"]*\)"$/\1/')
[ -n "$plan" ] || fail "gpudeck-cli plans listed no Sandbox plan: $plans"
launched=$(timeout 300 /usr/bin/gpudeck-cli launch --provider sandbox --plan "$plan" --wait --json)
id=$(grep -oE '"id": *"[^"]+"' <<<"$launched" | head -1 | sed 's/.*"\([^"]*\)"$/\1/')
[ -n "$id" ] || fail "gpudeck-cli launch gave no id: $launched"
gpus=$(timeout 120 /usr/bin/gpudeck-cli exec "$id" -- nvidia-smi -L)
grep -q '^GPU 0:' <<<"$gpus" || fail "nvidia-smi on the Sandbox machine said: $gpus"
recap=$(timeout 120 /usr/bin/gpudeck-cli destroy "$id" --yes)
id=""
echo "smoke: Sandbox plan $plan launched, nvidia-smi answered ($(head -1 <<<"$gpus")), destroyed"
echo "$recap" | tail -3
echo "smoke: OK"
