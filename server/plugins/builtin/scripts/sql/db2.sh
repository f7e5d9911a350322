#!/bin/sh
# Runs one SQL script with the DB2 command line processor. The CONNECT statement (with the password) goes into a
# private file next to the scripts, never on a command line; -s stops at the first error.
{% set home = container.db2Home or container.clientHome %}
{% set client = (home ~ "/bin/db2") if home else "db2" %}
set -e
input=${(step.remoteWorkingDirectory ~ "/.db2-input.sql")|sh_quote}
umask 077
{
{% if databaseName %}
{% if passwordFile %}
  printf 'CONNECT TO %s USER %s USING %s;\n' ${databaseName|sh_quote} ${(username or "")|sh_quote} "$(cat ${passwordFile|sh_quote})"
{% else %}
  printf 'CONNECT TO %s;\n' ${databaseName|sh_quote}
{% endif %}
{% endif %}
  cat ${sqlScriptToExecute|sh_quote}
  echo
  echo "CONNECT RESET;"
} > "$input"
status=0
${client|sh_quote} -tvs ${container.additionalOptions or ""} -f "$input" || status=$?
rm -f "$input"
# db2 exits 1 and 2 for warnings and "no rows"; 4 and 8 are errors.
[ "$status" -lt 4 ]
