"""A package version written back as a DAR: `deployit-manifest.xml` (read back by
server/packages/manifest.py) plus each artifact's content under a folder named after its CI
(`<ci name>/<file name>`; a folder artifact's stored zip is unpacked there as a folder).

Property values are written as stored: references as full ids, passwords as this server's ciphertext
(a DAR imports its secrets only on a server with the same conf/repository.key), `checksum` and
`placeholders` as computed at import, so the DAR imports again to the same package.
"""

from __future__ import annotations

import tempfile
import zipfile
from xml.etree import ElementTree as ET

from ..errors import BadRequest
from ..types import PropertyKind

CHUNK = 1024 * 1024


def _value(parent: ET.Element, prop, value) -> None:
    elem = ET.SubElement(parent, prop.name)
    kind = prop.kind
    if kind == PropertyKind.CI:
        elem.set("ref", str(value))
    elif kind in (PropertyKind.SET_OF_CI, PropertyKind.LIST_OF_CI):
        for item in value or []:
            ET.SubElement(elem, "ci").set("ref", str(item))
    elif kind in (PropertyKind.SET_OF_STRING, PropertyKind.LIST_OF_STRING):
        for item in value or []:
            ET.SubElement(elem, "value").text = str(item)
    elif kind == PropertyKind.MAP_STRING_STRING:
        for key, item in (value or {}).items():
            entry = ET.SubElement(elem, "entry")
            entry.set("key", str(key))
            entry.text = "" if item is None else str(item)
    elif isinstance(value, bool):
        elem.text = "true" if value else "false"
    else:
        elem.text = str(value)


class DarWriter:
    def __init__(self, repository, types):
        self.repository, self.types = repository, types

    def file_name(self, version_id: str) -> str:
        parts = version_id.strip("/").split("/")
        return f"{parts[-2]}-{parts[-1]}.dar"

    def _properties(self, elem: ET.Element, rec) -> list:
        """Write the stored properties; the containment collections (filled by children) come back."""
        desc = self.types.get(rec.type)
        containments = []
        for prop in desc.properties.values():
            if prop.as_containment:
                if prop.kind.is_collection:
                    containments.append(prop)
                continue  # a containment reference is the parent itself
            if prop.name in rec.properties and rec.properties[prop.name] not in (None, [], {}):
                _value(elem, prop, rec.properties[prop.name])
        return containments

    def write(self, version_id: str):
        """A temporary file (at position 0) holding the DAR of the package version."""
        version_id = version_id.strip("/")
        rec = self.repository.read(version_id)
        if not self.types.is_a(rec.type, "udm.DeploymentPackage"):
            raise BadRequest(f"{version_id} is a {rec.type}, not a deployment package (udm.DeploymentPackage), "
                             f"so it cannot be exported as a DAR.")
        application, _, version = version_id[len("Applications/"):].rpartition("/")
        root = ET.Element(rec.type, {"version": version, "application": application})
        self._properties(root, rec)
        out = tempfile.SpooledTemporaryFile(max_size=16 * CHUNK)
        try:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                deployables = ET.SubElement(root, "deployables")
                for child in self.repository.children(version_id):
                    self._ci(archive, deployables, child, "")
                ET.indent(root)
                manifest = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
                archive.writestr("deployit-manifest.xml", manifest)
            out.seek(0)
            return out
        except BaseException:
            out.close()
            raise

    def _ci(self, archive: zipfile.ZipFile, parent: ET.Element, rec, prefix: str) -> None:
        elem = ET.SubElement(parent, rec.type, {"name": rec.name})
        folder = f"{prefix}{rec.name}"
        found = self.repository.artifact_file(rec.id)
        if found is not None:
            sha1, filename, _ = found
            path = f"{folder}/{filename or rec.name}"
            elem.set("file", path)
            with self.repository.artifacts.local(sha1) as stored:
                if self.types.is_a(rec.type, "udm.FolderArtifact"):
                    self._folder(archive, stored, path)
                else:
                    archive.write(stored, path)
        containments = self._properties(elem, rec)
        children = self.repository.children(rec.id)
        for prop in containments:
            mine = [c for c in children if self.types.is_a(c.type, prop.referenced_type)]
            if mine:
                holder = ET.SubElement(elem, prop.name)
                for child in mine:
                    self._ci(archive, holder, child, f"{folder}/")

    @staticmethod
    def _folder(archive: zipfile.ZipFile, stored, path: str) -> None:
        """Copy a folder artifact's stored zip into the DAR as the folder `path`."""
        info = zipfile.ZipInfo(path + "/")
        info.external_attr = (0o40755 << 16) | 0x10
        archive.writestr(info, b"")
        with zipfile.ZipFile(stored) as content:
            for member in content.infolist():
                copy = zipfile.ZipInfo(f"{path}/{member.filename}", member.date_time)
                copy.external_attr = member.external_attr
                copy.compress_type = zipfile.ZIP_DEFLATED
                if member.is_dir():
                    archive.writestr(copy, b"")
                    continue
                with content.open(member) as src, archive.open(copy, "w") as dst:
                    for chunk in iter(lambda: src.read(CHUNK), b""):
                        dst.write(chunk)
