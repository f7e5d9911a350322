"""Deployment packages: DAR import (zip, exploded folder, upload, URL), artifact checksums and placeholder scans.

Entry point: `PackageService` in `service.py` (list_importable, import_named, import_upload,
import_url). The parts, each with one job:

  limits.py     size, count and time limits read from deployit.conf (`package.*` properties)
  source.py     a DAR as a zip or an exploded folder, checked for hostile entries before use
  manifest.py   `deployit-manifest.xml` and the older `META-INF/MANIFEST.MF`, parsed into CI bodies
  scanning.py   placeholder scanning of text files and archives, by the artifact's rules
  folders.py    folder artifacts packed into, and unpacked from, their stored zip form
  fetch.py      download of a DAR over http(s) with size and time limits

How artifacts are stored: a file artifact's content is the file as it was in the package. A folder
artifact (any type that is-a `udm.FolderArtifact`, e.g. `file.Folder`, `sql.SqlScripts`) is stored
as one zip holding the folder's content (paths relative to the folder, directories included, unix
permission bits kept); the recorded file name is the folder's name. `folders.extract(stream, dest)`
unpacks it safely. The zip is deterministic, so the same content is stored once.

Checksums: `checksum` is the SHA-1 of a file artifact's bytes. For a folder artifact it is the SHA-1
of a canonical form of its content that does not depend on zip details (see folders.py), so two
folders with the same files have the same checksum. A checksum given in the manifest is kept.
"""
