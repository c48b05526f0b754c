#!/usr/bin/env bash
# Prints the path of a real S3-compatible server binary: Versity Gateway (versitygw), whose
# posix backend serves a plain folder. Built once from the Go module proxy and cached.
source "$(dirname "$0")/lib.sh"

out="$ZA_CACHE_DIR/versitygw-$VERSITYGW_VERSION/versitygw"
go_build_cached github.com/versity/versitygw "$VERSITYGW_VERSION" "$VERSITYGW_MIN_GO" ./cmd/versitygw "$out" \
  "-X main.Version=$VERSITYGW_VERSION" \
  "set S3_ENDPOINT (with S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY) to an S3 server you run"
echo "$out"
