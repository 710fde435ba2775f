#!/usr/bin/env bash
# Tier 3: the full stack of compose.yaml, for real and offline, on a fresh machine.
#
#   scripts/containers/test-compose.sh
#
# Installs and starts Docker + Compose, builds the local stand-ins of the upstream images that
# cannot be pulled here, builds the backend and frontend images with the project's Dockerfiles,
# and runs `docker compose up` with only image variables (and host ports) changed. Then it
# checks the stack: every service healthy; the site through the frontend's HTML forms (sign
# up, crud, direct message, read them back) and the API on 127.0.0.1; hardening (non-root,
# read-only root filesystem, no shell, capabilities, resource limits set and enforced in each
# container's cgroup, 127.0.0.1-only ports, networks); no secret in `docker inspect` or the
# images' history, nor a path of the build machine; the CIS Docker Benchmark report
# (cis_report.py); sizes within budget; a PostgreSQL outage
# answered with 503 JSON and recovered from without help; data kept across `down` and `up`.
# The `monitoring` profile runs too (its Prometheus scraping every second, alert `for:`
# durations of 2 s, from a copy of deploy/monitoring/): both targets up, request metrics from a
# real page, the metrics ports unpublished, one request id in both services' JSON log lines,
# and the database alert firing while PostgreSQL is stopped and clearing once it is back.
# It measures image sizes, seconds from `up` to all healthy and an incremental rebuild.
#
# It runs as well against a rootless engine (DOCKER_HOST; test-rootless.sh), where limits
# cannot be enforced without cgroups: that check then prints an n/a line saying so.
#
# Every check prints an ok/FAIL line; the last line is `containers: N passed, M failed`, and the
# exit status is non-zero when any check failed. Everything started here (containers,
# networks, volumes of the unique compose project) is removed on exit, failed or not.
#
# Env: SKIP_SETUP=1 (Docker is running), SKIP_BUILD=1 (test existing images),
#      RUST_IMAGE / POSTGRES_IMAGE / DYNAMODB_IMAGE / PROMETHEUS_IMAGE (default: the local
#      stand-ins, built if missing), BACKEND_IMAGE / FRONTEND_IMAGE (default cruddur/{backend,frontend}:local),
#      HEALTHY_TIMEOUT_SECS (default 240), SIZE_BUDGET_BYTES (default 20000000),
#      REBUILD_SERVICE (frontend|backend, default frontend), SKIP_REBUILD=1 (no rebuild timing),
#      CIS_REPORT_DIR (default target/compliance: the CIS Docker Benchmark report of the stack).
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=test-compose
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh

HEALTHY_TIMEOUT_SECS="${HEALTHY_TIMEOUT_SECS:-240}"
SIZE_BUDGET_BYTES="${SIZE_BUDGET_BYTES:-20000000}"
REBUILD_SERVICE="${REBUILD_SERVICE:-frontend}"
CIS_REPORT_DIR="${CIS_REPORT_DIR:-target/compliance}"
export BACKEND_IMAGE="${BACKEND_IMAGE:-cruddur/backend:local}"
export FRONTEND_IMAGE="${FRONTEND_IMAGE:-cruddur/frontend:local}"
SERVICES=(db dynamodb-local backend frontend prometheus)
export COMPOSE_PROFILES=monitoring

# --- machine: Docker, Compose, stand-ins ---------------------------------------------------------
start_docker
# Only the variables not given are filled, with the stand-ins (built when missing); the Rust
# image only when something is built.
standins=(postgres dynamodb prometheus)
[ "${SKIP_BUILD:-0}" = 1 ] && [ "${SKIP_REBUILD:-0}" = 1 ] || standins+=(rust)
use_standins "${standins[@]}"
log "images: RUST_IMAGE=${RUST_IMAGE:-unused} POSTGRES_IMAGE=$POSTGRES_IMAGE DYNAMODB_IMAGE=$DYNAMODB_IMAGE PROMETHEUS_IMAGE=$PROMETHEUS_IMAGE"

