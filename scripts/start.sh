#!/usr/bin/env bash
# `npm start`: the whole archiver on one machine (src/main.ts). On a fresh clone it first installs
# the npm dependencies; the Temporal dev server is built on first use by scripts/infra (progress
# lines every few seconds while it builds).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-npm-deps.sh
exec node_modules/.bin/tsx src/main.ts "$@"
