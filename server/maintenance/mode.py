"""Maintenance mode: while it is on the server is read-only (writes get a 503), reads and tasks already
running go on. It lives in this server's memory: it ends when the server restarts, and in shared mode
each server has its own."""

from __future__ import annotations

import threading

from ..store.dates import now_iso

RUNNING = "RUNNING"
MAINTENANCE = "MAINTENANCE"


class ServerMode:
    def __init__(self):
        self._lock = threading.Lock()
        self.mode = RUNNING
        self.since: str | None = None
        self.by: str | None = None

    @property
    def maintenance(self) -> bool:
        return self.mode == MAINTENANCE

    def start_maintenance(self, user: str) -> None:
        with self._lock:
            if self.mode != MAINTENANCE:
                self.mode, self.since, self.by = MAINTENANCE, now_iso(), user

    def stop_maintenance(self) -> None:
        with self._lock:
            self.mode, self.since, self.by = RUNNING, None, None

    def refusal(self, method: str, path: str) -> str:
        return (f"The server is in maintenance mode: {method} {path} is refused; writes are allowed again after "
                f"maintenance ends.")
