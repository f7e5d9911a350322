"""The type registry: every CI type known to the server, built-in and from plugins.

Built-in types are synthetic.xml files in `server/plugins/builtin/`; users' plugins are `plugins/*.xml`
and `ext/synthetic.xml` in the server home. Both go through the same loader. `conf/deployit-defaults.properties` then
overrides property defaults (`<type>.<property>=<value>`, inherited by subtypes).
"""

from __future__ import annotations

import copy
import logging
from importlib import resources
from pathlib import Path

from .model import MethodDescriptor, PropertyDescriptor, PropertyKind, TypeDescriptor
from .synthetic import PropertySpec, SyntheticXmlError, TypeSpec, parse_synthetic

log = logging.getLogger(__name__)

ROOT_TYPE = "udm.BaseConfigurationItem"


class TypeSystemError(ValueError):
    """A type definition that cannot be loaded; the message names the type and the file."""


def _bool(value, default=False) -> bool:
    if value is None:
        return default
    return str(value).strip().lower() == "true"


def parse_default(kind: PropertyKind, text):
    """Convert a default given as text (synthetic.xml or defaults file) to the property's kind."""
    if text is None:
        return None
    if kind == PropertyKind.BOOLEAN:
        return _bool(text)
    if kind == PropertyKind.INTEGER:
        try:
            return int(str(text).strip())
        except ValueError:
            raise TypeSystemError(f"default value '{text}' is not an integer") from None
    if kind.is_collection:
        return [part.strip() for part in str(text).split(",") if part.strip()]
    if kind == PropertyKind.MAP_STRING_STRING:
        result = {}
        for part in str(text).split(","):
            if part.strip():
                key, _, value = part.partition(":" if ":" in part and "=" not in part else "=")
                result[key.strip()] = value.strip()
        return result
    return str(text)


