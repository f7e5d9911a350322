"""Tables of the repository database (SQLAlchemy Core; SQLite by default, PostgreSQL in shared mode)."""

from __future__ import annotations

from sqlalchemy import (Column, Index, Integer, BigInteger, MetaData, String, Table, Text, create_engine,
                        event)
from sqlalchemy.engine import Engine

ID = String(850)  # XL Deploy's id length limit for every supported database

metadata = MetaData()

cis = Table(
    "cis", metadata,
    Column("id", ID, primary_key=True),
    Column("type", String(255), nullable=False, index=True),
    Column("parent_id", ID, index=True),
    Column("name", String(850), nullable=False, index=True),
    Column("token", String(64), nullable=False),
    Column("created_by", String(255)),
    Column("created_at", String(32)),
    Column("modified_by", String(255)),
    Column("modified_at", String(32), index=True),
    Column("properties", Text, nullable=False),
)

# One row per reference from a property of `source_id` to `target_id`: keeps deletes and moves honest.
ci_refs = Table(
    "ci_refs", metadata,
    Column("source_id", ID, nullable=False, index=True),
    Column("property", String(255), nullable=False),
    Column("target_id", ID, nullable=False, index=True),
)

# Every create, update, move, rename and delete, kept for ever (deleted CIs included).
ci_history = Table(
    "ci_history", metadata,
    Column("revision", Integer, primary_key=True, autoincrement=True),
    Column("ci_id", ID, nullable=False, index=True),
    Column("previous_id", ID),
    Column("action", String(16), nullable=False),
    Column("type", String(255), nullable=False),
    Column("token", String(64)),
    Column("properties", Text),
    Column("changed_by", String(255)),
    Column("changed_at", String(32)),
)

# The file behind an artifact CI; the content lives content-addressed under repository/artifacts.
artifact_files = Table(
    "artifact_files", metadata,
    Column("ci_id", ID, primary_key=True),
    Column("sha1", String(40), nullable=False, index=True),
    Column("filename", String(1024), nullable=False),
    Column("size", BigInteger, nullable=False),
)

users = Table(
    "users", metadata,
    Column("username", String(255), primary_key=True),
    Column("password_hash", String(512), nullable=False),
    Column("admin", Integer, nullable=False, default=0),
)

# Tasks: a deployment plan waiting for (or going through) execution. The block tree is the client-facing
# TaskWithBlock tree with each step's engine data; `specification` holds the deltas (deployed and
# previous CIs) the engine commits at checkpoints. See server/engine/store.py.
tasks = Table(
    "tasks", metadata,
    Column("id", String(36), primary_key=True),
    Column("task_type", String(32), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("description", Text, nullable=False),
    Column("owner", String(255), nullable=False, index=True),
    Column("metadata", Text, nullable=False),
    Column("block", Text, nullable=False),
    Column("specification", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("scheduled_at", String(32)),
    Column("started_at", String(32)),
    Column("completed_at", String(32)),
    Column("failures", Integer, nullable=False, default=0),
)

Index("ix_cis_parent_name", cis.c.parent_id, cis.c.name)


def make_engine(url: str) -> Engine:
    """An engine for the repository URL; SQLite gets WAL mode and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    metadata.create_all(engine)
    return engine
