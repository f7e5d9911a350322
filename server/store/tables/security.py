"""Security's tables: users, roles, their principals and grants, and the audit trail. Only security
(server/security/) reads and writes them."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from . import ID, metadata

users = Table(
    "users", metadata,
    Column("username", String(255), primary_key=True),
    Column("password_hash", String(512), nullable=False),
    Column("admin", Integer, nullable=False, default=0),
)

# Roles, the principals (users) each role is assigned to, and the
# permissions granted to roles, globally (ci_id "") or on a root or core.Directory.
roles = Table(
    "roles", metadata,
    Column("name", String(255), primary_key=True),
)

role_principals = Table(
    "role_principals", metadata,
    Column("role", String(255), primary_key=True),
    Column("principal", String(255), primary_key=True),
)

role_permissions = Table(
    "role_permissions", metadata,
    Column("role", String(255), primary_key=True),
    Column("permission", String(64), primary_key=True),
    Column("ci_id", ID, primary_key=True),  # "" for a global grant
)
Index("ix_role_permissions_ci", role_permissions.c.ci_id)

# The audit trail: one row per action that changes something (or was refused), never a request body.
audit = Table(
    "audit", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False, index=True),
    Column("username", String(255), index=True),
    Column("action", String(255), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", Text, nullable=False),
    Column("target", Text),
    Column("address", String(64)),
    Column("status", Integer, nullable=False),
    Column("result", String(16), nullable=False),
    Column("message", Text),
)
