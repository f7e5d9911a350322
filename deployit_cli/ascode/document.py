"""The `xl` YAML documents: loading them (with line numbers for messages), reading their CIs, dumping.

A file holds one or more documents separated by `---`, each

    apiVersion: xl-deploy/v1
    kind: Infrastructure          # or Applications, Environments, Configuration
    spec:                         # the CIs, each with a name, a type and its properties
    - name: Infrastructure/DEV/web1      # top level: an id, or a name under the kind's root
      type: overthere.SshHost
      address: web1.example.com
      password: !secret DEV_web1_password
      children:                          # CIs stored under this one, with plain names
      - name: tomcat
        type: tomcat.Server
    - directory: Infrastructure/DEV      # short for name: ..., type: core.Directory
      children: [...]

A package may list its CIs under `deployables:` (as XL Deploy's generate writes them) instead of
`children:`. Artifacts name their content with `file: !file path/relative/to/the/yaml`. `metadata:` may
name home folders (`Applications-home: Applications/Team`...): names written without their root are
then under the home. The YAML is read in ruamel.yaml's round-trip mode, so comments, key order and
quoting survive when `generate` rewrites a file a person edited. `contents` reads the other kinds.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field

API_VERSION = "xl-deploy/v1"
API_VERSIONS = (API_VERSION, "xl-deploy/v1beta1", "xl-deploy/v1alpha1")
KINDS = ("Applications", "Infrastructure", "Environments", "Configuration")
HOME_KEYS = {f"{kind}-home": kind for kind in KINDS}
DIRECTORY_TYPE = "core.Directory"
SECRET_TAG = "!secret"
FILE_TAG = "!file"
CHILD_KEYS = ("children", "deployables")  # deployables: how XL Deploy's generate lists a package's CIs
RESERVED = ("name", "directory", "type", "file") + CHILD_KEYS


class AsCodeError(Exception):
    """A file that cannot be applied or generated; the message is one sentence naming file, line and CI."""


def yaml_instance(mapping: int = 2, offset: int = 0):
    """A round-trip YAML reader/writer; `offset` is how far a sequence's dash is indented under its key."""
    from ruamel.yaml import YAML
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold long values such as regular expressions or command lines
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    return yaml


def guess_indent(text: str) -> tuple[int, int]:
    """(mapping indent, dash offset) used by a file, so rewriting it keeps its layout; (2, 0) by default."""
    mapping, offset = None, None
    previous = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped in ("---", "..."):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if previous is not None:
            prev_indent, prev_text = previous
            if prev_text.endswith(":") and indent > prev_indent:
                if stripped.startswith("- ") or stripped == "-":
                    offset = indent - prev_indent if offset is None else offset
                elif mapping is None and not prev_text.startswith("- "):
                    mapping = indent - prev_indent
        previous = (indent, stripped)
        if mapping is not None and offset is not None:
            break
    return mapping or 2, offset if offset is not None else 0


def load(text: str, source: str) -> list:
    """The documents of a YAML text (None for empty ones); AsCodeError naming the line of a syntax error."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    yaml = yaml_instance()
    try:
        return list(yaml.load_all(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = (exc.problem or exc.context or "it cannot be read").strip()
        raise AsCodeError(f"{source}{line}: the file is not valid YAML: {problem}.") from None
    except YAMLError as exc:
        raise AsCodeError(f"{source}: the file is not valid YAML: {str(exc).strip()}.") from None


def dump(documents: list, mapping: int = 2, offset: int = 0) -> str:
    out = io.StringIO()
    yaml_instance(mapping, offset).dump_all(documents, out)
    return out.getvalue()


def scalar_text(value) -> str:
    """A YAML scalar as the text the file holds: `1.10` stays "1.10", not "1.1"."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and type(value) is int:
        return str(value)
    out = io.StringIO()
    yaml_instance().dump(value, out)
    text = out.getvalue()
    for end in ("\n...\n", "\n"):
        if text.endswith(end):
            text = text[: -len(end)]
            break
    return text


def tag_of(value) -> str | None:
    """The tag of a tagged scalar (`!secret`, `!file`), or None."""
    tag = getattr(value, "tag", None)
    if tag is None:
        return None
    text = getattr(tag, "value", tag)
    return text if isinstance(text, str) else None


def tagged(value: str, tag: str):
    from ruamel.yaml.comments import TaggedScalar
    return TaggedScalar(value=value, style=None, tag=tag)


