"""`deployit`: the main gateway — type descriptions, printing CIs and server info here; the deployment and
task methods are added by the issues that build their server side.
"""

from __future__ import annotations

import sys

from ..ci import ConfigurationItem
from ..client import DeployitException, quote_id
from ..compat import wrap
from .base import CliObject, signature

MASK = "********"


def _plain(value) -> str:
    """A value as deployit.print shows it: lists as [a, b], maps as {k: v}, CIs by id."""
    if isinstance(value, ConfigurationItem):
        return value.id
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return "[" + ", ".join(_plain(v) for v in items) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def format_ci(ci: ConfigurationItem, desc=None) -> str:
    """The text deployit.print writes: a header line, then each set property, passwords masked.

    The original's exact layout was not documented; this keeps its content: id, type, every property
    that has a value, passwords (and encrypted map values) as ********.
    """
    lines = [f"{ci.type} {ci.id}:"]
    values = ci.values
    props = desc.properties if desc is not None else {}
    names = [n for n, p in props.items() if not p.hidden and n in values] + [n for n in values if n not in props]
    width = max((len(n) for n in names), default=0)
    for name in names:
        value = values.get(name)
        if value is None or (isinstance(value, (list, dict, set, tuple)) and not value):
            continue
        prop = props.get(name)
        if prop is not None and prop.password:
            text = "{" + ", ".join(f"{k}: {MASK}" for k in value) + "}" if isinstance(value, dict) else MASK
        else:
            text = _plain(value)
        lines.append(f"    {name.ljust(width)} : {text}")
    attrs = ci._ci_attributes
    if attrs.lastModifiedBy:
        lines.append(f"    (created by {attrs.createdBy} at {attrs.createdAt}; "
                     f"last modified by {attrs.lastModifiedBy} at {attrs.lastModifiedAt})")
    return "\n".join(lines)


def format_description(desc) -> str:
    """deployit.describe's text, as the documentation shows it."""
    lines = [f"ConfigurationItem {desc.type}:", f"Description: {desc.description}", "Control tasks:"]
    for task in desc.controlTasks:
        text = task.get("description") or task.get("label") or ""
        lines.append(f"    - {task.get('name')}" + (f": {text}" if text else ""))
    lines.append("Properties:")
    for prop in desc.properties.values():
        if prop.hidden:
            continue
        marker = ("!" if prop.requiredInspection else "") + ("*" if prop.required else "")
        lines.append(f"    - {marker}{prop.name}({prop.kind_text()}): {prop.description}")
    lines += ["", "Properties marked with a '!' are required for discovery.",
              "Properties marked with a '*' are required."]
    return "\n".join(lines)


class Deployit(CliObject):
    name = "deployit"
    description = "The main gateway to interfacing with XL Deploy."

    @signature("(String typeName) : void")
    def describe(self, typeName):
        """Print a type's description, control tasks and properties (kind, whether required)."""
        desc = self._types.require(str(typeName))
        sys.stdout.write(format_description(desc) + "\n")
        sys.stdout.flush()

    @signature("(ConfigurationItem ci) : void")
    def print(self, ci):
        """Print a CI's id, type and property values; passwords are shown as ********."""
        if isinstance(ci, (list, tuple)):
            for one in ci:
                self.print(one)
            return
        if isinstance(ci, str):
            ci = self._session.ci(self._client.get(f"/repository/ci/{quote_id(ci)}"))
        if not isinstance(ci, ConfigurationItem):
            raise DeployitException(f"deployit.print takes a CI, not {ci!r}.", 400)
        desc = self._types.get(ci.type)
        sys.stdout.write(format_ci(ci, desc) + "\n")
        sys.stdout.flush()

    @signature("() : ServerInfo")
    def info(self):
        """The server's version, edition and plugins (GET /server/info)."""
        return wrap(self._client.get("/server/info"))
