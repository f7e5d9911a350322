"""Artifact content, stored content-addressed (by SHA-1): under `repository/artifacts` in the home (or a folder
servers share: `artifacts.path`) by `ArtifactStore`, or in the database by `DatabaseArtifactStore`
(`artifacts.store = database`), so that every server sharing the database reads every file.

Files are received in two steps, so that a garbage collection running meanwhile (server/maintenance/gc.py)
never takes a file whose CI is about to be committed:
- `receiving(streams)`, before the caller's transaction: each upload is registered as in flight in the
  database (`artifact_uploads`, committed) before its temporary file `.upload-<token>` is written, and its
  SHA-1 is registered before the file can land at its content address;
- `land(received)`, inside the transaction, puts the file at its address (identical content is kept once).
The database store receives into the same local folder, then stores the content in chunks before the caller's
transaction (its SHA-1 is registered, so it is safe there) and lands nothing. When the `receiving` block ends, after the transaction committed or failed, the registrations are deleted
and files that never landed are removed. The registrations live in the database rather than in this
process, so every server sharing the database sees them; a server clears its own leftovers (from a crash)
when it starts (`forget_interrupted`).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from sqlalchemy import bindparam, delete, func, insert, select, update

from ..errors import Conflict
from ..store.database import Database
from ..store.dates import now_iso, parse
from ..store.tables.repository import artifact_chunks, artifact_contents, artifact_files, artifact_uploads

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
    in_database = False  # the garbage collector lists files in `root` (else rows: `contents`, `discard`)

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
            self._keep(list(received.values()))
            yield received
        finally:
            for token in tokens.values():
                self.temp_path(token).unlink(missing_ok=True)
            self._unregister(list(tokens.values()))

    def _keep(self, received: list[Received]) -> None:
        """Store the received content before the caller's transaction (the file store lands it inside)."""

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

    def place(self, sha1: str, destination: Path) -> None:
        """Put the file at `destination` (a step's work folder): a link where the file system allows one."""
        try:
            os.link(self.path(sha1), destination)
        except OSError:
            self.copy_to(sha1, destination)

    @contextmanager
    def local(self, sha1: str) -> Iterator[Path]:
        """A local file with this content for the block (the stored file itself here)."""
        yield self.path(sha1)

    def usage(self) -> tuple[int, int]:
        """(files, bytes) of the store."""
        files = size = 0
        if self.root.exists():
            for shard in self.root.iterdir():
                if shard.is_dir():
                    for path in shard.iterdir():
                        try:
                            size += path.stat().st_size
                            files += 1
                        except OSError:
                            pass
        return files, size


class DatabaseArtifactStore(ArtifactStore):
    """Artifact content in the database (`artifact_contents`, `artifact_chunks`), streamed both ways one chunk at
    a time. `root` is a local folder for files being received and for local copies that last a block."""

    in_database = True

    def _keep(self, received: list[Received]) -> None:
        for item in received:
            self._store(item)

    def _store(self, item: Received, attempts: int = 3) -> None:
        for attempt in range(attempts):
            try:
                with self.db.write() as conn:
                    # Touching the row of content stored already waits for a collection deciding about it (which
                    # locks the row), and tells it the content is young again.
                    if conn.execute(update(artifact_contents).where(artifact_contents.c.sha1 == item.sha1)
                                    .values(stored_at=now_iso())).rowcount:
                        return
                    with open(item.temp, "rb") as source:
                        for seq, chunk in enumerate(iter(lambda: source.read(CHUNK), b"")):
                            conn.execute(insert(artifact_chunks).values(sha1=item.sha1, seq=seq, data=chunk))
                    conn.execute(insert(artifact_contents).values(sha1=item.sha1, size=item.size, stored_at=now_iso()))
                    return
            except Conflict:  # another server stored the same content at the same moment: it is there now
                if attempt == attempts - 1:
                    raise

    def land(self, item: Received) -> None:
        """Nothing to do: the content was stored when it was received."""

    def open(self, sha1: str) -> BinaryIO:
        if not self.exists(sha1):
            raise FileNotFoundError(f"No artifact content {sha1} in the database.")
        return io.BufferedReader(_Chunks(self.db, sha1), CHUNK)

    def exists(self, sha1: str) -> bool:
        with self.db.read() as conn:
            return conn.execute(select(artifact_contents.c.sha1).where(artifact_contents.c.sha1 == sha1)
                                ).first() is not None

    def copy_to(self, sha1: str, destination: Path) -> None:
        with self.open(sha1) as source, open(destination, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)

    def place(self, sha1: str, destination: Path) -> None:
        self.copy_to(sha1, destination)

    @contextmanager
    def local(self, sha1: str) -> Iterator[Path]:
        """A temporary local copy streamed from the database, deleted when the block ends."""
        fd, name = tempfile.mkstemp(prefix=f".local-{sha1}-", dir=self.root)
        os.close(fd)
        try:
            self.copy_to(sha1, Path(name))
            yield Path(name)
        finally:
            os.unlink(name)

    def usage(self) -> tuple[int, int]:
        with self.db.read() as conn:
            row = conn.execute(select(func.count(), func.coalesce(func.sum(artifact_contents.c.size), 0))).first()
        return int(row[0]), int(row[1])

    # -- garbage collection (server/maintenance/gc.py) -----------------------------------------
    def contents(self) -> list[tuple[str, float]]:
        """(SHA-1, when stored as seconds since the epoch) of every content stored."""
        with self.db.read() as conn:
            rows = conn.execute(select(artifact_contents.c.sha1, artifact_contents.c.stored_at)).all()
        return [(r.sha1, _epoch(r.stored_at)) for r in rows]

    def discard(self, sha1: str, needed) -> int | None:
        """Delete the content unless `needed(sha1)` says otherwise, asked with its row locked (an upload of the
        same content waits for the answer); its size, or None when it was kept (or is gone already)."""
        with self.db.write() as conn:
            row = conn.execute(select(artifact_contents.c.size).where(artifact_contents.c.sha1 == sha1)
                               .with_for_update()).first()
            if row is None or needed(sha1):
                return None
            conn.execute(delete(artifact_chunks).where(artifact_chunks.c.sha1 == sha1))
            conn.execute(delete(artifact_contents).where(artifact_contents.c.sha1 == sha1))
            return int(row.size)


def _epoch(stamp: str) -> float:
    try:
        return parse(stamp).timestamp()
    except (TypeError, ValueError):
        return time.time()


class _Chunks(io.RawIOBase):
    """One stored content read chunk by chunk, each in its own short read."""

    def __init__(self, db: Database, sha1: str):
        self.db, self.sha1, self.seq = db, sha1, 0
        self.chunk, self.offset, self.ended = b"", 0, False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.offset >= len(self.chunk) and not self.ended:
            with self.db.read() as conn:
                row = conn.execute(select(artifact_chunks.c.data).where(
                    artifact_chunks.c.sha1 == self.sha1, artifact_chunks.c.seq == self.seq)).first()
            if row is None:
                self.ended = True
            else:
                self.chunk, self.offset, self.seq = bytes(row.data), 0, self.seq + 1
        n = min(len(buffer), len(self.chunk) - self.offset)
        buffer[:n] = self.chunk[self.offset:self.offset + n]
        self.offset += n
        return n
