"""The rules of a server, read once at start.

First the built-in `*-rules.xml` of server/plugins/builtin, then the home's `plugins/*rules*.xml`,
`ext/xl-rules.xml` and `xl-rules.xml`. Planning scripts (`<planning-script-path>`) are looked up
beside the rules file that names them, then in `plugins/` and `ext/`.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from ..planning.rules import RuleSet
from ..types import TypeRegistry
from ..types.registry import is_rules_file

log = logging.getLogger(__name__)


def rule_files(home: Path | None) -> list[tuple[str, bytes, Path | None]]:
    """(source, text, folder) of every rules file: built-in first, then the home's."""
    found = []
    folder = resources.files("server.plugins.builtin")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if is_rules_file(entry.name):
            found.append((f"builtin/{entry.name}", entry.read_bytes(), None))
    if home is not None:
        candidates = sorted((home / "plugins").glob("*.xml")) if (home / "plugins").is_dir() else []
        candidates = [p for p in candidates if is_rules_file(p.name)]
        candidates += [p for p in (home / "ext" / "xl-rules.xml", home / "xl-rules.xml") if p.is_file()]
        for path in candidates:
            found.append((str(path), path.read_bytes(), path.parent))
    return found


def load_rules(home: Path | None, types: TypeRegistry) -> RuleSet:
    files = rule_files(home)
    folders = {source: folder for source, _, folder in files}
    search = [home / "plugins", home / "ext"] if home is not None else []

    def load_script(path: str, source: str):
        for base in ([folders.get(source)] if folders.get(source) else []) + search:
            candidate = (base / path).resolve()
            if candidate.is_file() and base.resolve() in candidate.parents:
                return candidate.read_text(encoding="utf-8")
        return None

    rules = RuleSet.load([(s, t) for s, t, _ in files], load_script)
    rules.check_types(types)
    log.info("Loaded %d rules (%d disabled)", len(rules.rules), len(rules.all) - len(rules.rules))
    return rules
