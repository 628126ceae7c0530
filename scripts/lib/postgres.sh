# shellcheck shell=bash
# Debian's PostgreSQL server for the tests that run on PostgreSQL as well as on SQLite.
#
#   ensure_postgres   installs and starts the server, creates the `sesame` role, and sets
#                     SESAME_PG_URL (a URL of the `postgres` maintenance database as that
#                     role; the tests, given it as SESAME_TEST_POSTGRES_URL, create a
#                     database of their own from it)
#
# Sourced after scripts/lib/toolchain.sh (needs `step`, `note`, `apt_install`).

SESAME_PG_PORT="${SESAME_PG_PORT:-5432}"
SESAME_PG_PASSWORD="sesame-tests"

# Runs a command as the postgres system user (the cluster's owner).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    sudo -u postgres "$@"
  fi
}

ensure_postgres() {
  step "PostgreSQL (Debian's postgresql, port $SESAME_PG_PORT)"
  apt_install postgresql
  local cluster version
  cluster=$(pg_lsclusters --no-header | awk -v p="$SESAME_PG_PORT" '$3 == p {print $1" "$2; exit}')
  if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    note "creating cluster $version/sesame on port $SESAME_PG_PORT"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo pg_createcluster --port "$SESAME_PG_PORT" "$version" sesame >/dev/null
    cluster="$version sesame"
  fi
  # shellcheck disable=SC2086
  set -- $cluster
  if ! pg_lsclusters --no-header | awk -v v="$1" -v c="$2" '$1 == v && $2 == c {print $4}' | grep -q online; then
    note "starting cluster $1/$2"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo pg_ctlcluster "$1" "$2" start
  fi
  # A superuser role for the tests: they create and drop databases of their own.
  as_postgres psql -p "$SESAME_PG_PORT" -qtAc "SELECT 1 FROM pg_roles WHERE rolname = 'sesame'" | grep -q 1 ||
    as_postgres psql -p "$SESAME_PG_PORT" -qc "CREATE ROLE sesame LOGIN SUPERUSER PASSWORD '$SESAME_PG_PASSWORD'"
  SESAME_PG_URL="postgres://sesame:$SESAME_PG_PASSWORD@127.0.0.1:$SESAME_PG_PORT/postgres"
  # Databases earlier runs left behind (a test that failed keeps its database for a look).
  local stale
  stale=$(psql "$SESAME_PG_URL" -qtAc "SELECT datname FROM pg_database WHERE datname LIKE 'sesame\_test\_%' OR datname LIKE 'sesame\_e2e\_%'")
  for db in $stale; do
    psql "$SESAME_PG_URL" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null
  done
  note "ready: $(psql "$SESAME_PG_URL" -qtAc 'SHOW server_version')"
}
