#!/usr/bin/env bash
# Make sure a PostgreSQL server answers for the test suite; start a throwaway one if none does.
#
#   eval "$(scripts/ensure_postgres.sh)"          # sets FINOPS_TEST_DATABASE_URL
#   scripts/ensure_postgres.sh stop "$FINOPS_TEST_PGDATA"   # stops a server this script started
#
# 1. If the server named by FINOPS_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test)
#    answers pg_isready, print `export FINOPS_TEST_DATABASE_URL=<that url>` and exit 0.
# 2. Otherwise initialise a cluster under ${TMPDIR:-/tmp} with Debian's binaries
#    (/usr/lib/postgresql/<newest>/bin, else initdb/pg_ctl on PATH), trust auth, listening on
#    127.0.0.1 at a free port, create the database `test`, and print
#    `export FINOPS_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:<port>/test` and
#    `export FINOPS_TEST_PGDATA=<data dir>`. As root the server runs as the `postgres` user.
# 3. Without those binaries (or with FINOPS_PG_PROVIDER=pgserver), fall back to PyPI's
#    `pgserver` (must be installed in the Python named by $PYTHON, default .venv/bin/python,
#    else python3).
# Only the export lines go to stdout (so `eval` is safe); progress and errors go to stderr.
set -euo pipefail

DEFAULT_URL="postgresql://postgres@127.0.0.1:5432/test"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(dirname "$SCRIPT_DIR")"

log() { printf 'ensure_postgres: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Run a PostgreSQL server binary as an unprivileged user: postgres refuses to run as root.
as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then
    id -u postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to run the server as"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

find_pg_bindir() {
  local dir best=""
  # Newest Debian major version first (sort -V on the version directory).
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then best="$dir"; break; fi
  done
  if [ -z "$best" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    best="$(dirname "$(command -v initdb)")"
  fi
  printf '%s' "$best"
}

free_port() {
  local port
  for port in $(seq 55432 55531); do
    # Nothing listening: the connection attempt fails.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s' "$port"
      return 0
    fi
  done
  die "no free port in 55432-55531"
}

python_bin() {
  if [ -n "${PYTHON:-}" ]; then printf '%s' "$PYTHON"
  elif [ -x "$REPO_ROOT/.venv/bin/python" ]; then printf '%s' "$REPO_ROOT/.venv/bin/python"
  else printf '%s' python3
  fi
}

# host and port of a postgresql:// or postgresql+driver:// URL (defaults 127.0.0.1 and 5432).
# A `?host=/socket/dir` query (pgserver's URLs) wins over the authority part.
url_host_port() {
  local rest="${1#*://}" query=""
  case "$1" in *\?*) query="${1#*\?}" ;; esac
  case "&$query" in
    *"&host="*)
      local socket="${query#*host=}"
      printf '%s %s' "${socket%%&*}" 5432
      return ;;
  esac
  rest="${rest%%/*}"
  rest="${rest##*@}"
  local host="${rest%%:*}" port="5432"
  if [ "$rest" != "$host" ]; then port="${rest##*:}"; fi
  printf '%s %s' "${host:-127.0.0.1}" "${port:-5432}"
}

stop_cluster() {
  local data_dir="${1:-${FINOPS_TEST_PGDATA:-}}"
  [ -n "$data_dir" ] || die "usage: $0 stop <data dir> (or set FINOPS_TEST_PGDATA)"
  [ -f "$data_dir/PG_VERSION" ] || die "$data_dir is not a PostgreSQL data directory"
  case "$(basename "$data_dir")" in
    finops-pgserver.*)
      "$(python_bin)" -c 'import sys, pgserver; pgserver.get_server(sys.argv[1], cleanup_mode="delete").cleanup()' \
        "$data_dir" || die "pgserver could not stop $data_dir"
      log "stopped and removed $data_dir"
      return 0 ;;
  esac
  local parent
  parent="$(cd "$(dirname "$data_dir")" && pwd)"
  # Only ever remove what start_with_debian_binaries made: <tmp>/finops-pg.XXXXXX/data.
  case "$(basename "$parent")" in
    finops-pg.*) ;;
    *) die "refusing to stop/remove $data_dir: not a throwaway cluster made by this script" ;;
  esac
  local bindir
  bindir="$(find_pg_bindir)"
  [ -n "$bindir" ] || die "pg_ctl not found"
  as_pg_user "$bindir/pg_ctl" -D "$data_dir" -m fast -w stop >&2 || true
  rm -rf -- "$parent"
  log "stopped and removed $parent"
}

