#!/usr/bin/env bash
# Installs what GPUDeck needs, builds it with warnings as errors, and runs every test (unit,
# integration against real sshd servers, GUI on the offscreen platform). CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --test
# Prism (the provider contract tests' mock server) into .tools/; without it those tests skip.
scripts/install-prism.sh >/dev/null || echo "test.sh: Prism could not be installed; provider contract tests will skip" >&2
cmake --preset default
cmake --build --preset default -j"$(nproc)"
# Tests read ../shared (specs, captures, logs) in place; point elsewhere with
# -DGPUDECK_SHARED_DIR=... at configure time. Without it, those parts skip and say so.
ctest --preset default -j"$(nproc)" "$@"