class TypeRegistry:
    """All type descriptors, with inheritance resolved. Read-only once built."""

    def __init__(self):
        self._specs: dict[str, TypeSpec] = {}
        self._modifications: list[TypeSpec] = []
        self.types: dict[str, TypeDescriptor] = {}
        self._ancestors: dict[str, frozenset[str]] = {}
        self._subtypes: dict[str, list[str]] = {}

    # -- loading -------------------------------------------------------------------------------
    def add_xml(self, text: str | bytes, source: str) -> None:
        parsed = parse_synthetic(text, source)
        for spec in parsed.types:
            name = spec.attrs["type"]
            if name in self._specs:
                raise TypeSystemError(f"{source}: type {name} is already defined in {self._specs[name].source}.")
            self._specs[name] = spec
            if spec.generate_deployable:
                self._add_generated_deployable(spec)
        self._modifications.extend(parsed.modifications)

    def _add_generated_deployable(self, deployed: TypeSpec) -> None:
        gen = deployed.generate_deployable
        name = gen.get("type")
        if not name:
            raise TypeSystemError(f"{deployed.source}: <generate-deployable> in {deployed.attrs['type']} has no type.")
        spec = TypeSpec(attrs={"type": name, "extends": gen.get("extends", "udm.BaseDeployable"),
                               "description": gen.get("description",
                                                      f"Deployable for {deployed.attrs['type']}"),
                               "virtual": gen.get("virtual", "false")},
                        source=deployed.source)
        spec.attrs["_generated_from"] = deployed.attrs["type"]
        spec.attrs["_copy_defaults"] = gen.get("copy-default-values", "false")
        self._specs[name] = spec
        deployed.attrs.setdefault("deployable-type", name)

    # -- building ------------------------------------------------------------------------------
    def build(self, defaults: dict[str, str] | None = None) -> "TypeRegistry":
        for mod in self._modifications:
            target = mod.attrs["type"]
            if target not in self._specs:
                raise TypeSystemError(f"{mod.source}: type-modification of unknown type {target}.")
            self._specs[target].properties.extend(mod.properties)
            self._specs[target].methods.extend(mod.methods)
        for name in self._specs:
            self._build_type(name, [])
        for name, spec in self._specs.items():
            if "_generated_from" in spec.attrs:
                self._fill_generated(self.types[name], spec)
        self._check_references()
        self._apply_defaults(defaults or {})
        self._index()
        return self

    def _build_type(self, name: str, stack: list[str]) -> TypeDescriptor:
        if name in self.types:
            return self.types[name]
        spec = self._specs.get(name)
        if spec is None:
            raise TypeSystemError(f"type {name} is referred to by {stack[-1] if stack else '?'} but not defined.")
        if name in stack:
            raise TypeSystemError(f"type {name} extends itself through {' -> '.join(stack)}.")
        a = spec.attrs
        interface = _bool(a.get("interface"))
        desc = TypeDescriptor(
            type=name, extends=a.get("extends"), virtual=_bool(a.get("virtual")) or interface,
            interface=interface, description=a.get("description", ""),
            declared_interfaces=[i.strip() for i in a.get("interfaces", "").split(",") if i.strip()],
            deployable_type=a.get("deployable-type"), container_type=a.get("container-type"),
            source=spec.source)
        parent = None
        if desc.extends:
            parent = self._build_type(desc.extends, stack + [name])
        elif not interface and name != ROOT_TYPE:
            raise TypeSystemError(f"{spec.source}: type {name} must extend another type.")
        interfaces: list[str] = []
        for iface in desc.declared_interfaces:
            idesc = self._build_type(iface, stack + [name])
            if not idesc.interface:
                raise TypeSystemError(f"{spec.source}: {name} lists {iface} as an interface, but it is a class.")
            for i in [iface] + idesc.interfaces:
                if i not in interfaces:
                    interfaces.append(i)
        if parent:
            desc.super_types = [parent.type] + parent.super_types
            for i in parent.interfaces:
                if i not in interfaces:
                    interfaces.append(i)
            if desc.deployable_type is None:
                desc.deployable_type = parent.deployable_type
            if desc.container_type is None:
                desc.container_type = parent.container_type
            desc.properties = dict(parent.properties)
            desc.methods = dict(parent.methods)
        desc.interfaces = interfaces
        for iface in interfaces:  # properties declared on an interface (e.g. a type-modification of
            for prop_name, prop in self.types[iface].properties.items():  # udm.Version) reach its classes
                desc.properties.setdefault(prop_name, prop)
        for pspec in spec.properties:
            inherited = desc.properties.get(pspec.attrs["name"])
            desc.properties[pspec.attrs["name"]] = self._property(pspec, name, inherited)
        for mspec in spec.methods:
            method = MethodDescriptor(
                name=mspec.attrs.get("name", ""), label=mspec.attrs.get("label", ""),
                description=mspec.attrs.get("description", ""), delegate=mspec.attrs.get("delegate"),
                attributes=dict(mspec.attrs),
                parameters=[self._property(p, name, None) for p in mspec.parameters])
            desc.methods[method.name] = method
        self.types[name] = desc
        return desc

    def _property(self, spec: PropertySpec, owner: str, inherited: PropertyDescriptor | None) -> PropertyDescriptor:
        a = spec.attrs
        where = f"property {owner}.{a['name']}"
        if inherited is not None and ("kind" not in a or a["kind"].upper() == inherited.kind.value):
            prop = copy.deepcopy(inherited)  # a modification: change only the attributes given
        else:
            try:
                kind = PropertyKind(a.get("kind", "string").upper())
            except ValueError:
                raise TypeSystemError(f"{where} has unknown kind '{a.get('kind')}'.") from None
            prop = PropertyDescriptor(name=a["name"], kind=kind, declaring_type=owner)
        simple = {"description": "description", "label": "label", "category": "category",
                  "referenced-type": "referenced_type"}
        for attr, field_name in simple.items():
            if attr in a:
                setattr(prop, field_name, a[attr])
        flags = {"required": "required", "hidden": "hidden", "password": "password",
                 "as-containment": "as_containment", "transient": "transient",
                 "inspectionProperty": "inspection", "requiredForInspection": "required_inspection"}
        for attr, field_name in flags.items():
            if attr in a:
                setattr(prop, field_name, _bool(a[attr]))
        if "size" in a:
            prop.size = a["size"].upper()
        if spec.enum_values is not None:
            prop.enum_values = spec.enum_values
        if spec.rules:
            prop.validation_rules = spec.rules
        if "default" in a:
            try:
                prop.default = parse_default(prop.kind, a["default"])
            except TypeSystemError as exc:
                raise TypeSystemError(f"{where}: {exc}.") from None
        if prop.kind == PropertyKind.ENUM and not prop.enum_values:
            raise TypeSystemError(f"{where} is an enum without <enum-values>.")
        if prop.kind.is_reference and not prop.referenced_type:
            prop.referenced_type = "udm.ConfigurationItem"
        if prop.hidden and prop.default is None and prop.kind not in (PropertyKind.BOOLEAN,) \
                and not prop.kind.is_collection and prop.kind != PropertyKind.MAP_STRING_STRING:
            raise TypeSystemError(f"{where} is hidden and so must have a default.")
        if prop.hidden:
            prop.required = False
        return prop

    def _fill_generated(self, desc: TypeDescriptor, spec: TypeSpec) -> None:
        """Copy a deployed type's properties to its generated deployable: optional strings."""
        deployed = self.types[spec.attrs["_generated_from"]]
        copy_defaults = _bool(spec.attrs.get("_copy_defaults"))
        base = set(self.types[desc.extends].properties) if desc.extends else set()
        for prop in deployed.properties.values():
            if prop.hidden or prop.kind.is_reference or prop.name in base or prop.name in desc.properties:
                continue
            kind = prop.kind if prop.kind in (PropertyKind.MAP_STRING_STRING, PropertyKind.SET_OF_STRING,
                                              PropertyKind.LIST_OF_STRING) else PropertyKind.STRING
            default = None
            if copy_defaults and prop.default is not None:
                default = prop.default if kind == prop.kind else str(prop.default).lower() \
                    if isinstance(prop.default, bool) else str(prop.default)
            desc.properties[prop.name] = PropertyDescriptor(
                name=prop.name, kind=kind, declaring_type=desc.type, description=prop.description,
                label=prop.label, category=prop.category, required=False, default=default,
                password=prop.password, size=prop.size)

    def _check_references(self) -> None:
        for desc in self.types.values():
            for attr in ("deployable_type", "container_type"):
                ref = getattr(desc, attr)
                if ref and ref not in self.types:
                    raise TypeSystemError(f"{desc.source}: {desc.type} names unknown {attr.replace('_', '-')} {ref}.")
            for prop in desc.properties.values():
                if prop.referenced_type and prop.referenced_type not in self.types:
                    raise TypeSystemError(
                        f"{desc.source}: property {desc.type}.{prop.name} refers to unknown type {prop.referenced_type}.")

    def _apply_defaults(self, defaults: dict[str, str]) -> None:
        if not defaults:
            return
        for key in defaults:
            type_name, _, prop_name = key.rpartition(".")
            desc = self.types.get(type_name)
            if desc is None or prop_name not in desc.properties:
                log.warning("deployit-defaults.properties: %s names no known type property; ignored", key)
        for desc in self.types.values():
            chain = [desc.type] + desc.super_types
            for name, prop in list(desc.properties.items()):
                for owner in chain:
                    key = f"{owner}.{name}"
                    if key in defaults:
                        updated = copy.copy(prop)
                        try:
                            updated.default = parse_default(prop.kind, defaults[key])
                        except TypeSystemError as exc:
                            raise TypeSystemError(f"deployit-defaults.properties: {key}: {exc}.") from None
                        desc.properties[name] = updated
                        break

    def _index(self) -> None:
        for name, desc in self.types.items():
            self._ancestors[name] = frozenset([name, *desc.super_types, *desc.interfaces])
        for name in self.types:
            self._subtypes[name] = sorted(t for t, anc in self._ancestors.items() if name in anc)

    # -- queries -------------------------------------------------------------------------------
    def __contains__(self, name: str) -> bool:
        return name in self.types

    def get(self, name: str) -> TypeDescriptor | None:
        return self.types.get(name)

    def is_a(self, type_name: str, other: str) -> bool:
        return other in self._ancestors.get(type_name, ())

    def subtypes(self, name: str, include_virtual: bool = True) -> list[str]:
        """The type itself and every type that is-a it."""
        found = self._subtypes.get(name, [])
        return found if include_virtual else [t for t in found if not self.types[t].virtual]

    def deployed_types_for(self, deployable_type: str, container_type: str) -> list[str]:
        """Non-virtual deployed types that can map this deployable type onto this container type."""
        return [t.type for t in self.types.values()
                if not t.virtual and t.deployable_type and t.container_type
                and self.is_a(deployable_type, t.deployable_type) and self.is_a(container_type, t.container_type)]