export FRONTEND_PORT="${FRONTEND_PORT:-$(free_port)}"
export BACKEND_PORT="${BACKEND_PORT:-$(free_port)}"
export PROMETHEUS_PORT="${PROMETHEUS_PORT:-$(free_port)}"
site="http://127.0.0.1:$FRONTEND_PORT"
api="http://127.0.0.1:$BACKEND_PORT"
prometheus="http://127.0.0.1:$PROMETHEUS_PORT"

project="cruddur-test-$$"
tmp="$(mktemp -d /tmp/cruddur-compose-test.XXXXXX)"
compose() { docker compose -p "$project" "$@"; }
cleanup() {
    local status=$?
    if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ]; then
        compose logs --no-color --tail 30 >"$tmp/logs" 2>&1 && tail -n 80 "$tmp/logs" >&2 || true
    fi
    log "removing project $project (containers, networks, volumes)"
    compose down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1 || true
    [ -z "${probe_image:-}" ] || docker rmi "$probe_image" >/dev/null 2>&1 || true
    rm -rf "$tmp" "${MONITORING_CONFIG:-}"
}
trap cleanup EXIT

# The production scrape config and rules, with test-sized intervals and `for:` durations, in a
# folder of their own that anyone may read: a rootless engine's user bind-mounts it, and must
# not get into $tmp (the test's cookies).
MONITORING_CONFIG="$(mktemp -d /tmp/cruddur-monitoring.XXXXXX)"
export MONITORING_CONFIG
sed -E 's/(scrape_interval|evaluation_interval|scrape_timeout): .*/\1: 1s/' \
    deploy/monitoring/prometheus.yml >"$MONITORING_CONFIG/prometheus.yml"
sed -E 's/^( +for): .*/\1: 2s/' deploy/monitoring/alerts.yml >"$MONITORING_CONFIG/alerts.yml"
chmod -R a+rX "$MONITORING_CONFIG"

all_healthy() {
    local service
    for service in "${SERVICES[@]}"; do [ "$(health "$service")" = healthy ] || return 1; done
}
# up_and_wait: `docker compose up -d`, then the seconds until every service is healthy.
up_and_wait() {
    local t0; t0="$(now)"
    compose up -d --quiet-pull >"$tmp/up.log" 2>&1 || { tail -n 20 "$tmp/up.log" >&2; return 1; }
    wait_until "$HEALTHY_TIMEOUT_SECS" all_healthy || return 1
    since "$t0"
}

# --- a browser without JavaScript: curl with a cookie jar, posting the pages' forms -------------
# browse JAR PATH: GET a page as that browser.
browse() { status_of "$tmp/page" -b "$1" -c "$1" "$site$2"; }
# csrf_of_page: the CSRF token in the last page's forms (bound to the browser's session).
csrf_of_page() { grep -o 'name="csrf_token" value="[^"]*"' "$tmp/page" | head -n 1 | sed 's/.*value="//; s/"$//'; }
# submit JAR PATH FIELD=VALUE...: post a form with the browser's CSRF token, from the same
# origin. The token comes from the last page, or from the home page's composer.
submit() {
    local jar="$1" path="$2"; shift 2
    local csrf field args=()
    csrf="$(csrf_of_page)"
    if [ -z "$csrf" ]; then browse "$jar" / >/dev/null; csrf="$(csrf_of_page)"; fi
    for field in "$@" "csrf_token=$csrf"; do args+=(--data-urlencode "$field"); done
    status_of "$tmp/page" -b "$jar" -c "$jar" -H "Origin: $site" "${args[@]}" "$site$path"
}
page_has() { grep -qF -- "$1" "$tmp/page"; }
sign_up() {
    local jar="$tmp/$1.jar"
    browse "$jar" /signup >/dev/null
    [ "$(submit "$jar" /signup "display_name=$2" "handle=$1" "email=$1@example.com" "password=correct horse battery")" = 303 ]
}

