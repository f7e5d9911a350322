"""Baseline: the schema of the last release before schema versioning (commit 60a7c1f).

An empty database gets these tables; one made before schema versioning gets what it lacks of them (a home made
by an older release may miss columns that create_all did not add; the server used to add them at start).

Revision ID: 0001
Revises:
"""

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from server.store.migrations.ops import ensure_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# A frozen copy of that release's server/repository/schema.py: later changes go in later revisions.
ID = String(850)
baseline = MetaData()

Table("cis", baseline,
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
      Index("ix_cis_parent_name", "parent_id", "name"))
Table("ci_refs", baseline,
      Column("source_id", ID, nullable=False, index=True),
      Column("property", String(255), nullable=False),
      Column("target_id", ID, nullable=False, index=True))
Table("ci_history", baseline,
      Column("revision", Integer, primary_key=True, autoincrement=True),
      Column("ci_id", ID, nullable=False, index=True),
      Column("previous_id", ID),
      Column("action", String(16), nullable=False),
      Column("type", String(255), nullable=False),
      Column("token", String(64)),
      Column("properties", Text),
      Column("changed_by", String(255)),
      Column("changed_at", String(32)))
Table("artifact_files", baseline,
      Column("ci_id", ID, primary_key=True),
      Column("sha1", String(40), nullable=False, index=True),
      Column("filename", String(1024), nullable=False),
      Column("size", BigInteger, nullable=False))
Table("users", baseline,
      Column("username", String(255), primary_key=True),
      Column("password_hash", String(512), nullable=False),
      Column("admin", Integer, nullable=False, default=0))
Table("roles", baseline,
      Column("name", String(255), primary_key=True))
Table("role_principals", baseline,
      Column("role", String(255), primary_key=True),
      Column("principal", String(255), primary_key=True))
Table("role_permissions", baseline,
      Column("role", String(255), primary_key=True),
      Column("permission", String(64), primary_key=True),
      Column("ci_id", ID, primary_key=True),
      Index("ix_role_permissions_ci", "ci_id"))
Table("audit", baseline,
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
      Column("message", Text))
Table("tasks", baseline,
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
      Column("archived", Integer, nullable=False, default=0, index=True),
      Column("archived_at", String(32)),
      Column("commits", Text),
      Column("rollback_of", String(36)),
      Column("node", String(1024)))
Table("task_progress", baseline,
      Column("task_id", String(36), primary_key=True),
      Column("path", String(255), primary_key=True),
      Column("state", String(16), nullable=False),
      Column("started_at", String(32)),
      Column("completed_at", String(32)),
      Column("failure_count", Integer, nullable=False, default=0))
Table("task_logs", baseline,
      Column("seq", Integer, primary_key=True, autoincrement=True),
      Column("task_id", String(36), nullable=False),
      Column("path", String(255), nullable=False),
      Column("text", Text, nullable=False),
      Index("ix_task_logs_step", "task_id", "path"))


def upgrade() -> None:
    for table in baseline.sorted_tables:
        ensure_table(table)


def downgrade() -> None:
    raise NotImplementedError("Schema downgrades are not supported: restore the database backed up before upgrading.")
