#!/usr/bin/env bash
# Set up when needed, then the checks that run before the tests: ruff (ruff.toml) and the import-linter
# contracts that keep the layers honest ([importlinter] in setup.cfg; see ARCHITECTURE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check --quiet .
.venv/bin/lint-imports --no-cache
