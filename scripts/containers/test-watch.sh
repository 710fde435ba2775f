#!/usr/bin/env bash
# Tier 3: compose.dev.yaml's `develop.watch`, for real. Starts the stack as a developer would,
#
#   docker compose -f compose.yaml -f compose.dev.yaml up --watch
#
# changes a static asset the frontend compiles in, and checks that compose rebuilds the
# frontend image, replaces its container and serves the change over HTTP, while the backend,
# which that change does not concern, keeps running.
#
# It runs in a copy of the build context, so the checkout is never edited (a test killed half
# way cannot leave a changed source file behind). Its images are built under names of this run,
# as `up --watch` does on a first start; after test-compose.sh that is BuildKit's cache (layers
# and the Dockerfiles' cache mounts), seconds, and the rebuild is incremental. Compose builds
# the rebuilt service's dependencies too (the backend), and recreates one whose image changed
# without starting it again: the backend's own ignore file (docker/backend.Dockerfile.dockerignore)
# keeps its build cached and its image the same, so it keeps running. Everything it starts
# (containers, networks and volumes of its compose project, the images it built) is removed on
# exit, failed or not.
#
# Ends with `containers: N passed, M failed`; exits non-zero when any check failed.
#
# Env: SKIP_SETUP=1 (Docker is running), RUST_IMAGE / POSTGRES_IMAGE / DYNAMODB_IMAGE (default:
#      the local stand-ins), HEALTHY_TIMEOUT_SECS (default 240), REBUILD_TIMEOUT_SECS (default 600).
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=test-watch
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh

HEALTHY_TIMEOUT_SECS="${HEALTHY_TIMEOUT_SECS:-240}"
REBUILD_TIMEOUT_SECS="${REBUILD_TIMEOUT_SECS:-600}"

start_docker
use_standins rust postgres dynamodb

project="cruddur-watch-$$"
tmp="$(mktemp -d /tmp/cruddur-watch-test.XXXXXX)"
context="$tmp/context"
# The images of this run: compose tags its rebuilds with these names.
export FRONTEND_IMAGE="cruddur-watch-test/frontend:$$"
export BACKEND_IMAGE="cruddur-watch-test/backend:$$"
export FRONTEND_PORT="${FRONTEND_PORT:-$(free_port)}"
export BACKEND_PORT="${BACKEND_PORT:-$(free_port)}"
site="http://127.0.0.1:$FRONTEND_PORT"
compose() { docker compose -p "$project" --project-directory "$context" -f "$context/compose.yaml" -f "$context/compose.dev.yaml" "$@"; }
watch_pid=""
cleanup() {
    local status=$?
    if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ]; then
        tail -n 40 "$tmp/watch.log" >&2 2>/dev/null || true
    fi
    # The watcher first, so it rebuilds nothing while the project goes.
    if [ -n "$watch_pid" ]; then kill "$watch_pid" 2>/dev/null || true; wait "$watch_pid" 2>/dev/null || true; fi
    log "removing project $project (containers, networks, volumes) and images $FRONTEND_IMAGE $BACKEND_IMAGE"
    compose down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1 || true
    # The images this run built (compose prunes the ones a rebuild replaced).
    docker rmi "$FRONTEND_IMAGE" "$BACKEND_IMAGE" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

cid() { compose ps -q "$1" 2>/dev/null; }
healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$(cid "$1")" 2>/dev/null)" = healthy ]; }
all_healthy() { healthy db && healthy dynamodb-local && healthy backend && healthy frontend; }
serves() { curl -sf --max-time 5 "$site/static/cruddur.css" | grep -qF -- "$1"; }

echo "watch:"
# Compose gained `watch` in 2.22 (`up --watch` in 2.23); the engine needs nothing new for it.
compose_version="$(docker compose version --short)"
engine_version="$(docker version -f '{{.Server.Version}}')"
check "docker compose $compose_version has up --watch (engine $engine_version)" \
    eval 'docker compose up --help | grep -q -- "--watch"'

mkdir -p "$context"
tar -c --exclude='crates/*/target' .dockerignore compose.yaml compose.dev.yaml Cargo.toml Cargo.lock docker crates \
    | tar -x -C "$context"

# Built by this project, as a developer's first `up --watch` would: compose labels images with
# their project, so images of another project would all count as changed at the first rebuild.
t0="$(now)"
if compose build --progress=plain >"$tmp/build.log" 2>&1; then
    pass "images built for the project in $(since "$t0")s (BuildKit cache)"
else
    tail -n 30 "$tmp/build.log" >&2
    fail "compose build"
    summary || exit 1
fi
start_image="$(docker image inspect -f '{{.Id}}' "$FRONTEND_IMAGE")"
backend_image="$(docker image inspect -f '{{.Id}}' "$BACKEND_IMAGE")"

log "docker compose -p $project up --watch (frontend 127.0.0.1:$FRONTEND_PORT)"
t0="$(now)"
compose up --watch --quiet-pull >"$tmp/watch.log" 2>&1 </dev/null &
watch_pid=$!
if wait_until "$HEALTHY_TIMEOUT_SECS" all_healthy; then
    pass "stack up with compose.dev.yaml, all healthy after $(since "$t0")s"
else
    fail "stack not healthy within ${HEALTHY_TIMEOUT_SECS}s"
    summary || exit 1
fi
check "compose is watching (log says so)" wait_until 30 grep -qi "watch enabled" "$tmp/watch.log"
check "development settings applied (frontend RUST_LOG from compose.dev.yaml)" \
    eval 'docker inspect -f "{{range .Config.Env}}{{println .}}{{end}}" "$(cid frontend)" | grep -q "^RUST_LOG=.*cruddur_frontend=debug"'
frontend_before="$(cid frontend)"
backend_before="$(cid backend)"

# A change anyone can see: a comment at the end of the stylesheet the frontend embeds.
probe="/* watch probe $$ $(date +%s) */"
check "the stylesheet does not have the probe yet" eval '! serves "$probe"'
printf '%s\n' "$probe" >>"$context/crates/frontend/static/cruddur.css"
t0="$(now)"
if wait_until "$REBUILD_TIMEOUT_SECS" serves "$probe"; then
    rebuild_secs="$(since "$t0")"
    pass "edit of crates/frontend/static/cruddur.css served over HTTP ${rebuild_secs}s later"
else
    rebuild_secs="n/a"
    fail "the change was not served within ${REBUILD_TIMEOUT_SECS}s"
fi
check "frontend image rebuilt under $FRONTEND_IMAGE" \
    [ "$(docker image inspect -f '{{.Id}}' "$FRONTEND_IMAGE")" != "$start_image" ]
check "frontend container replaced" [ "$(cid frontend)" != "$frontend_before" ]
check "frontend healthy again" wait_until 60 healthy frontend
check "backend untouched: same image (its build cached), same container" \
    eval '[ "$(docker image inspect -f "{{.Id}}" "$BACKEND_IMAGE")" = "$backend_image" ] && [ "$(cid backend)" = "$backend_before" ]'
home_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$site/")" = 200 ]; }
check "pages work through the rebuilt frontend (home -> 200)" wait_until 60 home_ok

echo
echo "figures: compose $compose_version on engine $engine_version; change to served ${rebuild_secs}s"
summary
