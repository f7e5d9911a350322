"""The repository's tables: CIs, their references and history, and the files behind artifact CIs. Only the
repository (server/repository/) reads and writes them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, String, Table, Text

from . import ID, metadata

cis = Table(
    "cis", metadata,
    Column("id", ID, primary_key=True),
    Column("type", String(255), nullable=False, index=True),
    Column("parent_id", ID),  # found through ix_cis_parent_name, whose first column it is
    Column("name", String(850), nullable=False),  # only matched case-blind (lower(name) LIKE), which no index serves
    Column("token", String(64), nullable=False),
    Column("created_by", String(255)),
    Column("created_at", String(32)),
    Column("modified_by", String(255)),
    Column("modified_at", String(32), index=True),
    Column("properties", Text, nullable=False),
)

# One row per reference from a property of `source_id` to `target_id`: keeps deletes and moves honest.
ci_refs = Table(
    "ci_refs", metadata,
    Column("source_id", ID, nullable=False, index=True),
    Column("property", String(255), nullable=False),
    Column("target_id", ID, nullable=False, index=True),
)

# Every create, update, import, move, rename and delete, kept for ever (deleted CIs included). A move or
# rename is recorded under the new id with the old one as `previous_id`. Each row carries the CI's creation
# meta data as it was at that version (NULL in rows written before the columns existed).
ci_history = Table(
    "ci_history", metadata,
    Column("revision", Integer, primary_key=True, autoincrement=True),
    Column("ci_id", ID, nullable=False, index=True),
    Column("previous_id", ID),  # set on moves, renames and copies only: see ix_ci_history_previous_id
    Column("action", String(16), nullable=False),
    Column("type", String(255), nullable=False),
    Column("token", String(64)),
    Column("properties", Text),
    Column("changed_by", String(255)),
    Column("changed_at", String(32)),
    Column("created_by", String(255)),
    Column("created_at", String(32)),
)

# The file behind an artifact CI; the content lives content-addressed under repository/artifacts.
artifact_files = Table(
    "artifact_files", metadata,
    Column("ci_id", ID, primary_key=True),
    Column("sha1", String(40), nullable=False, index=True),
    Column("filename", String(1024), nullable=False),
    Column("size", BigInteger, nullable=False),
)

# Artifact files being received whose CIs are not committed yet, so that garbage collection leaves them
# alone (see server/repository/artifacts.py). A row is committed before its temporary file is written
# (`sha1` is set before the file lands at its content address) and deleted once the transaction that
# stores the CIs committed or failed; a server clears the rows of its own (`node`) when it starts.
artifact_uploads = Table(
    "artifact_uploads", metadata,
    Column("token", String(36), primary_key=True),
    Column("sha1", String(40), index=True),
    Column("node", String(1024), nullable=False, index=True),
    Column("started_at", String(32), nullable=False),
)
# The content of artifact files kept in the database (`artifacts.store = database`), so that every server sharing
# it reads every file: one row per content (by SHA-1), written in the same transaction as its chunks and after
# them, and the content in chunks of at most 1 MiB, read and written one at a time.
artifact_contents = Table(
    "artifact_contents", metadata,
    Column("sha1", String(40), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("stored_at", String(32), nullable=False),
)
artifact_chunks = Table(
    "artifact_chunks", metadata,
    Column("sha1", String(40), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)
Index("ix_cis_parent_name", cis.c.parent_id, cis.c.name)
# Only the rows that have a previous id: most versions have none, and a batch of creates need not index their NULLs.
Index("ix_ci_history_previous_id", ci_history.c.previous_id, sqlite_where=ci_history.c.previous_id.isnot(None),
      postgresql_where=ci_history.c.previous_id.isnot(None))
