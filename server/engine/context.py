"""What a running step gets from the engine: the contract between the task engine and the step types.

The engine builds one `StepContext` per step execution; the step implementations in
`server/engine/steps/` use nothing else (no globals, no direct database access), so they can be
tested with a context made by hand.

`execute(step, ctx)` in `server.engine.steps` runs one planned step (the JSON of
server/planning/steps.py: `{"type", "description", "order", "parameters", "checkpoint"}`) and
returns `DONE` or `PAUSE`; it raises `StepFailed` (message logged, step FAILED) or `StepAborted`
(when `ctx.cancel` was set).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

DONE = "DONE"
PAUSE = "PAUSE"


class StepFailed(Exception):
    """The step did not do its job; the message (one sentence) is the last line of its log."""


class StepAborted(Exception):
    """The step was interrupted because the task was aborted."""


@dataclass
class StepContext:
    task_id: str
    step_path: str
    # Append one line to the step's log; readers see it while the step runs.
    log: Callable[[str], None]
    # Set when the task is aborted: long operations check it and stop (hosts' execute(cancel=...)).
    cancel: threading.Event
    # A CI reference {"ref": id, "type": t, "from": "deployed"|"previous"|"repository"} -> the CI as a dict
    # {"id", "type", ...effective properties, secrets in clear}. Deployeds come from the task itself.
    resolve: Callable[[dict], dict]
    # The id of an artifact CI (a deployable, or the deployable of a deployed) -> a local path to its
    # file; a folder artifact's file is a zip of the folder (server.packages.folders.extract unpacks it).
    artifact_file: Callable[[str], Path]
    # A host CI dict -> an open server.engine.hosts Connection (use as a context manager).
    connect: Callable[[dict], object]
    # A scratch folder on the server for this step, removed after it; not made until a step needs it
    # (mkdir(parents=True, exist_ok=True) first).
    work_dir: Path
    # Shared by all steps of one task (XL Deploy's context.getAttribute/setAttribute).
    attributes: dict = field(default_factory=dict)
    # The task's metadata and specification (deployedApplication, deltas...) for templates and scripts.
    task: dict = field(default_factory=dict)
    # Folders searched for scripts and templates named by steps: the home's plugins/ and ext/, then the
    # built-in server/plugins/builtin/scripts/.
    script_paths: list[Path] = field(default_factory=list)
    # The server's TypeRegistry (`is_a`, `get`): steps use it to tell folder and archive artifacts from files
    # and to find reference and password properties. None: the built-in types only.
    types: object = None
