#!/bin/sh
# Runs one SQL script with the MySQL client. The password reaches mysql through MYSQL_PWD, read from a private
# file, never on a command line. In batch mode mysql stops at the first error with a non-zero exit code.
{% set home = container.mySqlHome or container.clientHome %}
{% set client = (home ~ "/bin/mysql") if home else "mysql" %}
{% if passwordFile %}
MYSQL_PWD="$(cat ${passwordFile|sh_quote})"
export MYSQL_PWD
{% endif %}
exec ${client|sh_quote} --batch {% if username %}--user=${username|sh_quote} {% endif %}${container.additionalOptions or ""} {% if databaseName %}--database=${databaseName|sh_quote}{% endif %} < ${sqlScriptToExecute|sh_quote}
