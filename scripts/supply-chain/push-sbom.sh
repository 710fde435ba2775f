#!/usr/bin/env bash
# Pushes each published image's SBOM (sbom.sh wrote it) to the private registry beside the image,
# as an OCI artifact (oras-py): the image's own repository, tag `sha256-<image digest hex>.sbom`,
# artifactType application/vnd.cyclonedx+json, the image's manifest as `subject`. Then checks it
# pulls back by that tag byte for byte, names the image as its subject, added no repository, and
# whether the registry's referrers API lists it (Debian's distribution 2.8 has none: the tag is
# how a consumer finds it).
#
#   export $(scripts/supply-chain/start-registry.sh)
#   export $(SIGNING_KEY=… scripts/supply-chain/publish.sh)
#   SBOM_IMAGES="$BACKEND_IMAGE $FRONTEND_IMAGE" scripts/supply-chain/sbom.sh
#   scripts/supply-chain/push-sbom.sh
#
# Env: REGISTRY, REGISTRY_AUTH_FILE, REGISTRY_CA (required; start-registry.sh prints them),
#      BACKEND_IMAGE, FRONTEND_IMAGE (required: REGISTRY/NAME@sha256:…, as publish.sh prints
#      them), SBOM_DIR (default target/supply-chain/sbom: NAME.cdx.json for each),
#      SUPPLY_CHAIN_VENV (tools.sh).
# Every check prints an ok/FAIL line; the last line is `containers: N passed, M failed`, and
# the exit status is non-zero when any check failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=push-sbom
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh
# shellcheck source=scripts/supply-chain/tools.sh
. scripts/supply-chain/tools.sh

: "${REGISTRY:?set REGISTRY (start-registry.sh prints it)}"
: "${REGISTRY_AUTH_FILE:?set REGISTRY_AUTH_FILE (start-registry.sh prints it)}"
: "${REGISTRY_CA:?set REGISTRY_CA (start-registry.sh prints it)}"
images=("${BACKEND_IMAGE:?set BACKEND_IMAGE (publish.sh prints it)}"
    "${FRONTEND_IMAGE:?set FRONTEND_IMAGE (publish.sh prints it)}")
SBOM_DIR="${SBOM_DIR:-target/supply-chain/sbom}"
export REGISTRY_AUTH_FILE REGISTRY_CA
tmp="$(mktemp -d /tmp/cruddur-push-sbom.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

ensure_tools oras
artifact() { "$SUPPLY_CHAIN_VENV/bin/python" scripts/supply-chain/artifact.py "$@"; }
# json_get FILE EXPRESSION: a value out of a JSON document (`d` is the document).
json_get() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# The image Trivy read, as the SBOM records it (its config digest).
sbom_image_id() {
    json_get "$1" '[p["value"] for p in d["metadata"]["component"]["properties"] if p["name"] == "aquasecurity:trivy:ImageID"][0]'
}

artifact catalog "$REGISTRY" >"$tmp/catalog-before"

# push_and_check REPOSITORY@DIGEST
push_and_check() {
    local image="$1" repository="${1%@*}" digest="${1#*@}" name sbom dir tag reference referrers
    name="${repository#"$REGISTRY"/}"
    sbom="$SBOM_DIR/$name.cdx.json"
    dir="$tmp/$name"
    mkdir -p "$dir/pulled"
    echo "$image:"
    [ -f "$sbom" ] || { fail "no SBOM $sbom (run sbom.sh first)"; return; }
    artifact manifest "$image" >"$dir/image.json"
    # Another image's SBOM is never published under this one's tag.
    if [ "$(sbom_image_id "$sbom")" != "$(json_get "$dir/image.json" 'd["config"]["digest"]')" ]; then
        fail "$sbom is not of this image (Trivy's ImageID is not its config digest): not pushed"
        return
    fi
    pass "the SBOM is of this image (Trivy's ImageID is its config digest)"

    tag="sha256-${digest#sha256:}.sbom"
    reference="$repository:$tag"
    if ! artifact push "$image" "$sbom" >"$dir/pushed"; then
        fail "pushing $sbom as $reference"
        return
    fi
    pass "pushed as $reference ($(cut -d' ' -f2 "$dir/pushed"))"
    artifact pull "$reference" "$dir/pulled" >/dev/null
    check "pulled back by its tag, byte-identical to $sbom" cmp -s "$dir/pulled/$name.cdx.json" "$sbom"
    artifact manifest "$reference" >"$dir/manifest.json"
    check "its manifest names the image as subject ($digest)" \
        [ "$(json_get "$dir/manifest.json" 'd["subject"]["digest"]')" = "$digest" ]
    check "its artifactType and layer are application/vnd.cyclonedx+json" \
        [ "$(json_get "$dir/manifest.json" '{d["artifactType"], d["layers"][0]["mediaType"]}')" = "{'application/vnd.cyclonedx+json'}" ]
    check "it is in the image's repository $name, beside the image's tags" \
        grep -xF "$tag" <(artifact tags "$repository") >/dev/null # not -q: the whole list is read

    referrers="$(artifact referrers "$image")"
    case "$(head -n 1 <<<"$referrers")" in
        200) check "the referrers API lists it under the image" grep -qF "$(cut -d' ' -f2 "$dir/pushed")" <<<"$referrers" ;;
        404) na "referrers API: this registry has none (404); a consumer finds the SBOM by the tag $tag" ;;
        *) fail "referrers API answered $(head -n 1 <<<"$referrers")" ;;
    esac
}

for image in "${images[@]}"; do
    push_and_check "$image"
done
check "no new repository: the registry's catalog is as before" cmp -s "$tmp/catalog-before" <(artifact catalog "$REGISTRY")

summary
