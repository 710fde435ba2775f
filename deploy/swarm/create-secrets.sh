#!/usr/bin/env bash
# Creates the Swarm secrets deploy/swarm/stack.yaml reads, each random: the database password,
# the backend's database URL built from it, the token secret, and the key the frontend proves
# itself to the backend with. Secrets that exist are kept, so it is safe to run again.
#
#   deploy/swarm/create-secrets.sh [PREFIX]     # default prefix: cruddur (SECRETS_PREFIX in the stack)
#
# The values go from this process to the engine on standard input: never on a command line,
# in a file or in an environment variable.
set -euo pipefail

prefix="${1:-${SECRETS_PREFIX:-cruddur}}"

# tr ends on SIGPIPE once head has enough: not a failure.
random() { (set +o pipefail; LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1"); }
exists() { docker secret inspect "${prefix}_$1" >/dev/null 2>&1; }
create() {
    docker secret create --label "org.cruddur.stack=$prefix" "${prefix}_$1" - >/dev/null
    echo "created secret ${prefix}_$1" >&2
}

if ! exists db_password; then
    password="$(random 40)"
    printf '%s' "$password" | create db_password
    # Replaced together: a URL with another password would not connect.
    docker secret rm "${prefix}_database_url" >/dev/null 2>&1 || true
    printf 'postgres://cruddur:%s@db:5432/cruddur' "$password" | create database_url
fi
for name in jwt_secret frontend_key; do
    exists "$name" || random 64 | create "$name"
done
