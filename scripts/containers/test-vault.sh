#!/usr/bin/env bash
# Tier 3: the stack with its secrets served by OpenBao (compose.yaml + compose.vault.yaml), and
# a PostgreSQL password rotated under load without restarting the backend.
#
#   scripts/containers/test-vault.sh
#
# Brings the stack up under a unique project on random 127.0.0.1 ports (OpenBao's stand-in
# built when missing), then checks: every service healthy and the one-shot init done; the
# backend serving the API with the database URL and token secret the agent rendered (and no
# other secrets mounted); the rendered files on a tmpfs, mode 0400, in a 0700 folder of the
# backend's user; no secret in `docker inspect`, `compose config` or an environment variable.
# Then, with a loop of API requests (a crud written, a feed read) running throughout, it
# rotates the database password: ALTER ROLE in PostgreSQL, then (the window held open past the
# connections' lifetime) the new URL into OpenBao, rendered by the agent and picked up by the
# backend. It shows that the requests refused in the window answered 503, that none failed
# after it, that the old password no longer logs in, that every connection of the backend was
# opened after the rotation (DATABASE_CONNECTION_LIFETIME_SECS is short here), and that the
# backend never restarted. Last, `down` and `up` again: the server is unsealed from its volume
# and the rotated password is still the one in use.
#
# Every check prints an ok/FAIL line; the last line is `containers: N passed, M failed`.
# Everything started here (the project's containers, networks and volumes, the load loop) is
# removed on exit, failed or not.
#
# Env: SKIP_SETUP=1 (Docker is running), BACKEND_IMAGE / FRONTEND_IMAGE (default
#      cruddur/{backend,frontend}:local, as test-compose.sh builds them), OPENBAO_IMAGE /
#      POSTGRES_IMAGE / DYNAMODB_IMAGE (default: the local stand-ins, built if missing),
#      HEALTHY_TIMEOUT_SECS (default 240), DATABASE_CONNECTION_LIFETIME_SECS (default 8).
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=test-vault
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh

HEALTHY_TIMEOUT_SECS="${HEALTHY_TIMEOUT_SECS:-240}"
export DATABASE_CONNECTION_LIFETIME_SECS="${DATABASE_CONNECTION_LIFETIME_SECS:-8}"
export BACKEND_IMAGE="${BACKEND_IMAGE:-cruddur/backend:local}"
export FRONTEND_IMAGE="${FRONTEND_IMAGE:-cruddur/frontend:local}"
SERVICES=(db dynamodb-local vault vault-agent backend frontend)

start_docker
use_standins postgres dynamodb openbao
log "images: OPENBAO_IMAGE=$OPENBAO_IMAGE POSTGRES_IMAGE=$POSTGRES_IMAGE BACKEND_IMAGE=$BACKEND_IMAGE"
export FRONTEND_PORT BACKEND_PORT
FRONTEND_PORT="$(free_port)"
BACKEND_PORT="$(free_port)"
api="http://127.0.0.1:$BACKEND_PORT"

project="cruddur-vault-$$"
tmp="$(mktemp -d /tmp/cruddur-vault-test.XXXXXX)"
compose() { docker compose -p "$project" -f compose.yaml -f compose.vault.yaml "$@"; }
load_pid=""
cleanup() {
    local status=$?
    [ -z "$load_pid" ] || kill "$load_pid" 2>/dev/null || true
    if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ]; then
        compose logs --no-color --tail 20 >"$tmp/logs" 2>&1 && tail -n 80 "$tmp/logs" >&2 || true
    fi
    log "removing project $project (containers, networks, volumes)"
    compose down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# up_and_wait: `up --wait`, then the seconds it took.
up_and_wait() {
    local t0; t0="$(now)"
    compose up -d --quiet-pull --wait --wait-timeout "$HEALTHY_TIMEOUT_SECS" >"$tmp/up.log" 2>&1 \
        || { tail -n 20 "$tmp/up.log" >&2; return 1; }
    since "$t0"
}
json_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }

