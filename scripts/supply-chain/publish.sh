#!/usr/bin/env bash
# Publishes both images to the private registry, signed: each goes to REGISTRY/cruddur-<service>
# tagged with its version and with sha-<commit>, each tag signed by the pipeline's GPG key as
# skopeo pushes it (the signatures go to a lookaside store named in a registries.d file written
# here). Then it pulls both back into the engine by digest and prints the references to run:
#
#   export $(scripts/supply-chain/start-registry.sh)
#   SIGNING_KEY=FINGERPRINT scripts/supply-chain/publish.sh
#   BACKEND_IMAGE=127.0.0.1:PORT/cruddur-backend@sha256:…
#   BACKEND_TAGS=0.1.0,sha-1234abc
#   FRONTEND_IMAGE=127.0.0.1:PORT/cruddur-frontend@sha256:…
#   FRONTEND_TAGS=…
#   REGISTRIES_D=…  (skopeo/podman --registries.d: where the signatures are)
#
# The version is the image's org.opencontainers.image.version label (the Dockerfiles set it);
# the commit its org.opencontainers.image.revision label when that is a commit, else this
# checkout's HEAD.
#
# Env: REGISTRY, REGISTRY_AUTH_FILE (required; start-registry.sh prints them),
#      SIGNING_KEY (required: fingerprint of a secret key in GNUPGHOME's keyring),
#      SIGNING_PASSPHRASE_FILE (the key's passphrase, when it has one),
#      REGISTRY_STATE_DIR (default home of the next two), SIGNATURE_STORE (default
#      $REGISTRY_STATE_DIR/signatures), REGISTRIES_D (default $REGISTRY_STATE_DIR/registries.d),
#      BACKEND_SOURCE / FRONTEND_SOURCE (default cruddur/{backend,frontend}:local).
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=publish
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh

: "${REGISTRY:?set REGISTRY (start-registry.sh prints it)}"
: "${REGISTRY_AUTH_FILE:?set REGISTRY_AUTH_FILE (start-registry.sh prints it)}"
: "${SIGNING_KEY:?set SIGNING_KEY to the fingerprint of the signing key}"
SIGNATURE_STORE="${SIGNATURE_STORE:-${REGISTRY_STATE_DIR:?set REGISTRY_STATE_DIR or SIGNATURE_STORE}/signatures}"
REGISTRIES_D="${REGISTRIES_D:-${REGISTRY_STATE_DIR:?set REGISTRY_STATE_DIR or REGISTRIES_D}/registries.d}"
BACKEND_SOURCE="${BACKEND_SOURCE:-cruddur/backend:local}"
FRONTEND_SOURCE="${FRONTEND_SOURCE:-cruddur/frontend:local}"
require_docker

# Signatures of this registry's images are written to, and read from, the lookaside store.
mkdir -p "$SIGNATURE_STORE" "$REGISTRIES_D"
cat >"$REGISTRIES_D/cruddur-registry.yaml" <<EOF
docker:
  $REGISTRY:
    lookaside: file://$SIGNATURE_STORE
EOF

sign_args=(--sign-by "$SIGNING_KEY")
[ -z "${SIGNING_PASSPHRASE_FILE:-}" ] || sign_args+=(--sign-passphrase-file "$SIGNING_PASSPHRASE_FILE")
skopeo_copy() { skopeo --registries.d "$REGISTRIES_D" copy --quiet --authfile "$REGISTRY_AUTH_FILE" "$@"; }

label() { docker image inspect -f "{{index .Config.Labels \"org.opencontainers.image.$2\"}}" "$1"; }

# publish SOURCE NAME: pushes and signs both tags, pulls back by digest, prints the reference.
publish() {
    local source="$1" name="$2" service="${2#cruddur-}" version revision repository digest
    image_exists "$source" || { log "no image $source (build it first)"; return 1; }
    version="$(label "$source" version)"
    [ -n "$version" ] || { log "$source has no version label"; return 1; }
    revision="$(label "$source" revision)"
    [[ "$revision" =~ ^[0-9a-f]{7,40}$ ]] || revision="$(git rev-parse HEAD)"
    repository="$REGISTRY/$name"

    log "pushing $source as $repository:$version, signed by $SIGNING_KEY"
    skopeo_copy "${sign_args[@]}" --digestfile "$tmp/digest" \
        "docker-daemon:$source" "docker://$repository:$version"
    digest="$(cat "$tmp/digest")"
    # The same manifest (so the same digest) under the commit's tag; a signature names one
    # reference, so this tag gets its own.
    log "tagging $repository@$digest as sha-${revision::7}, signed"
    skopeo_copy "${sign_args[@]}" "docker://$repository@$digest" "docker://$repository:sha-${revision::7}"
    docker pull --quiet "$repository@$digest" >/dev/null
    echo "${service^^}_IMAGE=$repository@$digest"
    echo "${service^^}_TAGS=$version,sha-${revision::7}"
}

tmp="$(mktemp -d /tmp/cruddur-publish.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
publish "$BACKEND_SOURCE" cruddur-backend
publish "$FRONTEND_SOURCE" cruddur-frontend
echo "REGISTRIES_D=$REGISTRIES_D"
