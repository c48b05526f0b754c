# Shared helpers for the infra scripts. Source it; do not run it.
# Everything built or downloaded goes to a cache outside the work tree, so a fresh clone on the
# same machine finds it again and starts in seconds.
set -euo pipefail

ZA_CACHE_DIR="${ZA_CACHE_DIR:-$HOME/.cache/zoom-archiver}"
mkdir -p "$ZA_CACHE_DIR"

# Pinned versions: change them here, nowhere else. The Temporal CLI stays at v1.5.1: from v1.8 on
# it replaces a nested module (cli/cliext) that the Go module proxy does not serve.
TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
TEMPORAL_TEST_SERVER_VERSION="${TEMPORAL_TEST_SERVER_VERSION:-1.34.0}"
VERSITYGW_VERSION="${VERSITYGW_VERSION:-v1.8.0}"

say() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed: $2"; }

# Builds a Go module's main package into the cache. The module is downloaded and built inside a
# copy because `go install module@version` refuses modules with replace directives.
go_build_cached() {
  local module="$1" version="$2" pkg="$3" out="$4" ldflags="${5:-}"
  if [[ -x "$out" ]]; then return 0; fi
  # One build at a time per binary: parallel test runs wait for the first one's result.
  exec 9>"$out.lock"
  flock 9
  if [[ -x "$out" ]]; then return 0; fi
  need go "install Go (the Temporal CLI and the S3 server are built from the Go module proxy)"
  say "building $module@$version ($pkg); this takes a few minutes the first time"
  local work dir log
  work="$(mktemp -d)"
  log="$ZA_CACHE_DIR/build-$(basename "$module")-$version.log"
  dir="$(cd "$work" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "$module@$version" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$dir" ]] || die "could not download $module@$version from the Go module proxy"
  cp -r "$dir" "$work/src" && chmod -R u+w "$work/src"
  mkdir -p "$(dirname "$out")"
  if ! (cd "$work/src" && GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp" "$pkg") >"$log" 2>&1; then
    tail -20 "$log" >&2
    die "go build of $module@$version failed (log: $log; Go $(go env GOVERSION))"
  fi
  mv "$out.tmp" "$out"
  rm -rf "$work"
  say "built $out"
}
