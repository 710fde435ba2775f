#!/usr/bin/env bash
# Tier 3: the full compose stack under a rootless Docker engine, whose daemon runs as an
# unprivileged user.
#
#   scripts/containers/test-rootless.sh
#
# Starts a rootless engine as a user it creates (rootless-engine.sh), checks that the daemon's
# processes run as that user and not root and that root in a container is that user on the
# host, copies the images from the root engine into it (`docker save | docker load`: no
# registry needed), then runs test-compose.sh against it (DOCKER_HOST): the same checks as the
# root-engine tier (healthy, pages, API, hardening, outage, down/up) and the CIS Docker
# Benchmark report of the stack on this engine (target/compliance/cis-docker-rootless.md).
# Left out there, as the root tier proves them and they would cost minutes here: the image
# build and the rebuild timing (SKIP_BUILD, SKIP_REBUILD). On a cgroup v1 host the rootless
# engine has no cgroups, so the limits are set but not enforced: test-compose prints that as
# n/a and the report justifies it (docs/containers.md).
#
# Every check prints an ok/FAIL line (test-compose's and the report's with their own summary
# lines); the last line is `containers: N passed, M failed`. On exit the engine is stopped and
# its user, data and files removed, failed or not.
#
# Env: SKIP_SETUP=1 (the root engine is running), BACKEND_IMAGE / FRONTEND_IMAGE (default
#      cruddur/{backend,frontend}:local, built by test-compose.sh), POSTGRES_IMAGE / DYNAMODB_IMAGE /
#      PROMETHEUS_IMAGE (default: the local stand-ins), ROOTLESS_USER (default cruddur-rl-PID).
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=test-rootless
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh

export BACKEND_IMAGE="${BACKEND_IMAGE:-cruddur/backend:local}"
export FRONTEND_IMAGE="${FRONTEND_IMAGE:-cruddur/frontend:local}"
ROOTLESS_USER="${ROOTLESS_USER:-cruddur-rl-$$}"

start_docker
# From the root engine; test-compose must not look for them in the empty rootless one.
use_standins postgres dynamodb prometheus
images=("$BACKEND_IMAGE" "$FRONTEND_IMAGE" "$POSTGRES_IMAGE" "$DYNAMODB_IMAGE" "$PROMETHEUS_IMAGE")
for image in "${images[@]}"; do
    image_exists "$image" || { log "$image is missing on the root engine: run test-compose.sh first"; exit 1; }
done

rootless_host=""
probe=""
rootless() { DOCKER_HOST="$rootless_host" docker "$@"; }
cleanup() {
    [ -z "$probe" ] || rootless rm -f "$probe" >/dev/null 2>&1 || true
    scripts/containers/rootless-engine.sh stop "$ROOTLESS_USER" >&2 || true
}
trap cleanup EXIT

echo "engine:"
t0="$(now)"
rootless_host="$(scripts/containers/rootless-engine.sh start "$ROOTLESS_USER" | sed -n 's/^DOCKER_HOST=//p')" || true
if [ -n "$rootless_host" ] && rootless info >/dev/null 2>&1; then
    pass "rootless engine of $ROOTLESS_USER answers at $rootless_host after $(since "$t0")s"
else
    fail "rootless engine of $ROOTLESS_USER did not start"
    summary || exit 1
fi

# The daemon's own processes: the dockerd of the socket (its pid file is beside it), and the
# rootlesskit above it that made its user, network and mount namespaces.
rootless_uid="$(id -u "$ROOTLESS_USER")"
uid_of() { ps -o uid= -p "$1" | tr -d ' '; }
runs_as_user() { [ "${1:-1}" -gt 1 ] && [ "$(uid_of "$1")" = "$rootless_uid" ]; }
dockerd_pid="$(cat "$(dirname "${rootless_host#unix://}")/docker.pid")"
check "the daemon, $(ps -o comm= -p "${dockerd_pid:-1}") (pid ${dockerd_pid:-none}), runs as $ROOTLESS_USER (uid $rootless_uid), not root" \
    runs_as_user "$dockerd_pid"
kit_pid="$dockerd_pid"
while [ "${kit_pid:-1}" -gt 1 ] && [ "$(ps -o comm= -p "$kit_pid")" != rootlesskit ]; do
    kit_pid="$(ps -o ppid= -p "$kit_pid" | tr -d ' ')"
done
check "and its rootlesskit (pid ${kit_pid:-none}) too" runs_as_user "$kit_pid"
check "docker info: security options include rootless ($(rootless info -f '{{join .SecurityOptions ","}}'))" \
    eval 'rootless info -f "{{json .SecurityOptions}}" | grep -q "name=rootless"'

echo "images:"
t0="$(now)"
if docker save "${images[@]}" | rootless load -q >/dev/null; then
    pass "${images[*]} copied from the root engine in $(since "$t0")s"
else
    fail "docker save | docker load into the rootless engine"
    summary || exit 1
fi

# Root in a container is the unprivileged user on the host, not root.
probe="$(rootless run -d --user 0:0 --network none --entrypoint sleep "$POSTGRES_IMAGE" 60)"
probe_pid="$(rootless inspect -f '{{.State.Pid}}' "$probe")"
check "uid 0 in a container is $ROOTLESS_USER on the host (uid $(uid_of "$probe_pid"))" \
    [ "$(uid_of "$probe_pid")" = "$rootless_uid" ]

echo "the compose stack (test-compose.sh) on the rootless engine:"
t0="$(now)"
if DOCKER_HOST="$rootless_host" SKIP_SETUP=1 SKIP_BUILD=1 SKIP_REBUILD=1 scripts/containers/test-compose.sh; then
    pass "test-compose.sh passes on the rootless engine in $(since "$t0")s"
else
    fail "test-compose.sh on the rootless engine"
fi
summary
