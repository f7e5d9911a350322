"""ConfigurationItem: a CI in the shell, with its properties as attributes and its REST JSON form.

`ci.id`, `ci.type`, `ci.name`, `ci.values` (a Java-style map), `ci._ci_attributes` (createdBy, createdAt,
lastModifiedBy, lastModifiedAt), `ci.validations`; `ci.address = 'x'` sets a property and reading or
writing a property the type does not have raises AttributeError naming the type. The REPL echoes a CI
as `PyInstance: <id>`, as the Jython CLI did; `str(ci)` is its id. `$token` from the server is kept
and sent back, so updates are checked against concurrent changes.
"""

from __future__ import annotations

import difflib

from .compat import java_map_type, wrap

VALIDATION_MESSAGES = "validation-messages"  # how a deployment's CIs carry them (output only)
_INTERNAL = ("_id", "_type", "_values", "_registry", "_token", "_attributes", "_validations")
_values_classes: dict = {}


def _values_class():
    """A Java-style map subclass that also knows its CI (`ci.values._ci`, used by old scripts)."""
    base = java_map_type()
    cls = _values_classes.get(base)
    if cls is None:
        cls = type("CiValues", (base,), {"_ci": None, "__doc__": "The property values of a CI."})
        _values_classes[base] = cls
    return cls


def _make_values(ci, values) -> dict:
    cls = _values_class()
    wrapped = {str(k): wrap(v) for k, v in dict(values or {}).items()}
    try:
        result = cls(wrapped)
    except TypeError:
        result = cls()
        result.update(wrapped)
    result._ci = ci
    return result


def _to_datetime(text):
    """A server date as the jython layer's joda-like DateTime when it can parse it, else the text."""
    if not text:
        return None
    from .compat import jython
    module = jython()
    if module is not None:
        factory = module.jython_globals().get("DateTime")
        if factory is not None:
            try:
                return factory(text)
            except Exception:  # an unparseable date stays text rather than breaking the read
                pass
    return text


class CiAttributes:
    """Who created and last changed a CI, and when (`ci._ci_attributes`)."""

    def __init__(self, data: dict | None = None):
        data = data or {}
        self.createdBy = data.get("$createdBy")
        self.createdAt = _to_datetime(data.get("$createdAt"))
        self.lastModifiedBy = data.get("$lastModifiedBy")
        self.lastModifiedAt = _to_datetime(data.get("$lastModifiedAt"))

    def getCreatedBy(self): return self.createdBy
    def getCreatedAt(self): return self.createdAt
    def getLastModifiedBy(self): return self.lastModifiedBy
    def getLastModifiedAt(self): return self.lastModifiedAt

    def __repr__(self):
        return (f"createdBy={self.createdBy}, createdAt={self.createdAt}, "
                f"lastModifiedBy={self.lastModifiedBy}, lastModifiedAt={self.lastModifiedAt}")


class ValidationMessage:
    """What is wrong with a CI or one of its properties; `level` is ERROR or WARNING (deployments)."""

    def __init__(self, ciId, propertyName, message, level="ERROR"):
        self.ciId, self.propertyName, self.message = ciId, propertyName, message
        self.level = level or "ERROR"

    @classmethod
    def from_json(cls, data: dict, ci_id=None) -> "ValidationMessage":
        """From the repository's form ({ci, propertyName, message}) or a deployment's ({ci, property,
        message, level})."""
        prop = data.get("propertyName", data.get("property"))
        return cls(data.get("ci") or ci_id, prop, data.get("message"), data.get("level"))

    def getCiId(self): return self.ciId
    def getPropertyName(self): return self.propertyName
    def getMessage(self): return self.message
    def getLevel(self): return self.level

    def __repr__(self):
        text = f"{self.ciId}.{self.propertyName}: {self.message}" if self.propertyName else \
            f"{self.ciId}: {self.message}"
        return f"{text} (warning)" if self.level == "WARNING" else text


