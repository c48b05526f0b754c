#!/usr/bin/env bash
# Prints the path of a real S3-compatible server binary: Versity Gateway (versitygw), whose
# posix backend serves a plain folder. Built once from the Go module proxy and cached.
source "$(dirname "$0")/lib.sh"

out="$ZA_CACHE_DIR/versitygw-$VERSITYGW_VERSION/versitygw"
go_build_cached github.com/versity/versitygw "$VERSITYGW_VERSION" ./cmd/versitygw "$out" \
  "-X main.Version=$VERSITYGW_VERSION"
echo "$out"
