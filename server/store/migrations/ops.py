"""Schema changes that do only what a database lacks. Databases made before schema versioning were kept up to
date by create_all and ad-hoc ALTERs, so they may hold any part of a revision already; the revisions up to the
one that brought versioning in (0002) use these, later ones Alembic's plain `op`."""

from __future__ import annotations

from alembic import op
from sqlalchemy import Column, Table, inspect


def ensure_table(table: Table) -> None:
    """Create `table` with its indexes; where it exists, add the columns and indexes it lacks of those declared."""
    bind = op.get_bind()
    inspector = inspect(bind)
    if not inspector.has_table(table.name):
        table.create(bind)
        return
    present = {column["name"] for column in inspector.get_columns(table.name)}
    for column in table.columns:
        if column.name not in present:
            op.add_column(table.name, _addable(column))
    indexes = {index["name"] for index in inspector.get_indexes(table.name)}
    for index in table.indexes:
        if index.name not in indexes:
            index.create(bind)


def _addable(column: Column) -> Column:
    """The column as it can be added to a table with rows: its default in the database, nullable without one."""
    default = column.default.arg if column.default is not None and not callable(column.default.arg) else None
    return Column(column.name, column.type, nullable=column.nullable or default is None,
                  server_default=None if default is None else str(default))
