#!/usr/bin/env bash
# Set up when needed, then run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Test files are shared among TEST_WORKERS processes (2 by default, as many as this machine's cores;
# TEST_WORKERS=0 runs everything in this one process). A module's tests stay together in one process,
# so a module's server fixture starts once.
exec .venv/bin/python -m pytest -q -n "${TEST_WORKERS:-2}" --dist loadfile "$@"
