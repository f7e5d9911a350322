"""Where the CLI keeps its files, and its `deployit.conf` (cli.username / cli.password).

The CLI home is `$DEPLOYIT_CLI_HOME` when set, else `~/.deployit-cli`; it holds `conf/deployit.conf`
and an `ext/` folder. The history of the interactive shell is `~/.deployit-cli/history`.
"""

from __future__ import annotations

import os
from pathlib import Path


def user_dir() -> Path:
    return Path(os.path.expanduser("~")) / ".deployit-cli"


def cli_home() -> Path:
    home = os.environ.get("DEPLOYIT_CLI_HOME")
    return Path(home) if home else user_dir()


def history_file() -> Path:
    return user_dir() / "history"


def conf_file(configuration_dir: str | None) -> Path:
    """`<dir>/deployit.conf` for -configuration, else the CLI home's conf/deployit.conf."""
    if configuration_dir:
        path = Path(configuration_dir).expanduser()
        return path if path.is_file() else path / "deployit.conf"
    return cli_home() / "conf" / "deployit.conf"


def read_properties(path: Path) -> dict[str, str]:
    """A Java .properties file, the parts deployit.conf uses: key=value or key: value, # and ! comments,
    backslash line continuations and escapes."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    props: dict[str, str] = {}
    logical = ""
    for raw in text.splitlines():
        line = raw.lstrip()
        if not logical and (not line or line[0] in "#!"):
            continue
        if line.endswith("\\") and not line.endswith("\\\\"):
            logical += line[:-1]
            continue
        logical += line
        key, value = _split_property(logical)
        props[key] = value
        logical = ""
    if logical:
        key, value = _split_property(logical)
        props[key] = value
    return props


def _split_property(line: str) -> tuple[str, str]:
    for i, ch in enumerate(line):
        if ch in "=:" or ch.isspace():
            if i and line[i - 1] == "\\":
                continue
            key, rest = line[:i], line[i:].lstrip()
            if rest[:1] in ("=", ":"):
                rest = rest[1:].lstrip()
            return _unescape(key), _unescape(rest)
    return _unescape(line), ""


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)
