"""XL Deploy's XML on the wire, beside the JSON: `write` turns the data a route answers into XML, `read`
turns an XML request body into the dicts and lists a JSON body gives, so routes and services see one form.

CIs, both ways, follow the type descriptors (server/types): a CI is an element named by its type, with
`id`, `token`, `created-by`, `created-at`, `last-modified-by` and `last-modified-at` attributes and one
child element per property, by kind:
    scalars      <port>22</port>, <optimizePlan>true</optimizePlan>
    CI           <host ref="Infrastructure/host"/>
    CIs          <members><ci ref="Infrastructure/host"/></members>   (embedded CIs nested in full)
    strings      <tags><value>web</value></tags>
    map          <entries><entry key="k">v</entry></entries>
Other data is written by its `kind` (the routes name it, see KINDS): a Deployment (`<deployment id type>`
with `<application>`, `<deployeds>`, `<deployables><ci ref type/></deployables>`, `<containers>`,
`<requiredDeployments>`), tasks, blocks and steps (`<task id state owner failures currentStep
totalSteps>`, their scalars as attributes), type descriptors (`<descriptor>` with
`<property-descriptors><property-descriptor name kind .../>`), errors (`<error><message>`), validation
messages (`<validation-messages><validation-message ci property level>text`). Anything else is written
by one rule: an object is an element with a child per key (`<entry key="...">` where the key is no XML
name), a list `<list>` (or its key) holding `<string>`s, `<value>`s, `<ci ref/>`s or items named by the
kind, unset values left out. A top-level list of strings is `<list><string>a</string></list>`.

Reading is defused (defusedxml: no DTDs, no entities, no external references); malformed XML is a
BadRequest with the line. XML cannot carry NUL, other control characters or lone surrogates, so no read
value holds them; when such characters are written (a step log's escape codes) they become U+FFFD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..errors import BadRequest
from ..types import PropertyKind as K

MESSAGES = "validation-messages"
CI_META = {"$token": "token", "$createdBy": "created-by", "$createdAt": "created-at",
           "$lastModifiedBy": "last-modified-by", "$lastModifiedAt": "last-modified-at"}
_NAME = re.compile(r"^[A-Za-z_][\w.\-]*$")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# -- writing ------------------------------------------------------------------------------------
def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", value if isinstance(value, str) else str(value))


def _scalar(value) -> bool:
    return isinstance(value, (str, int, float, bool))


def _named(name: str, **attrs) -> Element:
    """An element called `name`, or `<entry key="name">` when it is no XML name (an id, a phrase)."""
    name = str(name)
    if _NAME.match(name) and not name.lower().startswith("xml"):
        return Element(name, {k: _text(v) for k, v in attrs.items()})
    return Element("entry", {"key": _text(name), **{k: _text(v) for k, v in attrs.items()}})


def _ref(ci_id, **attrs) -> Element:
    return Element("ci", {"ref": _text(ci_id), **{k: _text(v) for k, v in attrs.items() if v is not None}})


def _item(value, tag: str) -> Element:
    """One item of a list: a reference `<ci ref=…/>`, or `tag` holding the value."""
    if isinstance(value, dict) and "ref" in value and all(_scalar(v) or v is None for v in value.values()):
        return _ref(value["ref"], **{k: v for k, v in value.items() if k != "ref"})
    return _fill(Element(tag), value)


def _fill(el: Element, value, item: str = "value") -> Element:
    """Put a value into an element: text, a child per key, or an item per list entry."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if sub is not None:
                el.append(_fill(_named(key), sub))
    elif isinstance(value, list):
        for sub in value:
            el.append(_item(sub, item))
    elif value is not None:
        el.text = _text(value)
    return el


def _messages(messages) -> Element:
    el = Element(MESSAGES)
    for m in messages or []:
        if isinstance(m, dict):
            attrs = {k: _text(m[k]) for k in ("ci", "property", "level") if m.get(k) is not None}
            SubElement(el, "validation-message", attrs).text = _text(m.get("message") or "")
    return el


