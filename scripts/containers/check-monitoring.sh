#!/usr/bin/env bash
# The `monitoring` profile's Prometheus files, checked offline with promtool: the scrape
# config and the alert rules are valid, and the rules' unit tests (alerts.test.yml: each alert
# firing when it should and quiet while healthy) pass. The stack test
# (test-compose.sh) then runs the same files for real.
#
#   scripts/containers/check-monitoring.sh
#
# Installs Debian's `prometheus` package for promtool when it is missing. Every check prints an
# ok/FAIL line; the last line is `containers: N passed, M failed`, and the exit status is
# non-zero when any check failed.
#
# Env: MONITORING_DIR (default deploy/monitoring).
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=check-monitoring
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh

dir="${MONITORING_DIR:-deploy/monitoring}"

if ! command -v promtool >/dev/null 2>&1; then
    log "apt-get install prometheus (for promtool)"
    $SUDO apt-get update -qq
    # Without recommendations: no node exporter; policy-rc.d keeps the server from starting.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

echo "monitoring ($(promtool --version 2>&1 | head -n 1)):"
check_quiet "promtool check config $dir/prometheus.yml" promtool check config "$dir/prometheus.yml"
check_quiet "promtool check rules $dir/alerts.yml" promtool check rules "$dir/alerts.yml"
check_quiet "promtool test rules $dir/alerts.test.yml" promtool test rules "$dir/alerts.test.yml"
# Every alert of the rules has a unit test that expects it to fire.
missing="$(comm -23 <(sed -n 's/^ *- alert: //p' "$dir/alerts.yml" | sort -u) \
    <(sed -n 's/^ *alertname: //p' "$dir/alerts.test.yml" | sort -u))"
check "every alert has a unit test${missing:+ (missing: $missing)}" [ -z "$missing" ]
summary
