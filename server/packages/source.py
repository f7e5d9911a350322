"""A DAR as the importer reads it: a zip archive or an exploded folder, checked before anything is read.

Opening a source checks every entry up front and refuses the whole package when one is hostile:
a path that escapes the package (`../`, absolute, drive letters), a symbolic link or special file,
an encrypted or oddly compressed entry, a duplicate, more entries or more content than the limits
allow, or (zip only) an entry that inflates suspiciously (a zip bomb). Paths inside a source are
relative, '/'-separated and normalised ('a/./b/' is 'a/b').
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from ..errors import BadRequest, PayloadTooLarge
from .limits import PackageLimits

XML_MANIFEST = "deployit-manifest.xml"
MF_MANIFEST = "META-INF/MANIFEST.MF"
_SUPPORTED_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


@dataclass
class Entry:
    """A file or folder inside a source, relative to the folder it was listed from."""
    path: str
    is_dir: bool
    mode: int
    size: int
    open: Callable[[], BinaryIO] | None = None


def normalise(raw: str, label: str, what: str = "entry") -> str:
    """A relative '/'-separated path, or BadRequest when it would point outside the package."""
    name = str(raw).replace("\\", "/")
    if "\0" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise BadRequest(f"The package {label} is refused: its {what} '{raw}' points outside the package.")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise BadRequest(f"The package {label} is refused: its {what} '{raw}' points outside the package.")
    return "/".join(parts)


def _parents(path: str):
    parts = path.split("/")
    for n in range(1, len(parts)):
        yield "/".join(parts[:n])


class PackageSource:
    """Common part of zip and folder sources: an index of files and folders, and the manifest."""

    def __init__(self, label: str, limits: PackageLimits):
        self.label = label
        self.limits = limits
        self.files: dict[str, tuple[int, int]] = {}  # path -> (size, mode)
        self.dirs: dict[str, int] = {}  # path -> mode ('' is the root)

    # -- building the index ----------------------------------------------------------------------
    def _add(self, path: str, is_dir: bool, size: int, mode: int, raw: str) -> None:
        if path == "" and is_dir:
            return
        if (path in self.dirs and not is_dir) or (path in self.files and is_dir):
            raise BadRequest(f"The package {self.label} is refused: '{path}' is both a file and a folder.")
        if path in self.files or (path in self.dirs and self.dirs[path] is not None):
            raise BadRequest(f"The package {self.label} is refused: it holds the entry '{raw}' twice.")
        if len(self.files) + len(self.dirs) >= self.limits.max_entries:
            raise PayloadTooLarge(f"The package {self.label} is refused: it holds more than "
                                  f"{self.limits.max_entries} entries.")
        if is_dir:
            self.dirs[path] = mode
        else:
            self.files[path] = (size, mode)
        for parent in _parents(path):
            self.dirs.setdefault(parent, None)  # implied folder; mode unknown

    def _check_index(self) -> None:
        clash = next((p for p in self.files if p in self.dirs), None)
        if clash is not None:
            raise BadRequest(f"The package {self.label} is refused: '{clash}' is both a file and a folder.")
        total = sum(size for size, _ in self.files.values())
        if total > self.limits.max_uncompressed_size:
            raise PayloadTooLarge(f"The package {self.label} is refused: its content of {total} bytes is larger "
                                  f"than the limit of {self.limits.max_uncompressed_size} bytes.")

    # -- reading ---------------------------------------------------------------------------------
    def kind(self, path: str) -> str | None:
        """'file', 'folder' or None for a normalised path."""
        if path in self.files:
            return "file"
        if path in self.dirs or path == "":
            return "folder"
        return None

    def size(self, path: str) -> int:
        return self.files[path][0]

    def open(self, path: str) -> BinaryIO:
        raise NotImplementedError

    def walk(self, folder: str) -> list[Entry]:
        """Every file and folder below `folder`, sorted by path, paths relative to `folder`."""
        prefix = folder + "/" if folder else ""
        out = []
        for path, mode in self.dirs.items():
            if path.startswith(prefix) and path != folder:
                out.append(Entry(path[len(prefix):], True, mode or 0o755, 0))
        for path, (size, mode) in self.files.items():
            if path.startswith(prefix):
                out.append(Entry(path[len(prefix):], False, mode or 0o644, size, lambda p=path: self.open(p)))
        return sorted(out, key=lambda e: e.path)

    def manifest(self) -> tuple[str, bytes]:
        """('xml' or 'mf', the manifest's bytes); BadRequest when the package has neither."""
        for kind, name in (("xml", XML_MANIFEST), ("mf", MF_MANIFEST)):
            if name in self.files:
                if self.files[name][0] > self.limits.max_manifest_size:
                    raise PayloadTooLarge(f"The package {self.label} is refused: its {name} is larger than "
                                          f"{self.limits.max_manifest_size} bytes.")
                with self.open(name) as handle:
                    return kind, handle.read(self.limits.max_manifest_size + 1)
        nested = sorted(p for p in self.files if p.endswith("/" + XML_MANIFEST))
        hint = ""
        if nested:
            folder = nested[0][:-len(XML_MANIFEST)]
            hint = f"; it is inside '{folder}': put the content of that folder at the root of the archive"
        raise BadRequest(f"The package {self.label} has no {XML_MANIFEST} (nor an old-style {MF_MANIFEST}) "
                         f"at its root{hint}.")

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_zip(fileobj: BinaryIO, limits: PackageLimits, subject: str) -> zipfile.ZipFile:
    """Open a zip (a seekable stream) within the limits, from its central directory alone: its size, its
    number of entries, its content once unpacked, and no entry above `ratio_min_size` that inflates more
    than `max_compression_ratio` times (a zip bomb). `subject` starts the refusal ("The package x.dar").
    zipfile never unpacks more than an entry's recorded size, so the recorded sizes can be trusted."""
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    if size > limits.max_archive_size:
        raise PayloadTooLarge(f"{subject} is refused: it is {size} bytes, larger than the limit "
                              f"of {limits.max_archive_size} bytes.")
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, NotImplementedError) as exc:
        raise BadRequest(f"{subject} is not a valid zip archive ({exc}).") from None
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise PayloadTooLarge(f"{subject} is refused: it holds more than {limits.max_entries} entries.")
    for info in infos:
        if not info.is_dir() and info.file_size > limits.ratio_min_size:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise BadRequest(f"{subject} is refused: its entry '{info.filename}' inflates {int(ratio)} times "
                                 f"(more than {limits.max_compression_ratio}), which looks like a zip bomb.")
    total = sum(info.file_size for info in infos if not info.is_dir())
    if total > limits.max_uncompressed_size:
        raise PayloadTooLarge(f"{subject} is refused: its content of {total} bytes is larger "
                              f"than the limit of {limits.max_uncompressed_size} bytes.")
    return archive


