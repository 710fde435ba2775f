#!/usr/bin/env bash
# Entrypoint of the local stand-in for the official `postgres` image (see build.sh beside it).
# It keeps the part of that image's contract compose.yaml relies on, so the same compose file
# runs either image unchanged:
#   - POSTGRES_PASSWORD / POSTGRES_PASSWORD_FILE (not both), POSTGRES_USER (default postgres),
#     POSTGRES_DB (default: the user), POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD, PGDATA;
#   - on first run (no PG_VERSION in PGDATA): initdb with that superuser and password, remote
#     connections by password (scram-sha-256), the database created through a socket-only
#     temporary server, so nothing answers on TCP before initialisation is complete;
#   - run as root it prepares the folders and drops to the postgres user (uid 999); run as
#     another user (compose's `user:`) it needs no privilege at all;
#   - `-c name=value` arguments go to postgres, any other command runs as given.
# Not mimicked: /docker-entrypoint-initdb.d scripts (compose.yaml uses none).
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    chown postgres:postgres /var/run/postgresql
    chmod 0700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi
mkdir -p "$PGDATA" /var/run/postgresql
chmod 0700 "$PGDATA" 2>/dev/null || :

# NAME or NAME_FILE (a Docker secret), never both.
file_env() {
    local name="$1" default="${2:-}" file_name="${1}_FILE"
    if [ -n "${!name:-}" ] && [ -n "${!file_name:-}" ]; then
        echo "error: both $name and $file_name are set (but are exclusive)" >&2
        exit 1
    fi
    local value="$default"
    if [ -n "${!name:-}" ]; then value="${!name}"
    elif [ -n "${!file_name:-}" ]; then value="$(<"${!file_name}")"; fi
    export "$name"="$value"
    unset "$file_name"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "$POSTGRES_USER"
    file_env POSTGRES_INITDB_ARGS
    auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != trust ]; then
        echo "error: database is uninitialized and superuser password is not specified" >&2
        echo "       (set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE)" >&2
        exit 1
    fi
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as upstream.
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        $POSTGRES_INITDB_ARGS
    printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
    if [ "$POSTGRES_DB" != postgres ]; then
        psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname postgres \
            --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi
    pg_ctl -D "$PGDATA" -m fast -w stop
    unset POSTGRES_PASSWORD
    echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
