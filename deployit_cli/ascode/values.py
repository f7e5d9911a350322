"""Property values between the YAML file, the server's JSON and a form that compares, by property kind.

XL values (the names `!value`, `!format` and `!secret` use) come, a later source winning, from
`~/.xebialabs/*.xlvals`, the `*.xlvals` files next to the YAML file (Java properties: `NAME=value`, in
name order), the environment variables `XL_VALUE_NAME`, and `--values NAME=value` on the command line,
as xl takes them. A file names a secret with `!secret NAME` (the server never shows one); a `!secret`
with no value keeps what the server stores. A secret's value, given that way or in clear, is checked
against the stored one on the server (which answers only whether it matches), so an unchanged secret
is no change.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from .document import SECRET_TAG, AsCodeError, scalar_text, tag_of

MASK = "********"
SET_KINDS = ("SET_OF_STRING", "SET_OF_CI")
LIST_KINDS = ("LIST_OF_STRING", "LIST_OF_CI")
CI_KINDS = ("CI", "SET_OF_CI", "LIST_OF_CI")


class _Masked:
    """A secret the server holds and shows only masked."""

    def __repr__(self):
        return MASK


MASKED = _Masked()
OMIT = object()  # leave the property out of a REST body: the server stores nothing (its default applies)


@dataclass(frozen=True)
class Secret:
    """`!secret NAME` in a file; `value` is None when no value was given (keep the stored secret)."""

    name: str | None
    value: str | None


def is_masked(value) -> bool:
    return isinstance(value, str) and (value == MASK or value.startswith("{b64}"))


class XlValues:
    """The XL values: `~/.xebialabs/*.xlvals`, then `*.xlvals` in the YAML file's folder, then `XL_VALUE_*`
    environment variables, then values given on the command line; a later source wins."""

    def __init__(self, folder: str | None = None, environ=None, given: dict | None = None,
                 home: str | None = None):
        from ..config import read_properties
        self._values: dict[str, str] = {}
        folders = [Path(home) / ".xebialabs"] if home else []
        folders += [Path(folder)] if folder else []
        for place in folders:
            for path in sorted(place.glob("*.xlvals")) if place.is_dir() else []:
                self._values.update(read_properties(path))
        self._environ = os.environ if environ is None else environ
        self._given = dict(given or {})

    def get(self, name: str) -> str | None:
        if name in self._given:
            return self._given[name]
        value = self._environ.get(f"XL_VALUE_{name}")
        return value if value is not None else self._values.get(name)


SecretValues = XlValues  # the name earlier versions used


def given_secret(value) -> str | None:
    """The clear value a file gives for a secret (written in clear or a `!secret` with a value), if any."""
    if isinstance(value, Secret):
        return value.value
    return value if isinstance(value, str) and value != "" else None


def secret_name(ci_id: str, prop: str, key: str | None = None) -> str:
    """A placeholder name for a secret, usable in an environment variable: DEV_web1_password."""
    parts = ci_id.split("/")[1:] + [prop] + ([key] if key else [])
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


# -- reading values from the file --------------------------------------------------------------------
def _kind_name(prop) -> str:
    return {"INTEGER": "an integer", "BOOLEAN": "true or false", "DATE": "a date such as 2024-01-31T12:00:00Z",
            "CI": "the id of a CI", "MAP_STRING_STRING": "a mapping of keys to values"}.get(
        prop.kind, "a list" if prop.kind in SET_KINDS + LIST_KINDS else "text")


def _shown(raw) -> str:
    try:
        return f"'{scalar_text(raw)}'" if not isinstance(raw, (dict, list)) else ("a mapping" if isinstance(raw, dict)
                                                                                 else "a list")
    except Exception:  # a value ruamel cannot write back; show it as Python does
        return repr(raw)


def from_yaml(prop, raw, what: str, secrets: SecretValues):
    """The value of a property as written in the file, checked against its kind. `what` starts the error
    sentence: "x.yaml, line 7: property 'port' of CI Infrastructure/web1"."""
    kind = prop.kind
    tag = tag_of(raw)
    if tag == SECRET_TAG and not (prop.password and kind in ("STRING", "MAP_STRING_STRING")):
        raise AsCodeError(f"{what} is not a password, so it takes a plain value rather than !secret.")
    if tag is not None and tag != SECRET_TAG:
        raise AsCodeError(f"{what} has the tag {tag}, which is only for 'file' of an artifact; write a plain value.")
    if kind in ("STRING", "ENUM"):
        if isinstance(raw, (dict, list)):
            raise AsCodeError(f"{what} must be {_kind_name(prop)}, not {_shown(raw)}.")
        if prop.password:
            return _secret_or_text(raw, secrets)
        text = None if raw is None else scalar_text(raw)
        if kind == "ENUM" and text not in (None, "") and prop.enumValues and text not in prop.enumValues:
            raise AsCodeError(f"{what} must be one of {', '.join(prop.enumValues)}, not '{text}'.")
        return text or None
    if kind == "INTEGER":
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool) or isinstance(raw, (dict, list, float)):
            raise AsCodeError(f"{what} must be an integer, not {_shown(raw)}.")
        try:
            return int(scalar_text(raw).strip())
        except ValueError:
            raise AsCodeError(f"{what} must be an integer, not {_shown(raw)}.") from None
    if kind == "BOOLEAN":
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool):
            return raw
        text = scalar_text(raw).strip().lower() if not isinstance(raw, (dict, list)) else ""
        if text in ("true", "false"):
            return text == "true"
        raise AsCodeError(f"{what} must be true or false, not {_shown(raw)}.")
    if kind == "DATE":
        if raw is None or raw == "":
            return None
        moment = _date(raw)
        if moment is None:
            raise AsCodeError(f"{what} must be {_kind_name(prop)}, not {_shown(raw)}.")
        return moment
    if kind == "CI":
        if raw is None or raw == "":
            return None
        if isinstance(raw, (dict, list)):
            raise AsCodeError(f"{what} must be the id of a CI, not {_shown(raw)}.")
        return scalar_text(raw).strip().strip("/") or None
    if kind in SET_KINDS + LIST_KINDS:
        if raw is None:
            return []
        items = raw if isinstance(raw, list) else [raw]
        out = []
        for item in items:
            if item is None or isinstance(item, (dict, list)):
                raise AsCodeError(f"{what} must be a list of {'ids' if kind in CI_KINDS else 'text values'}, "
                                  f"and {_shown(item) if item is not None else 'an empty item'} is not one.")
            text = scalar_text(item).strip()
            out.append(text.strip("/") if kind in CI_KINDS else text)
        return out
    if kind == "MAP_STRING_STRING":
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise AsCodeError(f"{what} must be a mapping of keys to values, not {_shown(raw)}.")
        out = {}
        for key, item in raw.items():
            if isinstance(item, (dict, list)):
                raise AsCodeError(f"{what}: the value of key '{key}' must be text.")
            if tag_of(item) is not None and tag_of(item) != SECRET_TAG:
                raise AsCodeError(f"{what}: the value of key '{key}' has the tag {tag_of(item)}; write plain text.")
            if prop.password:
                value = _secret_or_text(item, secrets)
                out[scalar_text(key)] = "" if value is None else value
            else:
                out[scalar_text(key)] = "" if item is None else scalar_text(item)
        return out
    raise AsCodeError(f"{what} has the kind {kind}, which a file cannot set.")


def _secret_or_text(raw, secrets: SecretValues):
    if tag_of(raw) == SECRET_TAG:
        name = scalar_text(raw.value).strip() if raw.value is not None else ""
        return Secret(name or None, secrets.get(name) if name else None)
    if raw is None:
        return None
    text = scalar_text(raw)
    if text == MASK:
        return Secret(None, None)
    return text or None


def _date(raw):
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=timezone.utc)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=timezone.utc)
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.strip())
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None


# -- the server's values -----------------------------------------------------------------------------
def from_json(prop, value):
    """A property as the server shows it (its effective value), in the form from_yaml gives."""
    kind = prop.kind
    if kind in ("STRING", "ENUM"):
        if value is None or value == "":
            return None
        if prop.password and is_masked(value):
            return MASKED
        return str(value)
    if kind == "INTEGER":
        try:
            return None if value in (None, "") else int(value)
        except (TypeError, ValueError):
            return None
    if kind == "BOOLEAN":
        if isinstance(value, str):
            return value.strip().lower() == "true"
        return bool(value) if value is not None else None
    if kind == "DATE":
        return _date(value) if value else None
    if kind == "CI":
        if isinstance(value, dict):
            value = value.get("ci-ref") or value.get("ref") or value.get("id")
        return str(value).strip("/") if value else None
    if kind in SET_KINDS + LIST_KINDS:
        out = []
        for item in value or []:
            if isinstance(item, dict):
                item = item.get("ci-ref") or item.get("ref") or item.get("id")
            out.append(str(item))
        return out
    if kind == "MAP_STRING_STRING":
        out = {}
        for key, item in (value or {}).items():
            text = "" if item is None else str(item)
            out[str(key)] = MASKED if prop.password and is_masked(text) else text
        return out
    return value


def default_of(prop):
    """The value a property has when nothing is stored."""
    if prop.kind == "BOOLEAN" and prop.default is None:
        return False
    return from_json(prop, prop.default)


def effective(prop, value):
    """`value`, or the property's default when the value is unset."""
    if value is None or (prop.kind in SET_KINDS + LIST_KINDS and value == []) or \
            (prop.kind == "MAP_STRING_STRING" and value == {}):
        return default_of(prop)
    return value


