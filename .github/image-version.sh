#!/usr/bin/env bash
# Prints `version=` and `image=` lines for $GITHUB_OUTPUT (containers.yml).
# version: on a release tag, the tag without its `v`, which must equal the workspace version in
# Cargo.toml; on any other ref, the workspace version plus the short commit.
# image: the registry path, lower-cased (registries reject upper case; owner names may have it).
# Env (set by Actions): GITHUB_REF_TYPE, GITHUB_REF_NAME, GITHUB_SHA, GITHUB_REPOSITORY_OWNER,
# REGISTRY, IMAGE_NAME.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo_version="$(awk -F'"' '/^\[workspace\.package\]/ { p = 1; next } /^\[/ { p = 0 } p && /^version *=/ { print $2; exit }' Cargo.toml)"
[ -n "$cargo_version" ] || { echo "::error::no [workspace.package] version in Cargo.toml" >&2; exit 1; }

if [ "${GITHUB_REF_TYPE:-}" = tag ]; then
    if [ "$GITHUB_REF_NAME" != "v$cargo_version" ]; then
        echo "::error::tag $GITHUB_REF_NAME does not match the workspace version $cargo_version" >&2
        exit 1
    fi
    version="$cargo_version"
else
    version="$cargo_version-sha.${GITHUB_SHA::7}"
fi

echo "version=$version"
echo "image=${REGISTRY}/${GITHUB_REPOSITORY_OWNER,,}/${IMAGE_NAME}"
