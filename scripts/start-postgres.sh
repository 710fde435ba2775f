#!/usr/bin/env bash
# Installs (if needed) and starts a local PostgreSQL 15 for the conformance tests, and prints
# an admin URL for CRUDDUR_TEST_POSTGRES_URL. Safe to run again.
set -euo pipefail

password="${CRUDDUR_TEST_POSTGRES_PASSWORD:-postgres}"

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing PostgreSQL" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | grep -q "^${version} main"; then
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start >&2
fi

for _ in $(seq 1 30); do
  if su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1; then break; fi
  sleep 1
done
su postgres -c "psql -qc \"ALTER USER postgres PASSWORD '${password}'\"" >/dev/null

echo "postgres://postgres:${password}@127.0.0.1:5432/postgres"
