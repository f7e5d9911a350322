#!/usr/bin/env bash
# Set up when needed, start the server on the embedded default (SQLite, one process) and open the
# shell against it. Leaving the shell stops the server. Without a shell installed, runs the server
# in the foreground. Home: $DEPLOYIT_SERVER_HOME or ./deployit-home; port: $DEPLOYIT_PORT or 4516;
# the shell logs in as $DEPLOYIT_USERNAME/$DEPLOYIT_PASSWORD (default admin/admin). Extra arguments
# go to deployit-cli (e.g. -f script.py).
set -euo pipefail
cd "$(dirname "$0")/.."
DEPLOYIT_SKIP_APT=1 scripts/setup.sh

HOME_DIR=${DEPLOYIT_SERVER_HOME:-deployit-home}
PORT=${DEPLOYIT_PORT:-4516}
SERVER=.venv/bin/deployit-server
CLI=.venv/bin/deployit-cli

if [ ! -x "$CLI" ] || ! .venv/bin/python -c "import deployit_cli.main" 2>/dev/null; then
  exec "$SERVER" --home "$HOME_DIR" --port "$PORT"
fi

"$SERVER" --home "$HOME_DIR" --port "$PORT" --log-level WARNING &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 100); do
  if .venv/bin/python - "$PORT" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/deployit/server/info", timeout=1)
except urllib.error.HTTPError:
    pass  # 401 without credentials: the server is up
PY
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "run: the server did not start" >&2; exit 1; }
  sleep 0.1
done

"$CLI" -host 127.0.0.1 -port "$PORT" -username "${DEPLOYIT_USERNAME:-admin}" \
  -password "${DEPLOYIT_PASSWORD:-admin}" "$@"