# Does a server accept connections at host:port? pg_isready when installed, else a TCP probe.
server_answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$1" -p "$2" -t 3
  else
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
  fi
}

start_with_debian_binaries() {
  local bindir="$1" port data_dir
  port="$(free_port)"
  data_dir="$(mktemp -d "${TMPDIR:-/tmp}/finops-pg.XXXXXX")"
  mkdir -p "$data_dir/data" "$data_dir/socket"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$data_dir"; fi
  log "initialising a throwaway cluster in $data_dir/data with $bindir"
  as_pg_user "$bindir/initdb" -D "$data_dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$data_dir/initdb.log" 2>&1 || { cat "$data_dir/initdb.log" >&2; die "initdb failed"; }
  log "starting it on 127.0.0.1:$port"
  as_pg_user "$bindir/pg_ctl" -D "$data_dir/data" -l "$data_dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $data_dir/socket -c fsync=off" start >&2 \
    || { cat "$data_dir/server.log" >&2; die "pg_ctl start failed"; }
  as_pg_user "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
    -c "CREATE DATABASE test" >&2 || die "could not create database 'test'"
  printf 'export FINOPS_TEST_DATABASE_URL=%q\n' "postgresql://postgres@127.0.0.1:$port/test"
  printf 'export FINOPS_TEST_PGDATA=%q\n' "$data_dir/data"
  log "stop it with: $0 stop $data_dir/data"
}

start_with_pgserver() {
  local python data_dir
  python="$(python_bin)"
  "$python" -c "import pgserver" 2>/dev/null \
    || die "no PostgreSQL binaries (/usr/lib/postgresql/*/bin) and PyPI's pgserver is not installed in $python; apt-get install postgresql, or pip install pgserver"
  data_dir="$(mktemp -d "${TMPDIR:-/tmp}/finops-pgserver.XXXXXX")"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$data_dir" 2>/dev/null || true; fi
  log "starting PyPI pgserver in $data_dir"
  local uri
  uri="$("$python" - "$data_dir" <<'PY'
import sys

import pgserver

server = pgserver.get_server(sys.argv[1], cleanup_mode=None)  # keep running after we exit
server.psql("CREATE DATABASE test;")
print(server.get_uri("test"))
PY
)" || die "pgserver failed to start"
  printf 'export FINOPS_TEST_DATABASE_URL=%q\n' "$uri"
  printf 'export FINOPS_TEST_PGDATA=%q\n' "$data_dir"
}

main() {
  if [ "${1:-}" = "stop" ]; then
    shift
    stop_cluster "$@"
    return
  fi
  local url="${FINOPS_TEST_DATABASE_URL:-$DEFAULT_URL}" host port
  read -r host port <<<"$(url_host_port "$url")"
  if server_answers "$host" "$port"; then
    log "PostgreSQL answers at $host:$port"
    printf 'export FINOPS_TEST_DATABASE_URL=%q\n' "$url"
    return 0
  fi
  log "no PostgreSQL answers at $host:$port; starting a throwaway one"
  local bindir
  # FINOPS_PG_PROVIDER=pgserver skips Debian's binaries (to exercise the fallback).
  if [ "${FINOPS_PG_PROVIDER:-}" != "pgserver" ]; then bindir="$(find_pg_bindir)"; else bindir=""; fi
  if [ -n "$bindir" ]; then
    start_with_debian_binaries "$bindir"
  else
    start_with_pgserver
  fi
}

main "$@"
