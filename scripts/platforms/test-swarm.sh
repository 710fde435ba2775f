#!/usr/bin/env bash
# Tier 3: the Swarm stack (deploy/swarm/stack.yaml) under load, on a single-node swarm made for
# the test and left afterwards: 6 backend replicas migrating an empty database at once, rolling
# updates of backend and frontend, an unhealthy image rolled back by Swarm, scaling 3 -> 6 -> 2,
# and a killed task, each counting failed requests and lost writes; and both services' metrics
# answered on the internal network but published nowhere, their logs JSON
# (scripts/platforms/swarm/).
#
#   scripts/platforms/test-swarm.sh
#
# Env: SKIP_SETUP=1 (Docker is running), SKIP_BUILD=1 (the images exist), and the image
# variables of compose.yaml plus HAPROXY_IMAGE (default: the local stand-ins, built if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=test-swarm
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh

start_docker
use_standins rust postgres dynamodb haproxy
export BACKEND_IMAGE="${BACKEND_IMAGE:-cruddur/backend:local}"
export FRONTEND_IMAGE="${FRONTEND_IMAGE:-cruddur/frontend:local}"

# The images compose.yaml builds are the ones the stack runs.
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building $BACKEND_IMAGE and $FRONTEND_IMAGE"
    docker compose -f compose.yaml build backend frontend >&2
fi

PYTHONDONTWRITEBYTECODE=1 exec python3 scripts/platforms/swarm
