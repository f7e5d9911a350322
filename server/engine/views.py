"""The JSON of tasks, blocks and steps as the REST API shows them (TaskWithBlock, StepBlockState, StepState).

Task:
    {"id", "description", "state", "owner", "failures", "failureCount", "taskType",
     "currentStep", "currentStepNr", "currentSteps": [step paths], "activeBlocks": [block ids],
     "totalSteps", "nrSteps", "nrOfSteps", "startDate", "completionDate", "scheduledDate",
     "createdDate", "archivedDate", "archived", "metadata": {...}, "block": {...}}
  `currentStep` is the number (counted over the whole plan, from 1) of the step running, or of the
  failed or paused step the task stands at, else of the last step done; `currentSteps` lists the
  paths of the running steps, or of the failed or paused ones when none runs.
Block: {"id", "description", "state", "type": "serial"|"parallel", "root", "startDate",
        "completionDate", "blocks": [...]} or, holding steps, {..., "type": "steps",
        "current": <number of the current step in the block, 0 before it starts>, "steps": [...]}.
Step: {"path", "description", "state", "startDate", "completionDate", "failureCount", "log",
       "metadata": {"order", "previewAvailable", "rule", "deployed", "operation"...},
       "type", "order", "parameters" (secrets as {b64} ciphertext), "checkpoint"}.
Dates are ISO strings in UTC (2016-09-27T07:42:58.212+0000).
"""

from __future__ import annotations

from . import tree as trees

ACTIVE_STEP = ("EXECUTING",)
STANDING_STEP = ("FAILED", "PAUSED")


def _step(step: dict, path: str, progress: dict, logs: dict, with_log: bool = True) -> dict:
    out = dict(step)
    row = progress.get(path)
    out["path"] = path
    if row is not None:
        out.update(state=row["state"], startDate=row["started_at"], completionDate=row["completed_at"],
                   failureCount=row["failure_count"])
    if with_log:
        out["log"] = logs.get(path, "")
    else:
        out.pop("log", None)
    return out


def block_json(block: dict, progress: dict, logs: dict, depth: int = -1, with_logs: bool = True) -> dict:
    """A block with states merged in; `depth` limits how many levels of children are included
    (0: the block alone, its children listed without their own children or steps)."""
    out = {k: v for k, v in block.items() if k not in ("blocks", "steps")}
    row = progress.get(block["id"])
    if row is not None:
        out.update(state=row["state"], startDate=row["started_at"], completionDate=row["completed_at"])
    if trees.is_step_block(block):
        steps = [_step(s, f"{block['id']}_{n}", progress, logs, with_logs)
                 for n, s in enumerate(block["steps"], start=1)]
        current = 0
        for n, step in enumerate(steps, start=1):
            if step["state"] != "PENDING" and step["state"] != "SKIP":
                current = n
        out["current"] = current
        if depth != 0:
            out["steps"] = steps
        return out
    children = block.get("blocks") or []
    if depth == 0:
        out["blocks"] = [block_json(c, progress, logs, 0, with_logs) for c in children]
        for child in out["blocks"]:
            child.pop("blocks", None)
            child.pop("steps", None)
    else:
        out["blocks"] = [block_json(c, progress, logs, depth - 1, with_logs) for c in children]
    return out


def _position(block: dict, progress: dict) -> tuple[int, list[str], int]:
    """(current step number, current step paths, total steps) of a task's tree."""
    total, done, current = 0, 0, 0
    running, standing = [], []
    for number, (path, _, _) in enumerate(trees.walk_steps(block), start=1):
        total = number
        state = (progress.get(path) or {}).get("state", "PENDING")
        if state in ("DONE", "SKIPPED"):
            done += 1
        if state in ACTIVE_STEP:
            running.append(path)
            current = max(current, number)
        elif state in STANDING_STEP:
            standing.append(path)
            current = max(current, number)
    if not running and not standing:
        current = done
    return current, running or standing, total


def task_json(record: dict, progress: dict, logs: dict, with_block: bool = True, with_logs: bool = True) -> dict:
    block = record.get("block")
    out = {"id": record["id"], "description": record["description"], "state": record["state"],
           "owner": record["owner"], "failures": record.get("failures") or 0,
           "failureCount": record.get("failures") or 0, "taskType": record.get("task_type"),
           "startDate": record.get("started_at"), "completionDate": record.get("completed_at"),
           "scheduledDate": record.get("scheduled_at"), "createdDate": record.get("created_at"),
           "archivedDate": record.get("archived_at"), "archived": bool(record.get("archived")),
           "metadata": record["metadata"], "currentSteps": [], "activeBlocks": []}
    if record.get("rollback_of"):
        out["rollbackOf"] = record["rollback_of"]
    if block is not None:
        current, paths, total = _position(block, progress)
        out.update(currentStep=current, currentStepNr=current, currentSteps=paths, totalSteps=total, nrSteps=total,
                   nrOfSteps=total,
                   activeBlocks=[b["id"] for b in trees.walk_blocks(block)
                                 if (progress.get(b["id"]) or {}).get("state") == "EXECUTING"])
        if with_block:
            out["block"] = block_json(block, progress, logs, with_logs=with_logs)
    return out


SUMMARY_STEP_FIELDS = ("path", "description", "state", "failureCount", "startDate", "completionDate")


def _summary_block(block: dict) -> dict:
    out = {k: v for k, v in block.items() if k not in ("blocks", "steps")}
    if "blocks" in block:
        out["blocks"] = [_summary_block(b) for b in block["blocks"]]
    if "steps" in block:
        out["steps"] = [{k: s.get(k) for k in SUMMARY_STEP_FIELDS} for s in block["steps"]]
    return out


def summary_json(record: dict, progress: dict) -> dict:
    """The task with its blocks and, of each step, only what a progress display needs: no log,
    parameters or metadata (what a client polling a running task reads)."""
    out = task_json(record, progress, {}, with_block=False)
    if record.get("block") is not None:
        out["block"] = _summary_block(block_json(record["block"], progress, {}, with_logs=False))
    return out


def flat_steps(record: dict, progress: dict, logs: dict) -> list[dict]:
    """Every step in plan order with its number `nr` (the legacy /task API's StepInfo list)."""
    out = []
    for number, (path, step, _) in enumerate(trees.walk_steps(record["block"]), start=1):
        item = _step(step, path, progress, logs)
        item["nr"] = number
        out.append(item)
    return out
