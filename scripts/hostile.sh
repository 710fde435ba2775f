#!/usr/bin/env bash
# Hostile-input regression suite: replays the findings of an attack review (idle and slow
# connections, fd exhaustion, sign-up and sign-in floods, forged X-Forwarded-For, CSRF, open
# redirects, lookalike handles, demo-mode exposure, oversized forms) against the release
# all-in-one binary, started by the suite itself on temporary data and loopback ports.
# The program is scripts/hostile/ (Python 3.11, standard library only).
#
# Usage: scripts/hostile.sh [--list] [check name or finding number ...]
#   CRUDDUR_BIN=path/to/cruddur to test another build.
# Prints one PASS/FAIL line per check and `hostile: N passed, M failed` last; exits non-zero
# when a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${CRUDDUR_BIN:-target/release/cruddur}"
if [ ! -x "$binary" ]; then
  cargo build --release --locked -p cruddur >&2
fi
PYTHONDONTWRITEBYTECODE=1 exec python3 scripts/hostile --binary "$binary" "$@"
