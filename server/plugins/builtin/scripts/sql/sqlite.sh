#!/bin/sh
# Runs one SQL script with the SQLite command-line client (sqlite3) against the client's databaseFile,
# which is created when missing. -bail stops at the first error with a non-zero exit code.
# Rendered by the sql step: see server/engine/steps/scriptfolders.py for the variables.
{% set client = (container.clientHome ~ "/sqlite3") if container.clientHome else "sqlite3" %}
set -e
mkdir -p "$(dirname ${container.databaseFile|sh_quote})"
exec ${client|sh_quote} -bail -batch ${container.databaseFile|sh_quote} < ${sqlScriptToExecute|sh_quote}