def _property(name: str, value, kind, types) -> Element | None:
    if value is None:
        return None
    el = _named(name)
    if kind == K.CI:
        if isinstance(value, dict):
            el.append(ci_element(value, types))
        else:
            el.set("ref", _text(value))
    elif kind in (K.SET_OF_CI, K.LIST_OF_CI) and isinstance(value, list):
        for ci in value:
            el.append(ci_element(ci, types) if isinstance(ci, dict) else _ref(ci))
    elif kind in (K.SET_OF_STRING, K.LIST_OF_STRING) and isinstance(value, list):
        for text in value:
            SubElement(el, "value").text = _text(text)
    elif kind == K.MAP_STRING_STRING and isinstance(value, dict):
        for key, text in value.items():
            SubElement(el, "entry", {"key": _text(key)}).text = None if text is None else _text(text)
    else:
        _fill(el, value)
    return el


def ci_element(data: dict, types) -> Element:
    """A CI in XL Deploy's XML: element named by its type, meta data as attributes, properties by kind."""
    type_name = data.get("type")
    el = Element(str(type_name)) if isinstance(type_name, str) and _NAME.match(type_name) else \
        Element("ci", {"type": _text(type_name)})
    if data.get("id") is not None:
        el.set("id", _text(data["id"]))
    for key, attr in CI_META.items():
        if data.get(key) is not None:
            el.set(attr, _text(data[key]))
    desc = types.get(type_name) if types is not None and isinstance(type_name, str) else None
    for key, value in data.items():
        if key in ("id", "type") or key.startswith("$"):
            continue
        if key == MESSAGES:
            if value:  # none is the usual case: left out, as XL Deploy does
                el.append(_messages(value))
            continue
        prop = desc.property(key) if desc is not None else None
        child = _property(key, value, prop.kind if prop is not None else None, types)
        if child is not None:
            el.append(child)
    return el


@dataclass
class Shape:
    """How a kind of object is written: its tag, the keys written as attributes (when scalar), keys
    renamed, and the shapes (or item tags) of keys holding objects or lists."""
    tag: str
    attributes: tuple = ()
    names: dict = field(default_factory=dict)
    fields: dict = field(default_factory=dict)

    def element(self, data, types, tag: str | None = None) -> Element:
        el = Element(tag or self.tag)
        if not isinstance(data, dict):
            return _fill(el, data)
        for key, value in data.items():
            if value is None:
                continue
            name = self.names.get(key, key)
            if key in self.attributes and _scalar(value):
                el.set(name, _text(value))
                continue
            sub = self.fields.get(key)
            if isinstance(sub, Shape) and isinstance(value, list):
                wrapper = SubElement(el, name)
                for item in value:
                    wrapper.append(sub.element(item, types))
            elif isinstance(sub, Shape):
                el.append(sub.element(value, types, name))
            elif callable(sub):
                el.append(sub(name, value, types))
            else:
                el.append(_fill(_named(name), value, sub or "value"))
        return el


def _cis_in(name: str, value, types) -> Element:
    el = Element(name)
    for ci in value or []:
        el.append(ci_element(ci, types) if isinstance(ci, dict) else _ref(ci))
    return el


def _ci_in(name: str, value, types) -> Element:
    el = Element(name)
    el.append(ci_element(value, types) if isinstance(value, dict) else _ref(value))
    return el


def _ref_in(name: str, value, types) -> Element:
    return _named(name, ref=value) if _scalar(value) else _ci_in(name, value, types)


def _refs_in(name: str, value, types) -> Element:
    el = Element(name)
    for ci in value or []:
        if isinstance(ci, dict):
            el.append(_ref(ci.get("ref", ci.get("id")), type=ci.get("type")))
        else:
            el.append(_ref(ci))
    return el


STEP = Shape("step", ("path", "nr", "state", "failureCount", "order", "type"))
BLOCK = Shape("block", ("id", "state", "type", "root", "current", "description"))
BLOCK.fields.update(blocks=BLOCK, steps=STEP)
TASK = Shape("task", ("id", "state", "owner", "failures", "currentStep", "totalSteps"),
             fields={"block": BLOCK, "steps": STEP, "currentSteps": "current", "activeBlocks": "block"})
PROPERTY = Shape("property-descriptor", (
    "name", "fqn", "label", "kind", "description", "category", "asContainment", "inspection", "required",
    "requiredInspection", "password", "transient", "size", "referencedType", "default", "hidden"),
    names={"enumValues": "enum-values"})
CONTROL_TASK = Shape("control-task", ("name", "label", "description", "delegate"), fields={"parameters": PROPERTY})
DESCRIPTOR = Shape("descriptor", ("type", "virtual", "icon", "root", "deployableType", "containerType"),
                   names={"properties": "property-descriptors", "controlTasks": "control-tasks"},
                   fields={"properties": PROPERTY, "controlTasks": CONTROL_TASK, "interfaces": "type",
                           "superTypes": "type"})
