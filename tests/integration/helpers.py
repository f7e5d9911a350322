"""Helpers for the REST integration tests: unique ids, URL quoting, and a look at the database file."""

from __future__ import annotations

import sqlite3
import uuid
from urllib.parse import quote

TABLES = ("cis", "ci_refs", "ci_history", "artifact_files")


def unique(prefix: str = "ci") -> str:
    """A name no other test uses, so tests can share one server."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def path(ci_id: str) -> str:
    """An id as it goes into a URL path: slashes kept, everything else percent-encoded."""
    return quote(ci_id, safe="/")


def db_file(server):
    return server.home / "repository" / "repository.db"


def db_state(server) -> dict:
    """Every row of the repository tables, read from the SQLite file as another process would."""
    conn = sqlite3.connect(f"file:{db_file(server)}?mode=ro", uri=True)
    try:
        return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in TABLES}
    finally:
        conn.close()


def create(api, ci_id: str, ci_type: str, **props) -> dict:
    """Create a CI through REST and return its JSON; fails the test on any error."""
    response = api.post(f"/repository/ci/{path(ci_id)}", json={"id": ci_id, "type": ci_type, **props})
    assert response.status_code == 200, response.text
    return response.json()


def exists(api, ci_id: str) -> bool:
    response = api.get(f"/repository/exists/{path(ci_id)}")
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def history(api, ci_id: str) -> list[dict]:
    response = api.get(f"/repository/history/{path(ci_id)}")
    assert response.status_code == 200, response.text
    return response.json()
