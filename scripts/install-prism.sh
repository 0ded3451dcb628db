#!/usr/bin/env bash
# Installs Prism (npm @stoplight/prism-cli), the mock server the provider contract tests run the
# real clients against, into .tools/ (git-ignored). Idempotent; a no-op once installed.
# Prints the path of the prism executable.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=.tools/prism
bin="$prefix/node_modules/.bin/prism"
if [ ! -x "$bin" ]; then
    if ! command -v npm >/dev/null; then
        echo "install-prism: npm is not installed; the provider contract tests will skip" >&2
        exit 1
    fi
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error @stoplight/prism-cli@5 >&2
fi
echo "$PWD/$bin"
