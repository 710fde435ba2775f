#!/usr/bin/env bash
# Side-by-side wrk figures from one run on this machine, on SQLite and on PostgreSQL:
# /api/health-check (the API's ceiling), /api/activities/home (20 demo cruds), and the home page
# rendered by the web frontend from that API.
# Usage: scripts/bench-api.sh [postgres admin URL]   (default: scripts/start-postgres.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${BENCH_DURATION:-10s}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --locked -p cruddur-backend -p cruddur-frontend >&2
binary=target/release/cruddur-backend
frontend_binary=target/release/cruddur-frontend
admin_url="${1:-$(scripts/start-postgres.sh)}"

work=$(mktemp -d)
server=""
web=""
cleanup() {
  [ -n "$web" ] && kill "$web" 2>/dev/null && wait "$web" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  if [ -n "${database:-}" ]; then psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts the backend on $1 (a database URL) with the demo data and waits until it is ready.
start() {
  port=$(free_port)
  RUST_LOG=warn JWT_SECRET=benchmark-secret-that-is-long-enough-xx SEED_DEMO_DATA=true \
    DEMO_PASSWORD=bench DATABASE_URL="$1" PORT="$port" "$binary" serve >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/api/ready" >/dev/null && return 0
    sleep 0.1
  done
  cat "$work/server.log" >&2
  return 1
}

# Starts the web frontend in front of the running API.
start_web() {
  web_port=$(free_port)
  RUST_LOG=warn PORT="$web_port" BACKEND_URL="http://127.0.0.1:$port" "$frontend_binary" >"$work/web.log" 2>&1 &
  web=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$web_port/" >/dev/null && return 0
    sleep 0.1
  done
  cat "$work/web.log" >&2
  return 1
}

stop() {
  kill "$web" "$server"
  wait "$web" "$server" 2>/dev/null || true
  web=""
  server=""
}

# Prints one table row: store, path, requests/s, p50, p99, errors.
measure() {
  local store=$1 path=$2 target=${3:-$port}
  wrk -t2 -c32 -d"$duration" --latency "http://127.0.0.1:$target$path" >"$work/wrk.txt"
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$work/wrk.txt" | tr '\n' ' ')
  [ "$target" = "$port" ] || path="$path (web page)"
  printf '| %-10s | %-24s | %10s | %8s | %8s | %s |\n' "$store" "$path" "$rps" "$p50" "$p99" "${errors:-none}"
}

printf '| %-10s | %-24s | %10s | %8s | %8s | %s |\n' store path 'req/s' p50 p99 errors
printf '|%s|\n' "------------|--------------------------|------------|----------|----------|-------"

start "sqlite:$work/bench.db"
measure sqlite /api/health-check
measure sqlite /api/activities/home
start_web
measure sqlite / "$web_port"
stop

database="cruddur_bench_$$"
psql "$admin_url" -qc "CREATE DATABASE $database"
start "${admin_url%/*}/$database"
measure postgres /api/health-check
measure postgres /api/activities/home
start_web
measure postgres / "$web_port"
stop