class ZipSource(PackageSource):
    """A DAR file (or any zip). `fileobj` must be seekable; it stays owned by the caller."""

    def __init__(self, fileobj: BinaryIO, label: str, limits: PackageLimits):
        super().__init__(label, limits)
        self.zip = open_zip(fileobj, limits, f"The package {label}")
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in self.zip.infolist():
            self._add_info(info)
        self._check_index()

    def _add_info(self, info: zipfile.ZipInfo) -> None:
        raw, label = info.filename, self.label
        path = normalise(raw, label)
        unix_mode = info.external_attr >> 16
        if stat.S_ISLNK(unix_mode):
            raise BadRequest(f"The package {label} is refused: its entry '{raw}' is a symbolic link.")
        if info.flag_bits & 0x1:
            raise BadRequest(f"The package {label} is refused: its entry '{raw}' is encrypted.")
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise BadRequest(f"The package {label} is refused: its entry '{raw}' uses an unsupported "
                             f"compression method ({info.compress_type}).")
        is_dir = info.is_dir()
        if is_dir and info.file_size:
            raise BadRequest(f"The package {label} is not a valid zip archive (folder entry '{raw}' has content).")
        self._add(path, is_dir, 0 if is_dir else info.file_size, unix_mode & 0o777, raw)
        if not is_dir:
            self.infos[path] = info

    def open(self, path: str) -> BinaryIO:
        return self.zip.open(self.infos[path])

    def close(self) -> None:
        self.zip.close()


class FolderSource(PackageSource):
    """An exploded DAR: a folder holding the manifest and the artifacts. Links are refused, not followed."""

    def __init__(self, root: Path, label: str, limits: PackageLimits):
        super().__init__(label, limits)
        self.root = root
        if root.is_symlink() or not root.is_dir():
            raise BadRequest(f"The package {label} is not a folder.")
        self._scan(root, "")
        self._check_index()

    def _scan(self, folder: Path, rel: str) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            raise BadRequest(f"The package {self.label} cannot be read ({exc.strerror}: {rel or '.'}).") from None
        for entry in entries:
            path = f"{rel}/{entry.name}" if rel else entry.name
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                raise BadRequest(f"The package {self.label} is refused: '{path}' is a symbolic link.")
            if stat.S_ISDIR(info.st_mode):
                self._add(path, True, 0, info.st_mode & 0o777, path)
                self._scan(Path(entry.path), path)
            elif stat.S_ISREG(info.st_mode):
                self._add(path, False, info.st_size, info.st_mode & 0o777, path)
            else:
                raise BadRequest(f"The package {self.label} is refused: '{path}' is not a regular file or folder.")

    def open(self, path: str) -> BinaryIO:
        # O_NOFOLLOW: a file swapped for a link after the scan is still refused.
        fd = os.open(self.root / path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        return os.fdopen(fd, "rb")
