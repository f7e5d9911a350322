"""Folder artifacts: packed into one zip for storage at import, unpacked safely by the engine at deploy.

The stored zip holds the folder's content with paths relative to the folder, folders included as
`name/` entries, each entry's unix permission bits kept (so scripts stay executable) and a fixed
timestamp, in path order: the same content always gives the same bytes.

The folder's `checksum` is the SHA-1 of a canonical listing, independent of the zip: for each entry
in path order, `D <path>\\n` for a folder or `F <path>\\n<sha1 of the file>\\n` for a file (paths
UTF-8, '/'-separated, relative to the folder).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable

from .scanning import CHUNK, SPOOL, ScanRules, TextScanner, scan_archive
from .source import Entry

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class Packed:
    """Content ready for the artifact store: a temporary file at position 0, its checksum and placeholders."""
    file: BinaryIO
    checksum: str
    placeholders: set[str] = field(default_factory=set)


def _path_bytes(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape")


def pack(entries: Iterable[Entry], rules: ScanRules | None, where: str) -> Packed:
    """Pack a folder's entries (sorted, relative paths) into the stored zip; scan them when rules are given."""
    canonical = hashlib.sha1()
    found: set[str] = set()
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for entry in entries:
                if entry.is_dir:
                    info = zipfile.ZipInfo(entry.path + "/", FIXED_TIME)
                    info.external_attr = ((stat.S_IFDIR | (entry.mode & 0o777 or 0o755)) << 16) | 0x10
                    archive.writestr(info, b"")
                    canonical.update(b"D " + _path_bytes(entry.path) + b"\n")
                    continue
                found |= _pack_file(archive, entry, canonical, rules, where)
        out.seek(0)
        return Packed(out, canonical.hexdigest(), found)
    except BaseException:
        out.close()
        raise


def _pack_file(archive: zipfile.ZipFile, entry: Entry, canonical, rules: ScanRules | None, where: str) -> set[str]:
    info = zipfile.ZipInfo(entry.path, FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | (entry.mode & 0o777 or 0o644)) << 16
    scanner = TextScanner(rules.encoding(entry.path), rules.delimiters) if rules and rules.is_text(entry.path) else None
    nested = tempfile.SpooledTemporaryFile(max_size=SPOOL) if rules and rules.wants_archive(entry.path, 1) else None
    digest = hashlib.sha1()
    try:
        with entry.open() as source, archive.open(info, "w", force_zip64=entry.size >= 1 << 31) as target:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                digest.update(chunk)
                target.write(chunk)
                if scanner:
                    scanner.feed(chunk)
                if nested:
                    nested.write(chunk)
        canonical.update(b"F " + _path_bytes(entry.path) + b"\n" + digest.hexdigest().encode() + b"\n")
        found = set()
        if scanner:
            scanner.feed(b"", final=True)
            found |= scanner.names
        if nested:
            nested.seek(0)
            found |= scan_archive(nested, entry.path, rules, where, depth=1)
        return found
    finally:
        if nested:
            nested.close()


def checksum_of_directory(root: Path) -> str:
    """The canonical checksum of a folder on disk (links are not followed); same result as `pack`."""
    canonical = hashlib.sha1()
    items = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root).as_posix()
        for name in dirnames:
            items.append(((f"{rel}/{name}" if rel != "." else name), True, Path(dirpath, name)))
        for name in filenames:
            items.append(((f"{rel}/{name}" if rel != "." else name), False, Path(dirpath, name)))
    for path, is_dir, full in sorted(items):
        if is_dir:
            canonical.update(b"D " + _path_bytes(path) + b"\n")
        else:
            digest = hashlib.sha1()
            with open(full, "rb") as handle:
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    digest.update(chunk)
            canonical.update(b"F " + _path_bytes(path) + b"\n" + digest.hexdigest().encode() + b"\n")
    return canonical.hexdigest()


def extract(stream: BinaryIO, destination: Path, what: str = "The folder artifact") -> list[str]:
    """Unpack a zip (a seekable stream: a stored folder, or an archive artifact) into destination;
    returns the files written.

    Entries that would land outside destination, and symbolic links, raise ValueError naming `what`:
    a folder artifact uploaded through the repository API is not checked like an imported package.
    """
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    root = destination.resolve()
    written = []
    with zipfile.ZipFile(stream) as archive:
        for info in archive.infolist():
            name = info.filename.replace("\\", "/")
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                raise ValueError(f"{what} holds '{info.filename}', which points outside it.")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise ValueError(f"{what} holds '{info.filename}', which is a symbolic link.")
            target = root.joinpath(*parts) if parts else root
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
            if mode & 0o777:
                os.chmod(target, (mode & 0o777) | 0o600)  # the owner can always replace what it wrote
            written.append("/".join(parts))
    return written
