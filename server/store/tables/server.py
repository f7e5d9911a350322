"""The state every server sharing the database agrees on: maintenance mode. Only maintenance
(server/maintenance/) reads and writes it."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from . import metadata

# One row (id 1) while the servers are in maintenance mode: since when and who started it.
maintenance_mode = Table(
    "maintenance_mode", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("since", String(32), nullable=False),
    Column("started_by", String(255), nullable=False),
)
