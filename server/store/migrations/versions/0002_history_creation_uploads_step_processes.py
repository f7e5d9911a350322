"""History rows keep the CI's creation meta data and are found by their previous id; uploads in flight and the
commands running steps start are recorded (the changes made between 60a7c1f and schema versioning).

Revision ID: 0002
Revises: 0001
"""

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

from server.store.migrations.ops import ensure_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = String(850)
changes = MetaData()

# Only what this revision adds to the table.
Table("ci_history", changes,
      Column("previous_id", ID, index=True),
      Column("created_by", String(255)),
      Column("created_at", String(32)))
Table("artifact_uploads", changes,
      Column("token", String(36), primary_key=True),
      Column("sha1", String(40), index=True),
      Column("node", String(1024), nullable=False, index=True),
      Column("started_at", String(32), nullable=False))
Table("step_processes", changes,
      Column("tag", String(32), primary_key=True),
      Column("task_id", String(36), nullable=False, index=True),
      Column("path", String(255), nullable=False),
      Column("host_id", ID, nullable=False),
      Column("process_group", Integer, nullable=False),
      Column("host", Text, nullable=False),
      Column("started_at", String(32), nullable=False))


def upgrade() -> None:
    for table in changes.sorted_tables:
        ensure_table(table)


def downgrade() -> None:
    raise NotImplementedError("Schema downgrades are not supported: restore the database backed up before upgrading.")
