"""How many secrets a user may check a minute (`POST /repository/secrets/matches`, which answers whether a
guessed value equals a stored secret): `secrets.matches.per.minute` in deployit.conf, 30 by default.

Each secret a request compares is one guess, whether the request holds one check or a batch (the shell's
YAML apply sends one batch per file): counting a batch as one call would let a single request hold
thousands of guesses. A request whose guesses do not fit in what is left of the user's last minute is
refused whole (429) before anything is compared, so a refusal tells nothing about the values. Each server
counts the requests it answers.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from ..errors import TooManyRequests

PROPERTY = "secrets.matches.per.minute"
DEFAULT = 30
WINDOW = 60.0


class GuessLimit:
    def __init__(self, per_minute: int = DEFAULT, clock=time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._taken: dict[str, deque] = {}  # user -> (when, guesses) of the last minute, oldest first
        self._lock = threading.Lock()

    @classmethod
    def from_properties(cls, props: dict) -> "GuessLimit":
        value = str(props.get(PROPERTY) or "").strip()
        if not value:
            return cls()
        if not value.isdigit() or int(value) < 1:
            # A ValueError is what deployit-server reports as a bad setting (one line, exit 2).
            raise ValueError(f"deployit.conf: {PROPERTY} must be a whole number of at least 1, not '{value}'.")
        return cls(int(value))

    def take(self, user: str, guesses: int) -> None:
        """Count the user's guesses, or refuse them all (TooManyRequests) when they exceed the limit."""
        now = self.clock()
        with self._lock:
            taken = self._taken.setdefault(user, deque())
            while taken and taken[0][0] <= now - WINDOW:
                taken.popleft()
            if sum(n for _, n in taken) + guesses > self.per_minute:
                if not taken:
                    del self._taken[user]
                # Retry-After: when the oldest guesses of the minute no longer count (the soonest it may fit).
                wait = int(taken[0][0] + WINDOW - now + 0.999) if taken else int(WINDOW)
                raise TooManyRequests(f"Too many secret checks: at most {self.per_minute} a minute per user "
                                      f"({PROPERTY}); try again in a minute.", wait)
            taken.append((now, guesses))