DEPLOYMENT = Shape("deployment", ("id", "type"), fields={"application": _ci_in, "deployeds": _cis_in,
                                                          "deployables": _refs_in, "containers": _refs_in})
DEPLOYMENT.fields["requiredDeployments"] = DEPLOYMENT
DELTA = Shape("delta", ("operation", "id", "type", "container", "deployable", "previousDeployable"),
              fields={"changes": "change"})
SERVER_INFO = Shape("server-info", fields={"pluginsInfo": "plugin-info"})
PREVIEW = Shape("preview", fields={"deltas": DELTA, "block": BLOCK})
ERROR = Shape("error", fields={MESSAGES: lambda name, value, types: _messages(value)})
CONTROL = Shape("control", fields={"ci": _ref_in, "parameters": _ci_in})

def _map(data, types) -> Element:
    el = Element("map")
    for key, value in (data or {}).items():
        SubElement(el, "entry", {"key": _text(key)}).text = None if value is None else _text(value)
    return el


def _list_of(shape: Shape | None = None, item: str | None = None):
    def write(data, types) -> Element:
        el = Element("list")
        for entry in data or []:
            el.append(shape.element(entry, types) if shape is not None else _item(entry, item))
        return el
    return write


KINDS = {
    "boolean": lambda data, types: _fill(Element("boolean"), data["boolean"]),
    "ci": ci_element,
    "cis": lambda data, types: _cis_in("list", data, types),
    "deployment": DEPLOYMENT.element,
    "task": TASK.element,
    "tasks": _list_of(TASK),
    "block": BLOCK.element,
    "step": STEP.element,
    "steps": _list_of(STEP),
    "descriptor": DESCRIPTOR.element,
    "descriptors": _list_of(DESCRIPTOR),
    "preview": PREVIEW.element,
    "server-info": SERVER_INFO.element,
    "control": CONTROL.element,
    "error": ERROR.element,
    "map": _map,
    "history": _list_of(item="version"),
    "audit": _list_of(item="event"),
    "permissions": _list_of(item="permission"),
}


def element(data, kind: str | None, types) -> Element:
    """The XML element of a route's answer; `kind` a key of KINDS, else the tag of an object."""
    writer = KINDS.get(kind or "")
    if writer is not None:
        return writer(data, types)
    if isinstance(data, bool):
        return _fill(Element("boolean"), data)
    if isinstance(data, int):
        return _fill(Element("integer"), data)
    if isinstance(data, str):
        return _fill(Element("string"), data)
    if isinstance(data, list):
        return _fill(Element(kind or "list"), data, "string")
    return _fill(Element(kind or "map"), data)


def write(data, kind: str | None, types) -> bytes:
    return tostring(element(data, kind, types), encoding="utf-8", xml_declaration=False)


def error_message(body: bytes) -> str | None:
    """The message of an `<error>` body (for the audit trail); None when it has none."""
    try:
        found = fromstring(body, forbid_dtd=True).find("message")
    except (ParseError, DefusedXmlException):
        return None
    return found.text if found is not None else None


# -- reading ------------------------------------------------------------------------------------
_SINGLE = {"application", "parameters"}      # objects wrapping one CI: <application><udm.DeployedApplication …>
_ITEMS = {"value", "string", "ci", "integer", "boolean"}


