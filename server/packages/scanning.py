"""Placeholder scanning of artifact content at import, by the rules the artifact's properties give.

* `textFileNamesRegex` (matched against the file's name) decides which files are text; only those
  are scanned. `excludeFileNamesRegex` (matched against the file's path inside the artifact, or its
  name) removes files from the scan.
* `fileEncodings` maps regular expressions on the file's path inside the artifact (for a file
  artifact: its file name) to a character set; the default is UTF-8. A file that does not decode in
  its character set is skipped, as it is not text after all.
* Archives (zip, jar, war, ear, tar, tar.gz, tgz) inside a folder or archive artifact are opened and
  scanned only when `scanPlaceholders` is true for archives, i.e. when the type default of
  `udm.BaseDeployableArchiveArtifact.scanPlaceholders` is true (it is false unless
  deployit-defaults.properties says otherwise), at most `max_nesting` levels deep.
* An archive artifact's own entries are scanned when its `scanPlaceholders` is true.

Regexes are Java-style `matches()`: the whole name must match. Text is read in chunks and scanned
line by line (a placeholder never spans lines), so large files do not need to fit in memory.
"""

from __future__ import annotations

import codecs
import re
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from .. import placeholders
from ..errors import BadRequest
from .limits import PackageLimits

CHUNK = 1024 * 1024
SPOOL = 8 * 1024 * 1024  # content up to this size stays in memory
MAX_LINE = 1024 * 1024  # a longer line keeps only its tail after the last opening delimiter
ZIP_SUFFIXES = (".zip", ".jar", ".war", ".ear", ".sar", ".rar", ".har", ".dar")
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz")


