"""An artifact made ready for a host: its file, folder or archive content on the server, placeholders replaced.

Kinds come from the deployable's type: `udm.FolderArtifact` (stored as a zip of the folder), archives
(`udm.BaseDeployableArchiveArtifact`: zip, jar, war, ear, tar, tar.gz, tgz, tar.bz2...), anything else a file.
Placeholders are replaced in the files the deployable calls text (`textFileNamesRegex` on the file's name, not
`excludeFileNamesRegex` on its path or name), each read and written back in its `fileEncodings` charset (UTF-8 by
default), with the deployable's `delimiters`. A file that does not decode in its charset is copied as it is. An
archive that is not extracted is rewritten with its text entries replaced, as XL Deploy's derived artifacts are.
"""

from __future__ import annotations

import io
import os
import re
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from server import placeholders as ph
from server.engine.steps.base import Run, name_of
from server.packages import folders
from server.packages.limits import PackageLimits
from server.packages.scanning import TAR_SUFFIXES, ZIP_SUFFIXES, ScanRules, rules_for

FILE, FOLDER, ARCHIVE = "file", "folder", "archive"
_SHA1 = re.compile(r"[0-9a-f]{40}")


@dataclass
class Artifact:
    """The source of a deployed (or a deployable): what it is and where its content is on the server."""
    ci: dict                 # the deployed, or the deployable itself
    deployable: dict
    kind: str                # file, folder or archive
    source: Path             # the stored file (a folder: a zip of it)
    file_name: str           # the artifact's file or folder name
    placeholders: dict = field(default_factory=dict)


@dataclass
class Payload:
    """Content ready to copy: one file (`path`, to be called `name`) or a folder tree (`path` is the folder)."""
    is_tree: bool
    path: Path
    name: str
    text_files: int = 0
    replaced_files: int = 0


def artifact_of(run: Run, ci: dict) -> Artifact:
    """The artifact behind a deployed (through its `deployable`) or a deployable."""
    deployable = run.reference(ci, "deployable") if ci.get("deployable") not in (None, "", {}) else ci
    if deployable is None:
        raise run.fail(f"{ci.get('id')} has no deployable.")
    try:
        source = Path(run.ctx.artifact_file(deployable["id"]))
    except Exception as exc:  # noqa: BLE001 - the engine's error, reworded with the CI at fault
        raise run.fail(f"{deployable['id']} has no artifact content ({exc}).") from None
    if not source.is_file():
        raise run.fail(f"The content of {deployable['id']} is missing on the server ({source}).")
    kind = kind_of(run, deployable, source)
    file_name = source.name
    if _SHA1.fullmatch(file_name) or not file_name:
        file_name = name_of(deployable["id"])
    elif kind == FOLDER and file_name.lower().endswith(".zip"):
        file_name = file_name[:-4] or name_of(deployable["id"])
    values = ci.get("placeholders") if ci is not deployable else None
    return Artifact(ci=ci, deployable=deployable, kind=kind, source=source, file_name=file_name,
                    placeholders=dict(values) if isinstance(values, dict) else {})


def kind_of(run: Run, deployable: dict, source: Path) -> str:
    type_name = deployable.get("type")
    if run.descriptor(type_name) is not None:
        if run.is_a(type_name, "udm.FolderArtifact"):
            return FOLDER
        if run.is_a(type_name, "udm.BaseDeployableArchiveArtifact"):
            return ARCHIVE
        return FILE
    # A type the registry does not know (a context without the server's types): go by the name.
    lowered = str(type_name or "").lower()
    if "folder" in lowered or lowered.endswith("sqlscripts"):
        return FOLDER
    if "archive" in lowered or is_archive_name(source.name):
        return ARCHIVE
    return FILE