# The agent's files, read in its container (the backend image has no shell or cat).
rendered() { compose exec -T vault-agent cat "/run/vault/$1"; }
# `bao` against the server, as root (the token from the init volume; tests only).
bao() { compose exec -T -e BAO_ADDR=http://127.0.0.1:8200 -e "BAO_TOKEN=$root_token" vault bao "$@"; }
# psql in the database container as the cruddur user, over its socket (trusted there).
psql_local() { compose exec -T db psql -v ON_ERROR_STOP=1 -qAt -U cruddur -d cruddur "$@"; }
# `logs_in PASSWORD`: whether that password logs in as the backend does, over the data network
# (from a throwaway container: inside db, loopback is trusted without a password).
logs_in() {
    docker run --rm --network "${project}_data" -e "PGPASSWORD=$1" --entrypoint psql "$POSTGRES_IMAGE" \
        -qAt -h db -U cruddur -d cruddur -c 'SELECT 1' >/dev/null 2>&1
}

# --- up ------------------------------------------------------------------------------------------
log "docker compose -p $project -f compose.yaml -f compose.vault.yaml up (backend 127.0.0.1:$BACKEND_PORT)"
echo "stack:"
if healthy_secs="$(up_and_wait)"; then
    pass "all services healthy ${healthy_secs}s after up ($(health_report))"
else
    fail "not all healthy within ${HEALTHY_TIMEOUT_SECS}s: $(health_report)"
    summary || exit 1
fi
check "vault-init (init, unseal, secrets, agent token) exited 0" \
    [ "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$(cid vault-init)")" = "exited 0" ]
# The hardening test-compose.sh checks on the other services, in one line.
hardening_of() {
    local id; id="$(cid "$1")"
    printf '%s ' "$(ps -o uid= -p "$(docker inspect -f '{{.State.Pid}}' "$id")" | tr -d ' ')"
    docker inspect -f '{{.HostConfig.ReadonlyRootfs}} {{json .HostConfig.CapDrop}} {{json .HostConfig.CapAdd}} {{json .HostConfig.SecurityOpt}} {{if and .HostConfig.Memory .HostConfig.NanoCpus}}limits{{end}}' "$id"
}
check "vault: uid 100, read-only root, cap_drop ALL and none added, no-new-privileges, limits" \
    [ "$(hardening_of vault)" = '100 true ["ALL"] null ["no-new-privileges:true"] limits' ]
check "vault-agent: uid 65532, read-only root, cap_drop ALL and none added, no-new-privileges, limits" \
    [ "$(hardening_of vault-agent)" = '65532 true ["ALL"] null ["no-new-privileges:true"] limits' ]
check "vault publishes no port, and is on the internal vault network only" \
    [ "$(docker port "$(cid vault)")|$(networks_of vault)|$(docker network inspect -f '{{.Internal}}' "${project}_vault")" = "|${project}_vault |true" ]
check "backend is not on the vault network" eval '! networks_of backend | grep -q "_vault "'

# --- the backend on the agent's secrets ----------------------------------------------------------
echo "secrets from the agent:"
backend_id="$(cid backend)"
backend_started="$(docker inspect -f '{{.State.StartedAt}}' "$backend_id")"
backend_pid="$(docker inspect -f '{{.State.Pid}}' "$backend_id")"
check "backend reads DATABASE_URL_FILE and JWT_SECRET_FILE from /run/vault" \
    eval 'docker inspect -f "{{join .Config.Env \"\n\"}}" "$backend_id" | grep -qx "DATABASE_URL_FILE=/run/vault/database_url" &&
          docker inspect -f "{{join .Config.Env \"\n\"}}" "$backend_id" | grep -qx "JWT_SECRET_FILE=/run/vault/jwt_secret"'
check "backend mounts only the rendered secrets and the frontend key" \
    [ "$(docker inspect -f '{{range .Mounts}}{{.Name}}:{{.Destination}}:{{.RW}} {{end}}' "$backend_id" | tr ' ' '\n' | sort | tr '\n' ' ')" \
      = " ${project}_frontend-key:/run/frontend-key:false ${project}_vault-rendered:/run/vault:false " ]
check "backend's /run/vault is a tmpfs" [ "$($SUDO awk '$2 == "/run/vault" { print $3 }' "/proc/$backend_pid/mounts")" = tmpfs ]
check "rendered folder 0700 and files 0400, all the backend user's (65532)" \
    [ "$(compose exec -T vault-agent stat -c '%a %u:%g' /run/vault /run/vault/database_url /run/vault/jwt_secret | tr '\n' ' ')" \
      = "700 65532:65532 400 65532:65532 400 65532:65532 " ]
root_token="$(docker run --rm --network none --user 0:0 -v "${project}_vault-keys:/keys:ro" --entrypoint cat "$OPENBAO_IMAGE" /keys/root_token)"
old_url="$(rendered database_url)"
jwt_secret="$(rendered jwt_secret)"
old_password="$(printf '%s' "$old_url" | sed -E 's#^postgres://[^:]+:([^@]+)@.*#\1#')"
check "the rendered files are OpenBao's secret/cruddur/backend" \
    [ "$(bao kv get -mount=secret -field=database_url cruddur/backend)$(bao kv get -mount=secret -field=jwt_secret cruddur/backend)" = "$old_url$jwt_secret" ]
check "secrets generated (database password ${#old_password}, token secret ${#jwt_secret} characters)" \
    [ "$(( ${#old_password} >= 32 && ${#jwt_secret} >= 32 ))" = 1 ]

handle="vault$$"
check "API: sign up -> 201 (a token signed with the agent's secret)" \
    [ "$(status_of "$tmp/session" -H 'content-type: application/json' \
        -d "{\"display_name\":\"Vault\",\"handle\":\"$handle\",\"email\":\"$handle@example.com\",\"password\":\"correct horse battery\"}" \
        "$api/api/auth/sign_up")" = 201 ]
token="$(json_field "$tmp/session" token 2>/dev/null || true)"
check "API: post a crud with that token -> 200" \
    [ "$(status_of "$tmp/crud" -H "authorization: Bearer $token" -H 'content-type: application/json' \
        -d '{"message":"Crudding on secrets from OpenBao","ttl":"1-day"}' "$api/api/activities")" = 200 ]
crud_uuid="$(json_field "$tmp/crud" uuid 2>/dev/null || true)"
crud_served() {
    [ "$(status_of "$tmp/read" "$api/api/activities/$crud_uuid")" = 200 ] && grep -qF "secrets from OpenBao" "$tmp/read"
}
check "API: the crud is read back" crud_served

for service in prepare vault-init "${SERVICES[@]}"; do docker inspect "$(cid "$service")"; done >"$tmp/inspect"
compose config >"$tmp/config" 2>&1
secret_in() { grep -qF -e "$old_password" -e "$jwt_secret" "$1"; }
check "no secret in docker inspect of any container (environment included)" eval '! secret_in "$tmp/inspect"'
check "no secret in docker compose config" eval '! secret_in "$tmp/config"'
check "no secret in the backend process's environment" \
    eval '$SUDO cat "/proc/$backend_pid/environ" | tr "\0" "\n" >"$tmp/environ" && [ -s "$tmp/environ" ] && ! secret_in "$tmp/environ"'

# --- rotation under load -------------------------------------------------------------------------
echo "rotation:"
# One line per request: the time it was answered and its status. Writes and reads alternate.
load() {
    local i=0 code
    while [ ! -e "$tmp/stop" ]; do
        i=$((i + 1))
        code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "authorization: Bearer $token" \
            -H 'content-type: application/json' -d "{\"message\":\"load $i\",\"ttl\":\"1-day\"}" "$api/api/activities" || echo 000)"
        echo "$(date +%s.%N) $code" >>"$tmp/load"
        code="$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$api/api/activities/@$handle" || echo 000)"
        echo "$(date +%s.%N) $code" >>"$tmp/load"
    done
}
load &
load_pid=$!
sleep 2

