#!/usr/bin/env bash
# Runs the cargo-fuzz target over request-body parsing and validation for a bounded time,
# starting from the seeds in fuzz/seeds/. Any panic or broken invariant fails the run and
# leaves the input in fuzz/artifacts/request_bodies/.
#
# Usage: scripts/fuzz-bodies.sh    FUZZ_SECONDS=60
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
# libFuzzer builds need a nightly compiler (sanitizer flags); the workspace itself stays on
# the pinned stable toolchain.
rustup run nightly rustc --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

work=$(mktemp -d)
corpus="$work/corpus"
mkdir "$corpus"
trap 'rm -rf "$work"' EXIT
cargo +nightly fuzz build request_bodies
# New inputs go to the temporary corpus; the committed seeds are only read.
status=0
cargo +nightly fuzz run request_bodies "$corpus" fuzz/seeds/request_bodies -- \
  -max_total_time="$seconds" -print_final_stats=1 >"$work/fuzz.log" 2>&1 || status=$?
log="$work/fuzz.log"
grep -E '^(Done|INFO: seed|==[0-9]+==|SUMMARY)|panicked' "$log" || true
runs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")
if [ "$status" -ne 0 ]; then
  tail -n 40 "$log"
fi
echo "cargo-fuzz: $((status == 0 ? 1 : 0)) passed, $((status == 0 ? 0 : 1)) failed (${runs:-0} inputs in ${seconds}s)"
exit "$status"
