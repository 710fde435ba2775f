#!/usr/bin/env bash
# Every read path at two sizes, side by side, from one run on this machine: the generator
# (`cruddur-backend generate`) writes a small and a large database (SQLite, and PostgreSQL
# when given an admin URL), the release backend serves each in turn, and wrk measures every
# read path on it. Each row is also given as a share of /api/health-check measured on the same
# server in the same run (the ceiling), and each large-size row as the ratio of its req/s to
# the small size's: 1.00 means the path does not slow down with the data.
#
# Usage: scripts/bench-scale.sh [postgres admin URL]   (SQLite only without one)
#   SCALE_SMALL=10000 SCALE_LARGE=1000000   cruds in each database
#   BENCH_DURATION=5s BENCH_CONNECTIONS=32 SCALE_SEED=1
# Then, on each database: mixed reads alone and beside worst-case searches (isolation), 32
# concurrent writers, and mixed reads while half the cruds are purged at once; and the
# backend's peak resident memory over the whole run.
# A path that answers anything but 2xx, before or during its run, stops the script; with
# BENCH_KEEP_GOING=1 it is reported under the table instead (req/s "-" if it never answered).
set -euo pipefail
cd "$(dirname "$0")/.."

small="${SCALE_SMALL:-10000}"
large="${SCALE_LARGE:-1000000}"
duration="${BENCH_DURATION:-5s}"
connections="${BENCH_CONNECTIONS:-32}"
seed="${SCALE_SEED:-1}"
keep_going="${BENCH_KEEP_GOING:-}"
admin_url="${1:-}"
sizes=("$small" "$large")

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v curl >/dev/null || { echo "bench-scale: curl is needed" >&2; exit 1; }
if [ -n "$admin_url" ]; then command -v psql >/dev/null || { echo "bench-scale: psql is needed" >&2; exit 1; }; fi
cargo build --release --locked -p cruddur-backend -p cruddur-frontend >&2
backend=target/release/cruddur-backend
frontend=target/release/cruddur-frontend