def is_xml(content_type: str | None, raw: bytes) -> bool:
    """Whether a body is XML: so declared (`application/xml`, `text/xml`, `…+xml`), or undeclared as
    JSON and starting with `<` (curl's `-d @file.xml` without a Content-Type)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in ("application/xml", "text/xml") or media.endswith("+xml"):
        return True
    return "json" not in media and raw.lstrip().startswith(b"<")


def read(raw: bytes, types):
    """The body as the data its JSON form would give; BadRequest for XML that is not well-formed."""
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        line, column = exc.position
        reason = str(exc).split(":")[0]
        raise BadRequest(f"The request body is not well-formed XML: {reason} at line {line}, column {column}.") \
            from None
    except DefusedXmlException:
        raise BadRequest("The request body holds a DTD or an entity declaration, which XML bodies may not.") from None
    try:
        return Reader(types).value(root)
    except RecursionError:
        raise BadRequest("The request body is nested too deeply.") from None


class Reader:
    def __init__(self, types):
        self.types = types

    def is_ci(self, el: Element) -> bool:
        return (self.types is not None and el.tag in self.types) or ("." in el.tag and "id" in el.attrib)

    def value(self, el: Element):
        """Any element: a CI, a Deployment, a list, a scalar, a reference or an object."""
        tag, children = el.tag, list(el)
        if self.is_ci(el):
            return self.ci(el)
        if tag == "deployment":
            return self.deployment(el)
        if tag in ("list", "set"):
            return [self.value(c) for c in children]
        if tag == "boolean" and not children and (el.text or "").strip().lower() in ("true", "false"):
            return el.text.strip().lower() == "true"
        if tag == "integer" and not children and re.fullmatch(r"\s*-?\d{1,18}\s*", el.text or ""):
            return int(el.text)
        if "ref" in el.attrib and not children:
            return dict(el.attrib)
        if not children:
            return dict(el.attrib) if el.attrib else (el.text or "")
        if all(c.tag == "entry" and "key" in c.attrib for c in children):
            return {c.get("key"): self.value(c) if len(c) else (c.text or "") for c in children}
        if tag in _SINGLE and len(children) == 1:
            return self.value(children[0])
        if len({c.tag for c in children}) == 1 and (children[0].tag in _ITEMS or self.is_ci(children[0])) \
                or all(self.is_ci(c) for c in children):
            return [self.value(c) for c in children]
        data = dict(el.attrib)
        for child in children:
            key = child.get("key") if child.tag == "entry" and "key" in child.attrib else child.tag
            if key in data:
                raise BadRequest(f"Element <{key}> appears twice in <{tag}>.")
            data[key] = self.value(child) if len(child) or child.tag != "entry" else (child.text or "")
        return data

    def ci(self, el: Element) -> dict:
        data = {"type": el.tag}
        if "id" in el.attrib:
            data["id"] = el.get("id")
        if "token" in el.attrib:
            data["$token"] = el.get("token")
        desc = self.types.get(el.tag) if self.types is not None else None
        for child in el:
            if child.tag == MESSAGES:
                continue  # output only, as in JSON
            if child.tag in data:
                raise BadRequest(f"Property '{child.tag}' appears twice in CI {data.get('id') or el.tag}.")
            prop = desc.property(child.tag) if desc is not None else None
            data[child.tag] = self.property(child, prop.kind if prop is not None else None)
        return data

    def property(self, el: Element, kind):
        children = list(el)
        text = el.text or ""
        if kind is None:
            return self.value(el)
        if kind == K.CI:
            if "ref" in el.attrib:
                return el.get("ref")
            if children:
                return self.value(children[0]) if len(children) == 1 else [self.value(c) for c in children]
            return text.strip() or None
        if kind in (K.SET_OF_CI, K.LIST_OF_CI):
            if not children:
                return text if text.strip() else []
            return [c.get("ref") if "ref" in c.attrib else self.value(c) for c in children]
        if kind in (K.SET_OF_STRING, K.LIST_OF_STRING):
            if not children:
                return text if text.strip() else []
            return [self.value(c) for c in children]
        if kind == K.MAP_STRING_STRING:
            if not children:
                return text if text.strip() else {}
            entries = {}
            for c in children:
                if "key" not in c.attrib:
                    raise BadRequest(f"Each entry of map <{el.tag}> needs a key attribute: "
                                     f"<entry key=\"...\">value</entry>.")
                entries[c.get("key")] = self.value(c) if len(c) else (c.text or "")
            return entries
        if children:
            return self.value(el)  # a structure where text belongs: the service names the property
        if kind == K.STRING:
            return text or None
        text = text.strip()
        if kind == K.INTEGER and re.fullmatch(r"-?\d{1,18}", text):
            return int(text)
        if kind == K.BOOLEAN and text.lower() in ("true", "false"):
            return text.lower() == "true"
        return text or None  # as sent when it does not convert: the service names the property

    def deployment(self, el: Element) -> dict:
        data = dict(el.attrib)
        for child in el:
            items = list(child)
            if child.tag == "application":
                data["application"] = self.value(items[0]) if items else None
            elif child.tag == "deployeds":
                data["deployeds"] = [self.value(c) for c in items]
            elif child.tag in ("deployables", "containers"):
                data[child.tag] = [dict(c.attrib) if c.attrib else (c.text or "") for c in items]
            elif child.tag == "requiredDeployments":
                data[child.tag] = [self.value(c) for c in items]
            else:
                data[child.tag] = self.value(child)
        return data
