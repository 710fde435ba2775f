#!/usr/bin/env bash
# Fuzzes the running API from its own OpenAPI document with Schemathesis: generated requests for
# every operation (a bounded number of examples each), signed in as a seeded user, plus stateful
# sequences that follow the document's links. Fails on any 5xx, any response that breaks the
# documented schema, status or content type, and on documented-invalid input being accepted.
#
# Usage: scripts/fuzz-api.sh [postgres admin URL]    FUZZ_EXAMPLES=25 per operation
# Runs on SQLite, then on a fresh PostgreSQL database when an admin URL is given. Prints
# `schemathesis: N passed, M failed` (operations, over every run) last.
set -euo pipefail
cd "$(dirname "$0")/.."

examples="${FUZZ_EXAMPLES:-25}"
command -v schemathesis >/dev/null || pip install --quiet --disable-pip-version-check schemathesis
# The whole workspace, as tier 1 built it: `-p` alone unifies features differently and rebuilds.
cargo build --workspace --locked >&2
binary=target/debug/cruddur-backend
password=fuzz-password-0123
admin_url="${1:-}"

work=$(mktemp -d)
server=""
database=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  if [ -n "$database" ]; then psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Serves the API on the database URL $2 (no DEMO_USER: unauthenticated requests must be refused,
# which the fuzzer checks), fuzzes it, and stops it. Reports go to $work/$1-*.xml.
fuzz_store() {
  local store=$1 url=$2 port api
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  RUST_LOG=warn SEED_DEMO_DATA=true DEMO_PASSWORD="$password" DATABASE_URL="$url" \
    PORT="$port" "$binary" serve >"$work/$store-server.log" 2>&1 &
  server=$!
  api="http://127.0.0.1:$port"
  for _ in $(seq 1 200); do
    curl -fs "$api/api/ready" >/dev/null 2>&1 && break
    sleep 0.05
  done
  echo "== $store =="
  # Both tokens first: fuzzing sign-in soon meets its per-address limit (a 429).
  local token sign_out_token
  token=$(sign_in "$api")
  sign_out_token=$(sign_in "$api")
  # Everything but sign-out, which would end the session the rest of the run uses; it gets a
  # run of its own with a token of its own.
  schemathesis --no-color run "$api/api/openapi.json" \
    --header "Authorization: Bearer $token" \
    --exclude-path /api/auth/sign_out \
    --max-examples "$examples" --checks all --workers 1 \
    --report junit --report-junit-path "$work/$store-main.xml" || status=1
  schemathesis --no-color run "$api/api/openapi.json" \
    --header "Authorization: Bearer $sign_out_token" \
    --include-path /api/auth/sign_out \
    --max-examples "$examples" --checks all --workers 1 \
    --report junit --report-junit-path "$work/$store-sign_out.xml" || status=1
  if ! kill -0 "$server" 2>/dev/null; then
    echo "$store: the server died during the run:" >&2
    tail -n 30 "$work/$store-server.log" >&2
    status=1
  fi
  kill "$server" && wait "$server" 2>/dev/null || true
  server=""
}

sign_in() {
  curl -fsS -H 'content-type: application/json' \
    -d "{\"login\":\"andrewbrown\",\"password\":\"$password\"}" "$1/api/auth/sign_in" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

status=0
fuzz_store sqlite "sqlite:$work/fuzz.db"
if [ -n "$admin_url" ]; then
  database="cruddur_fuzz_$$"
  psql "$admin_url" -qc "CREATE DATABASE $database"
  fuzz_store postgres "${admin_url%/*}/$database"
fi

python3 - "$work"/*.xml <<'PY'
import sys
import xml.etree.ElementTree as ET

passed = failed = 0
for path in sys.argv[1:]:
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        else:
            passed += 1
print(f"schemathesis: {passed} passed, {failed} failed")
PY
exit "$status"
