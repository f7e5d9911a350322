#!/bin/sh
# Runs one SQL script with Oracle SQL*Plus. The CONNECT statement (with the password) is written to sqlplus's
# standard input by the shell, never on a command line; the first SQL or OS error ends sqlplus with an error code.
{% set home = container.oraHome or container.clientHome %}
{% set client = (home ~ "/bin/sqlplus") if home else "sqlplus" %}
{% set connect = databaseName or container.sid %}
{% if container.oraHome %}
ORACLE_HOME=${container.oraHome|sh_quote}
export ORACLE_HOME
{% endif %}
{
  echo "WHENEVER SQLERROR EXIT SQL.SQLCODE"
  echo "WHENEVER OSERROR EXIT FAILURE"
{% if passwordFile %}
  printf 'CONNECT %s/"%s"%s\n' ${(username or "")|sh_quote} "$(cat ${passwordFile|sh_quote})" ${("@" ~ connect if connect else "")|sh_quote}
{% else %}
  printf 'CONNECT %s%s\n' ${(username or "/")|sh_quote} ${("@" ~ connect if connect else "")|sh_quote}
{% endif %}
  printf '@%s\n' ${sqlScriptToExecute|sh_quote}
  echo "EXIT"
} | ${client|sh_quote} -S -L ${container.additionalOptions or ""} /nolog