# --- build ---------------------------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building $BACKEND_IMAGE and $FRONTEND_IMAGE (log: $tmp/build.log)"
    t0="$(now)"
    # Some Compose builds exit 0 when BuildKit fails: its log says so.
    if compose build --progress=plain >"$tmp/build.log" 2>&1 && ! grep -q "failed to solve" "$tmp/build.log"; then
        pass "images built with docker/backend.Dockerfile and docker/frontend.Dockerfile in $(since "$t0")s"
    else
        tail -n 40 "$tmp/build.log" >&2
        fail "compose build"
        summary || exit 1
    fi
fi

echo "images:"
sizes=""
for service in backend frontend; do
    image="$BACKEND_IMAGE"; [ "$service" = backend ] || image="$FRONTEND_IMAGE"
    binary="/cruddur-$service"
    size="$(docker image inspect -f '{{.Size}}' "$image")"
    sizes+="$image $(mb "$size") MB; "
    check "$image: $(mb "$size") MB < $(mb "$SIZE_BUDGET_BYTES") MB" [ "$size" -lt "$SIZE_BUDGET_BYTES" ]
    check "$image: user 65532:65532" [ "$(docker image inspect -f '{{.Config.User}}' "$image")" = 65532:65532 ]
    check "$image: HEALTHCHECK runs '$binary healthcheck' (exec form)" \
        [ "$(docker image inspect -f '{{json .Config.Healthcheck.Test}}' "$image")" = "[\"CMD\",\"$binary\",\"healthcheck\"]" ]
    check "$image: exec-form ENTRYPOINT [\"$binary\"]" \
        [ "$(docker image inspect -f '{{json .Config.Entrypoint}}' "$image")" = "[\"$binary\"]" ]
    check "$image: OCI labels" \
        [ -n "$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.source"}}{{index .Config.Labels "org.opencontainers.image.version"}}' "$image")" ]
    shells=0
    for shell in sh /bin/sh bash /bin/bash; do
        if docker run --rm --entrypoint "$shell" "$image" -c true >/dev/null 2>&1; then shells=$((shells + 1)); fi
    done
    check "$image: no shell (docker run --entrypoint sh fails)" [ "$shells" = 0 ]
done

# --- up ------------------------------------------------------------------------------------------
log "docker compose -p $project up (frontend 127.0.0.1:$FRONTEND_PORT, backend 127.0.0.1:$BACKEND_PORT)"
echo "stack:"
if healthy_secs="$(up_and_wait)"; then
    pass "all services healthy ${healthy_secs}s after docker compose up ($(health_report))"
else
    healthy_secs="n/a"
    fail "not all healthy within ${HEALTHY_TIMEOUT_SECS}s: $(health_report)"
    summary || exit 1
fi
check "prepare (secrets, volume ownership) exited 0" \
    [ "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$(cid prepare)")" = "exited 0" ]

# --- the site ------------------------------------------------------------------------------------
stamp="$(date +%s)"
crud="Crudding from compose $stamp"
message="Lunch at noon? $stamp"
check "home page through the frontend -> 200" [ "$(browse "$tmp/visitor.jar" /)" = 200 ]
check "sign up (form with CSRF token) -> 303" sign_up "ada$stamp" "Ada"
check "second user signs up" sign_up "bob$stamp" "Bob"
check "post a crud (form) -> 303" [ "$(submit "$tmp/ada$stamp.jar" /cruds "message=$crud" ttl=7-days)" = 303 ]
check "the crud is on the home timeline" eval '[ "$(browse "$tmp/ada$stamp.jar" /)" = 200 ] && page_has "$crud"'
check "send a direct message (form) -> 303" \
    [ "$(submit "$tmp/ada$stamp.jar" "/messages/@bob$stamp" "message=$message")" = 303 ]
check "the receiver reads the message" \
    eval '[ "$(browse "$tmp/bob$stamp.jar" "/messages/@ada$stamp")" = 200 ] && page_has "$message"'