class ConfigurationItem:
    """A configuration item; see the module docstring."""

    def __init__(self, id, type, values=None, registry=None, token=None, attributes=None, validations=None):
        object.__setattr__(self, "_id", str(id).strip("/") if id is not None else None)
        object.__setattr__(self, "_type", str(type))
        object.__setattr__(self, "_registry", registry)
        object.__setattr__(self, "_token", token)
        object.__setattr__(self, "_attributes", attributes or CiAttributes())
        object.__setattr__(self, "_validations", wrap(list(validations or [])))
        object.__setattr__(self, "_values", _make_values(self, {}))
        if values:
            for key, value in dict(values).items():
                self._set_property(str(key), value)

    # -- REST JSON -----------------------------------------------------------------------------
    @classmethod
    def from_json(cls, data: dict, registry=None) -> "ConfigurationItem":
        ci = cls(data.get("id"), data.get("type"), registry=registry, token=data.get("$token"),
                 attributes=CiAttributes(data))
        props = {k: v for k, v in data.items()
                 if k not in ("id", "type", VALIDATION_MESSAGES) and not k.startswith("$")}
        object.__setattr__(ci, "_values", _make_values(ci, props))
        messages = data.get("$validations") or data.get("validations") or data.get(VALIDATION_MESSAGES) or []
        if isinstance(messages, list):
            object.__setattr__(ci, "_validations", wrap([
                ValidationMessage.from_json(m, ci.id) for m in messages if isinstance(m, dict)]))
        return ci

    def to_json(self) -> dict:
        data = {"id": self._id, "type": self._type}
        if self._token:
            data["$token"] = self._token
        for key, value in self._values.items():
            data[key] = value
        return data

    # -- identity ------------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._id

    @property
    def type(self) -> str:
        return self._type

    @property
    def name(self) -> str:
        return self._id.rsplit("/", 1)[-1] if self._id else self._id

    @property
    def values(self):
        return self._values

    @property
    def _ci_attributes(self) -> CiAttributes:
        return self._attributes

    ci_attributes = _ci_attributes

    @property
    def validations(self):
        return self._validations

    @property
    def token(self):
        return self._token

    # -- properties as attributes --------------------------------------------------------------
    def _descriptor(self):
        registry = self._registry
        if registry is None:
            return None
        try:
            return registry.get(self._type)
        except Exception:  # no server at hand (e.g. after logout): fall back to what the CI holds
            return None

    def _unknown(self, name: str) -> AttributeError:
        desc = self._descriptor()
        hint = ""
        if desc is not None:
            close = difflib.get_close_matches(name, list(desc.properties), n=1)
            if close:
                hint = f" Did you mean '{close[0]}'?"
        return AttributeError(f"CI type {self._type} has no property '{name}' (CI {self._id}).{hint}")

    def __getattr__(self, name: str):
        if name.startswith("__") or name in _INTERNAL:
            raise AttributeError(name)
        values = self._values
        if name in values:
            return values[name]
        desc = self._descriptor()
        if desc is None or name not in desc.properties:
            raise self._unknown(name)
        prop = desc.properties[name]
        if prop.is_collection or prop.is_map:
            empty = wrap({} if prop.is_map else [])
            values[name] = empty
            return empty
        return prop.default

    def __setattr__(self, name: str, value) -> None:
        if name == "id":
            object.__setattr__(self, "_id", str(value).strip("/"))
        elif name == "type":
            object.__setattr__(self, "_type", str(value))
        elif name == "values":
            object.__setattr__(self, "_values", _make_values(self, {}))
            for key, val in dict(value or {}).items():
                self._set_property(str(key), val)
        elif name in ("name", "validations", "_ci_attributes", "ci_attributes", "token"):
            raise AttributeError(f"'{name}' of a CI cannot be set"
                                 + ("; use repository.rename(ci, newName)" if name == "name" else ""))
        elif name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self._set_property(name, value)

    def __delattr__(self, name: str) -> None:
        if name in self._values:
            del self._values[name]
        else:
            raise self._unknown(name)

    def _set_property(self, name: str, value) -> None:
        desc = self._descriptor()
        if desc is not None and name not in desc.properties:
            raise self._unknown(name)
        self._values[name] = wrap(value)

    def __dir__(self):
        names = set(object.__dir__(self)) | set(self._values)
        desc = self._descriptor()
        if desc is not None:
            names |= set(desc.properties)
        return sorted(n for n in names if not n.startswith("__"))

    # -- Java-style accessors (old scripts) ----------------------------------------------------
    def getId(self): return self._id
    def setId(self, value): self.id = value
    def getType(self): return self._type
    def getName(self): return self.name
    def getValues(self): return self._values
    def getValidations(self): return self._validations
    def get_ci_attributes(self): return self._attributes

    def getProperty(self, name):
        return getattr(self, str(name))

    def setProperty(self, name, value):
        self._set_property(str(name), value)

    def hasProperty(self, name) -> bool:
        desc = self._descriptor()
        return name in self._values or (desc is not None and name in desc.properties)

    def getSyntheticProperty(self, name):
        return getattr(self, str(name))

    def setSyntheticProperty(self, name, value):
        self._set_property(str(name), value)

    def getSyntheticProperties(self):
        return self._values

    # -- Python protocol -----------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"PyInstance: {self._id}"

    def __str__(self) -> str:
        return str(self._id)

    def __eq__(self, other):
        if isinstance(other, ConfigurationItem):
            return self._id == other._id and self._type == other._type
        return NotImplemented

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash((self._id, self._type))


class ArtifactAndData:
    """A CI with the bytes of its file, for repository.create/update (`factory.artifact`)."""

    def __init__(self, artifact: ConfigurationItem, data: bytes, filename: str | None = None):
        self.artifact = artifact
        self.data = data
        self.filename = filename or artifact.name

    def getArtifact(self): return self.artifact
    def getData(self): return self.data
    def getFilename(self): return self.filename

    @property
    def id(self):
        return self.artifact.id

    def __repr__(self):
        return f"ArtifactAndData: {self.artifact.id} ({len(self.data)} bytes, {self.filename})"