def is_archive_name(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(ZIP_SUFFIXES) or lower.endswith(TAR_SUFFIXES)


# ----------------------------------------------------------------------------------------------- placeholders

def scan_rules(run: Run, deployable: dict) -> ScanRules:
    try:
        return rules_for(deployable["id"], deployable, False, PackageLimits())
    except Exception as exc:  # noqa: BLE001 - BadRequest naming the property at fault
        raise run.fail(str(exc)) from None


class Replacer:
    """Replaces placeholders in the text files of one artifact."""

    def __init__(self, run: Run, artifact: Artifact, enabled: bool = True):
        self.values = artifact.placeholders if enabled else {}
        self.rules = scan_rules(run, artifact.deployable) if self.values else None
        self.text_files = 0
        self.replaced = 0

    @property
    def active(self) -> bool:
        return bool(self.values)

    def is_text(self, relative: str) -> bool:
        return bool(self.rules and self.rules.is_text(relative))

    def text(self, data: bytes, relative: str) -> bytes | None:
        """The replaced content of a text file, or None when it is not text or nothing changed."""
        if not self.is_text(relative):
            return None
        encoding = self.rules.encoding(relative)
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            return None
        self.text_files += 1
        replaced = ph.replace(text, self.values, self.rules.delimiters)
        if replaced == text:
            return None
        self.replaced += 1
        return replaced.encode(encoding)

    def file(self, path: Path, relative: str) -> None:
        if not self.is_text(relative):
            return
        new = self.text(path.read_bytes(), relative)
        if new is not None:
            path.write_bytes(new)

    def tree(self, root: Path) -> None:
        if not self.active:
            return
        for folder, _dirs, names in os.walk(root):
            for name in names:
                full = Path(folder, name)
                if full.is_symlink() or not full.is_file():
                    continue
                self.file(full, full.relative_to(root).as_posix())


# ----------------------------------------------------------------------------------------------- preparing

def prepare(run: Run, artifact: Artifact, work: Path, *, replace: bool = True, extract: bool = False) -> Payload:
    """The artifact's content in `work` (a new folder), ready to copy to a host."""
    work.mkdir(parents=True, exist_ok=True)
    replacer = Replacer(run, artifact, replace)
    if artifact.kind == FOLDER:
        tree = work / "tree"
        try:
            with open(artifact.source, "rb") as stream:
                folders.extract(stream, tree)
        except (ValueError, zipfile.BadZipFile) as exc:
            raise run.fail(f"The folder content of {artifact.deployable['id']} cannot be unpacked: {exc}") from None
        replacer.tree(tree)
        return _payload(True, tree, artifact.file_name, replacer)
    if extract:
        tree = work / "tree"
        extract_archive(run, artifact.source, artifact.file_name, tree)
        replacer.tree(tree)
        return _payload(True, tree, artifact.file_name, replacer)
    if artifact.kind == ARCHIVE:
        if replacer.active:
            target = work / artifact.file_name
            if rewrite_archive(run, artifact.source, artifact.file_name, target, replacer):
                return _payload(False, target, artifact.file_name, replacer)
        return _payload(False, artifact.source, artifact.file_name, replacer)
    if replacer.active and replacer.is_text(artifact.file_name):
        new = replacer.text(artifact.source.read_bytes(), artifact.file_name)
        if new is not None:
            target = work / artifact.file_name
            target.write_bytes(new)
            os.chmod(target, stat.S_IMODE(artifact.source.stat().st_mode) | 0o600)
            return _payload(False, target, artifact.file_name, replacer)
    return _payload(False, artifact.source, artifact.file_name, replacer)


def _payload(is_tree: bool, path: Path, name: str, replacer: Replacer) -> Payload:
    return Payload(is_tree, path, name, replacer.text_files, replacer.replaced)


def archive_format(path: Path, name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(ZIP_SUFFIXES):
        return "zip"
    if lower.endswith(TAR_SUFFIXES):
        return "tar"
    if zipfile.is_zipfile(path):
        return "zip"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except OSError:
        pass
    return None


def extract_archive(run: Run, source: Path, name: str, destination: Path) -> list[str]:
    """Unpack a zip or tar archive into destination, refusing entries that would land outside it."""
    fmt = archive_format(source, name)
    destination.mkdir(parents=True, exist_ok=True)
    root = destination.resolve()
    try:
        if fmt == "zip":
            return _extract_zip(source, root)
        if fmt == "tar":
            with tarfile.open(source) as archive:
                if hasattr(tarfile, "data_filter"):
                    archive.extractall(root, filter="data")
                else:  # Python before 3.10.12/3.11.4: the same checks by hand
                    archive.extractall(root, members=_safe_members(archive, root))
                return [m.name for m in archive.getmembers()]
    except (tarfile.TarError, zipfile.BadZipFile, ValueError, OSError) as exc:
        raise run.fail(f"The archive {name} cannot be extracted: {exc}") from None
    raise run.fail(f"{name} is not an archive this server can extract (zip, jar, war, ear, tar, tar.gz, tgz, "
                   f"tar.bz2).")


def _safe_members(archive: tarfile.TarFile, root: Path):
    for member in archive.getmembers():
        target = (root / member.name).resolve()
        if member.name.startswith("/") or not (target == root or root in target.parents):
            raise ValueError(f"entry '{member.name}' points outside the archive")
        if member.issym() or member.islnk():
            link = (target.parent / member.linkname).resolve() if member.issym() else (root / member.linkname).resolve()
            if member.linkname.startswith("/") or not (link == root or root in link.parents):
                raise ValueError(f"entry '{member.name}' links outside the archive")
        elif not (member.isfile() or member.isdir()):
            raise ValueError(f"entry '{member.name}' is a device or pipe")
        member.mode &= 0o755
        yield member


def _extract_zip(source: Path, root: Path) -> list[str]:
    with open(source, "rb") as stream:
        return folders.extract(stream, root, what="The archive")


def top_level_entries(run: Run, source: Path, name: str, kind: str) -> list[str]:
    """The names directly under the root of a folder's zip or an archive: what copying it put in the target."""
    fmt = "zip" if kind == FOLDER else archive_format(source, name)
    found: list[str] = []
    try:
        if fmt == "zip":
            with zipfile.ZipFile(source) as archive:
                names = [i.filename for i in archive.infolist()]
        elif fmt == "tar":
            with tarfile.open(source) as archive:
                names = archive.getnames()
        else:
            return []
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        raise run.fail(f"The content of {name} cannot be listed: {exc}") from None
    for entry in names:
        parts = [p for p in entry.replace("\\", "/").split("/") if p not in ("", ".")]
        if parts and parts[0] != ".." and parts[0] not in found:
            found.append(parts[0])
    return found


def rewrite_archive(run: Run, source: Path, name: str, target: Path, replacer: Replacer) -> bool:
    """Copy an archive with placeholders replaced in its text entries; False (nothing written) when none changed."""
    fmt = archive_format(source, name)
    try:
        if fmt == "zip":
            changed = False
            with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
                for info in src.infolist():
                    data = src.read(info)
                    new = None if info.is_dir() else replacer.text(data, info.filename)
                    if new is not None:
                        changed = True
                        data = new
                    out.writestr(info, data, compress_type=info.compress_type)
            return changed
        if fmt == "tar":
            lower = name.lower()
            mode = "w:gz" if lower.endswith((".gz", ".tgz")) else "w:bz2" if lower.endswith((".bz2", ".tbz", ".tbz2")) \
                else "w:xz" if lower.endswith((".xz", ".txz")) else "w"
            changed = False
            with tarfile.open(source) as src, tarfile.open(target, mode) as out:
                for member in src.getmembers():
                    if member.isfile():
                        data = src.extractfile(member).read()
                        new = replacer.text(data, member.name)
                        if new is not None:
                            changed = True
                            data = new
                        member.size = len(data)
                        out.addfile(member, io.BytesIO(data))
                    else:
                        out.addfile(member)
            return changed
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        raise run.fail(f"Placeholders cannot be replaced in the archive {name}: {exc}") from None
    return False
