"""Shared mode: servers wake each other's task engines with PostgreSQL's LISTEN/NOTIFY.

A task queued (started, or its scheduled time come), or a stop or an abort recorded, on one server is work for
another: the one with a free slot claims it, the one running it stops it. Once such a change has committed (a
TaskStore observer), the server NOTIFYs the channel `deployit_tasks` (payload: its node id); inside a write still
open on that thread the NOTIFY joins it, and PostgreSQL delivers it when that commits, never when it rolls back. Every server keeps one listening connection in a thread that wakes its
ticker at once. Polling stays: a lost notification, or a listening connection lost, costs at most one tick; the
connection is made again quietly (one log line when it is lost, one when it is back). SQLite (one server): nothing
to tell anyone."""

from __future__ import annotations

import logging
import os
import select
import threading
from typing import Callable

from sqlalchemy import text

from .states import ABORTING, QUEUED, STOPPING

log = logging.getLogger(__name__)

CHANNEL = "deployit_tasks"
# The states another server may have to act on at once.
WAKING = frozenset({QUEUED, STOPPING, ABORTING})
# Seconds between attempts to listen again, and of silence after which the listening connection is checked.
RETRY = 1.0
IDLE_CHECK = 30.0
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', :node)")


class Wakeup:
    """Tells the other servers of the task changes they must act on (`observe`, a TaskStore observer), and wakes
    this server's ticker when another server tells (`start(wake)`, `stop()`, with the ticker)."""

    def __init__(self, db, node: str):
        self.db = db
        self.node = node
        self._thread: threading.Thread | None = None
        self._stop_r, self._stop_w = -1, -1

    # -- telling ---------------------------------------------------------------------------------
    def wants(self, task_id: str, path: str | None) -> bool:
        return path is None  # the task's own state changes, never its steps'

    def observe(self, task_id: str, path: str | None, old: str | None, new: str) -> None:
        if path is not None or new not in WAKING:
            return
        try:
            # Inside a write that is still open on this thread this joins it: delivered when it commits.
            with self.db.write() as conn:
                conn.execute(_NOTIFY, {"node": self.node})
        except Exception as exc:  # noqa: BLE001 - the other servers' next tick sees the change anyway
            log.debug("Could not notify the other servers of task %s (%s): they see it at their next tick",
                      task_id, exc)

    # -- listening -------------------------------------------------------------------------------
    def start(self, wake: Callable[[], None]) -> None:
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._listen, args=(wake,), daemon=True, name="task wakeup")
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        os.write(self._stop_w, b"x")
        self._thread.join(timeout=2)
        if not self._thread.is_alive():  # else it still waits for a connection, and reads the pipe after
            os.close(self._stop_r)
            os.close(self._stop_w)
        self._thread = None

    def _stopped(self, timeout: float) -> bool:
        return bool(select.select([self._stop_r], [], [], timeout)[0])

    def _connect(self):
        engine = self.db.engine
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        # Keepalives: a connection cut off without a word (a network gone) is noticed, not waited on for ever.
        kwargs.update(keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3,
                      application_name=f"deployit wakeup {self.node}"[:63])
        kwargs.setdefault("connect_timeout", 10)
        connection = engine.dialect.loaded_dbapi.connect(*args, **kwargs)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        return connection

    def _listen(self, wake: Callable[[], None]) -> None:
        lost = False
        while True:
            connection = None
            try:
                connection = self._connect()
                if lost:
                    log.warning("The task engine listens to the other servers again")
                    lost = False
                wake()  # what was told while nobody listened
                if self._serve(connection, wake):
                    return
            except Exception as exc:  # noqa: BLE001 - the database may be away; polling covers meanwhile
                if not lost:
                    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    log.warning("The task engine lost its connection listening to the other servers (%s); until it is "
                                "back it sees their changes at each tick", reason)
                    lost = True
            finally:
                if connection is not None:
                    connection.close()
            if self._stopped(RETRY):
                return

    def _serve(self, connection, wake: Callable[[], None]) -> bool:
        """Wake the ticker for each notification from another server; True when stopped, raises when the
        connection is lost."""
        while True:
            readable = select.select([connection, self._stop_r], [], [], IDLE_CHECK)[0]
            if self._stop_r in readable:
                return True
            if not readable:  # silence a long while: is the connection still there?
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            connection.poll()
            if any(note.payload != self.node for note in connection.notifies):
                wake()
            connection.notifies.clear()
