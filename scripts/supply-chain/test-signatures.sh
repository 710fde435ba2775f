#!/usr/bin/env bash
# Tier 3: the private registry and the signatures a policy enforces, for real and offline.
#
#   scripts/supply-chain/test-signatures.sh
#
# Starts a registry (start-registry.sh), makes two throwaway GPG keys (the pipeline's and
# another), publishes both images signed by the pipeline's key (publish.sh), and writes a
# containers policy.json that rejects everything by default and, for this registry, requires a
# signature by the pipeline's key. Then it checks the registry (127.0.0.1 only, TLS only, 401
# without credentials; both tags on one digest; pull by digest) and plays an attacker with push
# access who replaces `cruddur-backend:<version>`: skopeo, under the policy, accepts the signed
# image and refuses an unsigned one, one signed by the other key, and the tag moved to the
# frontend's digest with the frontend's genuine signatures (they name another reference). A
# control check runs the last copy under an accept-anything policy, which lets it through: the
# refusals come from the policy.
#
# Every check prints an ok/FAIL line; the last line is `containers: N passed, M failed`, and the
# exit status is non-zero when any check failed. The registry (when started here), the keys,
# the policy, the copies and the pulled references are removed on exit, failed or not.
#
# Env: SKIP_SETUP=1 (Docker is running), REGISTRY + REGISTRY_AUTH_FILE + REGISTRY_STATE_DIR +
#      REGISTRY_CA (use that registry, as start-registry.sh prints them; the test moves its
#      cruddur-backend version tag), BACKEND_SOURCE / FRONTEND_SOURCE (default
#      cruddur/{backend,frontend}:local).
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=test-signatures
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh

export BACKEND_SOURCE="${BACKEND_SOURCE:-cruddur/backend:local}"
export FRONTEND_SOURCE="${FRONTEND_SOURCE:-cruddur/frontend:local}"
start_docker

