"""Maintenance mode: while it is on the servers are read-only (writes get a 503), reads and tasks already
running go on. It is a row in the database, so it holds for every server sharing it and survives restarts;
a server reads it again at least every second (`REFRESH_SECONDS`)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import delete, insert, select

from ..errors import Conflict
from ..store.database import Database
from ..store.dates import now_iso
from ..store.tables.server import maintenance_mode

RUNNING = "RUNNING"
MAINTENANCE = "MAINTENANCE"
REFRESH_SECONDS = 1.0
ROW = 1


class ServerMode:
    def __init__(self, db: Database):
        self.db = db
        self._lock = threading.Lock()
        self._state: tuple[str | None, str | None] = (None, None)  # (since, by) or (None, None) when running
        self._read_at: float | None = None

    def _current(self) -> tuple[str | None, str | None]:
        with self._lock:
            if self._read_at is None or time.monotonic() - self._read_at > REFRESH_SECONDS:
                with self.db.read() as conn:
                    row = conn.execute(select(maintenance_mode).where(maintenance_mode.c.id == ROW)).first()
                self._state = (row.since, row.started_by) if row else (None, None)
                self._read_at = time.monotonic()
            return self._state

    @property
    def mode(self) -> str:
        return MAINTENANCE if self.maintenance else RUNNING

    @property
    def maintenance(self) -> bool:
        return self._current()[0] is not None

    @property
    def since(self) -> str | None:
        return self._current()[0]

    @property
    def by(self) -> str | None:
        return self._current()[1]

    def start_maintenance(self, user: str) -> None:
        try:
            with self.db.write() as conn:
                if conn.execute(select(maintenance_mode.c.id).where(maintenance_mode.c.id == ROW)).first() is None:
                    conn.execute(insert(maintenance_mode).values(id=ROW, since=now_iso(), started_by=user))
        except Conflict:  # another server started it at the same moment
            pass
        self._forget()

    def stop_maintenance(self) -> None:
        with self.db.write() as conn:
            conn.execute(delete(maintenance_mode))
        self._forget()

    def _forget(self) -> None:
        with self._lock:
            self._read_at = None

    def refusal(self, method: str, path: str) -> str:
        return (f"The server is in maintenance mode: {method} {path} is refused; writes are allowed again after "
                f"maintenance ends.")
