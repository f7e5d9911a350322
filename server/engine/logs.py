"""Step logs: lines masked for secrets, buffered briefly and appended to the store while the step runs.

A line reaches the database at most about FLUSH_SECONDS after it was logged, even when the command then
prints nothing for a long while (the engine's LogFlusher writes what waits), and at once when the step
ends; so a server killed meanwhile loses no line, and every server sharing the database reads it. A
reader on the running server asks for a flush first (TaskEngine.flush_logs) and sees every line at once.
Lines are appended by the step's thread without waiting for the database (except past FLUSH_LINES).
Written under the task's claim (server/engine/store.py): lines flushed after it moved on are dropped.
"""

from __future__ import annotations

import logging
import threading

from .store import ClaimLost

log = logging.getLogger(__name__)

MASK = "********"
FLUSH_SECONDS = 0.2
FLUSH_LINES = 200


class Secrets:
    """The clear text of every secret a task's steps were given; masked in every log line."""

    def __init__(self):
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._ordered: list[str] = []

    def add(self, value) -> None:
        if isinstance(value, str) and len(value) >= 3 and value not in self._values:
            with self._lock:
                self._values.add(value)
                # Longest first, so a secret containing another is masked whole.
                self._ordered = sorted(self._values, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for value in self._ordered:
            if value in text:
                text = text.replace(value, MASK)
        return text


class LogFlusher:
    """One thread per engine that writes the lines of every step log holding some, FLUSH_SECONDS after the first
    of them was logged; it sleeps while no log holds lines."""

    def __init__(self, seconds: float = FLUSH_SECONDS):
        self.seconds = seconds
        self._waiting: list[StepLog] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False

    def due(self, step_log: StepLog) -> None:
        """`step_log` has just got its first unwritten line."""
        with self._wake:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="step log flusher")
                self._thread.start()
            if not self._waiting:
                self._wake.notify()  # only when idle: a notify during its FLUSH_SECONDS wait would cut it short
            self._waiting.append(step_log)

    def close(self) -> None:
        """Write what waits and end the thread (the engine shuts down; a later line starts it again)."""
        with self._wake:
            thread, self._closing = self._thread, True
            self._wake.notify()
        if thread is not None:
            thread.join()
        with self._wake:
            self._thread, self._closing = None, False
            waiting, self._waiting = self._waiting, []
        for step_log in waiting:  # logged while the thread was ending
            step_log.flush()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._waiting and not self._closing:
                    self._wake.wait()
                if not self._waiting:
                    return
                if not self._closing:
                    # Lines logged meanwhile go in the same write: one write per log per period, however chatty.
                    self._wake.wait(self.seconds)
                waiting, self._waiting = self._waiting, []
            for step_log in waiting:
                try:
                    step_log.flush()
                except Exception:  # noqa: BLE001 - the lines stay for the step's own flush, which fails the step
                    log.exception("The log of step %s of task %s could not be written", step_log.path,
                                  step_log.task_id)


class StepLog:
    def __init__(self, store, task_id: str, path: str, secrets: Secrets, flusher: LogFlusher | None = None,
                 claim=None, lost=None):
        self.store, self.task_id, self.path, self.secrets, self.flusher = store, task_id, path, secrets, flusher
        self.claim, self.lost = claim, lost  # the task's claim, and what to call when a write finds it moved on
        self._lines: list[str] = []
        self._lock = threading.Lock()  # guards _lines; never held while writing, so logging does not wait
        self._writing = threading.Lock()  # one write at a time, so chunks are stored in the order logged

    def line(self, text) -> None:
        """Append one line (a trailing newline is dropped; embedded newlines make several lines)."""
        text = self.secrets.mask(str(text).rstrip("\n"))
        with self._lock:
            self._lines.append(text + "\n")
            count = len(self._lines)
        if count >= FLUSH_LINES:
            self.flush()
        elif count == 1 and self.flusher is not None:
            self.flusher.due(self)

    def flush(self) -> None:
        with self._writing:
            with self._lock:
                text, self._lines = "".join(self._lines), []
            if text:
                try:
                    self.store.append_log(self.task_id, self.path, text, self.claim)
                except ClaimLost:
                    if self.lost is not None:
                        self.lost()  # the lines are dropped: the task is another server's now
                except Exception:
                    with self._lock:
                        self._lines.insert(0, text)
                    raise
