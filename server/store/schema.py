"""Every table of the database in one MetaData, for the migrations (`alembic --autogenerate`) and the check that
the revisions agree with the tables (schema_version.schema_differences)."""

from .tables import metadata
from .tables import repository, security, server, tasks  # noqa: F401  (declaring a table adds it to metadata)

__all__ = ["metadata"]
