"""The internal user store: users with passwords hashed by scrypt (salted, deliberately slow).

Basic auth sends the password with every request, so a verified (user, password) pair is cached
in memory, keyed by a fast digest, with the password hash it was verified against. An entry holds only
while that hash is still the user's current one (`current_hash`: the security snapshot, reloaded at least
every second), so a password changed or a user deleted (or made again) on any server sharing the
database ends it on every server within a second.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading

from sqlalchemy import delete, insert, select, update

from ..errors import BadRequest, Conflict, NotFound
from ..store.database import Database
from ..store.tables.security import users

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return "scrypt${}${}${}${}${}".format(SCRYPT_N, SCRYPT_R, SCRYPT_P, base64.b64encode(salt).decode(),
                                          base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                            dklen=len(base64.b64decode(digest)))
    return hmac.compare_digest(actual, base64.b64decode(digest))


class UserStore:
    def __init__(self, db: Database):
        self.db = db
        self._verified: dict[str, tuple[bytes, str]] = {}
        self._pepper = os.urandom(16)
        self._lock = threading.Lock()
        # username -> its current password hash or None, as every server sees it (set by the wiring to the
        # security snapshot); without it the cache holds until a change made through this server.
        self.current_hash = None

    def ensure_admin(self, password: str) -> bool:
        """Create the `admin` user on first start; True when it was created."""
        try:
            with self.db.write() as conn:
                if conn.execute(select(users.c.username).where(users.c.username == "admin")).first():
                    return False
                conn.execute(insert(users).values(username="admin", password_hash=hash_password(password), admin=1))
                return True
        except Conflict:  # another server sharing the database created it at the same moment
            return False

    def _cache_key(self, username: str, password: str) -> bytes:
        return hmac.new(self._pepper, f"{username}\0{password}".encode("utf-8"), hashlib.sha256).digest()

    def recently_verified(self, username: str, password: str) -> bool:
        """True when these credentials were verified before and not changed since (no hashing)."""
        key = self._cache_key(username, password)
        with self._lock:
            cached_key, cached_hash = self._verified.get(username, (b"", ""))
        if not hmac.compare_digest(cached_key, key):
            return False
        return self.current_hash is None or self.current_hash(username) == cached_hash

    def authenticate(self, username: str, password: str) -> bool:
        key = self._cache_key(username, password)
        if self.recently_verified(username, password):
            return True
        with self.db.read() as conn:
            row = conn.execute(select(users.c.password_hash).where(users.c.username == username)).first()
        if row is None or not verify_password(password, row.password_hash):
            return False
        with self._lock:
            self._verified[username] = (key, row.password_hash)
        return True

    def exists(self, username: str) -> bool:
        with self.db.read() as conn:
            return conn.execute(select(users.c.username).where(users.c.username == username)).first() is not None

    def is_admin(self, username: str) -> bool:
        with self.db.read() as conn:
            row = conn.execute(select(users.c.admin).where(users.c.username == username)).first()
            return bool(row and row.admin)

    def create(self, username: str, password: str, admin: bool = False) -> None:
        if not username or not password:
            raise BadRequest("A user needs a username and a password.")
        with self.db.write() as conn:
            if conn.execute(select(users.c.username).where(users.c.username == username)).first():
                raise Conflict(f"User {username} already exists.")
            conn.execute(insert(users).values(username=username, password_hash=hash_password(password),
                                              admin=int(admin)))

    def set_password(self, username: str, password: str) -> None:
        if not password:
            raise BadRequest(f"The new password of user {username} may not be empty.")
        with self.db.write() as conn:
            result = conn.execute(update(users).where(users.c.username == username)
                                  .values(password_hash=hash_password(password)))
            if result.rowcount != 1:
                raise NotFound(f"User {username} not found.")
        with self._lock:
            self._verified.pop(username, None)

    def set_admin(self, username: str, admin: bool) -> None:
        with self.db.write() as conn:
            result = conn.execute(update(users).where(users.c.username == username).values(admin=int(bool(admin))))
            if result.rowcount != 1:
                raise NotFound(f"User {username} not found.")

    def delete(self, username: str) -> None:
        with self.db.write() as conn:
            result = conn.execute(delete(users).where(users.c.username == username))
            if result.rowcount != 1:
                raise NotFound(f"User {username} not found.")
        with self._lock:
            self._verified.pop(username, None)

    def names(self) -> list[str]:
        with self.db.read() as conn:
            return sorted(r.username for r in conn.execute(select(users.c.username)))
