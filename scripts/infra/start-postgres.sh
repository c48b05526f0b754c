#!/usr/bin/env bash
# Prints a PostgreSQL URL for the tests: a role that may create databases (each test file makes
# its own). Order: $DATABASE_URL if set; otherwise Debian's PostgreSQL on this machine, installed
# if missing, its cluster started, and a role and database `archiver_test` created.
source "$(dirname "$0")/lib.sh"

if [[ -n "${DATABASE_URL:-}" ]]; then echo "$DATABASE_URL"; exit 0; fi
# Where Debian puts the server binaries, one folder per major version; a test points it elsewhere.
PG_LIB_DIR="${PG_LIB_DIR:-/usr/lib/postgresql}"

if ! ls "$PG_LIB_DIR"/*/bin/initdb >/dev/null 2>&1; then
  [[ "$(id -u)" == 0 ]] || die "PostgreSQL is not installed and this is not root: install Debian's 'postgresql' package or set DATABASE_URL"
  need apt-get "PostgreSQL is not installed; install it or set DATABASE_URL"
  say "installing Debian's postgresql package"
  # shellcheck disable=SC2015 # die if either apt-get fails
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 \
    || die "apt-get could not install postgresql; install it or set DATABASE_URL"
fi
# shellcheck disable=SC2012 # its entries are version numbers
version="$(ls "$PG_LIB_DIR" | sort -V | tail -1)"
need pg_ctlcluster "Debian's postgresql-common is missing; install 'postgresql' or set DATABASE_URL"

if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main"' | grep -q .; then
  say "creating PostgreSQL $version cluster 'main'"
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" && $4=="online"' | grep -q .; then
  say "starting PostgreSQL $version cluster 'main'"
  pg_ctlcluster "$version" main start >&2 || die "PostgreSQL $version would not start; see /var/log/postgresql/"
fi
port="$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')"

as_postgres() { runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -qtAX "$@"; }
if [[ "$(as_postgres -c "select 1 from pg_roles where rolname='archiver_test'")" != 1 ]]; then
  say "creating role archiver_test"
  as_postgres -c "create role archiver_test login createdb password 'archiver_test'" >&2
fi
# Each test file drops its own database `with (force)`, which must end every session on it: an
# autovacuum worker's too, and only pg_signal_backend may. Granting again is a no-op.
as_postgres -c "grant pg_signal_backend to archiver_test" 2>/dev/null
if [[ "$(as_postgres -c "select 1 from pg_database where datname='archiver_test'")" != 1 ]]; then
  as_postgres -c "create database archiver_test owner archiver_test" >&2
fi
echo "postgres://archiver_test:archiver_test@127.0.0.1:$port/archiver_test"
