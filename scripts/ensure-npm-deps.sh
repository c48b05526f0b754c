#!/usr/bin/env bash
# Installs the npm dependencies (npm ci) when node_modules is missing or older than the lock file
# (a fresh clone, or a pull that changed package-lock.json). `npm start` and `npm test` run it
# first, so both README commands work on a clone that never ran `npm install`.
set -euo pipefail
cd "$(dirname "$0")/.."

# npm ci writes node_modules/.package-lock.json last: newer than the lock file means up to date.
if [[ -f node_modules/.package-lock.json && node_modules/.package-lock.json -nt package-lock.json ]]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "[setup] npm is missing: install Node.js 20.19+ (it comes with npm)" >&2; exit 1; }
echo "[setup] installing npm dependencies (npm ci): node_modules is $([[ -d node_modules ]] && echo 'older than package-lock.json' || echo 'missing')" >&2
npm ci --no-audit --no-fund >&2