# The backend names the message table it uses at start-up when messages go to DynamoDB.
check "backend keeps messages in dynamodb-local (table cruddur-messages)" \
    eval 'compose logs --no-color backend 2>&1 | grep -q "cruddur-messages"'
check "backend on 127.0.0.1:$BACKEND_PORT: /api/health-check -> 200" \
    [ "$(status_of "$tmp/api" "$api/api/health-check")" = 200 ]
check "backend: /api/ready -> 200" [ "$(status_of "$tmp/api" "$api/api/ready")" = 200 ]
check "backend: the crud in /api/activities/@ada$stamp" \
    eval '[ "$(status_of "$tmp/api" "$api/api/activities/@ada$stamp")" = 200 ] && grep -qF "$crud" "$tmp/api"'
check "frontend /healthz -> 200" [ "$(status_of "$tmp/api" "$site/healthz")" = 200 ]

# --- hardening of the running containers ---------------------------------------------------------
# uid_in_container PID: the process's uid as its user namespace sees it (a rootless engine maps
# the container's ids onto the engine user's subordinate ids; the root engine maps them as is).
uid_in_container() {
    local host_uid
    host_uid="$(ps -o uid= -p "$1" | tr -d ' ')"
    awk -v u="$host_uid" 'u >= $2 && u < $2 + $3 { print u - $2 + $1 }' "/proc/$1/uid_map"
}
# cgroup_file PID CONTROLLER FILE_V1 FILE_V2: a file of the process's cgroup (v1 or v2).
cgroup_file() {
    local dir path
    read -r dir path < <(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $2, $3 }' "/proc/$1/cgroup")
    if [ -n "${dir:-}" ]; then cat "/sys/fs/cgroup/$dir$path/$3"
    else cat "/sys/fs/cgroup$(awk -F: '$1 == 0 { print $3 }' "/proc/$1/cgroup")/$4"; fi
}
# limits_enforced PID MEMORY NANO_CPUS PIDS: the kernel's limits on the process are those asked for.
limits_enforced() {
    local quota period
    # cgroup v2's cpu.max holds "QUOTA PERIOD"; v1 keeps the period in a file of its own.
    read -r quota period < <(cgroup_file "$1" cpu cpu.cfs_quota_us cpu.max)
    [ -n "${period:-}" ] || period="$(cgroup_file "$1" cpu cpu.cfs_period_us cpu.max)"
    [ "$(cgroup_file "$1" memory memory.limit_in_bytes memory.max)" = "$2" ] &&
        [ "$((quota * 1000000000 / period))" = "$3" ] &&
        [ "$(cgroup_file "$1" pids pids.max pids.max)" = "$4" ]
}
cgroup_driver="$(docker info -f '{{.CgroupDriver}}')"
echo "hardening:"
for service in "${SERVICES[@]}"; do
    id="$(cid "$service")"
    pid="$(docker inspect -f '{{.State.Pid}}' "$id")"
    uid="$(uid_in_container "$pid")"
    check "$service: runs as uid $uid in its user namespace (not root)" [ "${uid:-0}" != 0 ]
    check "$service: read-only root filesystem" [ "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$id")" = true ]
    check "$service: cap_drop ALL, no-new-privileges" \
        [ "$(docker inspect -f '{{json .HostConfig.CapDrop}} {{json .HostConfig.SecurityOpt}}' "$id")" = '["ALL"] ["no-new-privileges:true"]' ]
    read -r memory nano_cpus pids_limit < <(docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}' "$id")
    check "$service: memory, CPU and process limits set ($(mb "$memory") MB, $nano_cpus ns/s, $pids_limit pids)" \
        eval '[ "$memory" -gt 0 ] && [ "$nano_cpus" -gt 0 ] && [ "${pids_limit:-0}" -gt 0 ]'
    if [ "$cgroup_driver" = none ]; then
        na "$service: limits enforced: this engine has no cgroups (rootless on cgroup v1; see docs/containers.md)"
    else
        check "$service: the kernel enforces them (its cgroup: memory, CPU quota, pids.max)" \
            limits_enforced "$pid" "$memory" "$nano_cpus" "$pids_limit"
    fi
