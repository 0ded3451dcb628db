#!/usr/bin/env bash
# No secret may reach the config directory, the logs or crash output. Runs the real flows with an
# isolated HOME and XDG folders and known fake secrets, then searches every byte the app wrote:
#   - the app's SSH private key (created on the first Sandbox launch) must exist only in its own
#     0600 key file: its base64 body is searched for in every other file and in all output;
#   - fake provider tokens set through the environment variables users set them in must appear
#     nowhere.
# Flows: Sandbox launch, exec, upload and download, watch, the GUI started with the machine
# running (its terminal and monitor connect), a failing command, destroy, ledger.
#   tst_secrets.sh <bin dir>       (registered with ctest by tests/integration/CMakeLists.txt)
set -euo pipefail
bin=${1:?usage: tst_secrets.sh <bin dir>}
cli=$bin/gpudeck-cli
gui=$bin/gpudeck
root=$(mktemp -d)
out=$root/output # everything the programs printed; searched like the files
mkdir -p "$out"
id=""
cleanup() {
    [ -n "$id" ] && "$cli" destroy "$id" --yes >/dev/null 2>&1 || true
    rm -rf "$root"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

export HOME=$root/home XDG_CONFIG_HOME=$root/home/.config XDG_DATA_HOME=$root/home/.local/share \
    XDG_STATE_HOME=$root/home/.local/state XDG_CACHE_HOME=$root/home/.cache \
    XDG_RUNTIME_DIR=$root/run QT_QPA_PLATFORM=offscreen
mkdir -p "$HOME" && mkdir -m 0700 "$XDG_RUNTIME_DIR"
unset SSH_AUTH_SOCK
# Known fake tokens, under the names the providers' own tools read them from.
fake_tokens=(
    LINODE_TOKEN=fake-linode-3c1f0a9e7b2d4c6a
    LINODE_CLI_TOKEN=fake-linode-cli-8d2e4f6a1b3c
    RUNPOD_API_KEY=fake-runpod-5a7c9e1f3b
    VAST_API_KEY=fake-vast-2b4d6f8a0c
    LAMBDA_API_KEY=fake-lambda-9e8d7c6b5a
    DIGITALOCEAN_TOKEN=fake-do-1a2b3c4d5e6f
    DIGITALOCEAN_ACCESS_TOKEN=fake-do-access-6f5e4d3c
    AWS_SECRET_ACCESS_KEY=fake-aws-secret-0f1e2d3c4b5a69788796a5b4
    GPUDECK_TEST_PASSWORD=fake-password-7q8w9e0r
)
export "${fake_tokens[@]}"
# Tests talk to nothing outside this machine: every cloud API points at a closed loopback port.
for p in LINODE LAMBDA RUNPOD VAST DIGITALOCEAN AWS GCE; do
    export "GPUDECK_API_BASE_$p=http://127.0.0.1:9"
done

step=0
run() { # run <name> <command...>: keeps stdout and stderr for the search
    local name=$1
    shift
    step=$((step + 1))
    "$@" >"$out/$step-$name.out" 2>"$out/$step-$name.err"
}
plan=$("$cli" plans --provider sandbox --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
run launch "$cli" launch --provider sandbox --plan "$plan" --name secrets --wait --json ||
    fail "launch: $(cat "$out"/*launch.err)"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$out/$step-launch.out")
run exec "$cli" exec "$id" -- sh -c 'echo hello; ls -la ~' || fail "exec"
printf 'payload\n' >"$root/upload.txt"
run put "$cli" put "$id" "$root/upload.txt" . || fail "put: $(cat "$out/$step-put.err")"
mkdir -p "$root/down"
run get "$cli" get "$id" upload.txt "$root/down" || fail "get: $(cat "$out/$step-get.err")"
run watch "$cli" watch "$id" --count 2 --interval 500 || fail "watch"
# The GUI with the machine running: quits 3 s after its first paint (ui/startupprobe.cpp).
GPUDECK_BENCH_STARTUP=3000 run gui timeout 120 "$gui" || fail "gui: $(cat "$out/$step-gui.err")"
run failing "$cli" exec "$id" -- sh -c 'echo to stderr >&2; exit 3' && fail "exit status 3 was lost"
run destroy "$cli" destroy "$id" --yes || fail "destroy"
id=""
run ledger "$cli" ledger --json || fail "ledger"

key=$XDG_DATA_HOME/gpudeck/keys/id_ed25519
[ -f "$key" ] || fail "the app key $key was never created"
[ "$(stat -c %a "$key")" = 600 ] || fail "$key has mode $(stat -c %a "$key"), not 600"
# Needles: each full line of the key's base64 body, and the tokens' values.
needles=$root/needles
sed -n '/BEGIN/,/END/p' "$key" | grep -v -- '-----' | awk 'length($0) >= 20' >"$needles"
[ -s "$needles" ] || fail "no key material read from $key"
for t in "${fake_tokens[@]}"; do echo "${t#*=}" >>"$needles"; done

# Every file written under the isolated home, the run dir and the program output, except the
# key file itself. The Sandbox machine's own host keys are the machine's secrets, not the app's,
# and they do not contain the needles; they are searched too.
files=$(find "$HOME" "$XDG_RUNTIME_DIR" "$out" -type f ! -path "$key" | wc -l)
if hits=$(find "$HOME" "$XDG_RUNTIME_DIR" "$out" -type f ! -path "$key" -print0 |
    xargs -0 grep -a -l -F -f "$needles"); then
    fail "a secret was written to: $hits"
fi
echo "PASS: $files files and outputs searched for $(wc -l <"$needles") secret strings; the key stays in $key (0600)"
