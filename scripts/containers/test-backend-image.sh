#!/usr/bin/env bash
# Build the backend image with the project's Dockerfile and check it for real:
# healthy through its own HEALTHCHECK, answers HTTP on 127.0.0.1, read-only root filesystem,
# non-root user, no shell, size budget, no secret in the image, prompt SIGTERM exit.
#
#   scripts/containers/setup-docker.sh && scripts/offline-standins/build.sh rust
#   scripts/containers/test-backend-image.sh
#
# Env: RUST_IMAGE (build image; default the local stand-in), IMAGE (default cruddur-backend:test),
#      SKIP_BUILD=1 (test an existing image), SIZE_BUDGET_BYTES (default 20000000),
#      HEALTHY_TIMEOUT_SECS (default 90).
# Exits non-zero when any check fails; prints a short report at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=test-backend-image
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh

RUST_IMAGE="${RUST_IMAGE:-cruddur-local/rust:1.95-bookworm}"
IMAGE="${IMAGE:-cruddur-backend:test}"
SIZE_BUDGET_BYTES="${SIZE_BUDGET_BYTES:-20000000}"
HEALTHY_TIMEOUT_SECS="${HEALTHY_TIMEOUT_SECS:-90}"
containers=()
bg_pids=()
tmp="$(mktemp -d /tmp/cruddur-backend-test.XXXXXX)"
cleanup() {
    local id pid
    for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for id in "${containers[@]}"; do docker rm -f -v "$id" >/dev/null 2>&1 || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

require_docker

# --- build --------------------------------------------------------------------------------------
build_secs="skipped"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    image_exists "$RUST_IMAGE" \
        || { log "build image $RUST_IMAGE missing; run scripts/offline-standins/build.sh rust"; exit 1; }
    log "building $IMAGE (RUST_IMAGE=$RUST_IMAGE; log: $tmp/build.log)"
    previous_id="$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
    t0="$(now)"
    if ! buildkit --progress=plain \
            --build-arg RUST_IMAGE="$RUST_IMAGE" \
            --build-arg REVISION="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
            -f docker/backend.Dockerfile -t "$IMAGE" . >"$tmp/build.log" 2>&1; then
        tail -n 40 "$tmp/build.log" >&2
        log "build failed"
        exit 1
    fi
    build_secs="$(since "$t0")"
    # The image this build replaced, now untagged: remove it so repeated runs leave no litter.
    if [ -n "$previous_id" ] && [ "$previous_id" != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ]; then
        docker rmi "$previous_id" >/dev/null 2>&1 || true
    fi
fi

echo "checks on $IMAGE:"

# --- static image checks ------------------------------------------------------------------------
size="$(docker image inspect -f '{{.Size}}' "$IMAGE")"
size_mb="$(mb "$size")"
if [ "$size" -lt "$SIZE_BUDGET_BYTES" ]; then pass "size ${size_mb} MB < $((SIZE_BUDGET_BYTES / 1000000)) MB"
else fail "size ${size_mb} MB >= $((SIZE_BUDGET_BYTES / 1000000)) MB"; fi

user="$(docker image inspect -f '{{.Config.User}}' "$IMAGE")"
if [ "$user" = "65532:65532" ]; then pass "image user $user"; else fail "image user '$user' (want 65532:65532)"; fi

if [ "$(docker image inspect -f '{{json .Config.Healthcheck.Test}}' "$IMAGE")" = '["CMD","/cruddur-backend","healthcheck"]' ]; then
    pass "HEALTHCHECK in exec form"
else fail "HEALTHCHECK: $(docker image inspect -f '{{json .Config.Healthcheck}}' "$IMAGE")"; fi

if [ "$(docker image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$IMAGE")" = '["/cruddur-backend"] ["serve"]' ]; then
    pass "exec-form ENTRYPOINT/CMD"
else fail "ENTRYPOINT/CMD: $(docker image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$IMAGE")"; fi

