#!/usr/bin/env bash
# Set up when needed, start the server on the embedded default (SQLite, one process) and open the
# shell against it; leaving the shell stops the server.
#
#   scripts/run.sh [--port N] [--home DIR] [--server] [deployit-cli arguments...]
#
#   --port N    port of the server (default: $DEPLOYIT_PORT, else 4516)
#   --home DIR  server home folder, created on first start (default: $DEPLOYIT_SERVER_HOME, else
#               deployit-home in the clone)
#   --server    run only the server, in the foreground (Ctrl-C stops it); for a second terminal, or
#               `scripts/run.sh --server &`
# Other arguments go to deployit-cli (e.g. -f script.py). The shell logs in as
# $DEPLOYIT_USERNAME/$DEPLOYIT_PASSWORD (default admin/admin). Without a shell installed, runs the
# server only.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "run: $*" >&2; exit 1; }

HOME_DIR=${DEPLOYIT_SERVER_HOME:-$ROOT/deployit-home}
PORT=${DEPLOYIT_PORT:-4516}
SERVER_ONLY=0
CLI_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || die "--port needs a number, as in --port 4517."; PORT=$2; shift 2 ;;
    --port=*) PORT=${1#--port=}; shift ;;
    --home) [ $# -ge 2 ] || die "--home needs a folder, as in --home ~/deployit-home."; HOME_DIR=$2; shift 2 ;;
    --home=*) HOME_DIR=${1#--home=}; shift ;;
    --server) SERVER_ONLY=1; shift ;;
    --help|-h) usage; exit 0 ;;
    *) CLI_ARGS+=("$1"); shift ;;
  esac
done
case "$PORT" in
  ''|*[!0-9]*) die "--port must be a number from 1 to 65535, not '$PORT'." ;;
esac
[ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || die "--port must be a number from 1 to 65535, not '$PORT'."

DEPLOYIT_SKIP_APT=1 "$ROOT/scripts/setup.sh"
PYTHON="$ROOT/.venv/bin/python"
SERVER="$ROOT/.venv/bin/deployit-server"
CLI="$ROOT/.venv/bin/deployit-cli"

# Another program (often a deployit server started earlier) may hold the port: the shell would then
# talk to it, with other data, so stop here instead.
if ! "$PYTHON" - "$PORT" <<'PY'; then
import socket, sys
with socket.socket() as sock:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
PY
  die "port $PORT is already in use (by a server started earlier?); stop it, or choose another port with scripts/run.sh --port $((PORT + 1))."
fi

if [ "$SERVER_ONLY" = 1 ] || [ ! -x "$CLI" ] || ! "$PYTHON" -c "import deployit_cli.main" 2>/dev/null; then
  exec "$SERVER" --home "$HOME_DIR" --port "$PORT"
fi

"$SERVER" --home "$HOME_DIR" --port "$PORT" --log-level WARNING &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true' EXIT INT TERM

up=0
for _ in $(seq 1 300); do
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server did not start (its messages are above)."
  if "$PYTHON" - "$PORT" <<'PY' 2>/dev/null; then up=1; break; fi
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/deployit/server/info", timeout=1)
except urllib.error.HTTPError:
    pass  # 401 without credentials: the server is up
PY
  sleep 0.1
done
[ "$up" = 1 ] || die "the server did not answer on port $PORT within 30 seconds."
# Whatever answered must be our server, not one that took the port meanwhile.
kill -0 "$SERVER_PID" 2>/dev/null || die "the server did not start (its messages are above)."

"$CLI" -host 127.0.0.1 -port "$PORT" -username "${DEPLOYIT_USERNAME:-admin}" \
  -password "${DEPLOYIT_PASSWORD:-admin}" ${CLI_ARGS[@]+"${CLI_ARGS[@]}"}
