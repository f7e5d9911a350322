#!/bin/sh
# Runs one SQL script with Oracle SQL*Plus. The CONNECT statement (with the password) is written to sqlplus's
# standard input by the shell, never on a command line; the first SQL or OS error ends sqlplus with an error code.
{% set client = (container.clientHome ~ "/bin/sqlplus") if container.clientHome else "sqlplus" %}
{
  echo "WHENEVER SQLERROR EXIT SQL.SQLCODE"
  echo "WHENEVER OSERROR EXIT FAILURE"
{% if passwordFile %}
  printf 'CONNECT %s/"%s"%s\n' ${(username or "")|sh_quote} "$(cat ${passwordFile|sh_quote})" ${("@" ~ databaseName if databaseName else "")|sh_quote}
{% else %}
  printf 'CONNECT %s%s\n' ${(username or "/")|sh_quote} ${("@" ~ databaseName if databaseName else "")|sh_quote}
{% endif %}
  printf '@%s\n' ${sqlScriptToExecute|sh_quote}
  echo "EXIT"
} | ${client|sh_quote} -S -L ${container.additionalOptions or ""} /nolog
