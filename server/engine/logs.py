"""Step logs: lines masked for secrets, buffered briefly and appended to the store while the step runs.

A line reaches the database at most FLUSH_SECONDS after it was logged (and at once when the step
ends); a reader asks for a flush first (TaskEngine.flush_logs), so it sees every line logged so far.
"""

from __future__ import annotations

import threading
import time

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


class StepLog:
    def __init__(self, store, task_id: str, path: str, secrets: Secrets):
        self.store, self.task_id, self.path, self.secrets = store, task_id, path, secrets
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def line(self, text) -> None:
        """Append one line (a trailing newline is dropped; embedded newlines make several lines)."""
        text = self.secrets.mask(str(text).rstrip("\n"))
        with self._lock:
            self._lines.append(text + "\n")
            due = len(self._lines) >= FLUSH_LINES or time.monotonic() - self._last_flush >= FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            text, self._lines = "".join(self._lines), []
            self._last_flush = time.monotonic()
            if text:
                self.store.append_log(self.task_id, self.path, text)
