"""Plans and planned changes as the shell shows them: the block tree of a task or preview, and each
deployed's delta (CREATE, MODIFY, DESTROY, NOOP) with its changed properties, secrets masked.

`deployment.taskPreviewBlock(d)` answers a `PlanPreview`, `deployment.previewChanges(d)` a
`ChangesPreview`; both are Records of the server's JSON whose repr is the readable text, and
`deployment.preview(d)` prints the latter.
"""

from __future__ import annotations

import json

from .records import Record

MASK = "********"
OPERATIONS = ("CREATE", "MODIFY", "DESTROY", "NOOP")
SUMMARY_WORDS = {"CREATE": "to create", "MODIFY": "to modify", "DESTROY": "to destroy", "NOOP": "unchanged"}


# -- the block tree ----------------------------------------------------------------------------------
def plan_lines(block: dict, depth: int = 1) -> list[str]:
    """A block and what it holds, one line each: `[0_1] Deploy (serial)`, steps as `1. text (order 70)`."""
    if not isinstance(block, dict):
        return []
    pad = "  " * depth
    kind = block.get("type")
    suffix = f" ({kind})" if kind and kind != "steps" else ""
    lines = [f"{pad}[{block.get('id')}] {block.get('description') or ''}{suffix}".rstrip()]
    for child in block.get("blocks") or ():
        lines += plan_lines(child, depth + 1)
    for number, step in enumerate(block.get("steps") or (), 1):
        lines.append(f"{pad}  {number}. {step_text(step)}")
    if "steps" in block and not block.get("steps") and not block.get("blocks"):
        lines.append(f"{pad}  (no steps)")
    return lines


def step_text(step: dict) -> str:
    order = step.get("order")
    if order is None:
        order = (step.get("metadata") or {}).get("order")
    state = step.get("state")
    extra = f", {state}" if state and state != "PENDING" else ""
    return f"{step.get('description') or ''} (order {order}{extra})" if order is not None else \
        f"{step.get('description') or ''}"


def count_steps(block: dict) -> int:
    if not isinstance(block, dict):
        return 0
    return len(block.get("steps") or ()) + sum(count_steps(b) for b in block.get("blocks") or ())


# -- values and changes ------------------------------------------------------------------------------
def _secret(value) -> bool:
    return isinstance(value, str) and (value.startswith("{b64}") or value == MASK)


def show(value, secret: bool = False) -> str:
    """A property value in a change line: strings quoted, nothing as (not set), secrets as ********."""
    if value is None or value == "" and secret:
        return "(not set)"
    if secret or _secret(value):
        return MASK
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def change_lines(change: dict, secret: bool = False) -> list[str]:
    """`property: previous -> new`; for maps (placeholders...) one line per changed key."""
    name = change.get("property")
    before, after = change.get("previous"), change.get("new")
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before or {}, after or {}
        lines = []
        for key in list(before) + [k for k in after if k not in before]:
            a, b = before.get(key), after.get(key)
            if a != b:
                lines.append(f"{name}.{key}: {show(a, secret)} -> {show(b, secret)}")
        return lines or [f"{name}: {show(before, secret)} -> {show(after, secret)}"]
    return [f"{name}: {show(before, secret)} -> {show(after, secret)}"]


def is_password(types, ci_type: str | None, prop: str | None) -> bool:
    """Whether a property of a type is a password, per the session's descriptors (False if unknown)."""
    if types is None or not ci_type or not prop:
        return False
    try:
        desc = types.get(ci_type)
    except Exception:  # descriptors unavailable: the server's masking still holds
        return False
    found = desc.properties.get(prop.split(".", 1)[0]) if desc is not None else None
    return bool(found is not None and found.password)


def delta_lines(delta: dict, types=None) -> list[str]:
    operation = delta.get("operation") or "?"
    lines = [f"  {operation:<8} {delta.get('id')} ({delta.get('type')})"]
    for change in delta.get("changes") or ():
        secret = is_password(types, delta.get("type"), change.get("property"))
        lines += [f"             {line}" for line in change_lines(change, secret)]
    return lines


def summary(deltas) -> str:
    counts = {op: 0 for op in OPERATIONS}
    for delta in deltas:
        counts[delta.get("operation")] = counts.get(delta.get("operation"), 0) + 1
    return ", ".join(f"{counts[op]} {SUMMARY_WORDS[op]}" for op in OPERATIONS)


def changes_text(data: dict, types=None) -> str:
    deltas = data.get("deltas") or []
    lines = [data.get("description") or "Deployment", ""]
    warnings = [w for w in data.get("warnings") or () if isinstance(w, dict)]
    if warnings:
        lines.append("Warnings:")
        lines += [f"  {w.get('message')}" for w in warnings]
        lines.append("")
    lines.append(f"Changes ({summary(deltas)}):" if deltas else "Changes: none")
    for delta in deltas:
        lines += delta_lines(delta, types)
    block = data.get("block")
    lines += ["", f"Plan ({count_steps(block)} steps):"] + plan_lines(block)
    return "\n".join(lines)


# -- the answers -------------------------------------------------------------------------------------
class PlanPreview(Record):
    """deployment.taskPreviewBlock(d): `.description`, `.metadata`, `.block` (blocks with `.blocks` or
    `.steps`); prints as the block tree."""

    kind = "plan preview"

    def text(self) -> str:
        return "\n".join([self.raw.get("description") or "Plan"] + plan_lines(self.raw.get("block")))

    def __repr__(self) -> str:
        return self.text()

    __str__ = __repr__


class ChangesPreview(Record):
    """deployment.previewChanges(d): `.description`, `.deltas` (each with `.operation`, `.id`, `.type`,
    `.changes` of `.property`/`.previous`/`.new`) and `.block`; prints as deployment.preview does."""

    kind = "changes preview"

    def __init__(self, data: dict, types=None):
        super().__init__(data)
        object.__setattr__(self, "_types", types)

    def text(self) -> str:
        return changes_text(self.raw, self._types)

    def __repr__(self) -> str:
        return self.text()

    __str__ = __repr__
