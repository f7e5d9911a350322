"""Reports pick the tasks completed in a period by their completion date: `tasks` gets an index on completed_at.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only what is missing: a database whose versioning was lost (alembic_version dropped) goes through every revision
    # again with this index already there.
    if "ix_tasks_completed_at" not in {index["name"] for index in sa.inspect(op.get_bind()).get_indexes("tasks")}:
        op.create_index("ix_tasks_completed_at", "tasks", ["completed_at"])


def downgrade() -> None:
    raise NotImplementedError("Schema downgrades are not supported: restore the database backed up before upgrading.")