done
published="$(for service in "${SERVICES[@]}"; do docker port "$(cid "$service")"; done)"
check "published ports bound to 127.0.0.1 only ($(echo "$published" | sed 's/.*-> //' | tr '\n' ' '))" \
    eval '[ -n "$published" ] && ! echo "$published" | grep -vq -- "-> 127.0.0.1:"'
check "frontend is not on the databases' network" eval '! networks_of frontend | grep -q "_data "'
check "databases' network is internal" [ "$(docker network inspect -f '{{.Internal}}' "${project}_data")" = true ]

# The secrets as the services read them, then looked for where they must not be.
db_password="$(compose exec -T db cat /run/secrets/password)"
# The backend image has no `cat`: a throwaway container reads its volume as its user.
jwt_secret="$(docker run --rm --network none --user 65532:65532 -v "${project}_backend-secrets:/s:ro" \
    --entrypoint cat "$POSTGRES_IMAGE" /s/jwt_secret)"
for service in prepare "${SERVICES[@]}"; do docker inspect "$(cid "$service")"; done >"$tmp/inspect"
for image in "$BACKEND_IMAGE" "$FRONTEND_IMAGE"; do
    docker image inspect "$image"
    docker history --no-trunc "$image"
done >"$tmp/history"
check "secrets generated (db password ${#db_password}, token secret ${#jwt_secret} characters)" \
    [ "$(( ${#db_password} >= 32 && ${#jwt_secret} >= 32 ))" = 1 ]
check "no secret in docker inspect of the containers" \
    eval '! grep -qF -e "$db_password" -e "$jwt_secret" "$tmp/inspect"'
check "no secret in the images' metadata or history" \
    eval '! grep -qF -e "$db_password" -e "$jwt_secret" "$tmp/history" && ! grep -qiE "PASSWORD=|JWT_SECRET=|DATABASE_URL=" "$tmp/history"'
# Nothing of the machine that built the images either: the build stage's paths stay behind. (The
# rest of `docker image inspect` names this engine's own storage, which is not in the image.)
for image in "$BACKEND_IMAGE" "$FRONTEND_IMAGE"; do
    docker image inspect -f '{{json .Config}} {{json .ContainerConfig}} {{.Comment}} {{.Author}}' "$image"
    docker history --no-trunc --format '{{.CreatedBy}} {{.Comment}}' "$image"
done >"$tmp/metadata"
check "no build-machine path in the images' metadata or history (the checkout, /src, /work, /root, /home, /tmp)" \
    eval '! grep -qE -e "$PWD" -e "(^|[^A-Za-z0-9._-])/(src|work|root|home|tmp)(/|[^A-Za-z0-9._-]|$)" "$tmp/metadata"'

# The CIS Docker Benchmark report of the stack on this engine: one line per control and its own
# summary line; the report goes to $CIS_REPORT_DIR.
echo "CIS Docker Benchmark:"
check "CIS Docker Benchmark: every control passed or justified ($CIS_REPORT_DIR)" \
    python3 scripts/containers/cis_report.py "$project" --out "$CIS_REPORT_DIR"

