#!/usr/bin/env bash
# Side-by-side wrk figures from one run on this machine, on SQLite and on PostgreSQL, against
# release builds on 127.0.0.1. Every row is also given as a share of /api/health-check measured
# on the same store in the same run (the server's ceiling here), so rows compare across noisy
# runs. Also prints the backend's resident memory under load and its start-to-ready time.
# BENCH_METRICS=1 adds the cost of metrics: the same rows on two SQLite stacks side by side,
# one without a metrics listener and one with METRICS_ADDR set on both services and scraped
# every second, measured in turns, with the second's req/s as a ratio of the first's.
#
# Usage: scripts/bench-api.sh [postgres admin URL]   (default: scripts/start-postgres.sh)
#   BENCH_DURATION=10s  BENCH_CONNECTIONS=32  BENCH_METRICS=0
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${BENCH_DURATION:-10s}"
connections="${BENCH_CONNECTIONS:-32}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --locked -p cruddur-backend -p cruddur-frontend >&2
binary=target/release/cruddur-backend
frontend_binary=target/release/cruddur-frontend
admin_url="${1:-$(scripts/start-postgres.sh)}"
password=bench-password

work=$(mktemp -d)
server=""
web=""
kept=()
cleanup() {
  local pid
  for pid in "${kept[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  [ -n "$web" ] && kill "$web" 2>/dev/null && wait "$web" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  if [ -n "${database:-}" ]; then psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }

# Starts the backend on $1 (a database URL) with the demo data, waits until it is ready, and
# records how long that took in $ready_ms (polling every few milliseconds).
start() {
  port=$(free_port)
  local started
  started=$(now_ms)
  RUST_LOG=warn JWT_SECRET=benchmark-secret-that-is-long-enough-xx SEED_DEMO_DATA=true \
    DEMO_PASSWORD="$password" DATABASE_URL="$1" PORT="$port" "$binary" serve >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 2000); do
    if curl -fs "http://127.0.0.1:$port/api/ready" >/dev/null 2>&1; then
      ready_ms=$(($(now_ms) - started))
      token=$(curl -fs -H 'content-type: application/json' \
        -d "{\"login\":\"andrewbrown\",\"password\":\"$password\"}" \
        "http://127.0.0.1:$port/api/auth/sign_in" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
      return 0
    fi
    sleep 0.005
  done
  cat "$work/server.log" >&2
  return 1
}

# Starts the web frontend in front of the running API.
start_web() {
  web_port=$(free_port)
  RUST_LOG=warn PORT="$web_port" API_URL="http://127.0.0.1:$port" "$frontend_binary" >"$work/web.log" 2>&1 &
  web=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$web_port/" >/dev/null && return 0
    sleep 0.1
  done
  cat "$work/web.log" >&2
  return 1
}

stop() {
  kill ${web:+"$web"} "$server"
  wait ${web:+"$web"} "$server" 2>/dev/null || true
  web=""
  server=""
}

# wrk script for the write row: every request posts a new crud as the signed-in user.
cat >"$work/post-crud.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"message":"benchmark crud #load","ttl":"1-hour"}'
LUA

# The backend's resident memory, sampled every 0.2 s while wrk runs; the peak goes to $rss_kb.
rss_kb=0
sample_rss() {
  while kill -0 "$server" 2>/dev/null; do
    awk '/^VmRSS:/ {print $2}' "/proc/$server/status" 2>/dev/null
    sleep 0.2
  done
}

# Prints one table row: store, label, requests/s, share of the ceiling, p50, p99, errors.
# Arguments: store, label, URL, then extra wrk arguments.
measure() {
  local store=$1 label=$2 url=$3
  shift 3
  sample_rss >"$work/rss.txt" &
  local sampler=$!
  wrk -t2 -c"$connections" -d"$duration" --latency "$@" "$url" >"$work/wrk.txt"
  kill "$sampler" 2>/dev/null
  wait "$sampler" 2>/dev/null || true
  rss_kb=$(sort -n "$work/rss.txt" | tail -n 1 | awk -v prior="$rss_kb" '{print ($1 > prior ? $1 : prior)}')
  local rps p50 p99 errors share
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$work/wrk.txt" | tr '\n' ' ')
  [ "$label" = "/api/health-check" ] && ceiling=$rps
  share=$(awk -v r="$rps" -v c="$ceiling" 'BEGIN { printf "%.0f%%", 100 * r / c }')
  printf '| %-8s | %-34s | %9s | %7s | %8s | %8s | %s |\n' \
    "$store" "$label" "$rps" "$share" "$p50" "$p99" "${errors:-none}"
}

# Every row for one store on the database URL $2, then a restart on the data it left.
bench_store() {
  local store=$1 url=$2
  start "$url"
  local first_ready_ms=$ready_ms api="http://127.0.0.1:$port"
  rss_kb=0
  measure "$store" /api/health-check "$api/api/health-check"
  measure "$store" /api/activities/home "$api/api/activities/home"
  measure "$store" /api/activities/@andrewbrown "$api/api/activities/@andrewbrown"
  measure "$store" "/api/activities/search?term=cloud" "$api/api/activities/search?term=cloud"
  measure "$store" "/api/activities/notifications (auth)" "$api/api/activities/notifications" \
    -H "Authorization: Bearer $token"
  start_web
  measure "$store" "/ (rendered home page)" "http://127.0.0.1:$web_port/"
  # What a browser sends: the signed-out home page is the one page served gzipped.
  measure "$store" "/ (rendered home page, gzip)" "http://127.0.0.1:$web_port/" \
    -H "Accept-Encoding: gzip, deflate, br, zstd"
  # Last, as it grows the timeline the other rows read.
  measure "$store" "POST /api/activities (auth)" "$api/api/activities" \
    -H "Authorization: Bearer $token" -s "$work/post-crud.lua"
  stop
  start "$url"
  stop
  summary+=("$store: start to ready ${first_ready_ms} ms on an empty database (migrate + seed), ${ready_ms} ms on existing data; backend peak resident memory under load $((rss_kb / 1024)) MiB")
}

# One request on the stack without metrics ($2 URL) and the one with ($3 URL), measured in
# turns (off, on, on, off: a drifting machine weighs on both alike); prints one comparison
# line of the mean req/s of each and the p99s of their first turns.
compare_metrics() {
  local label=$1 off=$2 on=$3
  shift 3
  local rows
  rows=$(measure sqlite "$label" "$off" "$@"; measure sqlite "$label" "$on" "$@"
         measure sqlite "$label" "$on" "$@"; measure sqlite "$label" "$off" "$@")
  awk -F'|' -v label="$label" '
    { gsub(/ /, "", $4); gsub(/ /, "", $7); rps[NR] = $4; p99[NR] = $7 }
    END {
      off = (rps[1] + rps[4]) / 2; on = (rps[2] + rps[3]) / 2
      printf "| %-34s | %9.0f | %9.0f | %5.2f | %8s | %8s |\n", label, off, on, on / off, p99[1], p99[2]
    }' <<<"$rows"
}

# BENCH_METRICS=1: two SQLite stacks, the second with metrics served and scraped every second.
bench_metrics() {
  local off_api off_web on_api on_web metrics_port
  start "sqlite:$work/off.db"
  start_web
  off_api="http://127.0.0.1:$port" off_web="http://127.0.0.1:$web_port"
  kept+=("$server" "$web")
  metrics_port=$(free_port)
  METRICS_ADDR="127.0.0.1:$metrics_port" start "sqlite:$work/on.db"
  METRICS_ADDR="127.0.0.1:$(free_port)" start_web
  on_api="http://127.0.0.1:$port" on_web="http://127.0.0.1:$web_port"
  kept+=("$server" "$web")
  (while sleep 1; do curl -fs "http://127.0.0.1:$metrics_port/metrics" >/dev/null || true; done) &
  kept+=("$!")
  echo
  echo "The cost of metrics (SQLite; mean req/s of two turns each, without metrics and with them served and scraped every second):"
  printf '| %-34s | %9s | %9s | %5s | %8s | %8s |\n' path 'off req/s' 'on req/s' 'on/off' 'off p99' 'on p99'
  printf '|%s|\n' "------------------------------------|-----------|-----------|-------|----------|---------"
  ceiling=1
  compare_metrics /api/health-check "$off_api/api/health-check" "$on_api/api/health-check"
  compare_metrics /api/activities/home "$off_api/api/activities/home" "$on_api/api/activities/home"
  compare_metrics "/api/activities/search?term=cloud" \
    "$off_api/api/activities/search?term=cloud" "$on_api/api/activities/search?term=cloud"
  compare_metrics "/ (rendered home page)" "$off_web/" "$on_web/"
  compare_metrics "/@andrewbrown (rendered profile)" "$off_web/@andrewbrown" "$on_web/@andrewbrown"
  local pid
  for pid in "${kept[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  kept=()
  server="" web=""
}

summary=()
printf '| %-8s | %-34s | %9s | %7s | %8s | %8s | %s |\n' store path 'req/s' ceiling p50 p99 errors
printf '|%s|\n' "----------|------------------------------------|-----------|---------|----------|----------|-------"

bench_store sqlite "sqlite:$work/bench.db"

database="cruddur_bench_$$"
psql "$admin_url" -qc "CREATE DATABASE $database"
bench_store postgres "${admin_url%/*}/$database"

echo
printf '%s\n' "${summary[@]}"

[ "${BENCH_METRICS:-0}" = 0 ] || bench_metrics
