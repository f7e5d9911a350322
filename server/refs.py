"""CI references as clients send them, and the ids they stand for.

A reference is an id string or an object holding the id under one of `KEYS` (a CI object, with its
`id`, is a reference too). This module is the only place that reads them, so the permission checks
of the routes and the services that act see the same id. An object that holds different ids under
two of the keys is refused: the two would be read differently by different clients.
"""

from __future__ import annotations

from .errors import BadRequest

KEYS = ("ci-ref", "ref", "id", "ci")


def _clean(text: str) -> str:
    return text.strip().strip("/")


def reference(value, what: str = "A CI reference") -> str | None:
    """The id a reference stands for; None when the value is no reference (None, blank, a number...)."""
    if isinstance(value, str):
        return _clean(value) or None
    if not isinstance(value, dict):
        return None
    found = {_clean(value[key]) for key in KEYS if isinstance(value.get(key), str) and _clean(value[key])}
    if len(found) > 1:
        raise BadRequest(f"{what} names more than one CI ({', '.join(sorted(found))}); give one id.")
    return found.pop() if found else None


def ref_id(value, what: str) -> str:
    """The id a reference stands for; BadRequest naming `what` when the value is no reference."""
    found = reference(value, what)
    if found is None:
        raise BadRequest(f"{what} must be a CI id, not {value!r}.")
    return found


def ref_ids(values, what: str = "Each entry") -> list[str]:
    """The ids of a JSON list of references, in order."""
    if not isinstance(values, list):
        raise BadRequest("The body must be a JSON list of CI ids.")
    return [ref_id(value, what) for value in values]


def body_id(data) -> str:
    """The id of a CI sent in full (its `id`), as given (the repository checks the id itself)."""
    if not isinstance(data, dict):
        raise BadRequest("A CI must be a JSON object with an id and a type.")
    ci_id = data.get("id")
    if not isinstance(ci_id, str) or not ci_id.strip():
        raise BadRequest("A CI id must be a non-empty string.")
    return ci_id.strip("/")


def body_ids(items) -> list[str]:
    """The ids of a JSON list of CIs sent in full."""
    if not isinstance(items, list):
        raise BadRequest("The body must be a JSON list of CIs.")
    return [body_id(item) for item in items]
