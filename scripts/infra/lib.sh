# shellcheck shell=bash
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
# The Go each needs: the `go` directive of its go.mod, so a missing or old Go is named before a
# download (a changed version is checked against its own go.mod after the download).
# shellcheck disable=SC2034 # used by the scripts that source this file
TEMPORAL_CLI_MIN_GO=1.25.0
# shellcheck disable=SC2034
VERSITYGW_MIN_GO=1.25.0

say() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed: $2"; }

# True if version $2 is $1 or newer (1.25.0 <= 1.26.8).
version_at_least() { [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" == "$1" ]]; }

# 90 -> 1m30s
duration() { if (( $1 >= 60 )); then echo "$(($1 / 60))m$(($1 % 60))s"; else echo "$1s"; fi; }

# Runs a long step (a download or a build) with its output in a log, and says on stderr every
# $ZA_PROGRESS_SECONDS (15) seconds that it still runs, so a first build of minutes does not look
# hung. Returns the step's exit code. Usage: with_progress WHAT LOG COMMAND [ARG...]
with_progress() {
  local what="$1" log="$2" every="${ZA_PROGRESS_SECONDS:-15}" start=$SECONDS pid reporter rc=0
  shift 2
  "$@" >"$log" 2>&1 &
  pid=$!
  # The reporter stops by itself once the step is gone. Its sleep keeps neither stderr nor the
  # build lock (fd 9) open, so nothing waits on a leftover sleep after the step is killed.
  (
    while sleep "$every" 2>/dev/null 9>&- && kill -0 "$pid" 2>/dev/null; do
      say "still $what: $(duration $((SECONDS - start))) so far"
    done
  ) </dev/null >/dev/null &
  reporter=$!
  # A background step ignores Ctrl-C in a script: stop it when this script ends early.
  trap 'kill "$pid" "$reporter" 2>/dev/null' EXIT
  wait "$pid" || rc=$?
  trap - EXIT
  kill "$reporter" 2>/dev/null || true
  wait "$reporter" 2>/dev/null || true
  return "$rc"
}

# Go is needed only to build: name the version and what to do instead when it is missing or old.
need_go() {
  local min="$1" what="$2" alt="$3" have
  local get="install Go ${min%.0}+ (https://go.dev/dl) to build $what, or $alt"
  need go "$get"
  have="$(GOTOOLCHAIN=local go env GOVERSION)" || die "'go env GOVERSION' failed: $get"
  have="${have#go}"
  # A development build (devel go1.x-...) is taken to be new enough.
  [[ "$have" == devel* ]] || version_at_least "$min" "$have" || die "Go $have is too old (needs ${min%.0}+): $get"
}

# Builds a Go module's main package into the cache. The module is downloaded and built inside a
# copy because `go install module@version` refuses modules with replace directives.
# Usage: go_build_cached MODULE VERSION MIN_GO PACKAGE OUT LDFLAGS ALTERNATIVE
# (ALTERNATIVE says how to do without Go, for the message when Go is missing or too old).
go_build_cached() {
  local module="$1" version="$2" min_go="$3" pkg="$4" out="$5" ldflags="$6" alt="$7"
  if [[ -x "$out" ]]; then return 0; fi
  # One build at a time per binary: parallel test runs wait for the first one's result. The lock
  # lives beside the binary, so its folder must exist first (on a machine that never built it).
  mkdir -p "$(dirname "$out")"
  exec 9>"$out.lock"
  flock 9
  if [[ -x "$out" ]]; then return 0; fi
  need_go "$min_go" "$module@$version" "$alt"
  say "building $module@$version ($pkg); this takes a few minutes the first time"
  local work dir log want
  work="$(mktemp -d)"
  log="$ZA_CACHE_DIR/build-$(basename "$module")-$version.log"
  if ! (cd "$work" && with_progress "downloading $module@$version" "$work/download.json" \
      env GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "$module@$version"); then
    cat "$work/download.json" >&2
    die "could not download $module@$version from the Go module proxy"
  fi
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$work/download.json")"
  [[ -n "$dir" ]] || die "could not download $module@$version from the Go module proxy (no Dir in: $(tr -d '\n' <"$work/download.json"))"
  # The pinned minimum is for the pinned version; another version may need a newer Go.
  want="$(sed -n 's/^go \([0-9][0-9.a-z]*\).*$/\1/p' "$dir/go.mod" 2>/dev/null | head -1)" || want=""
  if [[ -n "$want" ]]; then need_go "$want" "$module@$version" "$alt"; fi
  cp -r "$dir" "$work/src" && chmod -R u+w "$work/src"
  if ! (cd "$work/src" && with_progress "building $module@$version" "$log" \
      env GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $ldflags" -o "$out.tmp" "$pkg"); then
    tail -20 "$log" >&2
    die "go build of $module@$version failed (log: $log; Go $(go env GOVERSION))"
  fi
  mv "$out.tmp" "$out"
  rm -rf "$work"
  say "built $out"
}
