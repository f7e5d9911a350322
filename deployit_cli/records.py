"""Read-only views of the server's JSON answers for scripts: attributes, Java-style getters, Java lists.

`Record(data)` lets a script write `preview.block.blocks[0].steps[0].description` (or
`getBlock().getSteps().get(0).getDescription()`) over a JSON object; `record.raw` is the JSON itself.
"""

from __future__ import annotations

from .compat import wrap


MISSING = object()


def view(value):
    """JSON objects as Records, lists as Java-style lists of views, anything else as it is."""
    if isinstance(value, Record):
        return value
    if isinstance(value, dict):
        return Record(value)
    if isinstance(value, (list, tuple)):
        return wrap([view(v) for v in value])
    return value


class Record:
    """A JSON object seen through attributes: `r.description`, `r.getDescription()`, `r.isRoot()`,
    `r['description']`. Reading a field the object does not have raises AttributeError naming the fields
    it has."""

    kind = "object"

    def __init__(self, data: dict):
        object.__setattr__(self, "raw", dict(data or {}))

    def _field(self, name: str):
        """The value of field `name` as scripts see it, or MISSING. Subclasses convert fields here
        (states to enums, dates to DateTime...) and add aliases; both attribute and getter forms use it."""
        raw = self.raw
        return view(raw[name]) if name in raw else MISSING

    def _fields(self) -> list[str]:
        """The field names an error message lists."""
        return sorted(self.raw)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._field(name)
        if value is not MISSING:
            return value
        for prefix in ("get", "is"):
            if name.startswith(prefix) and len(name) > len(prefix) and name[len(prefix)].isupper():
                field = name[len(prefix)].lower() + name[len(prefix) + 1:]
                value = self._field(field)
                if value is not MISSING:
                    return lambda: value
        known = ", ".join(self._fields())
        raise AttributeError(f"This {self.kind} has no '{name}'; it has: {known}.")

    def __setattr__(self, name, value):
        raise AttributeError(f"A {self.kind} from the server is read-only.")

    def __getitem__(self, key):
        value = self._field(key) if isinstance(key, str) else MISSING
        if value is MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key) -> bool:
        return key in self.raw

    def get(self, key, default=None):
        value = self._field(key) if isinstance(key, str) else MISSING
        return default if value is MISSING else value

    def keys(self):
        return list(self.raw)

    def __dir__(self):
        return sorted(set(object.__dir__(self)) | set(self._fields()))

    def __eq__(self, other):
        if isinstance(other, Record):
            return self.raw == other.raw
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.raw!r})"
