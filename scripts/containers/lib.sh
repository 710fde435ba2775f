# Shared by the container scripts (sourced, not run): logging, pass/fail bookkeeping, timing,
# and the Docker client that builds with BuildKit.
#
#   LOG_TAG=my-script; . "$(dirname "$0")/lib.sh"

log() { printf '[%s] %s\n' "${LOG_TAG:-containers}" "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

require_docker() {
    docker info >/dev/null 2>&1 || { log "no Docker engine; run scripts/containers/setup-docker.sh"; exit 1; }
}
# Starts the engine unless SKIP_SETUP=1 says it runs already, then requires it.
start_docker() {
    [ "${SKIP_SETUP:-0}" = 1 ] || scripts/containers/setup-docker.sh
    require_docker
}
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# use_standins NAME...: for each stand-in named (rust, postgres, dynamodb, haproxy, openbao),
# exports its variable (RUST_IMAGE, ...) as given, or else as the local stand-in, built when
# missing (scripts/offline-standins/: only where no registry serves the upstream image).
use_standins() {
    local wanted=() name value variable
    for name in "$@"; do
        variable="${name^^}_IMAGE"
        [ -n "${!variable:-}" ] || wanted+=("$name")
    done
    if [ "${#wanted[@]}" -gt 0 ]; then
        while IFS='=' read -r variable value; do export "$variable=$value"; done \
            < <(scripts/offline-standins/build.sh "${wanted[@]}")
    fi
    for name in "$@"; do
        variable="${name^^}_IMAGE"
        export "${variable?}"
    done
}

# Debian's client builds with BuildKit (cache mounts) under DOCKER_BUILDKIT=1 without the buildx
# plugin; the preinstalled client would fall back to the legacy builder.
DOCKER_BUILD_CLI="${DOCKER_BUILD_CLI:-/usr/bin/docker}"
[ -x "$DOCKER_BUILD_CLI" ] || DOCKER_BUILD_CLI=docker
buildkit() { DOCKER_BUILDKIT=1 "$DOCKER_BUILD_CLI" build "$@"; }

# Checks: each prints one line; `summary` prints the closing tally and fails when any check did.
passed=0
failed=0
pass() { printf '  ok    %s\n' "$*"; passed=$((passed + 1)); }
fail() { printf '  FAIL  %s\n' "$*"; failed=$((failed + 1)); }
# na WHAT: a check that cannot hold here, and why; counted neither way.
na() { printf '  n/a   %s\n' "$*"; }
# check DESCRIPTION COMMAND...: pass when the command succeeds.
check() {
    local what="$1"; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
# check_quiet DESCRIPTION COMMAND...: a check whose output (its last 60 lines) is shown only
# when it fails.
check_quiet() {
    local what="$1" out; shift
    out="$(mktemp)"
    if "$@" >"$out" 2>&1; then pass "$what"
    else
        fail "$what"
        sed 's/^/        /' "$out" | tail -n 60
    fi
    rm -f "$out"
}
summary() {
    echo "containers: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

now() { date +%s.%N; }

# A TCP port free on 127.0.0.1 now (the kernel's pick), for a service a test starts.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_until SECONDS COMMAND...: polls COMMAND every half second; false when time runs out.
wait_until() {
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

# Seconds since a `now` reading, one decimal.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
mb() { awk -v s="$1" 'BEGIN { printf "%.1f", s / 1e6 }'; }

# A compose stack's services, for scripts that define `compose` (their project and files) and
# list SERVICES.
cid() { compose ps -a -q "$1"; }
health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$(cid "$1")" 2>/dev/null; }
health_report() {
    local service
    for service in "${SERVICES[@]}"; do printf '%s=%s ' "$service" "$(health "$service" || echo missing)"; done
}
networks_of() { docker inspect -f '{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}' "$(cid "$1")"; }
# status_of OUT CURL-ARGS...: the HTTP status (000: no answer within 10 s), the body in OUT.
status_of() { local out="$1"; shift; curl -sS -m 10 -o "$out" -w '%{http_code}' "$@" || echo 000; }
