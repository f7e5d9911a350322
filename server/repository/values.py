"""Property values: from client JSON to the stored form and back, checked against the type.

Stored form (JSON in the `properties` column): only properties that were set; references as id
strings; passwords as `{b64}` ciphertext; dates as ISO strings in UTC. Clients see secrets as
`********` (`masked`), and `********` sent back in an update keeps the stored secret (`unmask`).
"""

from __future__ import annotations

import re

from ..errors import BadRequest
from ..refs import ref_id
from ..store.dates import parse_date
from ..store.secrets import MASK, PREFIX, Secrets
from ..types import PropertyDescriptor, PropertyKind, TypeDescriptor

META_KEYS = {"id", "type"}


def convert(prop: PropertyDescriptor, value, what: str, secrets: Secrets):
    """Convert one client value to the stored form; None means unset."""
    kind = prop.kind
    if value is None:
        return None
    if kind == PropertyKind.STRING:
        if isinstance(value, (dict, list)):
            raise BadRequest(f"{what} must be a string.")
        text = value if isinstance(value, str) else (str(value).lower() if isinstance(value, bool) else str(value))
        if text == "":
            return None
        if prop.password and text == MASK:
            raise _mask_refused(what)
        return secrets.protect(text) if prop.password else text
    if kind == PropertyKind.INTEGER:
        if isinstance(value, bool):
            raise BadRequest(f"{what} must be an integer, not {value!r}.")
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise BadRequest(f"{what} must be an integer, not {value!r}.")
    if kind == PropertyKind.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise BadRequest(f"{what} must be true or false, not {value!r}.")
    if kind == PropertyKind.ENUM:
        if not isinstance(value, str):
            raise BadRequest(f"{what} must be one of {', '.join(prop.enum_values)}.")
        if value == "":
            return None
        if value not in prop.enum_values:
            raise BadRequest(f"{what} must be one of {', '.join(prop.enum_values)}, not '{value}'.")
        return value
    if kind == PropertyKind.DATE:
        if value == "":
            return None
        return parse_date(value, what)
    if kind == PropertyKind.CI:
        if value == "":
            return None
        return ref_id(value, what)
    if kind in (PropertyKind.SET_OF_CI, PropertyKind.LIST_OF_CI):
        if not isinstance(value, list):
            raise BadRequest(f"{what} must be a list of CI ids.")
        ids = [ref_id(v, what) for v in value]
        return list(dict.fromkeys(ids)) if kind == PropertyKind.SET_OF_CI else ids
    if kind in (PropertyKind.SET_OF_STRING, PropertyKind.LIST_OF_STRING):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                                  for v in value):
            raise BadRequest(f"{what} must be a list of strings.")
        items = [str(v) for v in value]
        return list(dict.fromkeys(items)) if kind == PropertyKind.SET_OF_STRING else items
    if kind == PropertyKind.MAP_STRING_STRING:
        if not isinstance(value, dict):
            raise BadRequest(f"{what} must be a map of strings to strings.")
        result = {}
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                raise BadRequest(f"{what}: the value of key '{key}' must be a string.")
            text = "" if item is None else (str(item).lower() if isinstance(item, bool) else str(item))
            if prop.password and text == MASK:
                raise _mask_refused(f"{what}, key '{key}'")
            result[str(key)] = secrets.protect(text) if prop.password and text else text
        return result
    raise BadRequest(f"{what} has an unsupported kind {kind}.")


def _mask_refused(what: str) -> BadRequest:
    return BadRequest(f"{what} is {MASK}, which stands for a hidden value that this CI does not have; "
                      f"send the value itself.")


