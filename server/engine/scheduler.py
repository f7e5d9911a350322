"""Scheduled times read and checked, and the ticker that has the engine look at the database every moment."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy.exc import DBAPIError

from ..errors import BadRequest
from ..store.dates import format_date

log = logging.getLogger(__name__)

# How far ahead a task may be scheduled. XL Deploy promises at least three weeks; we allow a year.
HORIZON = timedelta(days=365)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_time(text: str | None, task_id: str) -> datetime:
    """An ISO-8601 date-time (`Z`, `+01:00`, `+0100` or no zone, which means UTC) or epoch milliseconds."""
    value = (text or "").strip()
    if not value:
        raise BadRequest(f"Query parameter 'time' is required to schedule task {task_id} (an ISO-8601 date-time).")
    if value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, timezone.utc)
    fixed = value.replace("Z", "+00:00").replace(" ", "T", 1)
    if len(fixed) > 5 and fixed[-5] in "+-" and fixed[-4:].isdigit() and fixed[-3] != ":":
        fixed = fixed[:-2] + ":" + fixed[-2:]
    try:
        moment = datetime.fromisoformat(fixed)
    except ValueError:
        raise BadRequest(f"Cannot schedule task {task_id}: '{value}' is not an ISO-8601 date-time "
                         f"like 2030-01-31T12:00:00Z.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def check_schedule(moment: datetime, task_id: str, now: datetime | None = None) -> None:
    now = now or utc_now()
    if moment <= now:
        raise BadRequest(f"Cannot schedule task {task_id} at {format_date(moment)}: that is in the past "
                         f"(it is now {format_date(now)}, UTC).")
    if moment > now + HORIZON:
        raise BadRequest(f"Cannot schedule task {task_id} at {format_date(moment)}: tasks can be scheduled at most "
                         f"{HORIZON.days} days ahead.")


def parse_stored(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


class Ticker:
    """Calls `tick` every `interval` seconds, and at once when woken (one thread). The engine's tick claims queued
    tasks, queues those whose scheduled time has come, renews its claims and fails tasks whose claim expired:
    the database, not this thread, knows what is due, so a schedule made on any server is the one that counts."""

    def __init__(self, tick, interval: float):
        self._tick = tick
        self.interval = interval
        # What wakes it from outside (server/engine/wakeup.py: other servers), started and stopped with it.
        self.wakers: list = []
        self._cond = threading.Condition()
        self._running = False
        self._woken = False
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        with self._cond:
            self._woken = True
            self._cond.notify()

    def start(self) -> None:
        with self._cond:
            self._running = True
        self._thread = threading.Thread(target=self._loop, daemon=True, name="task ticker")
        self._thread.start()
        for waker in self.wakers:
            waker.start(self.wake)

    def stop(self) -> None:
        for waker in self.wakers:
            waker.stop()
        with self._cond:
            self._running = False
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        failing = False
        while True:
            with self._cond:
                if not self._woken and self._running:
                    self._cond.wait(self.interval)
                self._woken = False
                if not self._running:
                    return
            try:
                self._tick()
            except Exception as exc:  # noqa: BLE001 - the database may be away a while; the next tick tries again
                if failing:
                    log.debug("The task engine's tick failed again", exc_info=True)
                elif isinstance(exc, DBAPIError):  # once, not every tick for as long as the database is away
                    reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
                    log.warning("The task engine cannot reach the database (%s); it tries again every %g s", reason,
                                self.interval)
                else:
                    log.exception("The task engine's tick failed; it tries again every %g s", self.interval)
                failing = True
            else:
                if failing:
                    log.warning("The task engine's tick works again")
                failing = False
