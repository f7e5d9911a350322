"""CI type descriptors fetched from GET /metadata/type[/{type}], cached for the session.

`TypeRegistry` is what the CLI objects use; `DescriptorRegistry` is the global scripts know from the
Jython CLI (`DescriptorRegistry.getDescriptor(type).propertyDescriptors`, `getDescriptors()`), also
imported as `from com.xebialabs.deployit.plugin.api.reflect import DescriptorRegistry`: one object,
`SCRIPT_REGISTRY`, bound to the session's types when the shell starts. Type names in descriptors are
Types (strings with getPrefix()/getName()) when the Jython layer is there.
"""

from __future__ import annotations

from .client import DeployitException, quote_id

COLLECTION_KINDS = ("SET_OF_STRING", "SET_OF_CI", "LIST_OF_STRING", "LIST_OF_CI")


class PropertyDescriptor:
    """One property of a type, with the Java-style getters old scripts call."""

    def __init__(self, data: dict):
        self._data = data
        self.name = data.get("name")
        self.kind = data.get("kind", "STRING")
        self.label = data.get("label") or self.name
        self.description = data.get("description") or ""
        self.category = data.get("category") or "Common"
        self.required = bool(data.get("required"))
        self.password = bool(data.get("password"))
        self.hidden = bool(data.get("hidden"))
        self.asContainment = bool(data.get("asContainment"))
        self.inspection = bool(data.get("inspection"))
        self.requiredInspection = bool(data.get("requiredInspection"))
        self.transient = bool(data.get("transient"))
        self.referencedType = _type(data.get("referencedType"))
        self.default = data.get("default")
        self.enumValues = list(data.get("enumValues") or [])
        self.fqn = data.get("fqn")

    @property
    def is_collection(self) -> bool:
        return self.kind in COLLECTION_KINDS

    @property
    def is_map(self) -> bool:
        return self.kind == "MAP_STRING_STRING"

    def kind_text(self) -> str:
        """The kind as `deployit.describe` prints it: primitives in capitals, CI references by type."""
        ref = self.referencedType or "udm.ConfigurationItem"
        if self.kind in ("SET_OF_CI", "LIST_OF_CI"):
            return f"{'Set' if self.kind == 'SET_OF_CI' else 'List'}<{ref}>"
        if self.kind == "CI":
            return ref
        return self.kind

    def getName(self): return self.name
    def getKind(self): return self.kind
    def getLabel(self): return self.label
    def getDescription(self): return self.description
    def getCategory(self): return self.category
    def isRequired(self): return self.required
    def isPassword(self): return self.password
    def isHidden(self): return self.hidden
    def isAsContainment(self): return self.asContainment
    def isInspectionProperty(self): return self.inspection
    def isRequiredForInspection(self): return self.requiredInspection
    def isTransient(self): return self.transient
    def getReferencedType(self): return self.referencedType
    def getDefaultValue(self): return self.default
    def getEnumValues(self): return self.enumValues
    def getFqn(self): return self.fqn

    def __repr__(self):
        return f"{self.name}({self.kind_text()})"


