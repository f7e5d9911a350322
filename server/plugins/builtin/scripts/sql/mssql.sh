#!/bin/sh
# Runs one SQL script with Microsoft's sqlcmd. The password reaches sqlcmd through SQLCMDPASSWORD, read from a
# private file, never on a command line; -b makes an error end sqlcmd with a non-zero exit code.
{% set client = (container.clientHome ~ "/bin/sqlcmd") if container.clientHome else "sqlcmd" %}
{% if passwordFile %}
SQLCMDPASSWORD="$(cat ${passwordFile|sh_quote})"
export SQLCMDPASSWORD
{% endif %}
exec ${client|sh_quote} -b {% if container.serverName %}-S ${container.serverName|sh_quote} {% endif %}{% if username %}-U ${username|sh_quote} {% endif %}{% if databaseName %}-d ${databaseName|sh_quote} {% endif %}${container.additionalOptions or ""} -i ${sqlScriptToExecute|sh_quote}
