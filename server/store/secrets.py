"""Encryption of password properties at rest, with a key kept in the server home.

Stored secrets are XL Deploy's `{b64}...` form (a Fernet token). The REST API shows them as
`********` (MASK); a client that sends `********` back, or the `{b64}` value of a secret, when
updating a CI leaves the stored secret unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "{b64}"
MASK = "********"


class Secrets:
    def __init__(self, key: bytes):
        self._fernet = Fernet(key)

    @classmethod
    def from_home(cls, conf_dir: Path) -> "Secrets":
        path = conf_dir / "repository.key"
        if not path.exists():
            key = Fernet.generate_key()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(key)
        return cls(path.read_bytes().strip())

    def encrypt(self, clear: str) -> str:
        """Encrypted form of a value, as stored and as shown to clients."""
        return PREFIX + self._fernet.encrypt(clear.encode("utf-8")).decode("ascii")

    def is_encrypted(self, value: str) -> bool:
        if not isinstance(value, str) or not value.startswith(PREFIX):
            return False
        try:
            self._fernet.decrypt(value[len(PREFIX):].encode("ascii"))
            return True
        except (InvalidToken, ValueError):
            return False

    def decrypt(self, value: str) -> str:
        if not self.is_encrypted(value):
            return value
        return self._fernet.decrypt(value[len(PREFIX):].encode("ascii")).decode("utf-8")

    def protect(self, value: str | None) -> str | None:
        """Encrypt a value coming from a client unless it is already our ciphertext."""
        if value is None or value == "" or self.is_encrypted(value):
            return value
        return self.encrypt(str(value))