class TypeDescriptor:
    """A CI type: its properties in order, control tasks, super types and interfaces."""

    def __init__(self, data: dict):
        self._data = data
        self.type = _type(data["type"])
        self.description = data.get("description") or ""
        self.virtual = bool(data.get("virtual"))
        self.superTypes = [_type(t) for t in data.get("superTypes") or []]
        self.interfaces = [_type(t) for t in data.get("interfaces") or []]
        self.controlTasks = list(data.get("controlTasks") or [])
        self.deployableType = _type(data.get("deployableType"))
        self.containerType = _type(data.get("containerType"))
        self.properties = {}
        for prop in data.get("properties") or []:
            self.properties[prop["name"]] = PropertyDescriptor(prop)

    @property
    def propertyDescriptors(self):
        return _wrap(list(self.properties.values()))

    def getPropertyDescriptors(self):
        return self.propertyDescriptors

    def getPropertyDescriptor(self, name: str):
        return self.properties.get(name)

    def getType(self): return self.type
    def getDescription(self): return self.description
    def isVirtual(self): return self.virtual
    def getSuperTypes(self): return _wrap(list(self.superTypes))
    def getSuperClasses(self): return _wrap(list(self.superTypes))
    def getInterfaces(self): return _wrap(list(self.interfaces))
    def getControlTasks(self): return _wrap([t.get("name") for t in self.controlTasks])
    def getDeployableType(self): return self.deployableType
    def getContainerType(self): return self.containerType

    def isAssignableTo(self, other) -> bool:
        other = str(other)
        return other == self.type or other in self.superTypes or other in self.interfaces

    def __repr__(self):
        return f"<TypeDescriptor {self.type}>"


def _wrap(value):
    from .compat import wrap
    return wrap(value)


def _type(name):
    if name is None:
        return None
    from .compat import java_type
    return java_type(name)


class TypeRegistry:
    """Descriptors by type name; one GET per type, or one GET for all when the whole list is asked for."""

    def __init__(self, client):
        self.client = client
        self.reset()

    def reset(self) -> None:
        """Forget what was fetched (after a change of user: what one may see can differ)."""
        self._by_name: dict[str, TypeDescriptor | None] = {}
        self._all: list[TypeDescriptor] | None = None

    def get(self, type_name: str) -> TypeDescriptor | None:
        """The descriptor, or None when the server does not know the type."""
        type_name = str(type_name)
        if type_name not in self._by_name:
            if self._all is not None:
                return None
            try:
                data = self.client.get(f"/metadata/type/{quote_id(type_name)}")
            except DeployitException as exc:
                if exc.status in (400, 404):
                    self._by_name[type_name] = None
                    return None
                raise
            self._by_name[type_name] = TypeDescriptor(data)
        return self._by_name[type_name]

    def require(self, type_name: str) -> TypeDescriptor:
        desc = self.get(type_name)
        if desc is None:
            raise DeployitException(f"Unknown type '{type_name}': it is not defined on the server "
                                    f"(factory.types() lists the known types).", 404)
        return desc

    def all(self) -> list[TypeDescriptor]:
        if self._all is None:
            self._all = [TypeDescriptor(d) for d in self.client.get("/metadata/type")]
            for desc in self._all:
                self._by_name[desc.type] = desc
        return self._all

    def names(self) -> list[str]:
        return sorted(d.type for d in self.all())

    def is_a(self, type_name: str, other: str) -> bool:
        desc = self.get(type_name)
        return bool(desc and desc.isAssignableTo(other))


class DescriptorRegistryObject:
    """The `DescriptorRegistry` global: type descriptors as the Jython CLI's Java class offered them."""

    def __init__(self, registry: TypeRegistry | None = None):
        self._registry = registry

    def bind(self, registry: TypeRegistry) -> "DescriptorRegistryObject":
        """Answer from this session's types (the shell calls it once it has logged in)."""
        self._registry = registry
        return self

    def _types(self) -> TypeRegistry:
        if self._registry is None:
            raise DeployitException("DescriptorRegistry answers once the shell has logged in to a server.")
        return self._registry

    def getDescriptor(self, type_name):
        return self._types().require(str(type_name))

    def getDescriptors(self):
        return _wrap(list(self._types().all()))

    def exists(self, type_name) -> bool:
        return self._types().get(str(type_name)) is not None

    def getSubtypes(self, type_name):
        name = str(type_name)
        return _wrap([d.type for d in self._types().all() if d.type != name and d.isAssignableTo(name)])

    def __repr__(self):
        return "DescriptorRegistry"


#: what scripts see as `DescriptorRegistry`, global and imported alike
SCRIPT_REGISTRY = DescriptorRegistryObject()
