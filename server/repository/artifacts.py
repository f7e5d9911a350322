"""Artifact content, stored content-addressed (by SHA-1) under `repository/artifacts` in the home.

Files are received in two steps, so that a garbage collection running meanwhile (server/maintenance/gc.py)
never takes a file whose CI is about to be committed:
- `receiving(streams)`, before the caller's transaction: each upload is registered as in flight in the
  database (`artifact_uploads`, committed) before its temporary file `.upload-<token>` is written, and its
  SHA-1 is registered before the file can land at its content address;
- `land(received)`, inside the transaction, puts the file at its address (identical content is kept once).
When the `receiving` block ends, after the transaction committed or failed, the registrations are deleted
and files that never landed are removed. The registrations live in the database rather than in this
process, so every server sharing the database sees them; a server clears its own leftovers (from a crash)
when it starts (`forget_interrupted`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from sqlalchemy import bindparam, delete, insert, select, update

from ..store.database import Database
from ..store.dates import now_iso
from ..store.tables.repository import artifact_files, artifact_uploads

CHUNK = 1024 * 1024
TEMP_PREFIX = ".upload-"


@dataclass
class Received:
    """A file written to the store and registered as in flight, ready to land at its content address."""
    token: str
    sha1: str
    size: int
    temp: Path


class ArtifactStore:
    def __init__(self, root: Path, db: Database | None = None, node: str = ""):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.db, self.node = db, node

    def path(self, sha1: str) -> Path:
        return self.root / sha1[:2] / sha1

    def temp_path(self, token: str) -> Path:
        return self.root / f"{TEMP_PREFIX}{token}"

    # -- receiving -----------------------------------------------------------------------------
    @contextmanager
    def receiving(self, streams: dict) -> Iterator[dict]:
        """Write each stream (binary file or bytes) of `streams` into the store as an upload in flight;
        yields the same keys mapped to `Received` files. Wrap the transaction that stores their CIs."""
        if self.db is not None and self.db.writing:  # the registrations must commit before the files are written
            raise RuntimeError("Artifact files are received before the transaction that stores their CIs, not inside.")
        tokens = {key: str(uuid.uuid4()) for key in streams}
        self._register(list(tokens.values()))
        try:
            received = {key: self._write(tokens[key], stream) for key, stream in streams.items()}
            self._identify(list(received.values()))
            yield received
        finally:
            for token in tokens.values():
                self.temp_path(token).unlink(missing_ok=True)
            self._unregister(list(tokens.values()))

    def land(self, item: Received) -> None:
        """Put a received file at its content address (its SHA-1 is registered, so it is safe there)."""
        target = self.path(item.sha1)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(item.temp, target)

    def _write(self, token: str, source: BinaryIO | bytes) -> Received:
        digest, size = hashlib.sha1(), 0
        temp = self.temp_path(token)
        with open(temp, "wb") as out:
            chunks = [bytes(source)] if isinstance(source, (bytes, bytearray)) else iter(lambda: source.read(CHUNK), b"")
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        return Received(token, digest.hexdigest(), size, temp)

    # -- registrations of uploads in flight ----------------------------------------------------
    def _register(self, tokens: list[str]) -> None:
        if self.db is not None and tokens:
            stamp = now_iso()
            with self.db.write() as conn:
                conn.execute(insert(artifact_uploads), [{"token": t, "sha1": None, "node": self.node,
                                                         "started_at": stamp} for t in tokens])

    def _identify(self, received: list[Received]) -> None:
        if self.db is not None and received:
            with self.db.write() as conn:
                conn.execute(update(artifact_uploads).where(artifact_uploads.c.token == bindparam("t"))
                             .values(sha1=bindparam("s")), [{"t": r.token, "s": r.sha1} for r in received])

    def _unregister(self, tokens: list[str]) -> None:
        if self.db is not None and tokens:
            with self.db.write() as conn:
                conn.execute(delete(artifact_uploads).where(artifact_uploads.c.token.in_(tokens)))

    def in_flight(self) -> tuple[set[str], set[str]]:
        """(tokens, SHA-1s) of the uploads registered as in flight, by any server."""
        if self.db is None:
            return set(), set()
        with self.db.read() as conn:
            rows = conn.execute(select(artifact_uploads.c.token, artifact_uploads.c.sha1)).all()
        return {r.token for r in rows}, {r.sha1 for r in rows if r.sha1}

    def is_in_flight(self, sha1: str) -> bool:
        if self.db is None:
            return False
        with self.db.read() as conn:
            return conn.execute(select(artifact_uploads.c.token).where(artifact_uploads.c.sha1 == sha1).limit(1)
                                ).first() is not None

    def forget_interrupted(self) -> int:
        """Delete this server's registrations left by a previous run (its uploads ended with it)."""
        if self.db is None:
            return 0
        with self.db.write() as conn:
            return conn.execute(delete(artifact_uploads).where(artifact_uploads.c.node == self.node)).rowcount

    # -- the files artifact CIs have (written by the repository with its CIs) -------------------------
    def files_of_cis(self) -> dict[str, str]:
        """CI id -> SHA-1 of its file, for every artifact CI that has one."""
        if self.db is None:
            return {}
        with self.db.read() as conn:
            return {row.ci_id: row.sha1 for row in conn.execute(select(artifact_files.c.ci_id, artifact_files.c.sha1))}

    def has_ci(self, sha1: str) -> bool:
        """Whether an artifact CI has the file with this SHA-1."""
        if self.db is None:
            return False
        with self.db.read() as conn:
            return conn.execute(select(artifact_files.c.ci_id).where(artifact_files.c.sha1 == sha1).limit(1)
                                ).first() is not None

    # -- reading -------------------------------------------------------------------------------
    def open(self, sha1: str) -> BinaryIO:
        return open(self.path(sha1), "rb")

    def exists(self, sha1: str) -> bool:
        return self.path(sha1).exists()

    def copy_to(self, sha1: str, destination: Path) -> None:
        shutil.copyfile(self.path(sha1), destination)
