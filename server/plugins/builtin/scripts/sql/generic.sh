#!/bin/sh
# sql.SqlClient has no client of its own: use one of its subtypes (sql.PostgreSqlClient, sql.MySqlClient,
# sql.OracleClient, sql.MsSqlClient, sql.DB2Client, sql.SqliteClient), or set executorScript on the deployed.
echo "${container.type} ${container.id} names no SQL client to run ${scriptName} with; use a sql.SqlClient subtype or set executorScript." >&2
exit 1
