#!/usr/bin/env bash
# Set up the project: a .venv with the project and its test extra installed (editable).
# Idempotent: when setup.cfg/setup.py have not changed since the last install it returns at once.
# Also installs the Debian packages the tests use (an SSH server, PostgreSQL, sqlite3, sudo) when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.installed

stamp_of() { cat setup.cfg setup.py scripts/setup.sh | sha1sum | cut -d' ' -f1; }

debian_packages() {
  # Real hosts and databases for the tests: sshd on loopback and a PostgreSQL server.
  local missing=()
  command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
  command -v sudo >/dev/null 2>&1 || missing+=(sudo)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing Debian packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "setup: missing Debian packages (${missing[*]}); install them for the full test suite." >&2
    fi
  fi
}

if [ "${DEPLOYIT_SKIP_APT:-}" != 1 ]; then
  debian_packages
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(stamp_of)" ]; then
  exit 0
fi

echo "setup: installing the project and its test extra into $VENV"
# pip's and setuptools' notices go to a log, shown only when the installation fails.
LOG=$VENV/install.log
if ! { "$VENV/bin/python" -m pip install --quiet --upgrade pip &&
       "$VENV/bin/python" -m pip install --quiet -e ".[test]"; } >"$LOG" 2>&1; then
  cat "$LOG" >&2
  echo "setup: the installation failed (its output is above and in $LOG)." >&2
  exit 1
fi
stamp_of > "$STAMP"
echo "setup: done"
