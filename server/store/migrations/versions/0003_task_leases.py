"""Tasks are claimed from the database by any server of a shared repository: the claim's lease and the time each
task was queued.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("lease_until", sa.String(32), nullable=True))
    op.add_column("tasks", sa.Column("queued_at", sa.String(32), nullable=True))
    # Tasks a server of the release before was running: their lease has expired, so any server fails them.
    op.execute("UPDATE tasks SET lease_until = '' WHERE state IN ('EXECUTING', 'STOPPING', 'FAILING', 'ABORTING')")


def downgrade() -> None:
    raise NotImplementedError("Schema downgrades are not supported: restore the database backed up before upgrading.")
