"""Fencing tokens: `tasks.claim` counts the claims of a task, so a server's late writes for a claim that has moved
are refused (server/engine/store.py).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only what is missing: a database whose versioning was lost (alembic_version dropped) goes through every revision
    # again with this column already there.
    if "claim" not in {column["name"] for column in sa.inspect(op.get_bind()).get_columns("tasks")}:
        op.add_column("tasks", sa.Column("claim", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    raise NotImplementedError("Schema downgrades are not supported: restore the database backed up before upgrading.")
