#!/usr/bin/env bash
# Installs what GPUDeck needs, builds it with warnings as errors, and runs every test (unit,
# integration against real sshd servers, GUI on the offscreen platform). CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
cmake --preset default
cmake --build --preset default -j"$(nproc)"
# Tests read ../shared (specs, captures, logs) in place; point elsewhere with
# -DGPUDECK_SHARED_DIR=... at configure time. Without it, those parts skip and say so.
ctest --preset default -j"$(nproc)" "$@"
