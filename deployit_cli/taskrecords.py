"""Tasks, blocks and steps as scripts see them: read-only views of the server's task JSON.

    TaskState (also TaskWithBlock, TaskWithSteps and the 3.x TaskInfo)  task2.get, retrieveTaskInfo...
        .id .description .state .owner .startDate .completionDate .scheduledDate .failureCount
        .nrSteps (.nrOfSteps) .currentStepNr .currentSteps .metadata .block .steps
        .label (= description), .user (= owner), .taskId (= id), .application .version .environment
        .get_step_blocks(): the blocks holding steps, in plan order
    BlockState (StepBlockState)  .id .description .state .blocks or .steps, .get_step_blocks()
    StepState (StepInfo)         .path .description .state .startDate .completionDate .failureCount
                                 .log .metadata .nr (the number counted over the whole task, from 1)

Every field also reads Java-style (`getState()`, `getNrSteps()`). States are the enums of
`com.xebialabs.deployit.engine.api.execution` (str subclasses, so `t.state == "DONE"` and
`t.state == TaskExecutionState.DONE` both hold); dates are joda DateTimes in UTC as the server sends
them; maps are Java-style maps.
"""

from __future__ import annotations

from .ci import _to_datetime
from .compat import wrap
from .records import MISSING, Record

DATES = ("startDate", "completionDate", "scheduledDate", "createdDate", "archivedDate")


def _enums():
    try:
        from .jython.shims.xl_execution import BlockExecutionState, StepExecutionState, TaskExecutionState
    except ImportError:  # the Jython layer absent: states stay strings
        return None, None, None
    return TaskExecutionState, StepExecutionState, BlockExecutionState


def as_state(value, kind: str):
    """A state name as the member of its enum (kind: task, step or block), or as it is when unknown."""
    enum = dict(zip(("task", "step", "block"), _enums())).get(kind)
    if enum is None or value is None:
        return value
    try:
        return enum.valueOf(str(value))
    except ValueError:
        return value


def _common(record: "Record", name: str, kind: str):
    raw = record.raw
    if name == "state" and "state" in raw:
        return as_state(raw["state"], kind)
    if name in DATES and name in raw:
        return _to_datetime(raw[name])
    if name == "metadata" and name in raw:
        return wrap(dict(raw[name] or {}))
    return MISSING


def step_blocks(block: dict | None) -> list[dict]:
    """The blocks of a tree that hold steps, in plan order."""
    if not isinstance(block, dict):
        return []
    if "steps" in block:
        return [block]
    found = []
    for child in block.get("blocks") or ():
        found += step_blocks(child)
    return found


def walk_steps(block: dict | None) -> list[dict]:
    """Every step of a tree in plan order, each given its `path` and its number `nr` (from 1)."""
    out = []
    for holder in step_blocks(block):
        for index, step in enumerate(holder.get("steps") or (), start=1):
            item = dict(step)
            item.setdefault("path", f"{holder.get('id')}_{index}")
            out.append(item)
    for number, item in enumerate(out, start=1):
        item.setdefault("nr", number)
    return out


def log_text(text) -> str:
    """A step's log as XL Deploy gives it: its lines joined by newlines (no newline after the last)."""
    text = text or ""
    return text[:-1] if text.endswith("\n") else text


class StepState(Record):
    """A step: see the module docstring."""

    kind = "step"

    def _field(self, name: str):
        value = _common(self, name, "step")
        if value is not MISSING:
            return value
        if name == "log":
            return log_text(self.raw.get("log"))
        if name in ("id", "stepPath") and "path" in self.raw:
            return self.raw["path"]
        return super()._field(name)

    def _painted_repr(self, paint=lambda text, state: text) -> str:
        number = f"{self.raw['nr']}. " if "nr" in self.raw else ""
        path = f" [{self.raw['path']}]" if "path" in self.raw else ""
        state = self.raw.get("state")
        return f"{number}{self.raw.get('description') or ''}{path} ({paint(str(state), state)})"

    def __repr__(self) -> str:
        return self._painted_repr()

    __str__ = __repr__


