"""Text the server keeps: no string may hold a lone surrogate (not UTF-8, so unreadable once stored) or
NUL (refused by PostgreSQL); names (ids, user and role names, passwords, file names) hold no control
characters at all. Messages show offending text escaped, so that they can always be sent."""

from __future__ import annotations

import re

from .errors import BadRequest

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character(text: str) -> str | None:
    """The first control character (or lone surrogate) in the text, described, or None."""
    found = _CONTROL.search(text)
    return _describe(found.group()) if found else None


def _describe(char: str) -> str:
    kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "NUL" if char == "\0" else "a control character"
    return f"{kind} (U+{ord(char):04X})"


def shown(text: str) -> str:
    """The text with every control character and lone surrogate escaped (\\x00, \\ud800)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


def storable(value):
    """A string as it may be stored (unstorable characters escaped); anything else unchanged."""
    return shown(value) if isinstance(value, str) and _UNSTORABLE.search(value) else value


def _first_unstorable(data) -> tuple[str, str] | None:
    """(path, problem) of the first string (key or value) of a JSON value holding unstorable text, or None."""
    stack = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            found = _UNSTORABLE.search(value)
            if found:
                return path, _describe(found.group())
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                found = _UNSTORABLE.search(key)
                key_path = f"{path}.{shown(key)}" if path else shown(key)
                if found:
                    return key_path, _describe(found.group()) + " in its name"
                stack.append((item, key_path))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{n}]") for n, item in reversed(list(enumerate(value))))
    return None


def check_json(data, what: str = "The request body") -> None:
    """BadRequest naming the property of a decoded JSON value that holds text the server cannot keep."""
    bad = _first_unstorable(data)
    if bad is not None:
        path, problem = bad
        where = f"Property '{path}' of {what[0].lower()}{what[1:]}" if path else what
        raise BadRequest(f"{where} is not valid text: it holds {problem}.")


def check_name(value: str, what: str, max_length: int | None = None, show: bool = True) -> str:
    """The name unchanged, or BadRequest when it holds a control character or is longer than max_length.
    `what` says which name it is ("The role name"); `show=False` leaves the value out (passwords)."""
    found = control_character(value)
    if found:
        label = f"{what} '{shown(value)}'" if show else what
        raise BadRequest(f"{label} may not hold {found}.")
    if max_length is not None and len(value) > max_length:
        label = f"{what} '{value[:40]}...'" if show else what
        raise BadRequest(f"{label} is longer than {max_length} characters.")
    return value


MAX_FILE_NAME_BYTES = 255  # one name in a folder, on every common file system
MAX_PATH_LENGTH = 1024  # as the artifact file name column


def check_file_name(name: str, what: str) -> str:
    """A name for a file path the server opens: no control characters, no part longer than a file
    system allows (which would be an OSError, not a missing file)."""
    check_name(name, what, MAX_PATH_LENGTH)
    for part in re.split(r"[/\\]", name):
        if len(part.encode("utf-8", "surrogatepass")) > MAX_FILE_NAME_BYTES:
            raise BadRequest(f"{what} '{name[:40]}...' has a part longer than {MAX_FILE_NAME_BYTES} bytes.")
    return name
