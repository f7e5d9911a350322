"""Descriptors of CI types and their properties, as XL Deploy's metadata service describes them."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field


class PropertyKind(str, enum.Enum):
    BOOLEAN = "BOOLEAN"
    INTEGER = "INTEGER"
    STRING = "STRING"
    ENUM = "ENUM"
    DATE = "DATE"
    CI = "CI"
    SET_OF_STRING = "SET_OF_STRING"
    SET_OF_CI = "SET_OF_CI"
    LIST_OF_STRING = "LIST_OF_STRING"
    LIST_OF_CI = "LIST_OF_CI"
    MAP_STRING_STRING = "MAP_STRING_STRING"

    # Planning asks these for every property of every deployed: plain set look-ups keep that cheap.
    @property
    def is_reference(self) -> bool:
        return self._value_ in _REFERENCE_KINDS

    @property
    def is_collection(self) -> bool:
        return self._value_ in _COLLECTION_KINDS

    @property
    def is_set(self) -> bool:
        return self._value_ in _SET_KINDS


_REFERENCE_KINDS = frozenset({"CI", "SET_OF_CI", "LIST_OF_CI"})
_COLLECTION_KINDS = frozenset({"SET_OF_STRING", "SET_OF_CI", "LIST_OF_STRING", "LIST_OF_CI"})
_SET_KINDS = frozenset({"SET_OF_STRING", "SET_OF_CI"})


def humanize(name: str) -> str:
    """A label from a property name, as XL Deploy shows one: `restrictToContainers` -> `Restrict To Containers`."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").split()
    return " ".join(w[:1].upper() + w[1:] for w in words)


@dataclass
class PropertyDescriptor:
    name: str
    kind: PropertyKind = PropertyKind.STRING
    declaring_type: str = ""
    description: str = ""
    label: str = ""
    category: str = "Common"
    required: bool = True
    default: object = None
    hidden: bool = False
    password: bool = False
    as_containment: bool = False
    referenced_type: str | None = None
    transient: bool = False
    size: str = "DEFAULT"
    enum_values: list[str] = field(default_factory=list)
    inspection: bool = False
    required_inspection: bool = False
    validation_rules: list[dict] = field(default_factory=list)

    @property
    def fqn(self) -> str:
        return f"{self.declaring_type}.{self.name}"

    def empty_value(self):
        """The value of an unset property of this kind, as the REST API shows it."""
        kind = self.kind._value_
        if kind in _COLLECTION_KINDS:
            return []
        if kind == "MAP_STRING_STRING":
            return {}
        if kind == "BOOLEAN":
            return False
        return None

    def to_json(self) -> dict:
        return {
            "name": self.name, "fqn": self.fqn, "label": self.label or humanize(self.name),
            "kind": self.kind.value, "description": self.description, "category": self.category,
            "asContainment": self.as_containment, "inspection": self.inspection,
            "required": self.required, "requiredInspection": self.required_inspection,
            "password": self.password, "transient": self.transient, "size": self.size,
            "referencedType": self.referenced_type, "default": self.default,
            "hidden": self.hidden, "enumValues": list(self.enum_values),
        }


@dataclass
class MethodDescriptor:
    """A control task declared on a type (`<method>` in synthetic.xml)."""
    name: str
    label: str = ""
    description: str = ""
    delegate: str | None = None
    attributes: dict = field(default_factory=dict)
    parameters: list[PropertyDescriptor] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"name": self.name, "label": self.label or self.name, "description": self.description,
                "delegate": self.delegate, "parameters": [p.to_json() for p in self.parameters]}


@dataclass
class TypeDescriptor:
    type: str
    extends: str | None = None
    virtual: bool = False
    interface: bool = False
    description: str = ""
    declared_interfaces: list[str] = field(default_factory=list)
    deployable_type: str | None = None
    container_type: str | None = None
    declared_properties: list[PropertyDescriptor] = field(default_factory=list)
    declared_methods: list[MethodDescriptor] = field(default_factory=list)
    source: str = ""
    # Filled in when the registry is finalised:
    super_types: list[str] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    properties: dict[str, PropertyDescriptor] = field(default_factory=dict)
    methods: dict[str, MethodDescriptor] = field(default_factory=dict)
    # What `memo` worked out (descriptors are read-only once the registry is built).
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def memo(self, key: str, work_out):
        """`work_out(self)`, worked out once: the per-type plans of code that visits every property of
        many CIs (JSON of CIs and deployeds, validation)."""
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = work_out(self)
        return found

    @property
    def namespace(self) -> str:
        return self.type.rsplit(".", 1)[0] if "." in self.type else ""

    def property(self, name: str) -> PropertyDescriptor | None:
        return self.properties.get(name)

    def to_json(self) -> dict:
        data = {
            "type": self.type, "virtual": self.virtual or self.interface, "icon": None,
            "description": self.description, "root": None,
            "properties": [p.to_json() for p in self.properties.values()],
            "interfaces": list(self.interfaces), "superTypes": list(self.super_types),
            "controlTasks": [m.to_json() for m in self.methods.values()],
        }
        if self.deployable_type:
            data["deployableType"] = self.deployable_type
        if self.container_type:
            data["containerType"] = self.container_type
        return data
