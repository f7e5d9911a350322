"""Self-fencing in shared mode: a server that could not renew its leases for so long that they may soon expire ends
its running tasks' steps itself, so that no step runs on it while another server fails the task and runs it again.

The rule. Leases renewed by a statement sent at moment R hold until R + `task.lease.seconds` (L), on the clock of
any server. When no renewal has succeeded since R, the server fences at

    R + max(L - heartbeat - abort grace, 2 heartbeats)

It aborts the tasks' running steps (their commands are killed at once, and their threads get `task.abort.grace` to
return, as for an abort) and detaches the tasks (it writes nothing more for them), so everything has ended a
heartbeat before any other server may find the lease expired; that heartbeat is the margin for the clocks and the
kill itself. Never before two heartbeats, so that one slow renewal is no reason. Fenced, the server claims no task
until the database answers a renewal again; the task it detached is failed by the reaper of whichever server finds
its lease expired, with the usual interrupted-step line, and its leftover commands are ended as after a crash.

The watchdog is a thread of its own that touches no database and takes no lock a database call may hold, so a tick
stuck on a database that no longer answers cannot keep it from fencing. On the normal path a renewal costs one
comparison, and the watchdog wakes once per fencing period.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

log = logging.getLogger(__name__)


def fence_after(lease: float, heartbeat: float, abort_grace: float) -> float:
    """Seconds without a successful renewal after which a server fences (the rule above)."""
    return max(lease - heartbeat - abort_grace, 2 * heartbeat)


class Fence:
    """Calls `fence(seconds since the last renewal)` once when no renewal has succeeded for `after` seconds, and
    again after each later lapse. `after=None` never fences (one server on SQLite: no other can take its tasks)."""

    def __init__(self, after: float | None, fence: Callable[[float], None]):
        self.after = after
        self._fence = fence
        self._renewed = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def renewed(self, sent_at: float) -> None:
        """A renewal sent at `sent_at` (time.monotonic()) has succeeded: the leases hold until sent_at + lease."""
        if sent_at > self._renewed:
            self._renewed = sent_at

    @property
    def lapsed(self) -> bool:
        """Whether the last successful renewal is `after` seconds old or more (claim nothing then)."""
        return self.after is not None and time.monotonic() - self._renewed >= self.after

    def start(self) -> None:
        if self.after is None or self._thread is not None:
            return
        self._renewed = time.monotonic()
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="task fence")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _watch(self) -> None:
        fenced_for = None
        while True:
            renewed = self._renewed
            wait = renewed + self.after - time.monotonic()
            if wait <= 0:
                if renewed != fenced_for:
                    fenced_for = renewed
                    try:
                        self._fence(time.monotonic() - renewed)
                    except Exception:  # noqa: BLE001 - the watchdog must go on watching
                        log.exception("Fencing the running tasks failed")
                # A renewal from now on moves the next lapse at least `after` seconds ahead.
                wait = self.after
            if self._stop.wait(wait):
                return
