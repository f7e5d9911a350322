"""Parser for synthetic.xml files: `type`, `type-modification`, properties, methods, generate-deployable.

The parser only turns XML into plain records; the registry merges them into descriptors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from defusedxml import ElementTree


class SyntheticXmlError(ValueError):
    """A synthetic.xml file that cannot be read; the message names the file and the element."""


@dataclass
class PropertySpec:
    attrs: dict
    enum_values: list[str] | None = None
    rules: list[dict] = field(default_factory=list)


@dataclass
class MethodSpec:
    attrs: dict
    parameters: list[PropertySpec] = field(default_factory=list)


@dataclass
class TypeSpec:
    attrs: dict
    properties: list[PropertySpec] = field(default_factory=list)
    methods: list[MethodSpec] = field(default_factory=list)
    generate_deployable: dict | None = None
    source: str = ""


@dataclass
class SyntheticFile:
    types: list[TypeSpec] = field(default_factory=list)
    modifications: list[TypeSpec] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _property(element, source: str) -> PropertySpec:
    attrs = dict(element.attrib)
    if "name" not in attrs:
        raise SyntheticXmlError(f"{source}: a <property> has no name attribute.")
    spec = PropertySpec(attrs=attrs)
    for child in element:
        tag = _local(child.tag)
        if tag == "enum-values":
            spec.enum_values = [(v.text or "").strip() for v in child if _local(v.tag) == "value"]
        elif tag == "rule":
            spec.rules.append(dict(child.attrib))
    return spec


def _type(element, source: str) -> TypeSpec:
    attrs = dict(element.attrib)
    if "type" not in attrs:
        raise SyntheticXmlError(f"{source}: a <{_local(element.tag)}> element has no type attribute.")
    spec = TypeSpec(attrs=attrs, source=source)
    for child in element:
        tag = _local(child.tag)
        if tag == "property":
            spec.properties.append(_property(child, source))
        elif tag == "method":
            method = MethodSpec(attrs=dict(child.attrib))
            for sub in child:
                if _local(sub.tag) == "parameters":
                    method.parameters = [_property(p, source) for p in sub if _local(p.tag) == "parameter"]
            spec.methods.append(method)
        elif tag == "generate-deployable":
            spec.generate_deployable = dict(child.attrib)
    return spec


def parse_synthetic(text: str | bytes, source: str) -> SyntheticFile:
    """Parse the text of one synthetic.xml file (untrusted input: parsed with defusedxml)."""
    try:
        root = ElementTree.fromstring(text)
    except Exception as exc:  # defusedxml raises several kinds of errors
        raise SyntheticXmlError(f"{source}: not a valid synthetic.xml file ({exc}).") from None
    if _local(root.tag) != "synthetic":
        raise SyntheticXmlError(f"{source}: the root element must be <synthetic>, not <{_local(root.tag)}>.")
    result = SyntheticFile()
    for element in root:
        tag = _local(element.tag)
        if tag == "type":
            result.types.append(_type(element, source))
        elif tag == "type-modification":
            result.modifications.append(_type(element, source))
    return result
