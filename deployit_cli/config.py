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
    """A Java .properties file (deployit.conf), read as java.util.Properties reads it: javaproperties
    handles `\\uXXXX` escapes, continuations and `key value`. A missing file, or one that is not valid
    properties text (said on stderr), is no settings at all: the options and the prompt still work."""
    import javaproperties

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    try:
        return javaproperties.loads(text)
    except ValueError as exc:
        import sys
        sys.stderr.write(f"{path}: {exc}; its settings are ignored.\n")
        return {}
