#!/usr/bin/env bash
# Prints the path of a Temporal CLI binary (dev server with Web UI and SQLite persistence).
# Order: $TEMPORAL_CLI_PATH if set; a cached build; otherwise build it from the Go module proxy.
source "$(dirname "$0")/lib.sh"

if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  [[ -x "$TEMPORAL_CLI_PATH" ]] || die "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file"
  echo "$TEMPORAL_CLI_PATH"; exit 0
fi
out="$ZA_CACHE_DIR/temporal-cli-$TEMPORAL_CLI_VERSION/temporal"
go_build_cached github.com/temporalio/cli "$TEMPORAL_CLI_VERSION" "$TEMPORAL_CLI_MIN_GO" ./cmd/temporal "$out" \
  "-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION#v}" \
  "set TEMPORAL_CLI_PATH to an installed temporal binary (or TEMPORAL_CLI_DOWNLOAD=1 to download one)"
echo "$out"
