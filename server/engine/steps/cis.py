"""CIs as script and template objects: `deployed.targetPath`, `deployed.container.name`, `ci.type`, `ci.id`.

A `CiView` wraps the dict the engine resolves; reference properties (by the type's descriptor, or for unknown
types any value that looks like a CI id) come back as views resolved on first use, so `deployed.container.host.address`
works in Jinja2 templates and Python scripts alike. Views are read-only.
"""

from __future__ import annotations

from server.engine.steps.base import Run, is_ci_id, name_of, ref_id


class TypeName(str):
    """A CI's type name that also answers `instanceOf` (planning scripts and XL Deploy templates use it)."""

    _run: Run | None = None

    def instanceOf(self, other: str) -> bool:  # noqa: N802 - XL Deploy's name
        return self._run.is_a(str(self), str(other)) if self._run else str(self) == str(other)

    instance_of = instanceOf


class HostPath(str):
    """A path on the host that also answers XL Deploy's OverthereFile names: `${deployed.file.path}`, `.name`."""

    @property
    def path(self) -> str:
        return str(self)

    @property
    def name(self) -> str:
        return str(self).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]

    def getPath(self) -> str:  # noqa: N802 - XL Deploy's name
        return str(self)

    def getName(self) -> str:  # noqa: N802
        return self.name


class CiView:
    """Attribute access to a CI's properties; `.id`, `.name`, `.type`; `getProperty(name)`; str() is the id."""

    __slots__ = ("_run", "_id", "_ci", "_where", "_type_hint", "_extra")

    def __init__(self, run: Run, ci: dict | None = None, ci_id: str | None = None, where: str = "repository",
                 type_hint: str | None = None, extra: dict | None = None):
        object.__setattr__(self, "_run", run)
        object.__setattr__(self, "_ci", ci)
        object.__setattr__(self, "_id", ci["id"] if ci is not None else ci_id)
        object.__setattr__(self, "_where", where)
        object.__setattr__(self, "_type_hint", type_hint)
        object.__setattr__(self, "_extra", dict(extra or {}))

    # -- identity ------------------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self._id

    @property
    def name(self) -> str:
        return name_of(self._id)

    @property
    def type(self) -> TypeName:
        found = TypeName(self._data().get("type") or "")
        found._run = self._run
        return found

    def _data(self) -> dict:
        if self._ci is None:
            object.__setattr__(self, "_ci", self._run.resolve(self._id, self._where, self._type_hint))
        return self._ci

    # -- properties ----------------------------------------------------------------------------------

    def _value(self, name: str):
        if name in self._extra:
            return self._extra[name]
        data = self._data()
        if name not in data:
            raise KeyError(name)
        return wrap(self._run, data[name], self._run.property_of(data, name))

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._value(name)
        except KeyError:
            raise AttributeError(f"{self._data().get('type') or 'CI'} {self._id} has no property '{name}'") from None

    def __getitem__(self, name: str):
        return self._value(name)

    def __contains__(self, name: str) -> bool:
        return name in self._extra or name in self._data()

    def getProperty(self, name: str, default=None):  # noqa: N802 - XL Deploy's name
        try:
            return self._value(name)
        except KeyError:
            return default

    get = getProperty

    def hasProperty(self, name: str) -> bool:  # noqa: N802
        return name in self

    @property
    def values(self) -> dict:
        return {k: v for k, v in self._data().items() if k not in ("id", "type") and not k.startswith("$")}

    def __setattr__(self, name, value):
        raise AttributeError(f"CI {self._id} is read-only here.")

    # -- behaving like its id ---------------------------------------------------------------------------

    def __str__(self) -> str:
        return self._id

    def __repr__(self) -> str:
        return f"<CI {self._id}>"

    def __eq__(self, other) -> bool:
        if isinstance(other, CiView):
            return other._id == self._id
        if isinstance(other, str):
            return other == self._id
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._id)

    def __bool__(self) -> bool:
        return True


def wrap(run: Run, value, prop=None):
    """A property or context value for scripts: references as CiViews (lazily resolved), containers copied."""
    if isinstance(value, CiView):
        return value
    is_reference = prop is not None and prop.kind.is_reference
    referenced = prop.referenced_type if prop is not None else None
    if isinstance(value, dict) and "ref" in value and isinstance(value.get("ref"), str):
        return CiView(run, ci_id=value["ref"], where=value.get("from") or "repository",
                      type_hint=value.get("type") or referenced)
    if isinstance(value, dict):
        if "id" in value and "type" in value and is_ci_id(value.get("id")):
            return CiView(run, ci=value)
        return {k: wrap(run, v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [wrap(run, v, prop if is_reference else None) for v in value]
        return items
    if isinstance(value, str) and (is_reference or (prop is None and is_ci_id(value))):
        return CiView(run, ci_id=ref_id(value), type_hint=referenced)
    return value


def view(run: Run, ci: dict | None, **extra) -> CiView | None:
    return CiView(run, ci=ci, extra=extra) if ci is not None else None
