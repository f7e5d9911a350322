"""Dictionaries: the effective key-value pairs for one deployment target, and placeholder filling.

Rules (reference manual, "Dictionaries", "Encrypted Dictionaries", "Placeholders"):
- A dictionary applies only when all its restrictions hold (`restrictToContainers` holds the target
  container, `restrictToApplications` holds the application being deployed).
- Dictionaries are looked at in the environment's order; the first one defining a key wins.
- A value may refer to other keys with `{{KEY}}`, in any applicable dictionary; but a value from an
  unrestricted dictionary may refer only to keys of unrestricted dictionaries. A reference that
  cannot be resolved (or that loops) stays as it is and is listed in the entry's `unresolved`.
- `<empty>` and `<ignore>` keep their meaning: an empty string, and "leave the placeholder as is".
- Values of encrypted dictionaries (and `encryptedEntries`) are secret; so is any value referring to
  one. In a property that is not a password a secret value is blank (the manual: "the value ... will
  be blank when used in a CI property that is not password enabled").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import placeholders
from .model import Dictionary

PATTERN = placeholders.pattern(placeholders.DEFAULT_DELIMITERS)
EMPTY, IGNORE = placeholders.EMPTY, placeholders.IGNORE


@dataclass(slots=True)
class Entry:
    value: str
    secret: bool = False
    source: str = ""
    unresolved: set = field(default_factory=set)
    secret_source: str = ""  # the dictionary whose encrypted value made this one secret


class EffectiveDictionary:
    """The dictionaries of an environment as they apply to one container and application."""

    def __init__(self, dictionaries: list[Dictionary], container: str | None = None, application: str | None = None):
        self.applicable = [d for d in dictionaries if d.applies(container, application)]
        self._memo: dict[tuple[str, bool], Entry | None] = {}

    def _raw(self, key: str, unrestricted_only: bool):
        for d in self.applicable:
            if unrestricted_only and d.restricted:
                continue
            if key in d.entries:
                return d, d.entries[key]
        return None, None

    def _resolve(self, key: str, unrestricted_only: bool, stack: tuple) -> Entry | None:
        memo_key = (key, unrestricted_only)
        if memo_key in self._memo:
            return self._memo[memo_key]
        source, raw = self._raw(key, unrestricted_only)
        if source is None:
            self._memo[memo_key] = None
            return None
        raw = "" if raw is None else str(raw)
        secret = key in source.secret_keys
        entry = Entry(value=raw, secret=secret, source=source.id, secret_source=source.id if secret else "")
        if raw not in (EMPTY, IGNORE) and "{{" in raw:
            refs_unrestricted = unrestricted_only or not source.restricted
            entry.value = self._fill(raw, refs_unrestricted, stack + (key,), entry)
        if not stack or not entry.unresolved:  # results depending on a cycle are not cached mid-way
            self._memo[memo_key] = entry
        return entry

    def _fill(self, text: str, unrestricted_only: bool, stack: tuple, into: Entry) -> str:
        def one(match):
            name = match.group(1)
            if name in stack:
                into.unresolved.add(name)
                return match.group(0)
            found = self._resolve(name, unrestricted_only, stack)
            if found is None:
                into.unresolved.add(name)
                return match.group(0)
            into.secret = into.secret or found.secret
            into.secret_source = into.secret_source or found.secret_source
            into.unresolved |= found.unresolved
            if found.value == IGNORE:
                return match.group(0)
            if found.value == EMPTY:
                return ""
            return found.value
        return PATTERN.sub(one, text)

    def get(self, key: str) -> Entry | None:
        return self._resolve(key, False, ())

    def keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for d in self.applicable:
            for key in d.entries:
                seen.setdefault(key, None)
        return list(seen)

    def items(self) -> dict[str, Entry]:
        return {key: self.get(key) for key in self.keys()}

    def fill(self, text: str, allow_secret: bool = True) -> tuple[str, bool, set]:
        """Replace property placeholders in text; unknown ones stay as they are.

        Returns (text, whether a secret value was used, names left unresolved). With allow_secret
        False a secret value is replaced by an empty string.
        """
        if "{{" not in text:
            return text, False, set()
        used_secret = False
        unresolved: set = set()

        def one(match):
            nonlocal used_secret
            name = match.group(1)
            found = self.get(name)
            if found is None:
                unresolved.add(name)
                return match.group(0)
            if found.secret:
                if not allow_secret:
                    return ""
                used_secret = True
            if found.value == IGNORE:
                return match.group(0)
            if found.value == EMPTY:
                return ""
            return found.value
        return PATTERN.sub(one, text), used_secret, unresolved


def property_key_candidates(type_chain: list[str], prop: str) -> list[str]:
    """Dictionary keys that can give a deployed property a value: `<deployedType>.<property>`,
    most specific type first (the key form of XL Deploy 5's property resolution)."""
    return [f"{t}.{prop}" for t in type_chain]
