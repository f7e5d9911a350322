#!/usr/bin/env bash
# Start the XL Deploy CLI, as the original bin/cli.sh: options and arguments are passed through
# (./scripts/cli.sh -host h -port 4516 -username admin -f script.py arg1 arg2; -help for the usage).
# $DEPLOYIT_CLI_HOME (default ~/.deployit-cli) holds conf/deployit.conf and ext/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLI="$ROOT/.venv/bin/deployit-cli"
if [ ! -x "$CLI" ]; then
  echo "cli.sh: $CLI is missing; run scripts/setup.sh first." >&2
  exit 1
fi
export DEPLOYIT_CLI_NAME="${DEPLOYIT_CLI_NAME:-cli.sh}"
exec "$CLI" "$@"