new_password="$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 40 || true)"
new_url="${old_url/:$old_password@/:$new_password@}"
rotated="$(now)"
# Both secrets go through stdin: on no command line.
alter_role() { printf "ALTER ROLE cruddur PASSWORD '%s';\n" "$new_password" | psql_local >/dev/null; }
write_url() { printf '%s' "$new_url" | bao kv patch -mount=secret cruddur/backend database_url=- >/dev/null; }
check "ALTER ROLE cruddur with a new password (in the database)" alter_role
# The window held open past the connections' lifetime: the pool then has to log in with the old
# password, and is refused. So the window has failures, and "none after it" means something.
sleep $((DATABASE_CONNECTION_LIFETIME_SECS + 2))
check "the new URL written to OpenBao (kv patch)" write_url
written="$(now)"
rendered_is_new() { [ "$(rendered database_url)" = "$new_url" ]; }
if wait_until 30 rendered_is_new; then pass "the agent rendered the new URL $(since "$written")s after it was written"
else fail "the agent did not render the new URL within 30s"; fi
picked_up() { compose logs --no-color backend 2>&1 | grep -q "new database connections use the new URL"; }
if wait_until 30 picked_up; then
    window_end="$(now)"
    pass "the backend uses the new URL for new connections $(since "$written")s after it was written (no restart)"
