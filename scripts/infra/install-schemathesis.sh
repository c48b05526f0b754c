#!/usr/bin/env bash
# Installs schemathesis (PyPI) into a virtualenv in the cache, for the API fuzz test
# (test/api/openapi-fuzz.test.ts), and prints the path of its `st` command. Idempotent.
source "$(dirname "$0")/lib.sh"

SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
venv="$ZA_CACHE_DIR/schemathesis-$SCHEMATHESIS_VERSION"
st="$venv/bin/st"

if [[ -x "$st" ]] && "$st" --version >/dev/null 2>&1; then
  echo "$st"
  exit 0
fi
need python3 "install Python 3.9+ (with venv), e.g. apt-get install python3 python3-venv"
exec 9>"$ZA_CACHE_DIR/.schemathesis.lock"
flock 9
if [[ ! -x "$st" ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed: install python3-venv"
  with_progress "installing schemathesis $SCHEMATHESIS_VERSION" "$ZA_CACHE_DIR/schemathesis-install.log" \
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" \
    || { tail -20 "$ZA_CACHE_DIR/schemathesis-install.log" >&2; rm -rf "$venv"; die "could not install schemathesis from PyPI"; }
fi
echo "$st"