def is_archive_name(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(ZIP_SUFFIXES) or lower.endswith(TAR_SUFFIXES)


def _regex(value, prop: str, ci_id: str) -> re.Pattern | None:
    if value in (None, ""):
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        raise BadRequest(f"Property '{prop}' of {ci_id} is not a valid regular expression ({exc}).") from None


@dataclass
class ScanRules:
    """How to scan one artifact; built from its effective property values by `rules_for`."""
    delimiters: str = placeholders.DEFAULT_DELIMITERS
    text_names: re.Pattern | None = None
    exclude: re.Pattern | None = None
    encodings: list[tuple[re.Pattern, str]] = field(default_factory=list)
    nested_archives: bool = False
    limits: PackageLimits = field(default_factory=PackageLimits)

    def is_text(self, path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        return bool(self.text_names and self.text_names.fullmatch(name)) and not self.excluded(path)

    def excluded(self, path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        return bool(self.exclude and (self.exclude.fullmatch(path) or self.exclude.fullmatch(name)))

    def encoding(self, path: str) -> str:
        for pattern, charset in self.encodings:
            if pattern.fullmatch(path):
                return charset
        return "utf-8"

    def wants_archive(self, path: str, depth: int) -> bool:
        return self.nested_archives and depth <= self.limits.max_nesting and is_archive_name(path) \
            and not self.excluded(path)


def rules_for(ci_id: str, props: dict, nested_archives: bool, limits: PackageLimits) -> ScanRules:
    """Rules from an artifact's effective properties (manifest values over type defaults)."""
    encodings = []
    for pattern, charset in (props.get("fileEncodings") or {}).items():
        try:
            codecs.lookup(charset)
        except LookupError:
            raise BadRequest(f"Property 'fileEncodings' of {ci_id} names the unknown character set '{charset}'.") \
                from None
        encodings.append((_regex(pattern, "fileEncodings", ci_id), charset))
    delimiters = props.get("delimiters") or placeholders.DEFAULT_DELIMITERS
    try:
        placeholders.pattern(delimiters)
    except ValueError:
        raise BadRequest(f"Property 'delimiters' of {ci_id} must be two strings separated by a space, "
                         f"not '{delimiters}'.") from None
    return ScanRules(delimiters=delimiters,
                     text_names=_regex(props.get("textFileNamesRegex"), "textFileNamesRegex", ci_id),
                     exclude=_regex(props.get("excludeFileNamesRegex"), "excludeFileNamesRegex", ci_id),
                     encodings=encodings, nested_archives=nested_archives, limits=limits)


class TextScanner:
    """Feeds bytes of one file; `names` are the placeholders found, empty when it did not decode."""

    def __init__(self, encoding: str, delimiters: str):
        self.decoder = codecs.getincrementaldecoder(encoding)("strict")
        self.delimiters = delimiters
        self.opening = delimiters.split()[0]
        self.tail = ""
        self.found: set[str] = set()
        self.failed = False

    def feed(self, data: bytes, final: bool = False) -> None:
        if self.failed:
            return
        try:
            text = self.tail + self.decoder.decode(data, final)
        except UnicodeDecodeError:
            self.failed = True
            return
        cut = len(text) if final else max(text.rfind("\n"), text.rfind("\r")) + 1
        if cut:
            self.found |= placeholders.find(text[:cut], self.delimiters)
        self.tail = text[cut:]
        if len(self.tail) > MAX_LINE:
            start = self.tail.rfind(self.opening, len(self.tail) - MAX_LINE)
            self.tail = self.tail[start:] if start >= 0 else ""

    @property
    def names(self) -> set[str]:
        return set() if self.failed else self.found


class _Budget:
    """Bytes that nested archive scanning may still inflate, shared by one artifact's scan."""

    def __init__(self, limits: PackageLimits):
        self.left = limits.max_uncompressed_size
        self.limits = limits

    def take(self, size: int, where: str) -> None:
        self.left -= size
        if self.left < 0:
            raise BadRequest(f"{where} is refused: the archives inside it hold more than "
                             f"{self.limits.max_uncompressed_size} bytes.")


def scan_stream(stream: BinaryIO, path: str, rules: ScanRules) -> set[str]:
    """Placeholders in one text file read from a stream (the caller decided it is text)."""
    scanner = TextScanner(rules.encoding(path), rules.delimiters)
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        scanner.feed(chunk)
    scanner.feed(b"", final=True)
    return scanner.names


def scan_archive(stream: BinaryIO, path: str, rules: ScanRules, where: str, depth: int = 0,
                 budget: _Budget | None = None) -> set[str]:
    """Placeholders in the text files of an archive (a seekable stream); nested archives per the rules.

    A stream that is not a readable archive is skipped: it is content, not part of the package's
    structure. A zip bomb inside is refused, as in the package itself.
    """
    budget = budget or _Budget(rules.limits)
    found: set[str] = set()
    lower = path.lower()
    try:
        if lower.endswith(TAR_SUFFIXES):
            with tarfile.open(fileobj=stream, mode="r:*") as tar:
                for member in tar:
                    if member.isfile():
                        budget.take(member.size, where)
                        found |= _scan_member(lambda m=member: tar.extractfile(m), member.name, rules, where,
                                              depth, budget)
        else:
            with zipfile.ZipFile(stream) as archive:
                for info in archive.infolist():
                    if info.is_dir() or info.flag_bits & 0x1:
                        continue
                    if info.file_size > rules.limits.ratio_min_size and \
                            info.file_size / max(info.compress_size, 1) > rules.limits.max_compression_ratio:
                        raise BadRequest(f"{where} is refused: its archive {path} holds '{info.filename}', which "
                                         f"inflates like a zip bomb.")
                    budget.take(info.file_size, where)
                    found |= _scan_member(lambda i=info: archive.open(i), info.filename, rules, where, depth, budget)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, NotImplementedError, RuntimeError,
            ValueError, zlib.error):
        return found  # not a readable archive: plain content
    return found


def _scan_member(opener, name: str, rules: ScanRules, where: str, depth: int, budget: _Budget) -> set[str]:
    name = name.replace("\\", "/").lstrip("/")
    if rules.is_text(name):
        with opener() as handle:
            return scan_stream(handle, name, rules)
    if rules.wants_archive(name, depth + 1):
        with opener() as handle, tempfile.SpooledTemporaryFile(max_size=SPOOL) as copy:
            shutil.copyfileobj(handle, copy, CHUNK)
            copy.seek(0)
            return scan_archive(copy, name, rules, where, depth + 1, budget)
    return set()
