"""Export and import of a repository subtree as one zip archive.

The archive holds `export-manifest.json` and `artifacts/<sha1>` (each artifact file once):

    {"format": "deployit-export", "formatVersion": 1, "root": "Applications" | null (everything),
     "exportedAt": ..., "exportedBy": ..., "cis": [{"id", "type", "properties": {stored properties},
                                                   "createdBy", "createdAt",
                                                   "file": {"sha1", "filename", "size"} | null}, ...]}

CIs are listed parents first with their properties as stored, so password values travel as the ciphertext
of the exporting server (`{b64}...`, never in clear): importing them needs the same `conf/repository.key`,
and an archive with a secret this server cannot decrypt is refused. Importing replaces the exported location
(the root CI and everything below it; for a repository root or everything, the roots' content) in one
transaction with the files. The import is a new version (IMPORT) of each CI it writes: a CI that is there
with the same type keeps its history, `$createdBy` and `$createdAt`; one that is not (deleted since, or
never here) gets those of the archive (archives written before they were exported: the importer's). Archives with other entries, paths, malformed manifests, CIs outside their root,
files whose content does not match their SHA-1 or sizes beyond the package limits are refused with one
sentence, before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BadRequest
from ..packages.limits import PackageLimits
from ..repository.ids import ROOT_TYPE, ROOTS, check_id, name_of
from ..repository.service import ArtifactUpload, Repository
from ..store.dates import now_iso, parse_date
from ..store.secrets import PREFIX

FORMAT = "deployit-export"
MANIFEST = "export-manifest.json"
ARTIFACTS = "artifacts/"
CHUNK = 1024 * 1024


def archive_name(root: str | None, moment) -> str:
    """`<Root>-<yyyyMMddTHHmmss>.zip`: the root's name, or `Repository` for everything."""
    return f"{name_of(root) if root else 'Repository'}-{moment.strftime('%Y%m%dT%H%M%S')}.zip"


def normalise_root(root) -> str | None:
    """None for everything ('/', '' or None), else a checked CI id."""
    if root is None or not str(root).strip().strip("/"):
        return None
    return check_id(str(root).strip().strip("/"))


def _under(ci_id: str, root: str | None) -> bool:
    return root is None or ci_id == root or ci_id.startswith(root + "/")


# -- export -------------------------------------------------------------------------------------------

def export(repository: Repository, root: str | None, target: Path, user: str, log=lambda line: None) -> dict:
    """Write the subtree under `root` (None: everything) to `target`; a summary of what was written."""
    if root is not None:
        repository.read(root)  # NotFound names the root
    entries, files = [], {}
    for ci_id in repository.ids_below(root):
        rec = repository.read(ci_id)
        if rec.type == ROOT_TYPE:
            continue
        found = repository.artifact_file(ci_id)
        entry = {"id": rec.id, "type": rec.type, "properties": rec.properties, "createdBy": rec.created_by,
                 "createdAt": rec.created_at, "file": None}
        if found is not None:
            sha1, filename, size = found
            entry["file"] = {"sha1": sha1, "filename": filename, "size": size}
            files[sha1] = size
        entries.append(entry)
    manifest = {"format": FORMAT, "formatVersion": 1, "root": root, "exportedAt": now_iso(), "exportedBy": user,
                "cis": entries}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
            for sha1 in sorted(files):
                with repository.artifacts.local(sha1) as stored:
                    archive.write(stored, ARTIFACTS + sha1)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    log(f"Exported {len(entries)} CIs and {len(files)} artifact files from {root or 'the whole repository'} "
        f"to {target}")
    return {"cis": len(entries), "files": len(files), "file": str(target)}


# -- import -------------------------------------------------------------------------------------------

@dataclass
class Archive:
    """A checked export archive: its root (None: everything) and CIs; files are read from `path`."""
    path: Path
    root: str | None
    cis: list[dict] = field(default_factory=list)

    @property
    def roots(self) -> list[str]:
        return [self.root] if self.root else list(ROOTS)


def _refuse(label: str, why: str) -> BadRequest:
    return BadRequest(f"The archive {label} cannot be imported: {why}.")


