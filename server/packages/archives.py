"""The package limits for artifact files that do not come inside a checked DAR.

A folder artifact's file (its stored zip) or an archive artifact's file (`file.Archive`, a war, ...)
is unpacked at deployment. Wherever such a file enters the artifact store (multipart upload through
`POST/PUT /repository/ci`, the archive artifacts of an imported DAR, an import of exported CIs), it is
checked first against `package.max.*`: its size, its number of entries, its content once unpacked
and its compression ratio. A zip is checked from its central directory; a tar is read through once,
stopping as soon as it passes a limit. Entry names are not checked here: unpacking refuses those that
point outside the target at deployment.
"""

from __future__ import annotations

import tarfile
import zipfile
from typing import BinaryIO

from ..errors import BadRequest, PayloadTooLarge
from .limits import PackageLimits
from .scanning import TAR_SUFFIXES, ZIP_SUFFIXES
from .source import open_zip


class ArchiveLimits:
    """`check(ci_id, ci_type, filename, stream)` refuses an artifact file beyond the limits (4xx)."""

    def __init__(self, types, limits: PackageLimits):
        self.types = types
        self.limits = limits

    def check(self, ci_id: str, ci_type: str, filename: str, stream: BinaryIO) -> None:
        subject = f"The file of artifact {ci_id}"
        if self.types.is_a(ci_type, "udm.FolderArtifact"):  # stored as a zip of the folder's content
            open_zip(stream, self.limits, subject).close()
        elif self.types.is_a(ci_type, "udm.BaseDeployableArchiveArtifact"):
            kind = archive_kind(filename, stream)
            if kind == "zip":
                open_zip(stream, self.limits, subject).close()
            elif kind == "tar":
                check_tar(stream, self.limits, subject)


def archive_kind(filename: str, stream: BinaryIO) -> str | None:
    """'zip' or 'tar' by the file's name, else by its content (as the engine decides when unpacking)."""
    lower = (filename or "").lower()
    if lower.endswith(ZIP_SUFFIXES):
        return "zip"
    if lower.endswith(TAR_SUFFIXES):
        return "tar"
    found = "zip" if zipfile.is_zipfile(stream) else None
    stream.seek(0)
    return found


def check_tar(stream: BinaryIO, limits: PackageLimits, subject: str) -> None:
    """A tar (compressed or not) within the limits. A compressed tar is one stream, so the ratio is the
    whole content's against the file's size; reading stops as soon as a member's header passes a limit,
    which bounds the work to what the limits allow."""
    size = stream.seek(0, 2)
    stream.seek(0)
    if size > limits.max_archive_size:
        raise PayloadTooLarge(f"{subject} is refused: it is {size} bytes, larger than the limit "
                              f"of {limits.max_archive_size} bytes.")
    inflated_at_most = max(size * limits.max_compression_ratio, limits.ratio_min_size)
    entries = total = 0
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as archive:
            for member in archive:
                entries += 1
                total += member.size
                if entries > limits.max_entries:
                    raise PayloadTooLarge(f"{subject} is refused: it holds more than {limits.max_entries} entries.")
                if total > limits.max_uncompressed_size:
                    raise PayloadTooLarge(f"{subject} is refused: its content is larger than the limit of "
                                          f"{limits.max_uncompressed_size} bytes.")
                if total > inflated_at_most:
                    raise BadRequest(f"{subject} is refused: it inflates more than {limits.max_compression_ratio} "
                                     f"times, which looks like a tar bomb.")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:  # zlib/lzma/bz2 errors are OSError or ValueError
        raise BadRequest(f"{subject} is not a valid tar archive ({exc}).") from None
    finally:
        stream.seek(0)
