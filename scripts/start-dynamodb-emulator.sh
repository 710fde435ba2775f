#!/usr/bin/env bash
# Installs (if needed) and starts a DynamoDB emulator speaking the real wire protocol for the
# DynamoDB conformance and API tests, and prints its endpoint URL for CRUDDUR_TEST_DYNAMODB_URL.
# Safe to run again: an emulator this script started that still answers is reused.
# `scripts/start-dynamodb-emulator.sh stop` stops it.
#
# The emulator is moto's server (PyPI), not dynalite: the message store starts conversations
# with TransactWriteItems, which dynalite does not implement. moto applies a transaction as a
# series of writes it rolls back on failure, which is atomic only if no other request runs at
# the same time, so the server below runs moto's application behind one lock: requests are
# served one at a time, as DynamoDB's serializable transactions appear to a client.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
# Under target/ (gitignored, cached between CI steps) so a second run needs no download.
dir="${CRUDDUR_DYNAMODB_EMULATOR_DIR:-$repo/target/dynamodb-emulator}"
moto_version="${CRUDDUR_MOTO_VERSION:-5.2.5}"
python="$dir/venv/bin/python"
pid_file="$dir/emulator.pid"
port_file="$dir/emulator.port"
log_file="$dir/emulator.log"

answers() {
  "$python" - "$1" <<'EOF'
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=2)
except urllib.error.HTTPError:
    pass  # any HTTP answer means it is up
except OSError:
    sys.exit(1)
EOF
}

running_port() {
  [[ -f "$pid_file" && -f "$port_file" && -x "$python" ]] || return 1
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
if ! "$python" -c "import moto, flask" 2>/dev/null; then
  echo "installing moto $moto_version into $dir/venv" >&2
  python3 -m venv "$dir/venv" >&2
  "$python" -m pip install --quiet --disable-pip-version-check "moto[server]==$moto_version" >&2
fi

cat >"$dir/serve.py" <<'EOF'
"""moto's DynamoDB server, one request at a time (see start-dynamodb-emulator.sh)."""
import sys
import threading

from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

moto = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def serialised(environ, start_response):
    with lock:
        # The whole body is produced under the lock, so no write interleaves with another.
        return list(moto(environ, start_response))


run_simple(sys.argv[1], int(sys.argv[2]), serialised, threaded=True,
           request_handler=MotoRequestHandler)
EOF

port="${CRUDDUR_DYNAMODB_EMULATOR_PORT:-$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
# setsid detaches it from this script's process group, so it outlives the CI step that
# started it; the pid file lets a later run reuse or stop it.
setsid "$python" "$dir/serve.py" 127.0.0.1 "$port" >"$log_file" 2>&1 </dev/null &
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