def read_archive(path: Path, repository: Repository, limits: PackageLimits | None = None) -> Archive:
    """Open and check an export archive; BadRequest with one sentence when it is not a sound one."""
    limits = limits or PackageLimits()
    label = path.name
    if not path.is_file():
        raise BadRequest(f"There is no export archive {label} on the server.")
    if path.stat().st_size > limits.max_archive_size:
        raise _refuse(label, f"it is larger than {limits.max_archive_size} bytes")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_entries:
                raise _refuse(label, f"it has more than {limits.max_entries} entries")
            names = {}
            for info in infos:
                if info.filename != MANIFEST and not (info.filename.startswith(ARTIFACTS) and len(
                        info.filename) == len(ARTIFACTS) + 40 and all(
                        c in "0123456789abcdef" for c in info.filename[len(ARTIFACTS):])):
                    raise _refuse(label, f"it holds the unexpected entry '{info.filename}'")
                if info.filename in names:
                    raise _refuse(label, f"it holds '{info.filename}' twice")
                names[info.filename] = info
            if sum(i.file_size for i in infos) > limits.max_uncompressed_size:
                raise _refuse(label, f"its content is larger than {limits.max_uncompressed_size} bytes")
            if MANIFEST not in names:
                raise _refuse(label, f"it has no {MANIFEST}, so it is not an export of this server")
            if names[MANIFEST].file_size > limits.max_manifest_size:
                raise _refuse(label, "its manifest is too large")
            try:
                manifest = json.loads(archive.read(MANIFEST))
            except (ValueError, UnicodeDecodeError, RecursionError) as exc:
                raise _refuse(label, f"its manifest is not valid JSON ({exc})") from None
            root, entries = _check_manifest(label, manifest, repository)
            for entry in entries:
                file = entry.get("file")
                if file is None:
                    continue
                name = ARTIFACTS + file["sha1"]
                if name not in names:
                    raise _refuse(label, f"the file of {entry['id']} ({file['sha1']}) is missing")
            for name, info in names.items():
                if name == MANIFEST:
                    continue
                digest = hashlib.sha1()
                with archive.open(info) as handle:
                    for chunk in iter(lambda: handle.read(CHUNK), b""):
                        digest.update(chunk)
                if digest.hexdigest() != name[len(ARTIFACTS):]:
                    raise _refuse(label, f"the content of {name} does not match its SHA-1")
    except zipfile.BadZipFile as exc:
        raise _refuse(label, f"it is not a zip archive ({exc})") from None
    return Archive(path, root, entries)


def _check_manifest(label: str, manifest, repository: Repository):
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(label, f"its manifest is not a {FORMAT} manifest")
    raw_root = manifest.get("root")
    if raw_root is not None and not isinstance(raw_root, str):
        raise _refuse(label, "the root in its manifest is not a CI id")
    try:
        root = normalise_root(raw_root)
    except BadRequest as exc:
        raise _refuse(label, f"its root is not a valid CI id ({exc.message.rstrip('.')})") from None
    entries = manifest.get("cis")
    if not isinstance(entries, list):
        raise _refuse(label, "its manifest has no list of CIs")
    seen = set()
    secrets = repository.secrets
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not isinstance(
                entry.get("type"), str) or not isinstance(entry.get("properties", {}), dict):
            raise _refuse(label, "a CI in its manifest is not an object with an id, a type and properties")
        try:
            ci_id = check_id(entry["id"])
        except BadRequest as exc:
            raise _refuse(label, f"it holds an invalid CI id ({exc.message.rstrip('.')})") from None
        if ci_id in ROOTS or not _under(ci_id, root):
            raise _refuse(label, f"CI {ci_id} is outside the exported location {root or 'the repository'}")
        if ci_id in seen:
            raise _refuse(label, f"it lists CI {ci_id} twice")
        seen.add(ci_id)
        entry["id"] = ci_id
        created = (entry.get("createdBy"), entry.get("createdAt"))
        if any(value is not None and not isinstance(value, str) for value in created):
            raise _refuse(label, f"the createdBy or createdAt of CI {ci_id} is not text")
        if created[1]:
            try:
                entry["createdAt"] = parse_date(created[1], "createdAt")
            except BadRequest:
                raise _refuse(label, f"the createdAt of CI {ci_id} is not an ISO-8601 date") from None
        file = entry.get("file")
        if file is not None and not (isinstance(file, dict) and isinstance(file.get("sha1"), str)
                                     and len(file["sha1"]) == 40 and isinstance(file.get("filename"), str)):
            raise _refuse(label, f"the file of CI {ci_id} is not described by a sha1 and a filename")
        for key, value in (entry.get("properties") or {}).items():
            for text in (value.values() if isinstance(value, dict) else [value]):
                if isinstance(text, str) and text.startswith(PREFIX) and not secrets.is_encrypted(text):
                    raise _refuse(label, f"the secret '{key}' of {ci_id} was encrypted with another key; give "
                                         f"this server the exporting server's conf/repository.key")
    entries.sort(key=lambda e: (e["id"].count("/"), e["id"]))
    return root, entries


class _ZipMember:
    """An archive member opened when first read (so that many uploads can wait on one archive)."""

    def __init__(self, archive: zipfile.ZipFile, name: str):
        self.archive, self.name, self.handle = archive, name, None

    def read(self, size: int = -1) -> bytes:
        if self.handle is None:
            self.handle = self.archive.open(self.name)
        return self.handle.read(size)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def import_archive(repository: Repository, archive: Archive, user: str, log=lambda line: None) -> dict:
    """Replace the exported location with the archive's CIs and files, in one transaction (see the module
    docstring for what each CI keeps)."""
    items = [dict(e.get("properties") or {}, id=e["id"], type=e["type"]) for e in archive.cis]
    with zipfile.ZipFile(archive.path) as handle:
        uploads = {e["id"]: ArtifactUpload(filename=e["file"]["filename"],
                                           stream=_ZipMember(handle, ARTIFACTS + e["file"]["sha1"]))
                   for e in archive.cis if e.get("file")}
        created = {e["id"]: (e["createdBy"], e["createdAt"]) for e in archive.cis
                   if e.get("createdBy") and e.get("createdAt")}
        try:
            repository.replace(archive.roots, items, user, uploads, created)
        finally:
            for upload in uploads.values():
                upload.stream.close()
    log(f"Imported {len(items)} CIs and {len(uploads)} artifact files into {archive.root or 'the repository'} "
        f"from {archive.path.name}")
    return {"cis": len(items), "files": len(uploads)}
