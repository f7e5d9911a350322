"""State every server sharing the database agrees on: maintenance mode is a row, and artifact content may be kept
in the database (`artifacts.store = database`).

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
    op.create_table(
        "maintenance_mode",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("since", sa.String(length=32), nullable=False),
        sa.Column("started_by", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "artifact_contents",
        sa.Column("sha1", sa.String(length=40), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("sha1"),
    )
    op.create_table(
        "artifact_chunks",
        sa.Column("sha1", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha1", "seq"),
    )


def downgrade() -> None:
    raise NotImplementedError("Schema downgrades are not supported: restore the database backed up before upgrading.")