# --- monitoring: Prometheus scrapes both services; one request id in both services' logs --------
echo "monitoring:"
# prom PATH [PYTHON-EXPRESSION]: GETs Prometheus's API; prints the expression of its JSON `data`
# (`d`), or the whole answer; fails on a non-success answer.
prom() {
    curl -fsS "$prometheus$1" 2>/dev/null | python3 -c '
import json, sys
answer = json.load(sys.stdin)
assert answer["status"] == "success", answer
d = answer["data"]
print(eval(sys.argv[1]) if len(sys.argv) > 1 else d)' "${2:-d}"
}
targets_up() {
    [ "$(prom /api/v1/targets 'sorted((t["labels"]["job"], t["health"]) for t in d["activeTargets"])')" = \
      "[('cruddur-backend', 'up'), ('cruddur-frontend', 'up')]" ]
}
# counted QUERY: the query's first value is above zero.
counted() { prom "/api/v1/query?query=$1" 'float(d["result"][0]["value"][1]) > 0 if d["result"] else False' | grep -qx True; }
alert_state() { prom /api/v1/alerts "[a['state'] for a in d['alerts'] if a['labels']['alertname'] == '$1'] or ['inactive']"; }
alert_is() { [ "$(alert_state "$1")" = "['$2']" ]; }
check "prometheus: both targets up in /api/v1/targets" wait_until 30 targets_up
request_id="compose-test-$stamp"
check "a page with X-Request-Id -> 200, the id answered back" \
    eval '[ "$(status_of "$tmp/page" -D "$tmp/headers" -H "X-Request-Id: $request_id" "$site/")" = 200 ] &&
          grep -qi "^x-request-id: $request_id" "$tmp/headers"'
check "prometheus: the frontend's requests of / (route template) counted" \
    wait_until 15 counted 'http_requests_total%7Bjob%3D%22cruddur-frontend%22%2Croute%3D%22%2F%22%7D'
check "prometheus: the backend's requests of /api/activities/home counted" \
    wait_until 15 counted 'http_requests_total%7Bjob%3D%22cruddur-backend%22%2Croute%3D%22%2Fapi%2Factivities%2Fhome%22%7D'
check "prometheus: the backend's process memory and database readiness scraped" \
    eval 'counted process_resident_memory_bytes%7Bjob%3D%22cruddur-backend%22%7D && counted database_ready'
# json_line_with SERVICE ID: one of the service's log lines is a JSON object carrying the id.
json_line_with() {
    compose logs --no-color --no-log-prefix "$1" 2>/dev/null | python3 -c '
import json, sys
ok = any(json.loads(line).get("span", {}).get("request_id") == sys.argv[1]
         for line in sys.stdin if sys.argv[1] in line and line.startswith("{"))
sys.exit(0 if ok else 1)' "$2"
}
check "frontend logs a JSON line with the request id" wait_until 10 json_line_with frontend "$request_id"
check "backend logs a JSON line with the same request id (passed on by the frontend)" \
    wait_until 10 json_line_with backend "$request_id"
metrics_ports="$(docker port "$(cid backend)"; docker port "$(cid frontend)")"
check "metrics port 9464 not published ($(echo "$metrics_ports" | tr '\n' ' '))" \
    eval '! echo "$metrics_ports" | grep -q "^9464"'
check "metrics network is internal; prometheus not on the databases' network" \
    eval '[ "$(docker network inspect -f "{{.Internal}}" "${project}_metrics")" = true ] &&
          ! networks_of prometheus | grep -q "_data "'

# --- a PostgreSQL outage -------------------------------------------------------------------------
echo "resilience:"
ready_is() { [ "$(status_of "$tmp/ready" "$api/api/ready")" = "$1" ]; }
compose stop db >/dev/null 2>&1
check "db stopped: /api/ready -> 503" wait_until 30 ready_is 503
code="$(status_of "$tmp/api" -D "$tmp/headers" "$api/api/activities/home")"
check "db stopped: /api/activities/home -> $code, JSON" \
    eval '[ "$code" = 503 ] && grep -qi "^content-type: application/json" "$tmp/headers" && head -c 1 "$tmp/api" | grep -q "[{[]"'
check "db stopped: backend and frontend stay up (liveness)" \
    eval '[ "$(health backend)" = healthy ] && [ "$(status_of "$tmp/api" "$site/healthz")" = 200 ]'
t0="$(now)"
if wait_until 60 alert_is CruddurDatabaseNotReady firing; then
    pass "db stopped: CruddurDatabaseNotReady firing in prometheus after $(since "$t0")s"
