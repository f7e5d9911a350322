"""Placeholders: `{{NAME}}` markers in artifacts and property values, found at import, filled at deploy.

Shared by package import (scanning) and planning (resolution from dictionaries). Dictionary values
`<empty>` and `<ignore>` mean "replace with nothing" and "leave the placeholder as it is".
"""

from __future__ import annotations

import re
from functools import lru_cache

DEFAULT_DELIMITERS = "{{ }}"
EMPTY = "<empty>"
IGNORE = "<ignore>"


class MissingPlaceholders(ValueError):
    """Placeholders that must have a value and have none; `names` lists them."""

    def __init__(self, names):
        self.names = sorted(names)
        super().__init__(f"No value for placeholder{'s' if len(self.names) > 1 else ''} {', '.join(self.names)}.")


@lru_cache(maxsize=64)
def pattern(delimiters: str = DEFAULT_DELIMITERS) -> re.Pattern:
    """The regex of one placeholder for delimiters given as '<open> <close>' (XL Deploy's `delimiters`)."""
    parts = (delimiters or DEFAULT_DELIMITERS).split()
    if len(parts) != 2:
        raise ValueError(f"Delimiters must be two strings separated by a space, not '{delimiters}'.")
    opening, closing = map(re.escape, parts)
    return re.compile(f"{opening}\\s*([^\\r\\n]+?)\\s*{closing}")


def find(text: str, delimiters: str = DEFAULT_DELIMITERS) -> set[str]:
    """Names of the placeholders in a text."""
    return {m.group(1) for m in pattern(delimiters).finditer(text)}


def replace(text: str, values: dict, delimiters: str = DEFAULT_DELIMITERS, required: bool = False) -> str:
    """Fill placeholders from values. Unknown ones stay as they are, or raise when required."""
    missing = set()

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            missing.add(name)
            return match.group(0)
        value = values[name]
        if value == IGNORE:
            return match.group(0)
        if value == EMPTY:
            return ""
        return str(value)

    result = pattern(delimiters).sub(fill, text)
    if required and missing:
        raise MissingPlaceholders(missing)
    return result
