"""The package service: import a DAR (by name from the importable packages folder, uploaded, or from a
URL) into the repository as one application version with its deployables and their files.

An import reads and checks everything first (the archive's entries, the manifest, the target in the
repository, every artifact's content) and then writes all CIs and their files in one repository
transaction: a refused package leaves the repository as it was. Content already copied to the
artifact store by a failed import is unreferenced and reclaimed by garbage collection.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from ..errors import BadRequest, Conflict, NotFound
from ..repository.ids import parent_of
from ..repository.service import ArtifactUpload, CiRecord, Repository
from ..text import check_file_name
from ..types import TypeRegistry
from . import folders
from .fetch import download, file_name
from .limits import PackageLimits
from .manifest import DeployableSpec, Manifest, parse
from .scanning import CHUNK, SPOOL, ScanRules, TextScanner, rules_for, scan_archive
from .source import MF_MANIFEST, XML_MANIFEST, FolderSource, PackageSource, ZipSource, normalise

log = logging.getLogger(__name__)

MAX_LISTING_DEPTH = 8


def _boolean(value, prop: str, ci_id: str) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise BadRequest(f"Property '{prop}' of {ci_id} must be true or false, not '{value}'.")
    return text == "true"


class PackageService:
    def __init__(self, repository: Repository, types: TypeRegistry, importable_folder: Path | None,
                 limits: PackageLimits | None = None):
        self.repo = repository
        self.types = types
        self.folder = Path(importable_folder) if importable_folder else None
        self.limits = limits or PackageLimits()
        # authorize(user, application id): raises when the user may not import into that application
        # (server/security/policy.py); checked once the manifest is read, before anything is written.
        self.authorize = None
        # may_read(user) -> predicate(ci_id): whether a refusal may name a CI the import collides with; one the
        # importer may not read is not named (the refusal stands: application names are unique).
        self.may_read = None

    @classmethod
    def from_config(cls, repository: Repository, types: TypeRegistry, config) -> "PackageService":
        return cls(repository, types, config.importable_packages, PackageLimits.from_properties(config.properties))

    # -- the importable packages folder ----------------------------------------------------------
    def list_importable(self) -> list[str]:
        """Names of the packages in the importable packages folder: `.dar` files and exploded DAR
        folders (a folder holding a manifest), as paths relative to the folder, e.g. `PetClinic/1.0`."""
        if not self.folder or not self.folder.is_dir():
            return []
        names: list[str] = []

        def visit(folder: Path, rel: str, depth: int) -> None:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                return
            for entry in entries:
                if entry.name.startswith(".") or entry.is_symlink():
                    continue
                path = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    here = Path(entry.path)
                    if (here / XML_MANIFEST).is_file() or (here / MF_MANIFEST).is_file():
                        names.append(path)
                    elif depth < MAX_LISTING_DEPTH:
                        visit(here, path, depth + 1)
                elif entry.is_file(follow_symlinks=False) and entry.name.lower().endswith(".dar"):
                    names.append(path)

        visit(self.folder, "", 0)
        return names

    def import_named(self, name: str, user: str) -> CiRecord:
        """Import a package of the importable packages folder by the name list_importable gives it."""
        if not isinstance(name, str) or not name.strip():
            raise BadRequest("Name the package to import, as listed by GET /package/import.")
        check_file_name(name, "The package name")
        bad = name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name) \
            or ".." in name.split("/")
        if bad:
            raise BadRequest(f"The package name '{name}' must be a path inside the importable packages folder.")
        if not self.folder:
            raise NotFound(f"There is no package '{name}': the server has no importable packages folder.")
        root = self.folder.resolve()
        target = (root / name).resolve()
        if not (target == root or root in target.parents):  # a link leading out of the folder
            raise BadRequest(f"The package name '{name}' must be a path inside the importable packages folder.")
        if not target.exists() or target == root:
            raise NotFound(f"There is no package '{name}' in the importable packages folder.")
        if target.is_dir():
            with FolderSource(target, name, self.limits) as source:
                return self.import_source(source, user)
        if not target.is_file():
            raise BadRequest(f"The package '{name}' is neither a file nor a folder.")
        with open(target, "rb") as handle, self._zip(handle, name) as source:
            return self.import_source(source, user)

    # -- other sources ---------------------------------------------------------------------------
    def import_upload(self, filename: str, stream: BinaryIO, user: str) -> CiRecord:
        """Import an uploaded DAR; `stream` must be seekable (the caller keeps and closes it)."""
        with self._zip(stream, filename or "upload") as source:
            return self.import_source(source, user)

    def import_url(self, url: str, user: str, username: str | None = None, password: str | None = None) -> CiRecord:
        """Download a DAR over http(s) (basic auth when username is given) and import it."""
        with download(url, self.limits, username, password) as content, \
                self._zip(content, file_name(url)) as source:
            return self.import_source(source, user)

    def _zip(self, stream: BinaryIO, label: str) -> ZipSource:
        return ZipSource(stream, label, self.limits)

    # -- the import ------------------------------------------------------------------------------
    def read_manifest(self, source: PackageSource) -> Manifest:
        kind, data = source.manifest()
        return parse(kind, data, self.types)

    def import_source(self, source: PackageSource, user: str) -> CiRecord:
        manifest = self.read_manifest(source)
        if self.authorize is not None:
            self.authorize(user, manifest.application_id)
        items = self._check_target(manifest, user)
        uploads: dict[str, ArtifactUpload] = {}
        try:
            try:
                for spec in manifest.deployables:
                    if self.types.is_a(spec.type, "udm.Artifact"):
                        uploads[spec.id] = self._artifact(source, spec)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                raise BadRequest(f"The package {source.label} is not a valid zip archive ({exc}).") from None
            except OSError as exc:
                raise BadRequest(f"The package {source.label} cannot be read ({exc}).") from None
            items += [manifest.package] + [spec.ci for spec in manifest.deployables]
            created = self.repo.create_many(items, user, uploads)
        finally:
            for upload in uploads.values():
                upload.stream.close()
        package = next(rec for rec in created if rec.id == manifest.package_id)
        log.info("Imported %s from %s: %d deployables, by %s", package.id, source.label,
                 len(manifest.deployables), user)
        return package

    def _type_at(self, ci_id: str) -> str | None:
        try:
            return self.repo.read(ci_id).type
        except NotFound:
            return None

    def _check_target(self, manifest: Manifest, user: str) -> list[dict]:
        """Refuse an existing version or a misplaced application; the application to create, if any."""
        package_id, app_id = manifest.package_id, manifest.application_id
        if self.repo.exists(package_id):
            raise Conflict(f"Package {package_id} already exists.")
        app_type = self._type_at(app_id)
        if app_type is not None:
            if not self.types.is_a(app_type, "udm.Application"):
                raise BadRequest(f"Cannot import {package_id}: {app_id} is a {app_type}, not an application.")
            return []
        name = app_id.rsplit("/", 1)[-1]
        elsewhere = [r.id for r in self.repo.query(ci_type="udm.Application", name_pattern=name) if r.name == name]
        if elsewhere:
            if self.may_read is None or self.may_read(user)(elsewhere[0]):
                raise Conflict(f"Cannot import {package_id}: application {name} already exists as {elsewhere[0]}.")
            raise Conflict(f"Cannot import {package_id}: an application named {name} already exists elsewhere in "
                           f"the repository.")
        parent = parent_of(app_id)
        if parent != "Applications":
            parent_type = self._type_at(parent)
            if parent_type is None:
                raise BadRequest(f"Cannot import {package_id}: directory {parent} does not exist.")
            if parent_type != "core.Directory":
                raise BadRequest(f"Cannot import {package_id}: {parent} is a {parent_type}, not a directory.")
        return [{"id": app_id, "type": "udm.Application"}]

    def _effective(self, spec: DeployableSpec, prop: str):
        if prop in spec.ci:
            return spec.ci[prop]
        desc = self.types.get(spec.type).property(prop)
        return desc.default if desc else None

    def _nested_archives(self) -> bool:
        """Whether archives inside artifacts are scanned: `scanPlaceholders` as set for archives."""
        desc = self.types.get("udm.BaseDeployableArchiveArtifact")
        prop = desc.property("scanPlaceholders") if desc else None
        return bool(prop and prop.default is True)

    def _artifact(self, source: PackageSource, spec: DeployableSpec) -> ArtifactUpload:
        """Read one artifact's content: its file for the store, checksum and placeholders into its CI."""
        if spec.file is None:
            if spec.ci.get("fileUri"):
                raise BadRequest(f"Artifact {spec.id} refers to external content (fileUri), which this server "
                                 f"does not fetch; put the file in the package.")
            raise BadRequest(f"Artifact {spec.id} has no file attribute in the manifest.")
        try:
            path = normalise(spec.file, source.label)
        except BadRequest:
            raise BadRequest(f"The file '{spec.file}' of {spec.id} points outside the package.") from None
        kind = source.kind(path) if path else None
        if not path:
            raise BadRequest(f"The file '{spec.file}' of {spec.id} must name a file or folder inside the package.")
        if kind is None:
            raise BadRequest(f"The file '{spec.file}' of {spec.id} is not in the package.")
        scan = _boolean(self._effective(spec, "scanPlaceholders"), "scanPlaceholders", spec.id) and \
            not _boolean(self._effective(spec, "preScannedPlaceholders"), "preScannedPlaceholders", spec.id)
        rules = None
        if scan:
            props = {p: self._effective(spec, p) for p in
                     ("delimiters", "textFileNamesRegex", "excludeFileNamesRegex", "fileEncodings")}
            rules = rules_for(spec.id, props, self._nested_archives(), self.limits)
        where = f"Artifact {spec.id}"
        name = path.rsplit("/", 1)[-1]
        if self.types.is_a(spec.type, "udm.FolderArtifact"):
            if kind == "folder":
                packed = folders.pack(source.walk(path), rules, where)
            else:  # a folder given as a zip of its content
                packed = self._pack_zipped_folder(source, path, rules, where)
                name = re.sub(r"\.zip$", "", name, flags=re.IGNORECASE) or name
        elif kind == "folder":
            raise BadRequest(f"{spec.id} of type {spec.type} is a file artifact, but '{spec.file}' in the package "
                             f"is a folder.")
        else:
            archive = self.types.is_a(spec.type, "udm.BaseDeployableArchiveArtifact")
            packed = self._copy_file(source, path, rules, archive, where)
        if not spec.ci.get("checksum"):
            spec.ci["checksum"] = packed.checksum
        if scan:
            spec.ci["placeholders"] = sorted(packed.placeholders)
        return ArtifactUpload(filename=name, stream=packed.file)

    def _copy_file(self, source: PackageSource, path: str, rules: ScanRules | None, archive: bool,
                   where: str) -> folders.Packed:
        name = path.rsplit("/", 1)[-1]
        scanner = TextScanner(rules.encoding(name), rules.delimiters) if rules and rules.is_text(name) else None
        digest = hashlib.sha1()
        out = tempfile.SpooledTemporaryFile(max_size=SPOOL)
        try:
            with source.open(path) as handle:
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
                    if scanner:
                        scanner.feed(chunk)
            found = set()
            if scanner:
                scanner.feed(b"", final=True)
                found |= scanner.names
            if rules and archive and not rules.excluded(name):
                out.seek(0)
                found |= scan_archive(out, name, rules, where, depth=0)
            out.seek(0)
            return folders.Packed(out, digest.hexdigest(), found)
        except BaseException:
            out.close()
            raise

    def _pack_zipped_folder(self, source: PackageSource, path: str, rules: ScanRules | None,
                            where: str) -> folders.Packed:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL) as copy:
            with source.open(path) as handle:
                shutil.copyfileobj(handle, copy, CHUNK)
            with ZipSource(copy, f"{source.label} ({path})", self.limits) as inner:
                return folders.pack(inner.walk(""), rules, where)
