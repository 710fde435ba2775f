#!/usr/bin/env bash
# A private image registry on this machine: Debian's docker-registry (distribution 2.8) on
# 127.0.0.1 only, over TLS with a certificate from a CA made here, behind htpasswd
# authentication with a random password. Both clients are set up for it: the Docker engine
# (CA in /etc/docker/certs.d, `docker login`) and skopeo/podman (CA in /etc/containers/certs.d,
# an auth file).
#
#   export $(scripts/supply-chain/start-registry.sh)      # start; prints NAME=value lines
#   scripts/supply-chain/start-registry.sh stop STATE_DIR  # stop it and remove what start made
#
# Prints REGISTRY (127.0.0.1:PORT), REGISTRY_AUTH_FILE (skopeo's auth file; skopeo and podman
# also read this variable), REGISTRY_CA, REGISTRY_STATE_DIR (certificates, password, config,
# storage, log) and REGISTRY_PID. Everything but the two certs.d entries and the engine's login
# lives in the state folder; `stop` removes all three with it, and the images the engine pulled
# from the registry.
#
# Env: REGISTRY_STATE_DIR (default a new /tmp/cruddur-registry.XXXXXX), REGISTRY_PORT (default
#      a free port), REGISTRY_USER (default cruddur-ci), REGISTRY_CERT_DAYS (default 30),
#      REGISTRY_WAIT_SECS (default 30), SKIP_INSTALL=1 (the packages are there).
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=registry
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh

# The certs.d folder of each client, for one registry address.
engine_certs() { echo "/etc/docker/certs.d/$1"; }
containers_certs() { echo "/etc/containers/certs.d/$1"; }

exited() { ! kill -0 "$1" 2>/dev/null; }
stop_registry() {
    local state="$1" address pid
    [ -f "$state/address" ] || { log "$state holds no registry"; exit 1; }
    address="$(cat "$state/address")"
    pid="$(cat "$state/registry.pid" 2>/dev/null || true)"
    # Only the process this state started: its command line names this state's config.
    if [ -n "$pid" ] && grep -qF "$state/config.yml" "/proc/$pid/cmdline" 2>/dev/null; then
        kill "$pid"
        wait_until 10 exited "$pid" || kill -9 "$pid" 2>/dev/null || true
    fi
    # What the engine pulled from it (references only: an image also tagged otherwise stays).
    docker images --digests --format '{{.Repository}}@{{.Digest}}' | grep "^$address/" | xargs -r docker rmi >/dev/null 2>&1 || true
    docker logout "$address" >/dev/null 2>&1 || true
    $SUDO rm -rf "$(engine_certs "$address")" "$(containers_certs "$address")"
    rm -rf "$state"
    log "stopped the registry on $address and removed $state"
}

if [ "${1:-start}" = stop ]; then
    stop_registry "${2:?usage: $0 stop STATE_DIR}"
    exit 0
fi

# --- packages ------------------------------------------------------------------------------------
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
    missing=()
    for tool in docker-registry:docker-registry htpasswd:apache2-utils skopeo:skopeo gpg:gnupg openssl:openssl; do
        command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing ${missing[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

state="${REGISTRY_STATE_DIR:-$(mktemp -d /tmp/cruddur-registry.XXXXXX)}"
mkdir -p "$state/storage"
chmod 0700 "$state"
port="${REGISTRY_PORT:-$(free_port)}"
address="127.0.0.1:$port"
user="${REGISTRY_USER:-cruddur-ci}"
echo "$address" >"$state/address"
# A start that fails half-way leaves nothing behind.
undo_on_failure() {
    local status=$?
    [ "$status" -eq 0 ] || stop_registry "$state" >&2
}
trap undo_on_failure EXIT

# --- a CA, and a server certificate for the loopback address ------------------------------------
# Short-lived, P-256: the CA signs this one certificate and exists only in the state folder.
(
    cd "$state"
    days="${REGISTRY_CERT_DAYS:-30}"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$days" \
        -subj "/CN=Cruddur registry CA ($address)" -keyout ca.key -out ca.crt \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj "/CN=127.0.0.1" -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
        -extfile server.ext -out server.crt 2>/dev/null
    rm -f server.csr server.ext ca.srl
    chmod 0600 ca.key server.key
)

# --- a user with a random password (bcrypt, the only hash distribution accepts) ------------------
umask 077
openssl rand -hex 24 >"$state/password"
htpasswd -Bic "$state/htpasswd" "$user" <"$state/password" 2>/dev/null

# --- the registry's own config: loopback, TLS 1.2+, htpasswd, storage in the state folder -------
cat >"$state/config.yml" <<EOF
version: 0.1
log:
  level: info
  fields:
    service: cruddur-registry
storage:
  filesystem:
    rootdirectory: $state/storage
http:
  addr: $address
  secret: $(openssl rand -hex 32)
  tls:
    certificate: $state/server.crt
    key: $state/server.key
    minimumtls: tls1.2
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: cruddur-registry
    path: $state/htpasswd
EOF
umask 022

log "starting docker-registry on https://$address (state: $state)"
# setsid: the registry outlives this script and its caller's process group; `stop` ends it.
setsid docker-registry serve "$state/config.yml" >"$state/registry.log" 2>&1 </dev/null &
echo $! >"$state/registry.pid"

# --- clients: the engine and skopeo/podman trust the CA -----------------------------------------
for dir in "$(engine_certs "$address")" "$(containers_certs "$address")"; do
    $SUDO mkdir -p "$dir"
    $SUDO cp "$state/ca.crt" "$dir/ca.crt"
done

# /v2/ answers 401 without credentials and 200 with them, over TLS checked against the CA.
v2_status() {
    curl -sS -o /dev/null -w '%{http_code}' --cacert "$state/ca.crt" "$@" "https://$address/v2/" 2>/dev/null || true
}
ready() {
    [ "$(v2_status)" = 401 ] &&
        [ "$(printf 'user = "%s:%s"\n' "$user" "$(cat "$state/password")" | v2_status -K -)" = 200 ]
}
if ! wait_until "${REGISTRY_WAIT_SECS:-30}" ready; then
    log "the registry did not answer on https://$address/v2/; its log:"
    tail -n 20 "$state/registry.log" >&2
    exit 1
fi

docker login --username "$user" --password-stdin "$address" <"$state/password" >/dev/null 2>&1
skopeo login --authfile "$state/auth.json" --username "$user" --password-stdin "$address" \
    <"$state/password" >/dev/null
log "ready: https://$address, user $user (docker and skopeo logged in)"

echo "REGISTRY=$address"
echo "REGISTRY_AUTH_FILE=$state/auth.json"
echo "REGISTRY_CA=$state/ca.crt"
echo "REGISTRY_STATE_DIR=$state"
echo "REGISTRY_PID=$(cat "$state/registry.pid")"
