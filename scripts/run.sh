#!/usr/bin/env bash
# Installs what GPUDeck needs, builds it, and starts the app (on the built-in Sandbox
# provider: no account needed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset default
cmake --build --preset default -j"$(nproc)"
exec build/bin/gpudeck "$@"
