"""Property values: from client JSON to the stored form and back, checked against the type.

Values are converted by kind in server/types/values.py (strictly: what does not fit is refused); this
module adds what storing needs: dates, secrets and the checks of a whole CI.

Stored form (JSON in the `properties` column): only properties that were set; references as id
strings; passwords as `{b64}` ciphertext; dates as ISO strings in UTC. Clients see secrets as
`********` (`masked`), and `********` sent back in an update keeps the stored secret (`unmask`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import BadRequest
from ..store.dates import parse_date
from ..store.secrets import MASK, PREFIX, Secrets
from ..types import PropertyDescriptor, PropertyKind, TypeDescriptor
from ..types.values import coerce, effective, failed_rules, needs_value

META_KEYS = {"id", "type"}


def convert(prop: PropertyDescriptor, value, what: str, secrets: Secrets):
    """Convert one client value to the stored form (server/types/values.py, strictly); None means unset."""
    if value is None:
        return None
    kind = prop.kind
    if kind == PropertyKind.DATE:
        if value == "":
            return None
        return parse_date(value, what)
    converted = coerce(prop, value, strict=True, what=what)
    if not prop.password or converted is None:
        return converted
    if kind == PropertyKind.STRING:
        if converted == MASK:
            raise _mask_refused(what)
        return secrets.protect(converted)
    if kind == PropertyKind.MAP_STRING_STRING:
        for key, text in converted.items():
            if text == MASK:
                raise _mask_refused(f"{what}, key '{key}'")
        return {key: (secrets.protect(text) if text else text) for key, text in converted.items()}
    return converted


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
        if value:
            props[prop.name] = _shown(prop, value)
    return props


def _shown(prop: PropertyDescriptor, value):
    """One value as clients see it (see `masked`); lists and maps are copies."""
    if isinstance(value, str):
        return MASK if value and (prop.password or value.startswith(PREFIX)) else value
    if isinstance(value, dict):
        if value and (prop.password or any(_is_secret_text(v) for v in value.values())):
            return {k: (MASK if v and (prop.password or _is_secret_text(v)) else v) for k, v in value.items()}
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


# The fields a client reads before a CI's properties, in order: XL Deploy's id, type and `$` meta data.
CLIENT_META = ("id", "type", "$token", "$createdBy", "$createdAt", "$lastModifiedBy", "$lastModifiedAt")


def for_client(desc: TypeDescriptor, stored: dict, meta: tuple | None = None) -> dict:
    """`masked(desc, to_json(desc, stored))`: what a client reads of a CI, after the values of CLIENT_META when
    given (a property of the same name shows over one). Starts from the type's unset CI as shown, worked out once
    per type (a copy of a dict is much quicker than filling one; lists and maps copied), and shows each stored
    value over it."""
    if meta is None:
        unset, mutable = desc.memo("unset_for_client", _unset_for_client)
        out = unset.copy()
    else:
        unset, mutable, shown_meta = desc.memo("ci_for_client", _ci_for_client)
        out = unset.copy()
        if shown_meta is CLIENT_META:  # as update(zip(CLIENT_META, meta)), in half the time
            (out["id"], out["type"], out["$token"], out["$createdBy"], out["$createdAt"], out["$lastModifiedBy"],
             out["$lastModifiedAt"]) = meta
        else:
            out.update((name, value) for name, value in zip(CLIENT_META, meta) if name in shown_meta)
    for name in mutable:
        out[name] = out[name].copy()
    properties = desc.properties
    for name, value in stored.items():  # as types.values.effective: set, else the default, else empty
        if value is None:
            continue
        prop = properties.get(name)
        if prop is None:
            continue
        if value.__class__ is str:  # most values: _shown without the call
            out[name] = MASK if value and (prop.password or value.startswith(PREFIX)) else value
        else:
            out[name] = _shown(prop, value)
    return out


def _ci_for_client(desc: TypeDescriptor) -> tuple[dict, list[str], tuple]:
    """`_unset_for_client` after the CLIENT_META fields, and those of the fields that no property hides (CLIENT_META
    itself when none is hidden, as with every built-in type)."""
    unset, mutable = _unset_for_client(desc)
    template = dict.fromkeys(CLIENT_META)
    template.update(unset)
    shown_meta = tuple(name for name in CLIENT_META if name not in unset)
    return template, mutable, CLIENT_META if shown_meta == CLIENT_META else shown_meta


def _unset_for_client(desc: TypeDescriptor) -> tuple[dict, list[str]]:
    """Every property of the type as a client sees it when unset (its default, else its empty value), and the
    names of those whose value is a list or a map."""
    unset = {prop.name: prop.empty_value() if prop.default is None else _shown(prop, prop.default)
             for prop in desc.properties.values()}
    return unset, [name for name, value in unset.items() if isinstance(value, (list, dict))]


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
    """Check and convert a client CI body to stored properties; unknown properties are refused. The values most
    bodies hold (text, numbers, true or false, ids, lists of them) take the type's plan (`_stored_plan`); any other
    goes through `convert`, which gives the same result or names what is wrong."""
    plan = desc.memo("stored_plan", _stored_plan)
    stored = {}
    for key, value in data.items():
        step = plan.get(key)
        if step is None:
            if key in META_KEYS or key.startswith("$"):
                continue
            if key == "token":
                continue  # goxldeploy sends the $token back as `token`; see Repository._update
            raise BadRequest(f"Unknown property '{key}' on CI {ci_id} of type {desc.type}.")
        prop, fast = step
        if fast is _SKIP or value is None:
            continue
        if fast is not None:
            kept = fast(value)
            if kept is not _SLOW:
                if kept is not None:
                    stored[key] = kept
                continue
        converted = convert(prop, value, f"Property '{key}' of CI {ci_id}", secrets)
        if prop.transient:
            continue  # checked, but never persisted
        if converted is not None and not (prop.kind.is_collection and converted == []):
            stored[key] = converted
    return stored


_SKIP = object()  # a property whose value a body may hold but that is not stored from it
_SLOW = object()  # a value the plan leaves to `convert`


def _text(value):
    if value.__class__ is str:
        return value or None
    return _SLOW


def _integer(value):
    return value if value.__class__ is int else _SLOW


def _boolean(value):
    return value if value.__class__ is bool else _SLOW


def _clean_id(value) -> str | None:
    """An id string as server/refs.py reads it, or None for one that needs `convert` (blank, not text)."""
    if value.__class__ is str:
        return value.strip().strip("/") or None
    return None


def _ci(value):
    if value == "":
        return None
    return _clean_id(value) or _SLOW


def _ids(unique: bool):
    def fast(value):
        if value.__class__ is not list:
            return _SLOW
        cleaned = [_clean_id(v) for v in value]
        if None in cleaned:
            return _SLOW
        return (list(dict.fromkeys(cleaned)) if unique else cleaned) or None
    return fast


def _texts(unique: bool):
    def fast(value):
        if value.__class__ is not list:
            return _SLOW
        for item in value:
            if item.__class__ is not str:
                return _SLOW
        return (list(dict.fromkeys(value)) if unique and len(value) > 1 else list(value)) or None
    return fast


def _enum(allowed):
    def fast(value):
        return value if value.__class__ is str and value in allowed else _SLOW
    return fast


def _stored_plan(desc: TypeDescriptor) -> dict:
    """For each key a body may hold: (property, quick conversion or None, or _SKIP). A quick conversion takes a value
    of the common shapes to what `convert` makes of it (None: not stored) and answers _SLOW for any other; the
    properties that are stored transformed (passwords, dates) or not at all (transient) have none."""
    quick = {"STRING": lambda p: _text, "INTEGER": lambda p: _integer, "BOOLEAN": lambda p: _boolean,
             "CI": lambda p: _ci, "SET_OF_CI": lambda p: _ids(True), "LIST_OF_CI": lambda p: _ids(False),
             "SET_OF_STRING": lambda p: _texts(True), "LIST_OF_STRING": lambda p: _texts(False),
             "ENUM": lambda p: _enum(frozenset(p.enum_values) - {""})}
    plan = dict.fromkeys(META_KEYS, (None, _SKIP))  # the id and type, read by the repository itself
    for name, prop in desc.properties.items():
        if name in META_KEYS or name.startswith("$"):
            continue
        if prop.kind.is_collection and prop.as_containment:
            plan[name] = (prop, _SKIP)  # the children themselves are the value; see Repository.to_json
        elif prop.password or prop.transient or prop.kind._value_ not in quick:
            plan[name] = (prop, None)
        else:
            plan[name] = (prop, quick[prop.kind._value_](prop))
    return plan


def checked_properties(desc: TypeDescriptor, ci_id: str, parent: str, data: dict, secrets: Secrets) -> dict:
    """A client CI body as the properties to store: converted (`to_stored`), the containment pointers set to the
    CI's parent, then checked for the values required and the validation rules (`<rule type="regex">`)."""
    stored = to_stored(desc, ci_id, data, secrets)
    checks = desc.memo("body_checks", _body_checks)
    for name in checks.pointers:
        stored[name] = parent  # the containing CI is the parent
    for name, unset_is_missing in checks.required:  # is_missing, with what the defaults leave missing known
        value = stored.get(name)
        if unset_is_missing if value is None else value == "":
            raise BadRequest(f"Property '{name}' of CI {ci_id} of type {desc.type} is required.")
    for prop in checks.ruled:
        for rule in failed_rules(prop, stored.get(prop.name)):
            message = rule.get("message") or f"does not match {rule.get('pattern')}"
            raise BadRequest(f"Property '{prop.name}' of CI {ci_id}: {message}")
    return stored