for label in title description source licenses version; do
    value="$(docker image inspect -f "{{index .Config.Labels \"org.opencontainers.image.$label\"}}" "$IMAGE")"
    if [ -n "$value" ]; then :; else fail "label org.opencontainers.image.$label missing"; fi
done
pass "OCI labels (version $(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.version"}}' "$IMAGE"))"

# The files in the image: the binary, the data folder and the CA roots, nothing else (no shell,
# no package manager).
files_id="$(docker create "$IMAGE")"; containers+=("$files_id")
docker export "$files_id" | tar -t >"$tmp/files.all"
{ grep -v -E '^(\./)?(\.dockerenv|dev/.*|dev|proc/?|sys/?|etc/?|etc/(hosts|hostname|resolv\.conf|mtab))$' "$tmp/files.all" || true; } \
    | sort >"$tmp/files"
if [ "$(tr '\n' ' ' <"$tmp/files")" = "cruddur-backend data/ etc/ssl/ etc/ssl/certs/ etc/ssl/certs/ca-certificates.crt " ]; then
    pass "image holds only /cruddur-backend, /data and the CA roots"
else fail "unexpected files in the image: $(tr '\n' ' ' <"$tmp/files")"; fi
# The roots are the distribution's: none of this machine's own CAs (a TLS proxy's) shipped.
docker export "$files_id" | tar -xO etc/ssl/certs/ca-certificates.crt >"$tmp/roots.pem"
leaked=0
for ca in /usr/local/share/ca-certificates/*.crt; do
    [ -f "$ca" ] || continue
    body="$(grep -v -- '-----' "$ca" | head -n 3 | tr -d '\n')"
    if tr -d '\n' <"$tmp/roots.pem" | grep -qF -- "$body"; then leaked=$((leaked + 1)); fi
done
if [ "$leaked" = 0 ] && grep -q 'BEGIN CERTIFICATE' "$tmp/roots.pem"; then
    pass "CA roots: $(grep -c 'BEGIN CERTIFICATE' "$tmp/roots.pem") distribution certificates, none of this machine's own"
else fail "CA roots: $leaked of this machine's own CAs in the image (or no roots at all)"; fi
docker rm -f -v "$files_id" >/dev/null

for shell in sh /bin/sh bash /bin/bash; do
    if docker run --rm --entrypoint "$shell" "$IMAGE" -c true >/dev/null 2>&1; then
        fail "--entrypoint $shell runs"
    fi
done
pass "no shell (docker run --entrypoint sh fails)"

# --- the hardened container ---------------------------------------------------------------------
secret="$(head -c 36 /dev/urandom | base64 -w0)"   # 48 characters
t_start="$(now)"
cid="$(docker run -d -p 127.0.0.1::4567 \
    --read-only --tmpfs /data:uid=65532,gid=65532,mode=0700 \
    --cap-drop ALL --security-opt no-new-privileges:true \
    -e JWT_SECRET="$secret" -e FRONTEND_URL='*' -e BACKEND_URL='*' \
    "$IMAGE")"
containers+=("$cid")
# No published port: the process exited at start.
if ! port="$(docker port "$cid" 4567/tcp 2>/dev/null | head -n 1 | sed 's/.*://')" || [ -z "$port" ]; then
    fail "the hardened container exited at start"
    docker logs "$cid" 2>&1 | tail -n 20 >&2 || true
    summary
    exit 1
fi
base="http://127.0.0.1:$port"
log "container ${cid:0:12} on $base"

first_answer="n/a"
healthy="n/a"
status=""
deadline=$((SECONDS + HEALTHY_TIMEOUT_SECS))
while [ "$SECONDS" -lt "$deadline" ]; do
    if [ "$first_answer" = "n/a" ] && curl -fsS -o /dev/null "$base/api/health-check" 2>/dev/null; then
        first_answer="$(since "$t_start")"
    fi
    status="$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$cid" 2>/dev/null || echo gone)"
    [ "$status" = healthy ] && { healthy="$(since "$t_start")"; break; }
    case "$status" in gone|unhealthy) break ;; esac
    sleep 0.2
done
if [ "$status" = healthy ]; then pass "healthy after ${healthy}s (first HTTP answer after ${first_answer}s)"
else
    fail "health status '$status' after ${HEALTHY_TIMEOUT_SECS}s"
    docker logs "$cid" 2>&1 | tail -n 20 >&2 || true
fi

for path in /api/health-check /api/activities/home; do
    code="$(curl -sS -o "$tmp/body" -w '%{http_code}' "$base$path" || echo 000)"
    if [ "$code" = 200 ]; then pass "GET $path -> 200 ($(head -c 60 "$tmp/body" | tr -d '\n')...)"
    else fail "GET $path -> $code: $(head -c 200 "$tmp/body" 2>/dev/null)"; fi
done

pid="$(docker inspect -f '{{.State.Pid}}' "$cid")"
uid="$(ps -o uid= -p "$pid" | tr -d ' ')"
if [ -n "$uid" ] && [ "$uid" != 0 ]; then pass "process runs as uid $uid (not root)"; else fail "process uid '$uid'"; fi
if [ "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$cid")" = true ]; then pass "read-only root filesystem"
else fail "root filesystem is writable"; fi

# No secret baked into the image: neither the value passed at run time nor a JWT setting.
docker image inspect "$IMAGE" >"$tmp/inspect"
docker history --no-trunc "$IMAGE" >"$tmp/history"
if grep -qF "$secret" "$tmp/inspect" "$tmp/history"; then fail "the JWT secret appears in the image metadata"
elif grep -qiE 'JWT_SECRET|PASSWORD=|DATABASE_URL=' "$tmp/inspect" "$tmp/history"; then
    fail "a secret setting appears in the image metadata: $(grep -hoiE '(JWT_SECRET|PASSWORD|DATABASE_URL)[^",]*' "$tmp/inspect" "$tmp/history" | head -n 3)"
else pass "no secret in docker inspect / docker history"; fi

# SIGTERM: exits by itself (not killed after the grace period), with code 0.
docker wait "$cid" >"$tmp/exit" 2>/dev/null & bg_pids+=("$!")
t_stop="$(now)"
docker stop -t 20 "$cid" >/dev/null
stop_secs="$(since "$t_stop")"
wait "${bg_pids[-1]}" 2>/dev/null || true
exit_code="$(tr -d '[:space:]' <"$tmp/exit")"
if [ "$exit_code" = 0 ] && awk -v s="$stop_secs" 'BEGIN { exit !(s < 5) }'; then
    pass "docker stop: exit code 0 after ${stop_secs}s"
else fail "docker stop: exit code '${exit_code}' after ${stop_secs}s"; fi

# --- the issue's plain `docker run` (no secret, no --read-only/--tmpfs): the image's own /data
# volume, and a random token secret with a warning in the log.
cid2="$(docker run --rm -d -p 127.0.0.1::4567 -e FRONTEND_URL='*' -e BACKEND_URL='*' "$IMAGE")"
containers+=("$cid2")
port2="$(docker port "$cid2" 4567/tcp 2>/dev/null | head -n 1 | sed 's/.*://')" || true
ok2=0
for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port2/api/activities/home" 2>/dev/null; then ok2=1; break; fi
    sleep 0.3
done
if [ "$ok2" = 1 ]; then pass "plain docker run (image /data volume) serves"
else fail "plain docker run does not serve"; docker logs "$cid2" 2>&1 | tail -n 10 >&2 || true; fi
docker stop -t 20 "$cid2" >/dev/null 2>&1 || true

# --- report -------------------------------------------------------------------------------------
echo
echo "report: image $IMAGE ${size_mb} MB; build ${build_secs}$([ "$build_secs" = skipped ] || echo s); first HTTP answer ${first_answer}s;" \
     "healthy ${healthy}s; stop ${stop_secs}s"
summary
