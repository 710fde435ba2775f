#!/usr/bin/env bash
# Tier 4, browser tests: headless Debian Chromium driven by playwright-core against the
# all-in-one `cruddur` binary. Installs what it needs (idempotently), builds the binary,
# runs every e2e/tests/*.test.js with Node's built-in runner; exits non-zero on failure.
# Screenshots (one per flow, FAILED-* on failure, with the server log) go to e2e/artifacts/.
#
#   e2e/run.sh                          # every flow
#   e2e/run.sh tests/public.test.js     # some files (paths relative to e2e/)
set -euo pipefail
cd "$(dirname "$0")"
E2E_DIR=$(pwd)
REPO_DIR=$(cd .. && pwd)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The Debian Chromium; never `npx playwright install` (browser downloads fail here).
if [ ! -x /usr/bin/chromium ]; then
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "e2e: Node $(node --version) is too old; playwright-core needs Node 20 or newer" >&2
  exit 1
fi

# playwright-core and axe-core, from the lock file; playwright-core downloads no browser.
installed() {
  local package=$1 wanted have
  wanted=$(node -p "require('./package-lock.json').packages['node_modules/$package'].version")
  have=$(node -p "try { require('./node_modules/$package/package.json').version } catch { '' }")
  [ "$wanted" = "$have" ]
}
if ! installed playwright-core || ! installed axe-core; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

# The all-in-one binary (debug build), wherever cargo puts its target directory. Built with the
# whole workspace, as tier 1 built it: `-p` alone unifies features differently and rebuilds.
(cd "$REPO_DIR" && cargo build --workspace --locked)
target_dir=$(cd "$REPO_DIR" && cargo metadata --format-version 1 --no-deps | node -e \
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
export CRUDDUR_BIN="$target_dir/debug/cruddur"

# Fresh artifacts for this run.
rm -rf "$E2E_DIR/artifacts"
mkdir -p "$E2E_DIR/artifacts"

if [ "$#" -gt 0 ]; then files=("$@"); else files=(tests/*.test.js); fi
echo "e2e: $(chromium --version 2>/dev/null || echo chromium), node $(node --version), cruddur at $CRUDDUR_BIN"
status=0
node --test --test-reporter=spec "${files[@]}" || status=$?
echo "e2e: screenshots in $E2E_DIR/artifacts:"
ls -1 "$E2E_DIR/artifacts"
exit "$status"
