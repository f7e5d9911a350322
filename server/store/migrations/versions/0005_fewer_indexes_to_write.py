"""Fewer indexes for every CI written: `cis` loses the index on parent_id (ix_cis_parent_name, which starts with
it, serves the same look-ups) and the one on name (names are only matched case-blind, `lower(name) LIKE`, which
no index serves); the history's index on previous_id keeps only the rows that have one (moves, renames, copies).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only what is there: a database whose versioning was lost (alembic_version dropped) goes through every revision
    # again with these indexes already gone.
    inspector = sa.inspect(op.get_bind())
    present = {index["name"] for index in inspector.get_indexes("cis")}
    for name in ("ix_cis_parent_id", "ix_cis_name"):
        if name in present:
            op.drop_index(name, table_name="cis")
    if "ix_ci_history_previous_id" in {index["name"] for index in inspector.get_indexes("ci_history")}:
        op.drop_index("ix_ci_history_previous_id", table_name="ci_history")
    has_one = sa.text("previous_id IS NOT NULL")
    op.create_index("ix_ci_history_previous_id", "ci_history", ["previous_id"], sqlite_where=has_one,
                    postgresql_where=has_one)


def downgrade() -> None:
    raise NotImplementedError("Schema downgrades are not supported: restore the database backed up before upgrading.")
