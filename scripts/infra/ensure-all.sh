#!/usr/bin/env bash
# Installs, builds and caches every real server the tests and the demo use, and says which.
# Idempotent: a second run on the same machine takes a second or two.
source "$(dirname "$0")/lib.sh"
here="$(dirname "$0")"

started=$SECONDS
say "cache: $ZA_CACHE_DIR"
if [[ "${TEMPORAL_CLI_DOWNLOAD:-}" == 1 ]]; then
  say "Temporal CLI: downloaded by @temporalio/testing (TEMPORAL_CLI_DOWNLOAD=1)"
elif [[ -z "${TEMPORAL_ADDRESS:-}" ]]; then
  cli="$(bash "$here/install-temporal-cli.sh")"
  say "Temporal CLI: $cli ($("$cli" --version))"
fi
if [[ "${TEMPORAL_TEST_SERVER_DOWNLOAD:-}" != 1 ]]; then
  say "time-skipping test server: $(bash "$here/install-test-server.sh")"
fi
if [[ -z "${S3_ENDPOINT:-}" ]]; then
  s3="$(bash "$here/install-s3-server.sh")"
  say "S3 server: $s3 ($("$s3" --version | head -1 | tr -s ' '))"
fi
url="$(bash "$here/start-postgres.sh")"
say "PostgreSQL: ${url/:archiver_test@/:***@}"
say "servers ready in $((SECONDS - started)) s"