tmp="$(mktemp -d /tmp/cruddur-signatures-test.XXXXXX)"
own_registry=""
cleanup() {
    GNUPGHOME="$tmp/gnupg" gpgconf --kill all 2>/dev/null || true
    [ -z "${BACKEND_IMAGE:-}" ] || docker rmi "$BACKEND_IMAGE" "$FRONTEND_IMAGE" >/dev/null 2>&1 || true
    [ -z "$own_registry" ] || scripts/supply-chain/start-registry.sh stop "$own_registry" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# export_lines: exports the NAME=value lines a script printed.
export_lines() { local name value; while IFS='=' read -r name value; do export "$name=$value"; done; }

if [ -z "${REGISTRY:-}" ]; then
    export_lines < <(scripts/supply-chain/start-registry.sh)
    own_registry="$REGISTRY_STATE_DIR"
fi
: "${REGISTRY_AUTH_FILE:?}" "${REGISTRY_STATE_DIR:?}" "${REGISTRY_CA:?}"

# --- keys: the pipeline's, and another one nobody trusts -----------------------------------------
export GNUPGHOME="$tmp/gnupg"
mkdir -m 0700 "$GNUPGHOME"
pipeline_key="$(scripts/supply-chain/throwaway-key.sh "Cruddur pipeline (test)")"
other_key="$(scripts/supply-chain/throwaway-key.sh "Someone else (test)")"
gpg --batch --export "$pipeline_key" >"$tmp/pipeline.gpg"
log "pipeline key $pipeline_key, other key $other_key"

# --- publish -------------------------------------------------------------------------------------
t0="$(now)"
SIGNING_KEY="$pipeline_key" scripts/supply-chain/publish.sh >"$tmp/published"
export_lines <"$tmp/published"
publish_secs="$(since "$t0")"
version="${BACKEND_TAGS%%,*}"
commit_tag="${BACKEND_TAGS#*,}"
backend="$REGISTRY/cruddur-backend"
frontend="$REGISTRY/cruddur-frontend"

# --- the policy: reject by default; this registry's images need the pipeline's signature -------
cat >"$tmp/policy.json" <<EOF
{
  "default": [{ "type": "reject" }],
  "transports": {
    "docker": {
      "$REGISTRY": [{ "type": "signedBy", "keyType": "GPGKeys", "keyPath": "$tmp/pipeline.gpg" }]
    }
  }
}
EOF
echo '{ "default": [{ "type": "insecureAcceptAnything" }] }' >"$tmp/accept-anything.json"

# verify POLICY IMAGE: what a host under POLICY does when it fetches the image (a
# transport:reference; skopeo copies it only if the policy accepts it); the error is left in
# $tmp/error. accepted and refused take a registry reference.
copies=0
verify() {
    copies=$((copies + 1))
    skopeo --policy "$1" --registries.d "$REGISTRIES_D" copy --quiet --authfile "$REGISTRY_AUTH_FILE" \
        "$2" "dir:$tmp/copy-$copies" 2>"$tmp/error" >/dev/null
}
accepted() { verify "$tmp/policy.json" "docker://$1"; }
# refused IMAGE WHY: refused under the policy, with an error that says WHY.
refused() { ! verify "$tmp/policy.json" "$1" && grep -qF -- "$2" "$tmp/error"; }
# attack SKOPEO_COPY_ARGS...: what someone with push access does; no policy guards a push.
attack() {
    skopeo --insecure-policy --registries.d "$REGISTRIES_D" copy --quiet --authfile "$REGISTRY_AUTH_FILE" "$@" >/dev/null
}
digest_of() { skopeo inspect --authfile "$REGISTRY_AUTH_FILE" --format '{{.Digest}}' "docker://$1"; }
# status URL CURL_ARGS...: the HTTP status of a request to the registry (000: no HTTP answer).
status() { local url="$1"; shift; curl -sS -o "$tmp/body" -w '%{http_code}' "$@" "$url" 2>/dev/null || true; }
# curl's exit status 60: the server's certificate could not be verified.
untrusted_without_ca() { local code=0; curl -s -o /dev/null "https://$REGISTRY/v2/" || code=$?; [ "$code" = 60 ]; }
plain_http_refused() { [ "$(status "http://$REGISTRY/v2/")" = 400 ] && grep -q "HTTPS server" "$tmp/body"; }
# tags_on_digest REFERENCE TAGS: each of the comma-separated tags resolves to REFERENCE's digest.
tags_on_digest() {
    local tag
    for tag in ${2//,/ }; do [ "$(digest_of "${1%@*}:$tag")" = "${1#*@}" ] || return 1; done
}
image_id() { docker image inspect -f '{{.Id}}' "$1"; }
# pulls_as REFERENCE SOURCE: pulled afresh by digest, REFERENCE is SOURCE's image.
pulls_as() {
    docker rmi "$1" >/dev/null 2>&1 || true
    docker pull --quiet "$1" >/dev/null && [ "$(image_id "$1")" = "$(image_id "$2")" ]
}

# --- the registry --------------------------------------------------------------------------------
echo "registry ($REGISTRY, published in ${publish_secs}s):"
port="${REGISTRY##*:}"
check "listens on 127.0.0.1:$port only" \
    [ "$(ss -Hltn "sport = :$port" | awk '{ print $4 }' | sort -u)" = "$REGISTRY" ]
check "plain HTTP gets no registry answer (400, TLS only)" plain_http_refused
check "its certificate is not trusted without the CA made for it" untrusted_without_ca
check "/v2/ without credentials -> 401" [ "$(status "https://$REGISTRY/v2/" --cacert "$REGISTRY_CA")" = 401 ]
check "a manifest without credentials -> 401" \
    [ "$(status "https://$REGISTRY/v2/cruddur-backend/manifests/$version" --cacert "$REGISTRY_CA")" = 401 ]
check "a wrong password -> 401" \
    [ "$(status "https://$REGISTRY/v2/" --cacert "$REGISTRY_CA" -u "cruddur-ci:wrong")" = 401 ]

echo "published:"
for service in backend frontend; do
    image_var="${service^^}_IMAGE"; tags_var="${service^^}_TAGS"; source_var="${service^^}_SOURCE"
    check "$service: tags ${!tags_var/,/ and } both point to ${!image_var#*@}" tags_on_digest "${!image_var}" "${!tags_var}"
    check "$service: docker pull by digest gives the image of ${!source_var}" pulls_as "${!image_var}" "${!source_var}"
done

# --- the policy ----------------------------------------------------------------------------------
echo "policy (reject by default; $REGISTRY needs the pipeline's signature):"
check "signed $backend:$version accepted" accepted "$backend:$version"
check "signed $backend:$commit_tag accepted" accepted "$backend:$commit_tag"
check "signed $FRONTEND_IMAGE (by digest) accepted" accepted "$FRONTEND_IMAGE"
check "any other source refused (default reject): the engine's $BACKEND_SOURCE" \
    refused "docker-daemon:$BACKEND_SOURCE" "Running image docker-daemon:$BACKEND_SOURCE is rejected by policy"

# Each attack replaces cruddur-backend:<version> with the frontend's image.
attack --remove-signatures "docker://$FRONTEND_IMAGE" "docker://$backend:$version"
check "unsigned image under $backend:$version refused (no signature)" \
    refused "docker://$backend:$version" "A signature was required, but no signature exists"
attack --remove-signatures --sign-by "$other_key" "docker://$FRONTEND_IMAGE" "docker://$backend:$version"
check "image signed by another key refused (invalid signature)" \
    refused "docker://$backend:$version" "Invalid GPG signature"
# skopeo copies the frontend's genuine signatures along, as a registry-to-registry copy does.
attack "docker://$frontend:$version" "docker://$backend:$version"
check "tag moved to the frontend's digest, its genuine signatures along, refused (they name $frontend:$version)" \
    refused "docker://$backend:$version" "Signature for identity $frontend:$version is not accepted"
check "control: that moved tag is fetched under an accept-anything policy" \
    verify "$tmp/accept-anything.json" "docker://$backend:$version"
check "the signed backend pinned by digest is still accepted" accepted "$BACKEND_IMAGE"

summary
