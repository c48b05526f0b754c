#!/usr/bin/env bash
# `npm test`: on a fresh clone, installs what the tests need, then type-checks, lints and runs
# every test against the real servers (Temporal dev server, time-skipping server, PostgreSQL, S3).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-npm-deps.sh
bash scripts/infra/ensure-all.sh
# The API fuzz test's schemathesis (PyPI), into the cache.
echo "[test] schemathesis: $(bash scripts/infra/install-schemathesis.sh)"

echo "[test] type check (tsc --noEmit)"
npx tsc --noEmit -p .
echo "[test] lint (eslint)"
npx eslint .
echo "[test] tests (vitest, real servers)"
npx vitest run "$@"
