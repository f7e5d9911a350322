"""Alembic's environment: runs the revisions on the connection schema_version.upgrade hands over, or, from the
`alembic` command line (see ARCHITECTURE.md), on the database given as `-x url=...`, under the same lock."""

from alembic import context

from server.store.schema import metadata
from server.store.schema_version import migrating

config = context.config


def run(connection) -> None:
    # The connection is in a transaction that holds the schema lock already: every revision runs in it.
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


if config.attributes.get("connection") is not None:
    run(config.attributes["connection"])
else:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("Name the database to migrate: alembic -c server/store/alembic.ini -x url=<SQLAlchemy URL> ...")
    with migrating(url) as connection:
        run(connection)