def _is_secret_text(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def masked(desc: TypeDescriptor, props: dict) -> dict:
    """Properties as clients see them: password values, and any encrypted value (such as secret
    placeholders of a deployed), as ********."""
    for prop in desc.properties.values():
        value = props.get(prop.name)
        if not value:
            continue
        if isinstance(value, str) and (prop.password or _is_secret_text(value)):
            props[prop.name] = MASK
        elif isinstance(value, dict) and (prop.password or any(_is_secret_text(v) for v in value.values())):
            props[prop.name] = {k: (MASK if v and (prop.password or _is_secret_text(v)) else v)
                                for k, v in value.items()}
    return props


def unmask(desc: TypeDescriptor | None, data: dict, stored: dict) -> dict:
    """An update body with each ******** replaced by the stored value it stands for (a ******** with
    nothing stored behind it is left for `convert` to refuse)."""
    if desc is None or not isinstance(data, dict):
        return data
    out = None
    for key, value in data.items():
        prop = desc.property(key) if isinstance(key, str) and not key.startswith("$") else None
        if prop is None:
            continue
        if value == MASK and prop.name in stored:
            out = out if out is not None else dict(data)
            out[key] = stored[prop.name]
        elif isinstance(value, dict) and MASK in value.values():
            before = stored.get(prop.name) if isinstance(stored.get(prop.name), dict) else {}
            out = out if out is not None else dict(data)
            out[key] = {k: (before[k] if v == MASK and k in before else v) for k, v in value.items()}
    return out if out is not None else data


def to_stored(desc: TypeDescriptor, ci_id: str, data: dict, secrets: Secrets) -> dict:
    """Check and convert a client CI body to stored properties; unknown properties are refused."""
    stored = {}
    for key, value in data.items():
        if key in META_KEYS or key.startswith("$"):
            continue
        prop = desc.property(key)
        if prop is None and key == "token":
            continue  # goxldeploy sends the $token back as `token`; see Repository._update
        if prop is None:
            raise BadRequest(f"Unknown property '{key}' on CI {ci_id} of type {desc.type}.")
        if prop.kind.is_collection and prop.as_containment:
            continue  # the children themselves are the value; see Repository.to_json
        converted = convert(prop, value, f"Property '{key}' of CI {ci_id}", secrets)
        if prop.transient:
            continue  # checked, but never persisted
        if converted is not None and not (prop.kind.is_collection and converted == []):
            stored[key] = converted
    return stored


def effective(prop: PropertyDescriptor, stored: dict):
    """The value a property has: the stored one, else the type's default, else its empty value."""
    if prop.name in stored:
        return stored[prop.name]
    if prop.default is not None:
        return prop.default
    return prop.empty_value()


def missing_required(desc: TypeDescriptor, stored: dict) -> list[str]:
    """Names of required properties without a value (scalars and single references only)."""
    missing = []
    for prop in desc.properties.values():
        if not prop.required or prop.hidden or prop.kind.is_collection or prop.kind == PropertyKind.MAP_STRING_STRING \
                or prop.kind == PropertyKind.BOOLEAN or (prop.kind == PropertyKind.CI and prop.as_containment):
            continue
        if effective(prop, stored) in (None, ""):
            missing.append(prop.name)
    return missing


def check_rules(desc: TypeDescriptor, ci_id: str, stored: dict) -> None:
    """Apply `<rule type="regex">` validation rules declared on properties."""
    for prop in desc.properties.values():
        for rule in prop.validation_rules:
            if rule.get("type") == "regex" and prop.name in stored and isinstance(stored[prop.name], str):
                if not re.fullmatch(rule.get("pattern", ".*"), stored[prop.name]):
                    message = rule.get("message") or f"does not match {rule.get('pattern')}"
                    raise BadRequest(f"Property '{prop.name}' of CI {ci_id}: {message}")


def references(desc: TypeDescriptor, stored: dict):
    """(property, target id) for every reference a CI holds (containment pointers excluded)."""
    for prop in desc.properties.values():
        if not prop.kind.is_reference or prop.name not in stored or prop.as_containment:
            continue
        if prop.kind == PropertyKind.CI:
            yield prop.name, stored[prop.name]
        else:
            for target in stored[prop.name]:
                yield prop.name, target


def to_json(desc: TypeDescriptor, stored: dict) -> dict:
    """Every property of the type with its effective value, as the REST API shows it."""
    out = {}
    for prop in desc.properties.values():
        value = effective(prop, stored)
        if isinstance(value, (list, dict)):
            value = type(value)(value)
        out[prop.name] = value
    return out
