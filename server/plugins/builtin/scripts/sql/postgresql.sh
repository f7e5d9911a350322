#!/bin/sh
# Runs one SQL script with PostgreSQL's psql. The password reaches psql through PGPASSWORD, read from a private
# file, never on a command line. Server address and port: additionalOptions (e.g. -h db.example.com -p 5433),
# else psql's defaults on this host. ON_ERROR_STOP makes the first error fail the script.
{% set client = (container.postgreSqlHome ~ "/bin/psql") if container.postgreSqlHome else
                ((container.clientHome ~ "/psql") if container.clientHome else "psql") %}
{% if passwordFile %}
PGPASSWORD="$(cat ${passwordFile|sh_quote})"
export PGPASSWORD
{% endif %}
exec ${client|sh_quote} -X -w -v ON_ERROR_STOP=1 {% if username %}-U ${username|sh_quote} {% endif %}{% if databaseName %}-d ${databaseName|sh_quote} {% endif %}${container.additionalOptions or ""} -f ${sqlScriptToExecute|sh_quote}
