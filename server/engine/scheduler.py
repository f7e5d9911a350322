"""Wakes the engine when a scheduled task's time comes (one thread, sleeping until the next time)."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from ..errors import BadRequest
from ..store.dates import format_date

log = logging.getLogger(__name__)

# How far ahead a task may be scheduled. XL Deploy promises at least three weeks; we allow a year.
HORIZON = timedelta(days=365)
_LONGEST_SLEEP = 60.0


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


class Scheduler:
    def __init__(self, fire):
        self._fire = fire
        self._due: dict[str, datetime] = {}
        self._cond = threading.Condition()
        self._running = False
        self._thread: threading.Thread | None = None

    def add(self, task_id: str, moment: datetime) -> None:
        with self._cond:
            self._due[task_id] = moment
            self._cond.notify()

    def cancel(self, task_id: str) -> None:
        with self._cond:
            self._due.pop(task_id, None)
            self._cond.notify()

    def start(self) -> None:
        with self._cond:
            self._running = True
        self._thread = threading.Thread(target=self._loop, daemon=True, name="task scheduler")
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._running = False
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            with self._cond:
                if not self._running:
                    return
                now = utc_now()
                ready = sorted((t, i) for i, t in self._due.items() if t <= now)
                for _, task_id in ready:
                    del self._due[task_id]
                if not ready:
                    upcoming = min(self._due.values(), default=None)
                    wait = _LONGEST_SLEEP if upcoming is None else min(_LONGEST_SLEEP, (upcoming - now).total_seconds())
                    self._cond.wait(max(wait, 0.01))
                    continue
            for _, task_id in ready:
                try:
                    self._fire(task_id)
                except Exception:  # noqa: BLE001 - one broken task must not stop the scheduler
                    log.exception("Could not start scheduled task %s", task_id)
