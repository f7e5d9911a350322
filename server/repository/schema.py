"""Tables of the repository database (SQLAlchemy Core; SQLite by default, PostgreSQL in shared mode).

A change here needs a revision in server/store/migrations/versions/ (see ARCHITECTURE.md): the server makes and
upgrades databases with the revisions, and a test checks that they agree with these tables."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, BigInteger, MetaData, String, Table, Text, create_engine, event
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

# Every create, update, import, move, rename and delete, kept for ever (deleted CIs included). A move or
# rename is recorded under the new id with the old one as `previous_id`. Each row carries the CI's creation
# meta data as it was at that version (NULL in rows written before the columns existed).
ci_history = Table(
    "ci_history", metadata,
    Column("revision", Integer, primary_key=True, autoincrement=True),
    Column("ci_id", ID, nullable=False, index=True),
    Column("previous_id", ID, index=True),
    Column("action", String(16), nullable=False),
    Column("type", String(255), nullable=False),
    Column("token", String(64)),
    Column("properties", Text),
    Column("changed_by", String(255)),
    Column("changed_at", String(32)),
    Column("created_by", String(255)),
    Column("created_at", String(32)),
)

# The file behind an artifact CI; the content lives content-addressed under repository/artifacts.
artifact_files = Table(
    "artifact_files", metadata,
    Column("ci_id", ID, primary_key=True),
    Column("sha1", String(40), nullable=False, index=True),
    Column("filename", String(1024), nullable=False),
    Column("size", BigInteger, nullable=False),
)

# Artifact files being received whose CIs are not committed yet, so that garbage collection leaves them
# alone (see server/repository/artifacts.py). A row is committed before its temporary file is written
# (`sha1` is set before the file lands at its content address) and deleted once the transaction that
# stores the CIs committed or failed; a server clears the rows of its own (`node`) when it starts.
artifact_uploads = Table(
    "artifact_uploads", metadata,
    Column("token", String(36), primary_key=True),
    Column("sha1", String(40), index=True),
    Column("node", String(1024), nullable=False, index=True),
    Column("started_at", String(32), nullable=False),
)

users = Table(
    "users", metadata,
    Column("username", String(255), primary_key=True),
    Column("password_hash", String(512), nullable=False),
    Column("admin", Integer, nullable=False, default=0),
)

# Security (server/security/): roles, the principals (users) each role is assigned to, and the
# permissions granted to roles, globally (ci_id "") or on a root or core.Directory.
roles = Table(
    "roles", metadata,
    Column("name", String(255), primary_key=True),
)

role_principals = Table(
    "role_principals", metadata,
    Column("role", String(255), primary_key=True),
    Column("principal", String(255), primary_key=True),
)

role_permissions = Table(
    "role_permissions", metadata,
    Column("role", String(255), primary_key=True),
    Column("permission", String(64), primary_key=True),
    Column("ci_id", ID, primary_key=True),  # "" for a global grant
)
Index("ix_role_permissions_ci", role_permissions.c.ci_id)

# The audit trail: one row per action that changes something (or was refused), never a request body.
audit = Table(
    "audit", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False, index=True),
    Column("username", String(255), index=True),
    Column("action", String(255), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", Text, nullable=False),
    Column("target", Text),
    Column("address", String(64)),
    Column("status", Integer, nullable=False),
    Column("result", String(16), nullable=False),
    Column("message", Text),
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
    # Added by the task engine: archived (DONE, CANCELLED) tasks are kept for reports.
    Column("archived", Integer, nullable=False, default=0, index=True),
    Column("archived_at", String(32)),
    # The deltas committed to the repository so far, in order: [[delta index, operation], ...], and
    # "final" once the whole specification was stored (JSON; see server/engine/checkpoints.py).
    Column("commits", Text),
    # A rollback task names the task it rolls back.
    Column("rollback_of", String(36)),
    # The server (host name and home) executing or last executing the task: in shared mode a server
    # recovers only its own tasks.
    Column("node", String(1024)),
)

# State and dates of each block and step of a task, by path ("0_1_1" a block, "0_1_1_2" its second step).
task_progress = Table(
    "task_progress", metadata,
    Column("task_id", String(36), primary_key=True),
    Column("path", String(255), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("started_at", String(32)),
    Column("completed_at", String(32)),
    Column("failure_count", Integer, nullable=False, default=0),
)

# Step logs, appended in chunks of lines while the step runs.
task_logs = Table(
    "task_logs", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("task_id", String(36), nullable=False),
    Column("path", String(255), nullable=False),
    Column("text", Text, nullable=False),
)
Index("ix_task_logs_step", task_logs.c.task_id, task_logs.c.path)

# The command each running step has started on a host, while it runs: its process group (the local process group,
# or the remote one over SSH), the random tag in its environment (so a reused process-group number is never taken
# for it) and the host, encrypted as it holds passwords. What is left here after a crash is ended before the task
# runs again (server/engine/leftovers.py).
step_processes = Table(
    "step_processes", metadata,
    Column("tag", String(32), primary_key=True),
    Column("task_id", String(36), nullable=False, index=True),
    Column("path", String(255), nullable=False),
    Column("host_id", ID, nullable=False),
    Column("process_group", Integer, nullable=False),
    Column("host", Text, nullable=False),
    Column("started_at", String(32), nullable=False),
)

Index("ix_cis_parent_name", cis.c.parent_id, cis.c.name)


def make_engine(url: str) -> Engine:
    """An engine for the repository URL; SQLite gets WAL mode and a busy timeout. The schema is made and upgraded
    before, by server.store.schema_version.upgrade."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # LIKE finds what is below an id (service.subtree): as in PostgreSQL, case matters, since ids
            # that differ only in case are different CIs.
            cursor.execute("PRAGMA case_sensitive_like=ON")
            cursor.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine
