"""Package manifests, parsed into the CI bodies the repository stores (pure: bytes and types in, data out).

Two formats (spec/cli-and-rest.md §6):

* `deployit-manifest.xml`: the root element's name is the package type (udm.DeploymentPackage or a
  subtype) with attributes `application` (may hold directories: `dir1/PetClinic`) and `version`.
  Its child elements are package properties; `<deployables>` holds the deployables, each an element
  named after its type with attributes `name` and, for artifacts, `file`. Property values follow the
  property's kind: text for strings, integers, booleans, enums and dates; `<p ref="Name"/>` for a CI;
  `<p><ci ref="Name"/>…</p>` for sets and lists of CIs; `<p><value>a</value>…</p>` for sets and
  lists of strings; `<p><entry key="k">v</entry>…</p>` for maps; embedded CIs as full elements
  inside their (as-containment) property. DTDs and entities are refused (defusedxml).
* `META-INF/MANIFEST.MF` (before 3.9): main section `CI-Application`, `CI-Version` (and optionally
  `CI-Type` for the package type); one section per deployable with `Name` (its file in the package,
  or a resource name), `CI-Type`, `CI-Name` (default: the last part of Name) and properties
  `CI-<prop>: value`, `CI-<prop>-EntryValue-<n>: value` for collections, `CI-<prop>-<key>: value`
  for maps. References name the referred section's `Name`.

A reference (`ref`) is the name of another CI of the package, or a path below the package
(`war/embedded`), or a full id starting with a repository root. `{{..}}` placeholders in values and
names are kept as they are. Unknown types and properties are refused with the element named.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from ..errors import BadRequest
from ..repository.ids import ROOTS, check_id
from ..types import PropertyDescriptor, PropertyKind, TypeDescriptor, TypeRegistry

MAX_NESTING = 10  # embedded CIs inside embedded CIs


@dataclass
class DeployableSpec:
    """One CI of the package below the package itself: its JSON body and, for artifacts, its file."""
    ci: dict
    file: str | None = None

    @property
    def id(self) -> str:
        return self.ci["id"]

    @property
    def type(self) -> str:
        return self.ci["type"]


@dataclass
class Manifest:
    format: str  # 'xml' or 'mf'
    application: str  # the path below Applications, e.g. 'dir1/PetClinic'
    version: str
    package: dict  # JSON body of the package CI
    deployables: list[DeployableSpec] = field(default_factory=list)  # parents before their embedded CIs

    @property
    def application_id(self) -> str:
        return f"Applications/{self.application}"

    @property
    def package_id(self) -> str:
        return self.package["id"]


def parse(kind: str, data: bytes, types: TypeRegistry) -> Manifest:
    """Parse a manifest of the given kind ('xml' or 'mf', as PackageSource.manifest returns)."""
    return parse_xml(data, types) if kind == "xml" else parse_mf(data, types)


# -- shared -----------------------------------------------------------------------------------------

def _resolve_ref(ref: str, package_id: str, what: str) -> str:
    ref = (ref or "").strip().strip("/")
    if not ref:
        raise BadRequest(f"{what} has an empty reference.")
    return ref if ref.split("/", 1)[0] in ROOTS else f"{package_id}/{ref}"


def _package_type(types: TypeRegistry, type_name: str) -> TypeDescriptor:
    desc = types.get(type_name)
    if desc is None:
        raise BadRequest(f"The manifest's package type '{type_name}' is not a known type.")
    if types.is_a(type_name, "udm.CompositePackage"):
        raise BadRequest(f"A {type_name} cannot be imported: create it in the repository from packages "
                         f"that are already imported.")
    if not types.is_a(type_name, "udm.DeploymentPackage") or desc.virtual:
        raise BadRequest(f"The manifest's package type '{type_name}' is not a deployment package type "
                         f"(udm.DeploymentPackage or a subtype).")
    return desc


def _ids(application: str, version: str) -> str:
    application = (application or "").strip().strip("/")
    version = (version or "").strip()
    if not application:
        raise BadRequest("The manifest does not name the application.")
    if not version:
        raise BadRequest("The manifest does not give the package version.")
    if "/" in version:
        raise BadRequest(f"The manifest's version '{version}' must be a name, without '/'.")
    return check_id(f"Applications/{application}/{version}")


def _child_type(types: TypeRegistry, type_name: str, name: str, expected: str) -> TypeDescriptor:
    desc = types.get(type_name)
    if desc is None:
        raise BadRequest(f"The manifest gives '{name}' the unknown type '{type_name}'.")
    if not types.is_a(type_name, expected):
        what = "a deployable" if expected == "udm.Deployable" else f"a {expected}"
        raise BadRequest(f"The manifest gives '{name}' the type {type_name}, which is not {what}.")
    if desc.virtual:
        raise BadRequest(f"The manifest gives '{name}' the type {type_name}, which is virtual and cannot be used.")
    return desc


def _property(desc: TypeDescriptor, name: str, ci_id: str) -> PropertyDescriptor:
    prop = desc.property(name)
    if prop is None:
        raise BadRequest(f"The manifest sets unknown property '{name}' on {ci_id} of type {desc.type}.")
    return prop


# -- deployit-manifest.xml ----------------------------------------------------------------------------

def _tag(elem) -> str:
    return elem.tag.rsplit("}", 1)[-1] if isinstance(elem.tag, str) else str(elem.tag)


def _text(elem) -> str:
    return (elem.text or "").strip()


class _XmlParser:
    def __init__(self, types: TypeRegistry, package_id: str):
        self.types = types
        self.package_id = package_id
        self.specs: list[DeployableSpec] = []

    def properties(self, elem, desc: TypeDescriptor, ci_id: str, depth: int) -> dict:
        data: dict = {}
        for child in elem:
            name = _tag(child)
            prop = _property(desc, name, ci_id)
            if name in data:
                raise BadRequest(f"The manifest sets property '{name}' of {ci_id} twice.")
            if prop.kind.is_collection and prop.as_containment:
                self.nested(child, prop, ci_id, depth)
                data[name] = None  # the children are the value
            else:
                data[name] = self.value(child, prop, ci_id)
        return {k: v for k, v in data.items() if v is not None}

    def nested(self, elem, prop: PropertyDescriptor, parent_id: str, depth: int) -> None:
        if depth >= MAX_NESTING:
            raise BadRequest(f"The manifest nests CIs more than {MAX_NESTING} deep below {parent_id}.")
        seen = set()
        for child in elem:
            type_name = _tag(child)
            name = (child.get("name") or "").strip()
            if not name:
                raise BadRequest(f"A {type_name} element in the manifest (in '{prop.name}' of {parent_id}) "
                                 f"has no name attribute.")
            if "/" in name:
                raise BadRequest(f"The manifest's CI name '{name}' must be a name, without '/'.")
            if name in seen:
                raise BadRequest(f"The manifest declares '{name}' twice in {parent_id}.")
            seen.add(name)
            desc = _child_type(self.types, type_name, name, prop.referenced_type or "udm.Deployable")
            ci_id = check_id(f"{parent_id}/{name}")
            file = child.get("file")
            if file is not None and not self.types.is_a(type_name, "udm.Artifact"):
                raise BadRequest(f"The manifest gives a file to {ci_id}, but its type {type_name} is not an artifact.")
            spec = DeployableSpec({"id": ci_id, "type": type_name}, file)
            self.specs.append(spec)
            spec.ci.update(self.properties(child, desc, ci_id, depth + 1))

    def value(self, elem, prop: PropertyDescriptor, ci_id: str):
        kind, what = prop.kind, f"Property '{prop.name}' of {ci_id} in the manifest"
        children = list(elem)
        if kind == PropertyKind.CI:
            if children:
                raise BadRequest(f"{what} must be a reference: <{prop.name} ref=\"name\"/>.")
            return _resolve_ref(elem.get("ref") or _text(elem), self.package_id, what)
        if kind in (PropertyKind.SET_OF_CI, PropertyKind.LIST_OF_CI):
            refs = []
            for child in children:
                if _tag(child) != "ci":
                    raise BadRequest(f"{what} must hold <ci ref=\"name\"/> elements, not <{_tag(child)}>.")
                refs.append(_resolve_ref(child.get("ref") or _text(child), self.package_id, what))
            return refs
        if kind in (PropertyKind.SET_OF_STRING, PropertyKind.LIST_OF_STRING):
            if not children:
                text = _text(elem)
                return [v.strip() for v in text.split(",") if v.strip()] if text else []
            items = []
            for child in children:
                if _tag(child) != "value":
                    raise BadRequest(f"{what} must hold <value> elements, not <{_tag(child)}>.")
                items.append(_text(child))
            return items
        if kind == PropertyKind.MAP_STRING_STRING:
            entries = {}
            for child in children:
                if _tag(child) != "entry" or child.get("key") is None:
                    raise BadRequest(f"{what} must hold <entry key=\"...\"> elements.")
                entries[child.get("key")] = _text(child)
            return entries
        if children:
            raise BadRequest(f"{what} must be a plain value, not <{_tag(children[0])}> elements.")
        text = _text(elem)
        return text if text != "" else None


def parse_xml(data: bytes, types: TypeRegistry) -> Manifest:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise BadRequest("The manifest is refused: it declares a DTD or entities, which a package may not use.") \
            from None
    except ET.ParseError as exc:
        raise BadRequest(f"The manifest is not well-formed XML ({exc}).") from None
    type_name = _tag(root)
    desc = _package_type(types, type_name)
    package_id = _ids(root.get("application"), root.get("version"))
    parser = _XmlParser(types, package_id)
    package = {"id": package_id, "type": type_name}
    package.update(parser.properties(root, desc, package_id, 0))
    application, _, version = package_id[len("Applications/"):].rpartition("/")
    return Manifest("xml", application, version, package, parser.specs)


# -- META-INF/MANIFEST.MF -----------------------------------------------------------------------------

def _mf_sections(text: str) -> list[list[tuple[str, str]]]:
    sections, current = [], []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if line == "":
            if current:
                sections.append(current)
                current = []
        elif line.startswith(" "):
            if not current:
                raise BadRequest(f"The MANIFEST.MF is malformed: line {number} continues nothing.")
            key, value = current[-1]
            current[-1] = (key, value + line[1:])
        else:
            key, sep, value = line.partition(":")
            if not sep or not key.strip():
                raise BadRequest(f"The MANIFEST.MF is malformed: line {number} is not 'Name: value'.")
            current.append((key.strip(), value[1:] if value.startswith(" ") else value))
    if current:
        sections.append(current)
    return sections


def _mf_lookup(desc: TypeDescriptor, name: str) -> PropertyDescriptor | None:
    prop = desc.property(name)
    if prop is None:  # manifest headers are case-insensitive
        prop = next((p for n, p in desc.properties.items() if n.lower() == name.lower()), None)
    return prop


def _mf_properties(desc: TypeDescriptor, headers: list[tuple[str, str]], ci_id: str, resolve) -> dict:
    scalars: dict[str, str] = {}
    items: dict[str, list[tuple[int, str]]] = {}
    maps: dict[str, dict[str, str]] = {}
    for key, value in headers:
        if not key.lower().startswith("ci-") or key.lower() in ("ci-type", "ci-name", "ci-application", "ci-version"):
            continue
        rest = key[3:]
        prop = _mf_lookup(desc, rest)
        if prop is not None:
            scalars[prop.name] = value
            continue
        match = re.fullmatch(r"(.+)-EntryValue-(\d+)", rest, re.IGNORECASE)
        prop = _mf_lookup(desc, match.group(1)) if match else None
        if prop is not None:
            items.setdefault(prop.name, []).append((int(match.group(2)), value))
            continue
        candidates = [p for n, p in desc.properties.items()
                      if p.kind == PropertyKind.MAP_STRING_STRING and rest.lower().startswith(n.lower() + "-")]
        if candidates:
            prop = max(candidates, key=lambda p: len(p.name))
            maps.setdefault(prop.name, {})[rest[len(prop.name) + 1:]] = value
            continue
        raise BadRequest(f"The manifest sets unknown property '{rest}' on {ci_id} of type {desc.type}.")
    data: dict = {}
    for name, value in scalars.items():
        prop = desc.properties[name]
        what = f"Property '{name}' of {ci_id} in the manifest"
        if prop.kind == PropertyKind.CI:
            data[name] = resolve(value, what)
        elif prop.kind.is_collection:
            parts = [v.strip() for v in value.split(",") if v.strip()]
            data[name] = [resolve(v, what) for v in parts] if prop.kind.is_reference else parts
        elif prop.kind == PropertyKind.MAP_STRING_STRING:
            raise BadRequest(f"{what} is a map: give its entries as CI-{name}-<key>: <value>.")
        elif value.strip():
            data[name] = value.strip()
    for name, numbered in items.items():
        prop = desc.properties[name]
        what = f"Property '{name}' of {ci_id} in the manifest"
        if not prop.kind.is_collection:
            raise BadRequest(f"{what} is not a collection and cannot have entry values.")
        values = [v for _, v in sorted(numbered)]
        data[name] = [resolve(v, what) for v in values] if prop.kind.is_reference else values
    for name, entries in maps.items():
        data[name] = entries
    return data


def parse_mf(data: bytes, types: TypeRegistry) -> Manifest:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("The MANIFEST.MF is not UTF-8 text.") from None
    sections = _mf_sections(text)
    if not sections:
        raise BadRequest("The MANIFEST.MF is empty.")
    main = dict((k.lower(), v) for k, v in sections[0])
    if "ci-application" not in main:
        raise BadRequest("The MANIFEST.MF has no CI-Application header in its main section.")
    if "ci-version" not in main:
        raise BadRequest("The MANIFEST.MF has no CI-Version header in its main section.")
    type_name = main.get("ci-type", "udm.DeploymentPackage").strip()
    desc = _package_type(types, type_name)
    package_id = _ids(main["ci-application"], main["ci-version"])

    deployables = []  # (headers, Name, CI name, type)
    by_entry_name: dict[str, str] = {}
    for headers in sections[1:]:
        lower = dict((k.lower(), v.strip()) for k, v in headers)
        if "ci-type" not in lower:
            continue  # an ordinary jar section (e.g. signatures)
        entry = lower.get("name")
        if not entry:
            raise BadRequest(f"A section of the MANIFEST.MF with CI-Type {lower['ci-type']} has no Name.")
        ci_name = lower.get("ci-name") or entry.strip("/").rsplit("/", 1)[-1]
        if "/" in ci_name:
            raise BadRequest(f"The manifest's CI name '{ci_name}' must be a name, without '/'.")
        if entry in by_entry_name or f"{package_id}/{ci_name}" in by_entry_name.values():
            raise BadRequest(f"The MANIFEST.MF declares '{ci_name}' twice.")
        by_entry_name[entry] = check_id(f"{package_id}/{ci_name}")
        deployables.append((headers, entry, lower["ci-type"], by_entry_name[entry]))

    def resolve(value: str, what: str) -> str:
        value = value.strip()
        return by_entry_name.get(value) or _resolve_ref(value, package_id, what)

    package = {"id": package_id, "type": type_name}
    package.update(_mf_properties(desc, sections[0], package_id, resolve))
    specs = []
    for headers, entry, ci_type, ci_id in deployables:
        ci_name = ci_id.rsplit("/", 1)[-1]
        cdesc = _child_type(types, ci_type, ci_name, "udm.Deployable")
        spec = DeployableSpec({"id": ci_id, "type": ci_type},
                              entry if types.is_a(ci_type, "udm.Artifact") else None)
        spec.ci.update(_mf_properties(cdesc, headers, ci_id, resolve))
        specs.append(spec)
    application, _, version = package_id[len("Applications/"):].rpartition("/")
    return Manifest("mf", application, version, package, specs)