else
    window_end="$(now)"
    fail "the backend did not pick up the new URL within 30s"
fi
check "the old password no longer logs in" eval '! logs_in "$old_password"'
check "the new password logs in" logs_in "$new_password"

# Connections of the backend (the only TCP client) opened before the rotation, with the old
# password, and after it.
backend_connections() {
    psql_local -c "SELECT count(*) FILTER (WHERE backend_start < to_timestamp($rotated)) || ' ' ||
                          count(*) FILTER (WHERE backend_start >= to_timestamp($rotated))
                   FROM pg_stat_activity
                   WHERE backend_type = 'client backend' AND client_addr IS NOT NULL"
}
before_after="$(backend_connections)"
log "backend connections before/after the rotation, just after it: $before_after"
all_new() { before_after="$(backend_connections)"; [ "${before_after%% *}" = 0 ] && [ "${before_after##* }" -gt 0 ]; }
t0="$(now)"
if wait_until $((DATABASE_CONNECTION_LIFETIME_SECS + 30)) all_new; then
    recycled="$(now)"
    pass "every backend connection opened after the rotation, with the new password ($(since "$t0")s later; ${before_after##* } open)"
else
    recycled="$(now)"
    fail "backend connections opened before/after the rotation: $before_after"
fi
sleep 3
touch "$tmp/stop"
wait "$load_pid" || true
load_pid=""

awk -v rotated="$rotated" -v window_end="$window_end" -v recycled="$recycled" '
    { total++; bad = ($2 != 200); failed += bad; not_503 += (bad && $2 != 503) }
    $1 >= rotated && $1 < window_end { inside++; failed_inside += bad }
    $1 >= window_end { after++; failed_after += bad }
    $1 >= recycled { on_new++; failed_on_new += bad }
    END { printf "%d %d %d %d %d %d %d %d %d\n", total, failed, not_503, inside, failed_inside, after, failed_after, on_new, failed_on_new }
' "$tmp/load" >"$tmp/counts"
read -r total failed_total not_503 inside failed_inside after failed_after on_new failed_on_new <"$tmp/counts"
log "requests: $total in all, $failed_total failed; in the rotation window $inside ($failed_inside failed); after it $after ($failed_after failed)"
check "requests throughout: $total answered" [ "$total" -gt 20 ]
# In the window, a connection opened with the old password is refused: a 503 to retry.
check "in the rotation window $failed_inside of $inside requests refused, all with a 503 ($not_503 otherwise)" \
    [ "$failed_inside" -gt 0 -a "$not_503" = 0 ]
check "no failed request after the rotation window ($after requests)" [ "$after" -gt 0 -a "$failed_after" = 0 ]
check "no failed request once every connection was new ($on_new requests)" [ "$on_new" -gt 0 -a "$failed_on_new" = 0 ]
check "backend never restarted (same container, same start, 0 restarts)" \
    [ "$(docker inspect -f '{{.Id}} {{.State.StartedAt}} {{.RestartCount}}' "$backend_id")" = "$backend_id $backend_started 0" ]
docker inspect "$(cid backend)" "$(cid vault-agent)" "$(cid vault)" >"$tmp/inspect"
check "no new password in docker inspect" eval '! grep -qF "$new_password" "$tmp/inspect"'

# --- down, up: unsealed from the volume, the rotated secret kept ---------------------------------
echo "restart:"
compose down --timeout 20 >/dev/null 2>&1
if again_secs="$(up_and_wait)"; then pass "down, up: healthy again after ${again_secs}s (the server unsealed by vault-init)"
else again_secs="n/a"; fail "down, up: not healthy: $(health_report)"; fi
check "down, up: the rotated URL is still the one rendered" rendered_is_new
check "down, up: the crud is served" crud_served
check "down, up: the token still signs in (token secret kept in OpenBao)" \
    [ "$(status_of "$tmp/me" -H "authorization: Bearer $token" "$api/api/me")" = 200 ]

echo
echo "figures: healthy ${healthy_secs}s after up (again ${again_secs}s); $total requests during the rotation, $failed_total failed"
summary
