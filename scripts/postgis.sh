#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL + PostGIS server on localhost:
#   bash scripts/postgis.sh COMMAND [ARGS...]
#   e.g. bash scripts/postgis.sh .venv/bin/python -m pytest tests/test_store.py
# The server lives in a temporary folder (initdb, a free port on 127.0.0.1, no fsync),
# with a database geosozial_test (CREATE EXTENSION postgis) owned by a password-protected
# role geosozial (no superuser), and a database geosozial_ohne_postgis without PostGIS
# (for the error a missing extension gives); the URL of geosozial_test is exported as
# GEOSOZIAL_TEST_POSTGIS for COMMAND. When COMMAND
# ends (or fails, or Ctrl-C), the server is stopped and the folder removed. The exit
# status is COMMAND's. As root (initdb refuses root) the server runs as the Debian user
# postgres. Debian packages: postgresql, postgresql-15-postgis-3 (bash scripts/setup.sh
# --test installs them).
# If GEOSOZIAL_TEST_POSTGIS is already set, that server is used and none is started.
# Without PostgreSQL or PostGIS, COMMAND runs without the variable after a warning (the
# PostGIS tests then skip, and fail in CI).
set -uo pipefail

if [ $# -eq 0 ]; then
  echo "usage: bash scripts/postgis.sh COMMAND [ARGS...]" >&2
  exit 2
fi
if [ -n "${GEOSOZIAL_TEST_POSTGIS:-}" ]; then
  exec "$@"
fi

bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then bindir="$d"; break; fi
done
version="$(basename "$(dirname "${bindir:-/x/none/bin}")")"
if [ -z "$bindir" ] || [ ! -f "/usr/share/postgresql/$version/extension/postgis.control" ]; then
  echo "postgis.sh: PostgreSQL/PostGIS not installed (Debian: postgresql," \
       "postgresql-15-postgis-3); running without a PostGIS server" >&2
  exec "$@"
fi

as_server=()
if [ "$(id -u)" -eq 0 ]; then as_server=(runuser -u postgres --); fi

folder="$(mktemp -d "${TMPDIR:-/tmp}/geosozial-pg.XXXXXX")"
data="$folder/data"
started=""
cleanup() {
  if [ -n "$started" ]; then
    "${as_server[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$folder"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "postgis.sh: $1" >&2
  [ -f "$folder/server.log" ] && tail -n 20 "$folder/server.log" >&2
  exit 1
}

password="$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
port="$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
printf '%s\n' "$password" > "$folder/pwfile"
if [ ${#as_server[@]} -gt 0 ]; then chown -R postgres: "$folder"; fi
chmod 700 "$folder"

"${as_server[@]}" "$bindir/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
  --auth-local=trust --auth-host=scram-sha-256 --pwfile="$folder/pwfile" --no-sync \
  >"$folder/initdb.log" 2>&1 || { cat "$folder/initdb.log" >&2; fail "initdb failed"; }
rm -f "$folder/pwfile"
"${as_server[@]}" "$bindir/pg_ctl" -D "$data" -l "$folder/server.log" -w -t 60 start -o \
  "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$folder \
   -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null \
  || fail "the server did not start"
started=1

psql=("${as_server[@]}" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$folder" -p "$port"
      -U postgres)
"${psql[@]}" -d postgres \
  -c "CREATE ROLE geosozial LOGIN PASSWORD '$password'" \
  -c "CREATE DATABASE geosozial_test OWNER geosozial" \
  -c "CREATE DATABASE geosozial_ohne_postgis OWNER geosozial" >/dev/null \
  || fail "could not create the test database"
"${psql[@]}" -d geosozial_test -c "CREATE EXTENSION postgis" >/dev/null \
  || fail "CREATE EXTENSION postgis failed"

export GEOSOZIAL_TEST_POSTGIS="postgresql://geosozial:$password@127.0.0.1:$port/geosozial_test"
echo "postgis.sh: PostgreSQL $version with PostGIS on 127.0.0.1:$port" \
     "(GEOSOZIAL_TEST_POSTGIS)" >&2
"$@"
exit $?
