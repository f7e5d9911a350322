"""Property values by kind: converting a value to its property's kind, the effective value, problems.

Two callers, two modes. The repository converts a client's CI body strictly (`coerce(...,
strict=True)`): a value that does not fit its kind is refused with one sentence naming `what`.
Planning converts a deployed's values leniently: deployable properties are strings (so they can
hold placeholders) and the deployed's kinds are applied when values are copied, so a value that does
not convert (`"{{PORT}}"` for an integer) is kept as it is and `problem()` tells validation why it is
wrong. Dates stay text here; the repository stores them in its own date form. Secrets are not this
module's business either: the repository encrypts, planning works on clear text.
"""

from __future__ import annotations

import re

from ..errors import BadRequest
from ..refs import reference, ref_id
from .model import PropertyDescriptor, PropertyKind

K = PropertyKind


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _unfit(value, strict: bool, message: str):
    """A value that does not fit: refused when strict, else kept as it is for `problem()` to name."""
    if strict:
        raise BadRequest(message)
    return value


def coerce(prop: PropertyDescriptor, value, strict: bool = False, what: str = "The value"):
    """The value in the property's kind; None means unset. A value that does not fit is refused with
    BadRequest naming `what` when `strict`, else kept as given."""
    if value is None:
        return None
    kind = prop.kind._value_  # the kind's name: cheaper to compare than the member
    if kind == "STRING" or kind == "DATE" or (kind == "ENUM" and not strict):
        if value.__class__ is str:  # the common case, first
            return value if value != "" else None
        if isinstance(value, (dict, list)):
            return _unfit(value, strict, f"{what} must be a string.")
        text = _text(value)
        return text if text != "" else None
    if kind == "ENUM":
        if not isinstance(value, str):
            raise BadRequest(f"{what} must be one of {', '.join(prop.enum_values)}.")
        if value == "":
            return None
        if value not in prop.enum_values:
            raise BadRequest(f"{what} must be one of {', '.join(prop.enum_values)}, not '{value}'.")
        return value
    if kind == "INTEGER":
        if isinstance(value, bool):
            return _unfit(value, strict, f"{what} must be an integer, not {value!r}.")
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return int(value.strip())
            except ValueError:
                pass
        return _unfit(value, strict, f"{what} must be an integer, not {value!r}.")
    if kind == "BOOLEAN":
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("true", "false"):
                return lowered == "true"
            if not lowered and not strict:
                return None
        return _unfit(value, strict, f"{what} must be true or false, not {value!r}.")
    if kind == "CI":
        if strict:
            return None if value == "" else ref_id(value, what)
        return reference(value) if not isinstance(value, list) else value
    if kind in ("SET_OF_CI", "LIST_OF_CI"):
        if isinstance(value, str) and not strict:
            value = value.split(",")
        if not isinstance(value, list):
            return _unfit(value, strict, f"{what} must be a list of CI ids.")
        if strict:
            ids = [ref_id(v, what) for v in value]
        else:
            ids = [i for i in (reference(v) for v in value) if i]
        return list(dict.fromkeys(ids)) if kind == "SET_OF_CI" else ids
    if kind in ("SET_OF_STRING", "LIST_OF_STRING"):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if strict:
            if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                                      for v in value):
                raise BadRequest(f"{what} must be a list of strings.")
        elif not isinstance(value, (list, tuple, set, frozenset)):
            return value
        items = [_text(v) for v in value if v is not None]
        return list(dict.fromkeys(items)) if kind == "SET_OF_STRING" else items
    if kind == "MAP_STRING_STRING":
        if not isinstance(value, dict):
            return _unfit(value, strict, f"{what} must be a map of strings to strings.")
        if strict:
            for key, item in value.items():
                if isinstance(item, (dict, list)):
                    raise BadRequest(f"{what}: the value of key '{key}' must be a string.")
        return {str(k): ("" if v is None else _text(v)) for k, v in value.items()}
    return _unfit(value, strict, f"{what} has an unsupported kind {prop.kind}.")


def problem(prop: PropertyDescriptor, value) -> str | None:
    """Why a value (already through lenient `coerce`) is not valid for the property, or None."""
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


def failed_rules(prop: PropertyDescriptor, value) -> list[dict]:
    """The property's `<rule type="regex">` validation rules that a text value does not match."""
    if not isinstance(value, str):
        return []
    return [rule for rule in prop.validation_rules
            if rule.get("type") == "regex" and not re.fullmatch(rule.get("pattern", ".*"), value)]


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


def needs_value(prop: PropertyDescriptor) -> bool:
    """Whether a property must have a value. Only required scalars and single references must: collections,
    maps and booleans may be empty, and a containment reference is the CI's parent."""
    return prop.required and not prop.hidden and not prop.kind.is_collection \
        and prop.kind not in (K.MAP_STRING_STRING, K.BOOLEAN) and not (prop.kind == K.CI and prop.as_containment)


def is_missing(prop: PropertyDescriptor, properties: dict) -> bool:
    """Whether a property that must have a value (needs_value) has none."""
    return needs_value(prop) and effective(prop, properties) in (None, "")


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