def same(prop, wanted, current) -> bool:
    """Whether a property already has the wanted value (both effective). A secret with a value never
    counts as the same: the stored one cannot be read to compare."""
    if prop.password and prop.kind in ("STRING", "ENUM"):
        if isinstance(wanted, Secret) and wanted.value is None:
            return True
        if wanted is None:
            return current is None
        return False
    if prop.password and prop.kind == "MAP_STRING_STRING":
        if set(wanted) != set(current):
            return False
        for key, value in wanted.items():
            if isinstance(value, Secret) and value.value is None:
                continue
            if value == "" and current.get(key) == "":
                continue
            return False
        return True
    if prop.kind in SET_KINDS:
        return set(wanted or []) == set(current or [])
    return wanted == current


def body_value(prop, wanted, current_raw):
    """A wanted value as the REST body carries it (OMIT: leave it out, so nothing is stored). A secret kept
    as it is goes back exactly as the server showed it, which the server reads as "unchanged"."""
    if wanted is None or wanted == [] or wanted == {}:
        return OMIT
    if prop.password and prop.kind in ("STRING", "ENUM"):
        if isinstance(wanted, Secret):
            if wanted.value is not None:
                return wanted.value
            return current_raw if is_masked(current_raw) else OMIT
        return wanted
    if prop.password and prop.kind == "MAP_STRING_STRING":
        before = current_raw if isinstance(current_raw, dict) else {}
        out = {}
        for key, value in wanted.items():
            if isinstance(value, Secret):
                value = value.value if value.value is not None else before.get(key, "")
            out[key] = value
        return out
    if isinstance(wanted, datetime):
        return wanted.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(wanted, list):
        return list(wanted)
    if isinstance(wanted, dict):
        return dict(wanted)
    return wanted


def show(prop, value, wanted: bool = False) -> str:
    """A value for a change listing; secrets never in clear."""
    if value is None:
        return "(unset)"
    if value is MASKED:
        return MASK
    if isinstance(value, Secret):
        return MASK if value.value is None else f"{MASK} (new value)"
    if prop.password and isinstance(value, str):
        return f"{MASK} (new value)" if wanted else MASK
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        shown = {k: (show(prop, v, wanted) if prop.password and v != "" else v) for k, v in value.items()}
        return json.dumps(shown, ensure_ascii=False)
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
