#!/usr/bin/env bash
# Proves the vulnerability gate (audit.sh) can fail: it refuses a fixture that pins a
# known-vulnerable crate (smallvec 1.6.0, RUSTSEC-2021-0003) both in its Cargo.lock and in the
# binary of an image built like Cruddur's (with cargo auditable), even when that advisory is in
# the ignore file; it refuses an ignore without a reason, one past its review date, and an
# unmaintained crate nobody reviewed; and it passes on the project and its images. Also that
# sbom.sh's coverage check catches an SBOM missing a crate of the binary.
#
#   scripts/supply-chain/test-audit-gate.sh
#
# Env: RUST_IMAGE (the fixture's build image; default the local stand-in, built when missing),
#      AUDIT_IMAGES (the project's images, default "cruddur/backend:local cruddur/frontend:local",
#      built beforehand), ADVISORY_DB and SUPPLY_CHAIN_VENV as for audit.sh.
# Every check prints an ok/FAIL line; the last line is `containers: N passed, M failed`, and the
# exit status is non-zero when any check failed. The fixture image is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=test-audit-gate
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh
# shellcheck source=scripts/supply-chain/tools.sh
. scripts/supply-chain/tools.sh

FIXTURE=scripts/supply-chain/fixtures/vulnerable
fixture_image="cruddur-test/vulnerable-fixture:$$"
tmp="$(mktemp -d /tmp/cruddur-audit-gate.XXXXXX)"
cleanup() {
    docker rmi "$fixture_image" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

require_docker
use_standins rust
ensure_tools trivy

# gate NAME [VAR=VALUE...]: runs audit.sh with those settings; its output goes to $tmp/NAME and
# its exit status is returned (its own summary line stays out of this script's output).
gate() {
    local name="$1"; shift
    env "$@" scripts/supply-chain/audit.sh >"$tmp/$name" 2>&1
}
# refused NAME: the gate failed on NAME; its output is shown when it did not.
refused() {
    if gate "$@"; then sed 's/^/        /' "$tmp/$1" | tail -n 30; return 1; fi
}
says() { grep -qE -- "$2" "$tmp/$1" || { sed 's/^/        /' "$tmp/$1" | tail -n 30; return 1; }; }

# ignores NAME ENTRY...: an ignore file holding the entries given (TOML tables).
ignores() {
    local file="$tmp/$1.toml"; shift
    printf '%s\n' "$@" >"$file"
    echo "$file"
}
future="$(date -u -d '+1 year' +%F)"
paste_reviewed="[[ignore]]
id = \"RUSTSEC-2024-0436\"
crate = \"paste\"
reason = \"a proc-macro, unmaintained, not in the binaries\"
review-by = \"$future\""
rsa_reviewed() {
    printf '[[ignore]]\nid = "RUSTSEC-2023-0071"\ncrate = "rsa"\n%sreview-by = "%s"\n' "$1" "$2"
}
fixture=(AUDIT_PROJECT="$FIXTURE" SHIPPED_PACKAGES=vulnerable-fixture AUDIT_IMAGES="$fixture_image")

echo "fixture: $FIXTURE (smallvec 1.6.0):"
t0="$(now)"
if buildkit --quiet --build-arg RUST_IMAGE="$RUST_IMAGE" -t "$fixture_image" "$FIXTURE" >"$tmp/build" 2>&1; then
    pass "fixture image built with cargo auditable in $(since "$t0")s"
else
    fail "fixture image build"; tail -n 20 "$tmp/build"
fi
check "the gate fails on the fixture" refused fixture "${fixture[@]}"
check "its lockfile scan fails" says fixture "FAIL  no vulnerability or warning outside the reviewed ignores"
check "... refusing RUSTSEC-2021-0003 in smallvec 1.6.0" \
    says fixture "REFUSED: RUSTSEC-2021-0003 vulnerability in smallvec 1.6.0"
check "its binary scan, of the image's program, refuses it too" \
    says fixture "FAIL  vulnerable-fixture: no vulnerability in a compiled crate"
smallvec_ignored="$(ignores smallvec "[[ignore]]
id = \"RUSTSEC-2021-0003\"
crate = \"smallvec\"
reason = \"claimed not compiled\"
review-by = \"$future\"")"
check "ignoring that advisory does not pass the fixture (its crate is compiled)" \
    refused smallvec-ignored "${fixture[@]}" AUDIT_IGNORES="$smallvec_ignored"
check "... the crate is shown compiled, and the binary scan ignores nothing" \
    says smallvec-ignored "FAIL  smallvec \(vulnerable, ignored\): no shipped package compiles it"
check "... and the binary scan still refuses it" \
    says smallvec-ignored "FAIL  vulnerable-fixture: smallvec not compiled in"

# sbom.sh's coverage check, on the fixture: an SBOM that leaves out one crate of the binary.
sbom_gap() {
    local binary
    trivy image --quiet --image-src docker --format cyclonedx --output "$tmp/fixture.cdx.json" "$fixture_image"
    python3 - "$tmp/fixture.cdx.json" <<'PY'
import json, sys
sbom = json.load(open(sys.argv[1]))
sbom["components"] = [c for c in sbom["components"] if c["name"] != "smallvec"]
json.dump(sbom, open(sys.argv[1], "w"))
PY
    mkdir -p "$tmp/fixture-binary"
    binary="$(image_binary "$fixture_image" "$tmp/fixture-binary")"
    [ "$(python3 scripts/supply-chain/crates.py sbom-missing "$tmp/fixture.cdx.json" "$binary")" = "smallvec 1.6.0" ]
}
check "an SBOM without smallvec fails the SBOM check, which names it" sbom_gap

echo "the project (Cargo.lock and ${AUDIT_IMAGES:-cruddur/backend:local cruddur/frontend:local}):"
check "the gate passes on the project" gate project
check "... RUSTSEC-2023-0071 (rsa) accepted in Cargo.lock only, as not compiled" \
    says project "ok    rsa \(vulnerable, ignored\): no shipped package compiles it"
no_reason="$(ignores no-reason "$(rsa_reviewed "" "$future")" "$paste_reviewed")"
check "an ignore without a reason fails the gate" refused no-reason AUDIT_IGNORES="$no_reason"
check "... saying so" says no-reason "RUSTSEC-2023-0071: no reason"
expired="$(ignores expired "$(rsa_reviewed 'reason = "not compiled"
' 2020-01-31)" "$paste_reviewed")"
check "an ignore past its review date fails the gate" refused expired AUDIT_IGNORES="$expired"
check "... saying so" says expired "RUSTSEC-2023-0071: review date 2020-01-31 has passed"
unreviewed="$(ignores unreviewed "$(rsa_reviewed 'reason = "not compiled"
' "$future")")"
check "an unmaintained crate not reviewed in the file fails the gate" refused unreviewed AUDIT_IGNORES="$unreviewed"
check "... naming it" says unreviewed "REFUSED: RUSTSEC-2024-0436 unmaintained in paste"

summary
