"""The repository database's schema version: a server brings the database to the latest revision when it starts
(Alembic, revisions in migrations/versions/), one server at a time, and refuses a schema newer than it knows.

A database made before schema versioning (tables, no alembic_version) takes the same path as an empty one: the
baseline revision creates only what it lacks (see migrations/ops.py)."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The PostgreSQL advisory lock servers take to migrate: any fixed number no other program of the database uses.
LOCK_KEY = 0x6465706C6F7974  # "deployt"


class SchemaTooNew(Exception):
    """The database was upgraded by a later release than this server."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    return config


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The latest revision this code knows."""
    return _script().get_current_head()


@contextmanager
def migrating(url: str) -> Iterator[Connection]:
    """A connection in a transaction that holds the schema lock, so that servers starting together migrate one
    after the other: PostgreSQL's advisory lock for the transaction, SQLite's write lock (BEGIN IMMEDIATE). Both
    run DDL in the transaction, so a failed upgrade leaves nothing half-done."""
    if url.startswith("sqlite"):
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _driver_leaves_transactions_to_us(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_with_the_write_lock(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
            yield connection
    finally:
        engine.dispose()


def upgrade(url: str) -> None:
    """Bring the database at `url` to the latest revision; SchemaTooNew when it has one this code does not know."""
    script = _script()
    with migrating(url) as connection:
        current = MigrationContext.configure(connection).get_current_heads()
        known = {revision.revision for revision in script.walk_revisions()}
        unknown = [revision for revision in current if revision not in known]
        if unknown:
            raise SchemaTooNew(f"the repository database has schema revision {', '.join(unknown)}, newer than this "
                               f"server knows (its latest is {script.get_current_head()}); run the release that "
                               f"upgraded it, or a later one.")
        if not current and inspect(connection).has_table("cis"):
            log.info("The repository database was made before schema versioning: bringing it under migrations")
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_differences(url: str) -> list:
    """What the database's schema has or lacks against the tables the code declares (Alembic's comparison);
    empty when the revisions and the tables (server/store/tables/) agree."""
    from server.store.schema import metadata
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