def line_of(node, key=None) -> int | None:
    """1-based line of a mapping (or of one of its keys), when the node came from a file."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is not None:
            return lc.key(key)[0] + 1
        return lc.line + 1
    except (KeyError, TypeError, AttributeError, IndexError):
        return None


def root_of(ci_id: str) -> str:
    return ci_id.split("/", 1)[0]


def parent_of(ci_id: str) -> str:
    return ci_id.rsplit("/", 1)[0] if "/" in ci_id else ""


def name_of(ci_id: str) -> str:
    return ci_id.rsplit("/", 1)[-1]


@dataclass
class SpecCi:
    """One CI of a file: its id (resolved), type, the properties as written, and where it was written."""

    id: str
    type: str
    kind: str
    source: str
    line: int | None
    properties: dict = field(default_factory=dict)  # name -> the value as loaded from YAML
    lines: dict = field(default_factory=dict)  # name -> line of the key
    file: str | None = None  # the artifact's content (an absolute path), from `file: !file ...`
    file_text: str | None = None  # the path as written
    top: bool = False  # written at the top of a spec (not under children)
    homes: dict = field(default_factory=dict)  # root -> home folder, from the document's metadata

    def where(self, prop: str | None = None) -> str:
        line = self.lines.get(prop) if prop else None
        line = line or self.line
        return f"{self.source}, line {line}" if line else self.source


def _where(source: str, node, key=None) -> str:
    line = line_of(node, key)
    return f"{source}, line {line}" if line else source


_BAD_NAME = re.compile(r'[\\:\[\]|*%"]')


def check_name(name: str, where: str, what: str) -> None:
    if not name or not name.strip():
        raise AsCodeError(f"{where}: {what} has an empty name.")
    if _BAD_NAME.search(name):
        raise AsCodeError(f"{where}: the name '{name}' of {what} may not contain any of / \\ : [ ] | * % \".")


def top_level_id(name, kind: str, where: str, home: str | None = None) -> str:
    """The id of a CI written at the top of a spec: `Infrastructure/DEV/web1`, or `DEV/web1` under the
    document's home folder for its kind (the root of the kind when it names none)."""
    text = scalar_text(name).strip().strip("/")
    first = text.split("/", 1)[0]
    if first in KINDS:
        if first != kind:
            raise AsCodeError(f"{where}: CI {text} is under {first}, but the document is of kind {kind}; "
                              f"put it in a document of kind {first}.")
        if text == kind:
            raise AsCodeError(f"{where}: the root {kind} itself cannot be described; list the CIs under it.")
        ci_id = text
    else:
        ci_id = f"{home or kind}/{text}"
    for part in ci_id.split("/")[1:]:
        check_name(part, where, f"CI {ci_id}")
    return ci_id


def entry_id(entry, parent: str | None, kind: str, where: str, home: str | None = None) -> tuple[str, str | None]:
    """(id, type or None) of a spec entry: `directory:` is short for a core.Directory."""
    if "directory" in entry:
        for key in ("name", "type"):
            if key in entry:
                raise AsCodeError(f"{where}: an entry with 'directory' is a core.Directory and takes no "
                                  f"'{key}'; write either 'directory: X' or 'name: X' with 'type'.")
        raw, ci_type = entry["directory"], DIRECTORY_TYPE
    elif "name" in entry:
        raw, ci_type = entry["name"], entry.get("type")
    else:
        raise AsCodeError(f"{where}: each CI needs a 'name' (or 'directory' for a core.Directory).")
    if raw is None or isinstance(raw, (dict, list)):
        raise AsCodeError(f"{where}: the name of a CI must be text.")
    if parent is None:
        return top_level_id(raw, kind, where, home), ci_type
    name = scalar_text(raw).strip()
    if "/" in name:
        raise AsCodeError(f"{where}: the name '{name}' of a CI under {parent} may not contain '/'; "
                          f"nested CIs under children have plain names.")
    check_name(name, where, f"a CI under {parent}")
    return f"{parent}/{name}", ci_type