else fail "db stopped: CruddurDatabaseNotReady $(alert_state CruddurDatabaseNotReady), not firing"; fi
t0="$(now)"
compose start db >/dev/null 2>&1
if wait_until 90 ready_is 200; then pass "db back: /api/ready -> 200 after $(since "$t0")s, no restart of the backend"
else fail "db back: /api/ready still $(status_of "$tmp/ready" "$api/api/ready") after 90s"; fi
check "db back: backend container never restarted" [ "$(docker inspect -f '{{.RestartCount}}' "$(cid backend)")" = 0 ]
check "db back: CruddurDatabaseNotReady cleared in prometheus" wait_until 60 alert_is CruddurDatabaseNotReady inactive
check "db back: the crud is served again" \
    eval '[ "$(browse "$tmp/ada$stamp.jar" /)" = 200 ] && page_has "$crud"'

# --- down, up: the volumes keep the data ---------------------------------------------------------
compose down --timeout 20 >/dev/null 2>&1
if again_secs="$(up_and_wait)"; then pass "down, up: healthy again after ${again_secs}s"
else again_secs="n/a"; fail "down, up: not healthy: $(health_report)"; fi
check "down, up: the crud is still there" \
    eval '[ "$(status_of "$tmp/api" "$api/api/activities/@ada$stamp")" = 200 ] && grep -qF "$crud" "$tmp/api"'
check "down, up: still signed in (token secret kept in its volume)" \
    eval '[ "$(browse "$tmp/bob$stamp.jar" "/messages/@ada$stamp")" = 200 ] && page_has "Sign out"'
# DynamoDB Local keeps its tables in the dynamodb-data volume (-dbPath). The local stand-in
# (moto) keeps them in memory, as its image's label says: there the message cannot outlive
# the container, and what is checked instead is that the backend makes the table again and
# messages work.
if [ "$(docker image inspect -f '{{index .Config.Labels "org.cruddur.dynamodb.tables"}}' "$DYNAMODB_IMAGE")" = in-memory ]; then
    again="Still there? $stamp"
    check "down, up: $DYNAMODB_IMAGE keeps tables in memory; a message sent after up is read" \
        eval '[ "$(browse "$tmp/ada$stamp.jar" "/messages/@bob$stamp")" = 200 ] &&
              [ "$(submit "$tmp/ada$stamp.jar" "/messages/@bob$stamp" "message=$again")" = 303 ] &&
              [ "$(browse "$tmp/bob$stamp.jar" "/messages/@ada$stamp")" = 200 ] && page_has "$again"'
else
    check "down, up: the direct message is still there" page_has "$message"
fi

# --- incremental rebuild after a one-line change (in a copy: the checkout is left alone) --------
rebuild_figure="not measured (SKIP_REBUILD=1)"
if [ "${SKIP_REBUILD:-0}" != 1 ]; then
    echo "rebuild:"
    context="$tmp/context"
    mkdir -p "$context"
    tar -c --exclude='crates/*/target' .dockerignore Cargo.toml Cargo.lock docker crates | tar -x -C "$context"
    echo "// rebuild probe $stamp" >>"$context/crates/$REBUILD_SERVICE/src/main.rs"
    probe_image="cruddur-rebuild-probe:$$"
    t0="$(now)"
    if buildkit --progress=plain --build-arg RUST_IMAGE="$RUST_IMAGE" -f "$context/docker/$REBUILD_SERVICE.Dockerfile" \
            -t "$probe_image" "$context" >"$tmp/rebuild.log" 2>&1; then
        rebuild_figure="$(since "$t0")s"
        pass "$REBUILD_SERVICE image rebuilt after a one-line change in $rebuild_figure"
    else
        rebuild_figure="n/a"
        tail -n 30 "$tmp/rebuild.log" >&2
        fail "$REBUILD_SERVICE rebuild"
    fi
fi

echo
echo "figures: ${sizes}all healthy ${healthy_secs}s after up (again after down/up: ${again_secs}s);" \
     "incremental $REBUILD_SERVICE rebuild $rebuild_figure"
summary