work=$(mktemp -d)
server=""
web=""
databases=()
cleanup() {
  local status=$?
  [ -n "$web" ] && kill "$web" 2>/dev/null && wait "$web" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  for database in ${databases[@]+"${databases[@]}"}; do
    psql "$admin_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Mixed reads: the paths in $MIXED_PATHS in turn, with $BENCH_TOKEN as a bearer token.
cat >"$work/mixed.lua" <<'LUA'
local paths = {}
for path in string.gmatch(os.getenv("MIXED_PATHS"), "[^ ]+") do paths[#paths + 1] = path end
local headers = { ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN") }
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[n % #paths + 1], headers)
end
LUA
# Worst-case searches: the terms of $WORST_TERMS in a new order each time, as a client
# defeating the read cache would send them.
cat >"$work/worst.lua" <<'LUA'
local terms = {}
for term in string.gmatch(os.getenv("WORST_TERMS"), "[^ ]+") do terms[#terms + 1] = term end
request = function()
  for i = #terms, 2, -1 do
    local j = math.random(i)
    terms[i], terms[j] = terms[j], terms[i]
  end
  local query = table.concat(terms, "%20"):gsub("#", "%%23")
  return wrk.format("GET", "/api/activities/search?term=" .. query)
end
LUA
cat >"$work/post-crud.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"message":"benchmark crud cruddur #aws","ttl":"1-hour"}'
LUA

fail() {
  echo "bench-scale: $*" >&2
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
human() { numfmt --to=iec --suffix=B "$1"; }

# Per "store size": database URL, generation time, size on disk, and the generator's samples.
declare -A url gen_seconds disk sample

# Writes `$3` cruds into the database URL $4 with the generator, for store $1 ($2 names it).
generate() {
  local store=$1 size=$2 cruds=$3 database_url=$4 key="$1 $2" out="$work/generate-$1-$2.txt"
  echo "generating $cruds cruds on $store" >&2
  local started
  started=$(now_ms)
  RUST_LOG=warn DATABASE_URL="$database_url" "$backend" generate --cruds "$cruds" --seed "$seed" \
    >"$out" || fail "generating $cruds cruds on $store failed"
  gen_seconds[$key]=$(awk -v ms="$(($(now_ms) - started))" 'BEGIN { printf "%.1f", ms / 1000 }')
  url[$key]=$database_url
  grep -v '^sample\.' "$out" >&2
  while IFS='=' read -r name value; do
    sample[$key ${name#sample.}]=$value
  done < <(grep '^sample\.' "$out")
}

# Starts the backend on the database of "store size" $1, waits until it is ready and (unless
# $2 is "no-wait") the purge at start-up has deleted what was expired, and signs in as the
# popular user ($token). Then the web frontend in front of it. The backend's resident memory
# is sampled all along, its peak kept per key.
start() {
  local key=$1 wait_purge=${2:-}
  port=$(free_port)
  # The first purge runs at start; none other during the run.
  RUST_LOG=warn,cruddur_backend::purge=info JWT_SECRET=benchmark-secret-that-is-long-enough-xx \
    PURGE_INTERVAL_SECS=86400 DATABASE_URL="${url[$key]}" PORT="$port" \
    "$backend" serve >"$work/server.log" 2>&1 &
  server=$!
  local ready=""
  for _ in $(seq 1 600); do
    if curl -fs "http://127.0.0.1:$port/api/ready" >/dev/null 2>&1; then
      ready=yes
      break
    fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$ready" ] || { cat "$work/server.log" >&2; fail "the backend on $key did not get ready"; }
  (while kill -0 "$server" 2>/dev/null; do
    awk '/^VmRSS:/ {print $2}' "/proc/$server/status" 2>/dev/null
    sleep 0.2
  done >>"$work/rss-${key// /-}.txt") &
  [ "$wait_purge" = no-wait ] && { sign_in "$key"; start_web "$key"; return 0; }
  local started
  started=$(now_ms)
  for _ in $(seq 1 6000); do
    grep -q 'purged expired cruds' "$work/server.log" && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; fail "the backend on $key stopped"; }
    sleep 0.1
  done
  grep -q 'purged expired cruds' "$work/server.log" \
    || echo "bench-scale: no purge seen on $key within 10 minutes; measuring anyway" >&2
  purge_seconds[$key]=$(awk -v ms="$(($(now_ms) - started))" 'BEGIN { printf "%.1f", ms / 1000 }')
  sign_in "$key"
  start_web "$key"
}

sign_in() {
  local key=$1
  token=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"login\":\"${sample[$key popular_user]}\",\"password\":\"${sample[$key password]}\"}" \
    "http://127.0.0.1:$port/api/auth/sign_in" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') \
    || fail "signing in as @${sample[$key popular_user]} on $key failed"
}

start_web() {
  local key=$1
  web_port=$(free_port)
  RUST_LOG=warn PORT="$web_port" API_URL="http://127.0.0.1:$port" "$frontend" >"$work/web.log" 2>&1 &
  web=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$web_port/" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$work/web.log" >&2
  fail "the frontend on $key did not start"
}

stop() {
  kill "$web" "$server"
  wait "$web" "$server" 2>/dev/null || true
  web=""
  server=""
}

# Measures one path on "store size" $1: label $2, URL $3, then extra curl/wrk arguments
# (headers). Checks the answer with curl first; records req/s, p50, p99.
declare -A rps p50 p99 purge_seconds listed
labels=()
notes=()
measure() {
  local key=$1 label=$2 target=$3
  shift 3
  [ -n "${listed[$label]:-}" ] || labels+=("$label")
  listed[$label]=yes
  local code
  code=$(curl -sS -o "$work/body" -w '%{http_code}' "$@" "$target") || fail "$label on $key: curl failed"
  case "$code" in
    2??) ;;
    *)
      head -c 2000 "$work/body" >&2
      echo >&2
      [ -n "$keep_going" ] || fail "$label on $key answered $code ($target)"
      notes+=("$key, $label: answered $code $(head -c 200 "$work/body")")
      rps[$key $label]=-
      p50[$key $label]=-
      p99[$key $label]=-
      return 0
      ;;
  esac
  wrk -t2 -c"$connections" -d"$duration" --timeout 10s --latency "$@" "$target" >"$work/wrk.txt"
  if grep -q 'Non-2xx' "$work/wrk.txt"; then
    cat "$work/wrk.txt" >&2
    [ -n "$keep_going" ] || fail "$label on $key answered non-2xx under load"
    notes+=("$key, $label: $(grep 'requests in' "$work/wrk.txt" | xargs), $(grep 'Non-2xx' "$work/wrk.txt" | xargs)")
  fi
  local errors
  errors=$(awk '/Socket errors/ {print}' "$work/wrk.txt")
  [ -z "$errors" ] || echo "bench-scale: $label on $key: $errors" >&2
  rps[$key $label]=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50[$key $label]=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p99[$key $label]=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  printf '  %-36s %10s req/s\n' "$label" "${rps[$key $label]}" >&2
}

# Every read path on "store size" $1.
bench() {
  local key=$1
  start "$key"
  echo "measuring $key" >&2
  local api="http://127.0.0.1:$port" auth=(-H "Authorization: Bearer $token")
  # Read afresh: what the store costs behind the read cache.
  local fresh=(-H "Cache-Control: no-cache")
  local popular=${sample[$key popular_user]} user=${sample[$key user]}
  local common=${sample[$key common_word]} tag=${sample[$key popular_hashtag]}
  local rare=${sample[$key rare_word]}
  measure "$key" "health-check (ceiling)" "$api/api/health-check"
  measure "$key" "home" "$api/api/activities/home"
  measure "$key" "a user's feed" "$api/api/activities/@$user"
  measure "$key" "a user's feed, read afresh" "$api/api/activities/@$user" "${fresh[@]}"
  measure "$key" "a user's feed (auth)" "$api/api/activities/@$user" "${auth[@]}"
  measure "$key" "the popular user's feed" "$api/api/activities/@$popular"
  measure "$key" "search: common word" "$api/api/activities/search?term=$common"
  measure "$key" "search: rare word" "$api/api/activities/search?term=$rare"
  measure "$key" "search: popular hashtag" "$api/api/activities/search?term=%23$tag"
  measure "$key" "search: common word, read afresh" "$api/api/activities/search?term=$common" "${fresh[@]}"
  measure "$key" "search: popular hashtag, read afresh" "$api/api/activities/search?term=%23$tag" "${fresh[@]}"
  measure "$key" "search: word AND hashtag" "$api/api/activities/search?term=$common%20%23$tag"
  measure "$key" "notifications (auth)" "$api/api/activities/notifications" "${auth[@]}"
  measure "$key" "notifications (auth), read afresh" "$api/api/activities/notifications" "${auth[@]}" "${fresh[@]}"
  measure "$key" "a crud with its replies" "$api/api/activities/${sample[$key thread]}"
  measure "$key" "message groups (auth)" "$api/api/message_groups" "${auth[@]}"
  measure "$key" "a conversation (auth)" "$api/api/messages/@${sample[$key conversation_with]}" "${auth[@]}"
  measure "$key" "rendered home page" "http://127.0.0.1:$web_port/"
  measure "$key" "rendered search page" "http://127.0.0.1:$web_port/search?term=$common"
}

# wrk's req/s, p50 and p99 from its output file $1, space-separated.
figures() {
  awk '/^Requests\/sec/ {r = $2} $1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2} END {print r, p50, p99}' "$1"
}
# A wrk latency ("812.00us", "4.20ms", "1.10s") in milliseconds.
millis() {
  awk -v t="$1" 'BEGIN { v = t + 0; if (t ~ /us$/) v /= 1000; else if (t ~ /ms$/) v += 0; else if (t ~ /s$/) v *= 1000; printf "%.2f", v }'
}
# Fails (or, with BENCH_KEEP_GOING, notes) a wrk run in file $2 that got non-2xx answers.
check_run() {
  local what=$1 file=$2
  grep -q 'Non-2xx' "$file" || return 0
  cat "$file" >&2
  [ -n "$keep_going" ] || fail "$what answered non-2xx under load"
  notes+=("$what: $(grep 'Non-2xx' "$file" | xargs)")
}

# "store size what" -> "req/s p50 p99"; and the text of the second table's last column.
declare -A load load_note
loads=()
record_load() {
  local key=$1 what=$2 file=$3 note=${4:-}
  [ -n "${listed[load $what]:-}" ] || loads+=("$what")
  listed[load $what]=yes
  load[$key $what]=$(figures "$file")
  load_note[$key $what]=$note
  printf '  %-36s %s\n' "$what" "${load[$key $what]}" >&2
}

# Mixed reads: a user's and the popular user's feed, a crud, notifications, conversations.
mixed() {
  local key=$1 connections=$2 out=$3
  MIXED_PATHS="/api/activities/@${sample[$key user]} /api/activities/@${sample[$key popular_user]} /api/activities/${sample[$key thread]} /api/activities/notifications /api/message_groups" \
    BENCH_TOKEN=$token wrk -t2 -c"$connections" -d"$duration" --timeout 10s --latency \
    -s "$work/mixed.lua" "http://127.0.0.1:$port" >"$out"
  check_run "$key: mixed reads" "$out"
}

# Mixed reads alone, then beside worst-case searches: how much the searches slow them.
isolation() {
  local key=$1
  local worst="http://127.0.0.1:$port/api/activities/search?term=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "${sample[$key worst_search]}")"
  curl -fsS -o /dev/null "$worst" || fail "the worst-case search on $key failed"
  mixed "$key" 24 "$work/alone.txt"
  WORST_TERMS=${sample[$key worst_search]} wrk -t1 -c8 -d"$duration" --timeout 10s --latency \
    -s "$work/worst.lua" "http://127.0.0.1:$port" >"$work/worst.txt" &
  local searches=$!
  mixed "$key" 24 "$work/beside.txt"
  wait "$searches"
  check_run "$key: worst-case searches" "$work/worst.txt"
  local alone beside
  alone=$(millis "$(figures "$work/alone.txt" | cut -d' ' -f3)")
  beside=$(millis "$(figures "$work/beside.txt" | cut -d' ' -f3)")
  record_load "$key" "mixed reads alone (24 conns)" "$work/alone.txt"
  record_load "$key" "worst-case searches (8 conns)" "$work/worst.txt" "'${sample[$key worst_search]}'"
  record_load "$key" "mixed reads beside them (24)" "$work/beside.txt" \
    "p99 $(awk -v b="$beside" -v a="$alone" 'BEGIN { printf "%.2f", b / a }')x alone"
}

writes() {
  local key=$1
  wrk -t2 -c32 -d"$duration" --timeout 10s --latency -s "$work/post-crud.lua" \
    -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/activities" >"$work/writes.txt"
  check_run "$key: POST /api/activities" "$work/writes.txt"
  record_load "$key" "POST /api/activities (32 conns)" "$work/writes.txt"
}

# Expires half the cruds (and their replies) a second ago, straight in the database; not the
# crud the mixed reads show.
expire_half() {
  local key=$1 store=${1% *} thread=${sample[$1 thread]}
  if [ "$store" = sqlite ]; then
    python3 - "${url[$key]#sqlite:}" "$thread" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
t = int(time.time() * 1e6) - 1_000_000
db.execute("UPDATE activities SET expires_at = ? WHERE reply_to IS NULL AND id % 2 = 0 AND expires_at > ? AND uuid <> ?", (t, t, sys.argv[2]))
db.execute("UPDATE activities SET expires_at = ? WHERE reply_to IN (SELECT uuid FROM activities WHERE reply_to IS NULL AND expires_at = ?)", (t, t))
db.commit()
PY
  else
    psql "${url[$key]}" -qc "UPDATE activities SET expires_at = now() - interval '1 second'
      WHERE reply_to IS NULL AND hashtext(uuid::text) % 2 = 0 AND expires_at > now()
        AND uuid <> '$thread'" \
      -c "UPDATE activities r SET expires_at = c.expires_at FROM activities c
      WHERE r.reply_to = c.uuid AND c.expires_at <= now() AND r.expires_at > now()" >/dev/null
  fi
}

# Mixed reads while the start-up purge deletes half the cruds.
purge_at_scale() {
  local key=$1
  stop
  echo "expiring half the cruds of $key" >&2
  expire_half "$key"
  start "$key" no-wait
  local started
  started=$(now_ms)
  mixed "$key" 24 "$work/purging.txt"
  for _ in $(seq 1 6000); do
    grep -q 'purged expired cruds' "$work/server.log" && break
    sleep 0.1
  done
  local seconds purged
  seconds=$(awk -v ms="$(($(now_ms) - started))" 'BEGIN { printf "%.1f", ms / 1000 }')
  # Nothing found (a purge still running) is not a failure.
  purged=$(sed 's/\x1b\[[0-9;]*m//g' "$work/server.log" | { grep -o 'purged=[0-9]*' || true; } | tail -n 1 | cut -d= -f2)
  grep -q 'purged expired cruds' "$work/server.log" || seconds="over 600"
  record_load "$key" "mixed reads during a purge (24)" "$work/purging.txt" \
    "${purged:-?} cruds and replies purged in $seconds s"
}

# The second table's rows for "store size" $1, on the server bench left running.
under_load() {
  local key=$1
  echo "loading $key" >&2
  sign_in "$key"
  isolation "$key"
  writes "$key"
  purge_at_scale "$key"
  stop
  rss_peak[$key]=$(sort -n "$work/rss-${key// /-}.txt" | tail -n 1)
}
declare -A rss_peak

stores=(sqlite)
for size in "${sizes[@]}"; do
  generate sqlite "$size" "$size" "sqlite:$work/scale-$size.db"
  disk[sqlite $size]=$(du -cb "$work/scale-$size.db"* | tail -n 1 | cut -f1)
done
if [ -n "$admin_url" ]; then
  stores+=(postgres)
  for size in "${sizes[@]}"; do
    database="cruddur_scale_$$_$size"
    psql "$admin_url" -qc "CREATE DATABASE $database" >/dev/null
    databases+=("$database")
    generate postgres "$size" "$size" "${admin_url%/*}/$database"
    # As autovacuum would have by the time a live database got this big; left to it, it runs
    # during the measurements.
    psql "${admin_url%/*}/$database" -qc "VACUUM (ANALYZE)"
    disk[postgres $size]=$(psql "$admin_url" -qAtc "SELECT pg_database_size('$database')")
  done
fi

for store in "${stores[@]}"; do
  for size in "${sizes[@]}"; do
    bench "$store $size"
    under_load "$store $size"
  done
done

echo
printf '| %-8s | %8s | %-26s | %9s | %8s | %8s | %7s | %11s |\n' \
  store cruds path 'req/s' p50 p99 ceiling 'large/small'
printf '|%s|\n' "----------|----------|----------------------------|-----------|----------|----------|---------|-------------"
for store in "${stores[@]}"; do
  for label in "${labels[@]}"; do
    for size in "${sizes[@]}"; do
      key="$store $size"
      ceiling=${rps[$key health-check (ceiling)]}
      share=$(awk -v r="${rps[$key $label]}" -v c="$ceiling" \
        'BEGIN { if (r == "-" || c == "-") print "-"; else printf "%.0f%%", 100 * r / c }')
      ratio=""
      if [ "$size" = "$large" ]; then
        ratio=$(awk -v l="${rps[$key $label]}" -v s="${rps[$store $small $label]}" \
          'BEGIN { if (l == "-" || s == "-") print "-"; else printf "%.2f", l / s }')
      fi
      printf '| %-8s | %8s | %-26s | %9s | %8s | %8s | %7s | %11s |\n' \
        "$store" "$size" "$label" "${rps[$key $label]}" "${p50[$key $label]}" "${p99[$key $label]}" \
        "$share" "$ratio"
    done
  done
done

echo
printf '| %-8s | %8s | %-32s | %9s | %8s | %8s | %s |\n' store cruds 'under load' 'req/s' p50 p99 ''
printf '|%s|\n' "----------|----------|----------------------------------|-----------|----------|----------|------"
for store in "${stores[@]}"; do
  for what in "${loads[@]}"; do
    for size in "${sizes[@]}"; do
      key="$store $size"
      read -r r p50_ p99_ <<<"${load[$key $what]:-- - -}"
      printf '| %-8s | %8s | %-32s | %9s | %8s | %8s | %s |\n' \
        "$store" "$size" "$what" "$r" "$p50_" "$p99_" "${load_note[$key $what]:-}"
    done
  done
done

echo
for note in ${notes[@]+"${notes[@]}"}; do
  echo "FAILED $note"
done
for store in "${stores[@]}"; do
  for size in "${sizes[@]}"; do
    key="$store $size"
    echo "$store, $size cruds: generated in ${gen_seconds[$key]} s, $(human "${disk[$key]}") on disk," \
      "start-up purge of expired cruds ${purge_seconds[$key]} s;" \
      "backend peak resident memory $(( ${rss_peak[$key]:-0} / 1024 )) MiB;" \
      "rare word '${sample[$key rare_word]}' in ${sample[$key rare_word_cruds]} live cruds," \
      "crud shown with ${sample[$key thread_replies]} replies"
  done
done
