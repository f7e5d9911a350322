"""Tasks are claimed from the database by any server of a shared repository: the claim's lease and the time each
task was queued.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only what is missing: a database whose versioning was lost (alembic_version dropped) goes through every
    # revision again with these columns already there.
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("tasks")}
    for name in ("lease_until", "queued_at"):
        if name not in present:
            op.add_column("tasks", sa.Column(name, sa.String(32), nullable=True))
    # Tasks a server of the release before was running: their lease has expired, so any server fails them.
    op.execute("UPDATE tasks SET lease_until = '' WHERE state IN ('EXECUTING', 'STOPPING', 'FAILING', 'ABORTING')")


def downgrade() -> None:
    raise NotImplementedError("Schema downgrades are not supported: restore the database backed up before upgrading.")