class BlockState(Record):
    """A block of a task: its child blocks (`.blocks`) or its steps (`.steps`, `.getSteps()`)."""

    kind = "block"

    def _field(self, name: str):
        value = _common(self, name, "block")
        if value is not MISSING:
            return value
        raw = self.raw
        if name == "blocks" and "blocks" in raw:
            return wrap([BlockState(b) for b in raw["blocks"] or ()])
        if name == "steps" and "steps" in raw:
            return wrap([StepState(dict(s, path=s.get("path") or f"{raw.get('id')}_{n}"))
                         for n, s in enumerate(raw["steps"] or (), start=1)])
        return super()._field(name)

    def get_step_blocks(self):
        """The blocks under this one (itself included) that hold steps, in plan order."""
        return wrap([BlockState(b) for b in step_blocks(self.raw)])

    getStepBlocks = get_step_blocks

    def _painted_repr(self, paint=lambda text, state: text) -> str:
        what = f"{len(self.raw['steps'])} steps" if "steps" in self.raw else \
            f"{len(self.raw.get('blocks') or ())} blocks"
        state = self.raw.get("state")
        return f"[{self.raw.get('id')}] {self.raw.get('description') or ''} ({paint(str(state), state)}, {what})"

    def __repr__(self) -> str:
        return self._painted_repr()

    __str__ = __repr__


# name a script may use -> the field of the server's JSON holding it
ALIASES = {"nrOfSteps": "nrSteps", "totalSteps": "nrSteps", "label": "description", "user": "owner",
           "taskId": "id", "failures": "failureCount", "currentStep": "currentStepNr"}
METADATA_FIELDS = ("application", "version", "environment")


class TaskState(Record):
    """A task: see the module docstring."""

    kind = "task"

    def _field(self, name: str):
        raw = self.raw
        value = _common(self, name, "task")
        if value is not MISSING:
            return value
        if name in raw:
            if name == "block":
                return BlockState(raw["block"]) if isinstance(raw["block"], dict) else None
            if name == "steps":
                return wrap([StepState(s) for s in walk_steps({"id": "", "steps": raw["steps"]})])
            return super()._field(name)
        if name in ALIASES and ALIASES[name] in raw:
            return self._field(ALIASES[name])
        if name == "nrSteps" and "totalSteps" in raw:
            return raw["totalSteps"]
        if name == "steps":
            return wrap([StepState(s) for s in walk_steps(raw.get("block"))])
        if name in METADATA_FIELDS and name in (raw.get("metadata") or {}):
            return raw["metadata"][name]
        return MISSING

    def _fields(self) -> list[str]:
        return sorted(set(self.raw) | {"steps"} | {a for a, f in ALIASES.items() if f in self.raw})

    def get_step_blocks(self):
        """The blocks of the task that hold steps, in plan order (`blocks[0].getSteps()[0]`)."""
        return wrap([BlockState(b) for b in step_blocks(self.raw.get("block"))])

    getStepBlocks = get_step_blocks

    def step_list(self) -> list[dict]:
        """The steps as JSON with `path` and `nr` (for the shell's own use)."""
        if "block" in self.raw:
            return walk_steps(self.raw.get("block"))
        return walk_steps({"id": "", "steps": self.raw.get("steps") or []})

    def _painted_repr(self, paint=lambda text, state: text) -> str:
        raw = self.raw
        parts = [paint(str(raw.get("state")), raw.get("state"))]
        total = raw.get("nrSteps", raw.get("totalSteps"))
        if total is not None:
            parts.append(f"step {raw.get('currentStepNr', raw.get('currentStep', 0))} of {total}")
        if raw.get("owner"):
            parts.append(f"owner {raw['owner']}")
        if raw.get("scheduledDate") and raw.get("state") == "SCHEDULED":
            parts.append(f"scheduled at {_to_datetime(raw['scheduledDate'])}")
        return f"Task {raw.get('id')}: {raw.get('description') or ''} ({', '.join(parts)})"

    def __repr__(self) -> str:
        return self._painted_repr()

    __str__ = __repr__


def task_views(items) -> list:
    return wrap([TaskState(item) for item in items or ()])


class StepLog:
    """What task2.getStepLog answers: `.log()` (also `getLog()`, `str()`) is the step's log text."""

    def __init__(self, task_id: str, path: str, text: str):
        self.taskId, self.stepPath, self._text = task_id, path, log_text(text)

    def log(self) -> str:
        return self._text

    getLog = log

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return self._text


__all__ = ["TaskState", "BlockState", "StepState", "StepLog", "as_state", "task_views", "walk_steps",
           "step_blocks", "log_text"]
