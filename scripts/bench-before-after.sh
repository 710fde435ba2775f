#!/usr/bin/env bash
# The feeds' cost before and after a change, side by side from one run on this machine: the
# release backend of git revision $1 (built in a temporary worktree) and of the working tree
# serve, in turn, copies of one generated SQLite database, and wrk measures the feed paths on
# each, as a share of /api/health-check measured on the same server (the ceiling) and as the
# ratio of after to before.
#
# Usage: scripts/bench-before-after.sh REV
#   SCALE_CRUDS=10000  BENCH_DURATION=5s  BENCH_CONNECTIONS=32  SCALE_SEED=1
# Both revisions must read the database the working tree's generator writes (the same schema).
set -euo pipefail
cd "$(dirname "$0")/.."

rev="${1:?usage: scripts/bench-before-after.sh REV}"
cruds="${SCALE_CRUDS:-10000}"
duration="${BENCH_DURATION:-5s}"
connections="${BENCH_CONNECTIONS:-32}"
seed="${SCALE_SEED:-1}"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  git worktree remove --force "$work/before" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "bench-before-after: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The two binaries; the earlier one built in target/bench-before, kept between runs.
cargo build --release --locked -p cruddur-backend >&2
before_target="$PWD/target/bench-before"
git worktree add --detach "$work/before" "$rev" >&2
(cd "$work/before" && CARGO_TARGET_DIR="$before_target" cargo build --release --locked -p cruddur-backend >&2)
declare -A binary=([before]="$before_target/release/cruddur-backend" [after]=target/release/cruddur-backend)

echo "generating $cruds cruds" >&2
RUST_LOG=warn DATABASE_URL="sqlite:$work/data/cruddur.db" "${binary[after]}" generate \
  --cruds "$cruds" --seed "$seed" >"$work/generate.txt" || fail "generating failed"
declare -A sample
while IFS='=' read -r name value; do sample[${name#sample.}]=$value; done \
  < <(grep '^sample\.' "$work/generate.txt")

declare -A rps p99
labels=()
# Measures label $2 at URL $3 (then extra wrk/curl arguments) on side $1.
measure() {
  local side=$1 label=$2 target=$3
  shift 3
  [ "$side" = before ] && labels+=("$label")
  curl -fsS -o /dev/null "$@" "$target" || fail "$label on $side failed ($target)"
  wrk -t2 -c"$connections" -d"$duration" --timeout 10s --latency "$@" "$target" >"$work/wrk.txt"
  ! grep -q 'Non-2xx' "$work/wrk.txt" || { cat "$work/wrk.txt" >&2; fail "$label on $side: non-2xx"; }
  rps[$side $label]=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
  p99[$side $label]=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  printf '  %-8s %-40s %10s req/s\n' "$side" "$label" "${rps[$side $label]}" >&2
}

for side in before after; do
  rm -rf "$work/served" && cp -r "$work/data" "$work/served"
  port=$(free_port)
  RUST_LOG=warn JWT_SECRET=benchmark-secret-that-is-long-enough-xx PURGE_INTERVAL_SECS=86400 \
    DATABASE_URL="sqlite:$work/served/cruddur.db" PORT="$port" "${binary[$side]}" serve \
    >"$work/server-$side.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/api/ready" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server-$side.log" >&2; fail "$side did not start"; }
    sleep 0.1
  done
  api="http://127.0.0.1:$port"
  token=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"login\":\"${sample[popular_user]}\",\"password\":\"${sample[password]}\"}" \
    "$api/api/auth/sign_in" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  auth=(-H "Authorization: Bearer $token")
  echo "measuring $side ($rev)" >&2
  measure "$side" "health-check (ceiling)" "$api/api/health-check"
  measure "$side" "home (cached), signed in" "$api/api/activities/home" "${auth[@]}"
  # The store's cost, not the cache's: a limit skips the cache of revisions before the read
  # cache, and no-cache skips the read cache.
  fresh=(-H "Cache-Control: no-cache")
  measure "$side" "home, uncached" "$api/api/activities/home?limit=20" "${fresh[@]}"
  measure "$side" "home, uncached, signed in" "$api/api/activities/home?limit=20" "${auth[@]}" "${fresh[@]}"
  measure "$side" "the popular user's feed" "$api/api/activities/@${sample[popular_user]}"
  measure "$side" "search: common word" "$api/api/activities/search?term=${sample[common_word]}"
  measure "$side" "a crud with its replies, signed in" "$api/api/activities/${sample[thread]}" "${auth[@]}"
  kill "$server" && wait "$server" 2>/dev/null || true
  server=""
done

echo
echo "Feeds before ($rev) and after (the working tree), $cruds cruds, SQLite, wrk -t2 -c$connections -d$duration"
echo
echo "| path | before req/s | before p99 | after req/s | after p99 | after / before |"
echo "|---|---|---|---|---|---|"
for label in "${labels[@]}"; do
  awk -v l="$label" -v b="${rps[before $label]}" -v bp="${p99[before $label]}" \
    -v a="${rps[after $label]}" -v ap="${p99[after $label]}" \
    'BEGIN { printf "| %s | %.0f | %s | %.0f | %s | %.2f |\n", l, b, bp, a, ap, a / b }'
done
