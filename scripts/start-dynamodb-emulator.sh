#!/usr/bin/env bash
# Installs (if needed) and starts a DynamoDB emulator for the DynamoDB conformance and API
# tests, and prints its endpoint URL for CRUDDUR_TEST_DYNAMODB_URL. Safe to run again: an
# emulator this script started that still answers is reused.
# `scripts/start-dynamodb-emulator.sh stop` stops it.
#
# The emulator is moto (PyPI `moto[server]`), the same one the compose stand-in image runs:
# it has TransactWriteItems, which the message store starts conversations with. moto applies a
# transaction by snapshotting the tables and restoring the snapshot on failure, so two requests
# running at once can undo each other's writes; its `moto_server` command always serves on
# threads (moto/server.py passes threaded=True, with no option). So moto's own DynamoDB
# application is served by Flask's CLI (Flask comes with moto[server]) with --without-threads:
# one request at a time, as DynamoDB's serializable transactions appear to a client.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
# Under target/ (gitignored, cached between CI steps) so a second run needs no download.
dir="${CRUDDUR_DYNAMODB_EMULATOR_DIR:-$repo/target/dynamodb-emulator}"
requirements="$repo/scripts/moto-requirements.txt"
venv="$dir/venv"
pid_file="$dir/emulator.pid"
port_file="$dir/emulator.port"
log_file="$dir/emulator.log"

# Any HTTP answer means it is up (moto answers 404 to GET /).
answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; }

running_port() {
  [[ -f "$pid_file" && -f "$port_file" ]] || return 1
  local pid port
  pid=$(cat "$pid_file")
  port=$(cat "$port_file")
  kill -0 "$pid" 2>/dev/null && answers "$port" && echo "$port"
}

if [[ "${1:-}" == "stop" ]]; then
  if [[ -f "$pid_file" ]]; then
    kill "$(cat "$pid_file")" 2>/dev/null || true
    rm -f "$pid_file" "$port_file"
  fi
  exit 0
fi

if port=$(running_port); then
  echo "http://127.0.0.1:$port"
  exit 0
fi

mkdir -p "$dir"
# The venv is remade when the pin changes (a copy of the requirements marks what it holds).
if ! cmp -s "$requirements" "$venv/requirements.txt"; then
  echo "installing $(grep -v '^#' "$requirements") into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$venv/requirements.txt"
fi

port="${CRUDDUR_DYNAMODB_EMULATOR_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
# setsid detaches it from this script's process group, so it outlives the CI step that
# started it; the pid file lets a later run reuse or stop it.
setsid "$venv/bin/flask" --app 'moto.moto_server.werkzeug_app:create_backend_app("dynamodb")' \
  run --without-threads --no-reload --no-debugger --host 127.0.0.1 --port "$port" \
  >"$log_file" 2>&1 </dev/null &
echo $! >"$pid_file"
echo "$port" >"$port_file"

for _ in $(seq 1 100); do
  if answers "$port"; then
    echo "http://127.0.0.1:$port"
    exit 0
  fi
  if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then break; fi
  sleep 0.2
done
echo "the DynamoDB emulator did not start; its log ($log_file):" >&2
cat "$log_file" >&2
exit 1
