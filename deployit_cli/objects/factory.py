"""`factory`: builds CIs and artifacts locally (nothing is stored until repository.create)."""

from __future__ import annotations

import sys

from ..ci import ArtifactAndData
from ..client import DeployitException
from .base import CliObject, signature


def _read_stream(stream) -> bytes:
    """All bytes of a Python file object, a java.io-style stream (read() one int at a time), or bytes."""
    if isinstance(stream, (bytes, bytearray)):
        return bytes(stream)
    if isinstance(stream, str):
        return stream.encode("utf-8")
    read = getattr(stream, "read", None)
    if read is None:
        raise DeployitException(f"Expected bytes or an input stream, not {stream!r}.", 400)
    try:
        data = read()
    except TypeError:
        data = None
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, int):  # java.io.InputStream.read(): one byte, -1 at the end
        out = bytearray()
        while data != -1:
            out.append(data & 0xFF)
            data = read()
        return bytes(out)
    raise DeployitException(f"Could not read the data from {stream!r}.", 400)


def _split_filename(values):
    """The values without 'fileName' (a name for the uploaded file, not a property), and that name."""
    values = dict(values or {})
    return values, values.pop("fileName", None)


class Factory(CliObject):
    name = "factory"
    description = "Helper that can construct Configuration Items (CI) and Artifacts"

    @signature("(String id, String ciType) : ConfigurationItem",
               "(String id, String ciType, Map values) : ConfigurationItem")
    def configurationItem(self, id, ciType, values=None):
        """Create a CI of a type with an id (Root/folder/name) and optionally property values. Unset
        properties read as their defaults. The CI is stored only by repository.create(ci)."""
        self._types.require(str(ciType))
        return self._session.new_ci(str(id), str(ciType), values)

    @signature("(String id, String ciType, Map values, byte[] data) : ArtifactAndData", deprecated=True)
    def artifact(self, id, ciType, values, data):
        """Create an artifact CI with the bytes of its file; repository.create(artifact) uploads both.
        The file name is the 'fileName' value when given, else the CI's name."""
        values, filename = _split_filename(values)
        ci = self.configurationItem(id, ciType, values)
        return ArtifactAndData(ci, _read_stream(data), filename)

    @signature("(String id, String ciType, Map values, InputStream data) : ArtifactAndData")
    def artifactAsInputStream(self, id, ciType, values, data):
        """As artifact(), with the file read from an input stream (e.g. java.io.FileInputStream or open(f, 'rb'))."""
        values, filename = _split_filename(values)
        ci = self.configurationItem(id, ciType, values)
        return ArtifactAndData(ci, _read_stream(data), filename)

    @signature("() : void")
    def types(self):
        """Print every CI type the server knows, plugin types included."""
        out = sys.stdout
        for desc in sorted(self._types.all(), key=lambda d: d.type):
            suffix = " (virtual)" if desc.virtual else ""
            out.write(f"{desc.type}{suffix}\n")
        out.flush()
