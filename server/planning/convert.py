"""Property values for deployeds: converting to a property's kind, checking, comparing.

Deployable properties are strings (so they can hold placeholders); the deployed's kinds are applied
when values are copied. Conversion here is lenient: a value that does not convert (`"{{PORT}}"` for
an integer) is kept as it is and `problem()` tells validation why it is wrong.
"""

from __future__ import annotations

from ..refs import reference as ref
from ..types import PropertyDescriptor, PropertyKind

K = PropertyKind


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_kind(prop: PropertyDescriptor, value):
    """The value in the property's kind where it converts; otherwise as given. None means unset."""
    if value is None:
        return None
    kind = prop.kind
    if kind in (K.STRING, K.ENUM, K.DATE):
        if value.__class__ is str:  # the common case, first
            return value if value != "" else None
        if isinstance(value, (dict, list)):
            return value
        text = _text(value)
        return text if text != "" else None
    if kind == K.INTEGER:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return int(value.strip())
            except ValueError:
                return value
        return value
    if kind == K.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("true", "false"):
                return lowered == "true"
            if not lowered:
                return None
        return value
    if kind == K.CI:
        return ref(value) if not isinstance(value, (list,)) else value
    if kind in (K.SET_OF_CI, K.LIST_OF_CI):
        if isinstance(value, str):
            value = [v for v in value.split(",")]
        if not isinstance(value, list):
            return value
        ids = [ref(v) for v in value]
        ids = [i for i in ids if i]
        return list(dict.fromkeys(ids)) if kind == K.SET_OF_CI else ids
    if kind in (K.SET_OF_STRING, K.LIST_OF_STRING):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple, set, frozenset)):
            return value
        items = [_text(v) for v in value if v is not None]
        return list(dict.fromkeys(items)) if kind == K.SET_OF_STRING else items
    if kind == K.MAP_STRING_STRING:
        if not isinstance(value, dict):
            return value
        return {str(k): ("" if v is None else _text(v)) for k, v in value.items()}
    return value


def problem(prop: PropertyDescriptor, value) -> str | None:
    """Why a value (already through to_kind) is not valid for the property, or None."""
    if value is None:
        return None
    kind = prop.kind
    if kind in (K.STRING, K.DATE):
        return None if isinstance(value, str) else "must be a string"
    if kind == K.ENUM:
        if not isinstance(value, str):
            return "must be a string"
        if prop.enum_values and value not in prop.enum_values:
            return f"must be one of {', '.join(prop.enum_values)}, not '{value}'"
        return None
    if kind == K.INTEGER:
        return None if isinstance(value, int) and not isinstance(value, bool) else f"must be an integer, not '{value}'"
    if kind == K.BOOLEAN:
        return None if isinstance(value, bool) else f"must be true or false, not '{value}'"
    if kind == K.CI:
        return None if isinstance(value, str) else "must be a CI id"
    if kind.is_collection:
        return None if isinstance(value, list) and all(isinstance(v, str) for v in value) else "must be a list"
    if kind == K.MAP_STRING_STRING:
        return None if isinstance(value, dict) else "must be a map of strings"
    return None


def is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def effective(prop: PropertyDescriptor, properties: dict):
    """The value a property has: set, else the type's default, else its empty value."""
    value = properties.get(prop.name)
    if value is None:
        if prop.default is not None:
            value = prop.default
        else:
            return prop.empty_value()
    return value


def comparable(prop: PropertyDescriptor, value):
    """A form of the value for equality: sets unordered, empty values alike."""
    if is_empty(value):
        return None
    if prop.kind.is_set and isinstance(value, list):
        return frozenset(value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), str(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(value)
    return value