def is_rules_file(name: str) -> bool:
    """Rules files (`xl-rules.xml`, `*-rules.xml`) sit beside synthetic.xml files; planning loads them."""
    return name.endswith(".xml") and "rules" in name.rsplit("/", 1)[-1].lower()


def builtin_sources() -> list[tuple[str, bytes]]:
    folder = resources.files("server.plugins.builtin")
    return sorted((f"builtin/{entry.name}", entry.read_bytes())
                  for entry in folder.iterdir() if entry.name.endswith(".xml") and not is_rules_file(entry.name))


def load_registry(plugin_dir: Path | None = None, defaults: dict[str, str] | None = None,
                  ext_dir: Path | None = None) -> TypeRegistry:
    """Built-in types plus every `*.xml` in plugin_dir (rules files excepted), then `synthetic.xml` in ext_dir
    (where XL Deploy users keep their own types, next to `ext/xl-rules.xml`), with defaults applied."""
    registry = TypeRegistry()
    try:
        for source, text in builtin_sources():
            registry.add_xml(text, source)
        paths = []
        if plugin_dir and plugin_dir.is_dir():
            paths += sorted(p for p in plugin_dir.glob("*.xml") if not is_rules_file(p.name))
        if ext_dir and (ext_dir / "synthetic.xml").is_file():
            paths.append(ext_dir / "synthetic.xml")
        for path in paths:
            registry.add_xml(path.read_bytes(), str(path))
    except SyntheticXmlError as exc:
        raise TypeSystemError(str(exc)) from None
    return registry.build(defaults)
