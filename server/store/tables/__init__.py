"""The tables of the database (SQLAlchemy Core), declared by the service that owns them: `repository`,
`security`, `tasks`. A service reads and writes only its own; `server.store.schema` gathers them all.

A change to a table needs a revision in server/store/migrations/versions/ (see ARCHITECTURE.md): the server makes
and upgrades databases with the revisions, and a test checks that they agree with these tables."""

from sqlalchemy import MetaData, String

ID = String(850)  # XL Deploy's id length limit for every supported database

metadata = MetaData()