@dataclass(frozen=True)
class _BodyChecks:
    pointers: tuple  # names of the CI properties that point at the CI's parent (`as-containment`)
    required: tuple  # (name, whether it lacks a value when unset) of those that must have a value (needs_value)
    ruled: tuple  # properties with validation rules


def _body_checks(desc: TypeDescriptor) -> _BodyChecks:
    props = desc.properties.values()
    return _BodyChecks(
        pointers=tuple(p.name for p in props if p.kind == PropertyKind.CI and p.as_containment),
        required=tuple((p.name, effective(p, {}) in (None, "")) for p in props if needs_value(p)),
        ruled=tuple(p for p in props if p.validation_rules))


def references(desc: TypeDescriptor, stored: dict) -> list[tuple[str, str]]:
    """(property, target id) for every reference a CI holds (containment pointers excluded)."""
    found = []
    names = desc.memo("reference_names", lambda d: [(p.name, p.kind == PropertyKind.CI) for p in d.properties.values()
                                                    if p.kind.is_reference and not p.as_containment])
    for name, single in names:
        if name not in stored:
            continue
        value = stored[name]
        if single:
            found.append((name, value))
        else:
            found.extend((name, target) for target in value)
    return found


def containments(desc: TypeDescriptor) -> list:
    """The collection properties of a type whose value is the CI's children (worked out once per type)."""
    return desc.memo("containments", lambda d: [p for p in d.properties.values()
                                               if p.kind.is_collection and p.as_containment])


def to_json(desc: TypeDescriptor, stored: dict) -> dict:
    """Every property of the type with its effective value, as the REST API shows it (lists and maps
    copied, so that changing the result changes neither the stored value nor the default)."""
    out = {}
    for prop in desc.properties.values():
        name = prop.name
        value = stored.get(name)  # as types.values.effective: set, else the default, else empty
        if value is None:
            if prop.default is None:
                out[name] = prop.empty_value()
                continue
            value = prop.default
        if isinstance(value, (list, dict)):
            value = type(value)(value)
        out[name] = value
    return out
