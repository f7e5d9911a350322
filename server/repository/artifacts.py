"""Artifact content, stored content-addressed (by SHA-1) under `repository/artifacts` in the home."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

CHUNK = 1024 * 1024


class ArtifactStore:
    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha1: str) -> Path:
        return self.root / sha1[:2] / sha1

    def put(self, source: BinaryIO | bytes, check: Callable[[BinaryIO], None] | None = None) -> tuple[str, int]:
        """Store content; returns (sha1, size). Identical content is stored once. `check` reads the
        content (a seekable file) before it joins the store, and may refuse it by raising."""
        digest, size = hashlib.sha1(), 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                if isinstance(source, (bytes, bytearray)):
                    chunks = [bytes(source)]
                else:
                    chunks = iter(lambda: source.read(CHUNK), b"")
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    tmp.write(chunk)
            if check is not None:
                with open(tmp_name, "rb") as written:
                    check(written)
            sha1 = digest.hexdigest()
            target = self.path(sha1)
            if target.exists():
                os.unlink(tmp_name)
                # Fresh again: the garbage collector spares young files while their CI is being committed.
                os.utime(target)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_name, target)
            return sha1, size
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def open(self, sha1: str) -> BinaryIO:
        return open(self.path(sha1), "rb")

    def exists(self, sha1: str) -> bool:
        return self.path(sha1).exists()

    def copy_to(self, sha1: str, destination: Path) -> None:
        shutil.copyfile(self.path(sha1), destination)