def homes_of(doc, source: str) -> dict:
    """The home folders a document's metadata names (`Environments-home: Environments/Team`), by root."""
    metadata = doc.get("metadata")
    if metadata is None:
        return {}
    if not hasattr(metadata, "items"):
        raise AsCodeError(f"{_where(source, doc, 'metadata')}: metadata must be a mapping.")
    homes = {}
    for key, value in metadata.items():
        root = HOME_KEYS.get(key)
        if root is None:
            continue
        home = scalar_text(value).strip().strip("/") if value is not None else ""
        if home.split("/", 1)[0] != root:
            raise AsCodeError(f"{_where(source, metadata, key)}: {key} must be a folder under {root}, "
                              f"not '{home}'.")
        homes[root] = home
    return homes


def read_ci_document(doc, kind: str, source: str, base_dir: str, cis: list, seen: dict) -> None:
    """The CIs of one document of a repository kind, appended to `cis` parents first."""
    for key in doc:
        if key not in ("apiVersion", "kind", "spec", "metadata"):
            raise AsCodeError(f"{_where(source, doc, key)}: unknown key '{key}' in a document; "
                              f"the keys are apiVersion, kind, spec and metadata.")
    homes = homes_of(doc, source)
    spec = doc.get("spec")
    if spec is None:
        return
    if not isinstance(spec, list):
        raise AsCodeError(f"{_where(source, doc, 'spec')}: spec must be a list of CIs.")
    _read_entries(spec, None, kind, source, base_dir, cis, seen, homes)


def read_cis(documents: list, source: str, base_dir: str) -> list[SpecCi]:
    """The CIs of loaded documents, parents before children, checked for shape (not yet against types)."""
    from .contents import read_contents
    return read_contents(documents, source, base_dir).cis


def _read_entries(entries, parent, kind, source, base_dir, cis, seen, homes) -> None:
    for index, entry in enumerate(entries):
        line = None
        try:
            line = entries.lc.item(index)[0] + 1
        except (AttributeError, KeyError, IndexError, TypeError):
            pass
        where = f"{source}, line {line}" if line else source
        if not hasattr(entry, "items"):
            raise AsCodeError(f"{where}: each CI must be a mapping with a name and a type.")
        where = _where(source, entry) if line_of(entry) else where
        ci_id, ci_type = entry_id(entry, parent, kind, where, homes.get(kind))
        if ci_type is None:
            raise AsCodeError(f"{where}: CI {ci_id} has no type.")
        if not isinstance(ci_type, str) or not ci_type.strip():
            raise AsCodeError(f"{where}: the type of CI {ci_id} must be a type name such as overthere.SshHost.")
        if ci_id in seen:
            raise AsCodeError(f"{where}: CI {ci_id} is described twice (also at {seen[ci_id].where()}).")
        ci = SpecCi(id=ci_id, type=ci_type.strip(), kind=kind, source=source, line=line_of(entry) or line,
                    top=parent is None, homes=homes)
        ci.lines["type"] = line_of(entry, "type") if "type" in entry else None
        for key, value in entry.items():
            if key in ("name", "directory", "type") + CHILD_KEYS:
                continue
            if not isinstance(key, str):
                raise AsCodeError(f"{where}: property names of CI {ci_id} must be text, not {key!r}.")
            ci.lines[key] = line_of(entry, key)
            if key == "file" and tag_of(value) == FILE_TAG:
                text = scalar_text(value.value).strip()
                if not text:
                    raise AsCodeError(f"{ci.where(key)}: 'file: !file' of CI {ci_id} needs a path.")
                ci.file_text = text
                ci.file = os.path.normpath(os.path.join(base_dir, os.path.expanduser(text)))
                continue
            ci.properties[key] = value
        seen[ci_id] = ci
        cis.append(ci)
        present = [k for k in CHILD_KEYS if k in entry]
        if len(present) > 1:
            raise AsCodeError(f"{_where(source, entry, present[1])}: CI {ci_id} lists CIs under both children "
                              f"and deployables; use one of them.")
        if not present or entry[present[0]] is None:
            continue
        children = entry[present[0]]
        if not isinstance(children, list):
            raise AsCodeError(f"{_where(source, entry, present[0])}: {present[0]} of CI {ci_id} must be a list "
                              f"of CIs.")
        _read_entries(children, ci_id, kind, source, base_dir, cis, seen, homes)


def read_file(path: str) -> tuple[str, list]:
    """(text, documents) of a YAML file; AsCodeError when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise AsCodeError(f"{path}: there is no such file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AsCodeError(f"{path}: the file cannot be read ({exc}).") from None
    return text, load(text, path)
