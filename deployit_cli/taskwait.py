"""Waiting for a task as deployit.startTaskAndWait and waitForTask do: poll, show progress, archive, report.

Progress goes to stdout. Each step that finishes (DONE, SKIPPED, FAILED, PAUSED) gets one line
`  2/5 DONE      <description>`; in a terminal a live line below them shows the step running
(`  step 3 of 5 EXECUTING: <description>`) and is cleared before anything else is written. A task
that ends EXECUTED is archived (it reads DONE afterwards, as the original CLI left it); a task that
ends FAILED, STOPPED or ABORTED is left as it is, with a report: where it stands, the tail of the
failed step's log, and what can be done next.
"""

from __future__ import annotations

import sys
import time

from .client import DeployitException, quote_id
from .taskrecords import TaskState, as_state

# The engine is working on the task: keep waiting.
ACTIVE = ("QUEUED", "EXECUTING", "STOPPING", "FAILING", "ABORTING", "CANCELLING")
HALTED = ("FAILED", "STOPPED", "ABORTED")
FINISHED_STEP = ("DONE", "SKIPPED", "FAILED", "PAUSED")
LOG_TAIL = 20
POLL_FIRST, POLL_MAX = 0.05, 1.0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class Progress:
    """Turns successive task JSON snapshots into progress lines (see the module docstring)."""

    def __init__(self, out=None, live: bool | None = None, width: int = 100):
        self.out = out or sys.stdout
        if live is None:
            isatty = getattr(self.out, "isatty", None)
            live = bool(isatty and isatty())
        self.live = live
        self.width = width
        self.seen: dict[str, str] = {}
        self._live_text = ""

    def remember(self, task: dict) -> None:
        """Steps finished before we started watching are not reported again."""
        for step in TaskState(task).step_list():
            if step.get("state") in FINISHED_STEP:
                self.seen[step["path"]] = step["state"]

    def write(self, text: str) -> None:
        self.clear_live()
        self.out.write(text + "\n")
        self.out.flush()

    def clear_live(self) -> None:
        if self._live_text:
            self.out.write("\r\x1b[K")
            self._live_text = ""
            self.out.flush()

    def update(self, task: dict) -> None:
        steps = TaskState(task).step_list()
        total = len(steps)
        running = None
        for step in steps:
            state, path = step.get("state"), step["path"]
            if state in FINISHED_STEP and self.seen.get(path) != state:
                self.seen[path] = state
                self.write(f"  {step['nr']}/{total} {state:<9} {step.get('description') or ''}".rstrip())
            elif state == "EXECUTING":
                self.seen.pop(path, None)
                running = running or step
        if self.live:
            if running is not None and task.get("state") in ACTIVE:
                text = f"  step {running['nr']} of {total} EXECUTING: {running.get('description') or ''}"
                text = text[: max(20, self.width - 1)]
                if text != self._live_text:
                    self.out.write("\r\x1b[K" + text)
                    self.out.flush()
                    self._live_text = text
            else:
                self.clear_live()


def _width(out) -> int:
    import shutil
    try:
        return shutil.get_terminal_size((100, 24)).columns
    except (OSError, ValueError):
        return 100


def _failed_steps(task: dict) -> list[dict]:
    steps = TaskState(task).step_list()
    standing = set(task.get("currentSteps") or ())
    found = [s for s in steps if s.get("state") in ("FAILED", "PAUSED") and (not standing or s["path"] in standing)]
    return found or [s for s in steps if s.get("state") in ("FAILED", "PAUSED")]


def report_halted(task: dict, progress: Progress) -> None:
    """Where a FAILED, STOPPED or ABORTED task stands, the failed step's log tail, what to do next."""
    task_id, state = task.get("id"), task.get("state")
    total = task.get("nrSteps") or len(TaskState(task).step_list())
    current = task.get("currentStepNr") or 0
    standing = _failed_steps(task)
    paused = bool(standing) and standing[0].get("state") == "PAUSED"
    if paused:
        first = standing[0]
        progress.write(f"Task {task_id} is paused ({state}) at step {first['nr']} of {total}: "
                       f"{first.get('description') or ''}")
    elif standing:
        first = standing[0]
        progress.write(f"Task {task_id} {state} at step {first['nr']} of {total}: {first.get('description') or ''}")
    else:
        progress.write(f"Task {task_id} {state} after step {current} of {total}.")
    for step in standing:
        # a failed step's error, or what a manual step asks the user to do
        lines = (step.get("log") or "").rstrip("\n").splitlines()
        if not lines:
            continue
        tail = lines[-LOG_TAIL:]
        more = f", last {len(tail)} of {len(lines)} lines" if len(lines) > len(tail) else ""
        progress.write(f"  Log of step {step['path']}{more}:")
        for line in tail:
            progress.write(f"    {line}")
    goal = "from the failed step" if state == "FAILED" and not paused else "where it stopped"
    progress.write(f"  Start it again with deployit.startTaskAndWait('{task_id}') to continue {goal}, "
                   f"or cancel it with deployit.cancelTask('{task_id}').")


def poll(client, task_id: str, progress: Progress) -> dict:
    """Poll until the task is no longer active; returns its last JSON."""
    delay = POLL_FIRST
    while True:
        task = client.get(f"/tasks/v2/{quote_id(task_id)}")
        progress.update(task)
        if task.get("state") not in ACTIVE:
            progress.clear_live()
            return task
        time.sleep(delay)
        delay = min(delay * 1.5, POLL_MAX)


def wait(client, task_id: str, start: bool, out=None):
    """Start (when asked) and wait for a task, then archive or report it. Returns None when the task
    ended EXECUTED (and is now archived) or was already DONE, else its state (FAILED, STOPPED...)."""
    task_id = str(task_id)
    out = out or sys.stdout
    progress = Progress(out, width=_width(out))
    before = client.get(f"/tasks/v2/{quote_id(task_id)}")
    progress.remember(before)
    began = time.monotonic()
    if start:
        client.post(f"/tasks/v2/{quote_id(task_id)}/start")
        total = before.get("nrSteps") or len(TaskState(before).step_list())
        progress.write(f"Task {task_id}: {before.get('description') or ''} ({_plural(total, 'step')})")
    elif before.get("state") not in ACTIVE:
        return _outcome(client, before, progress, began, waited=False)
    try:
        task = poll(client, task_id, progress)
    except KeyboardInterrupt:
        progress.clear_live()
        progress.write(f"Stopped waiting: task {task_id} goes on (deployit.stopTask('{task_id}') stops it after "
                       f"the current step, deployit.abortTask('{task_id}') at once).")
        raise
    return _outcome(client, task, progress, began, waited=True)


def _outcome(client, task: dict, progress: Progress, began: float, waited: bool):
    task_id, state = task.get("id"), task.get("state")
    if state == "EXECUTED":
        try:
            client.post(f"/tasks/v2/{quote_id(task_id)}/archive")
        except DeployitException:
            # archived meanwhile by someone else: what counts is that it is DONE now
            if client.get(f"/tasks/v2/{quote_id(task_id)}").get("state") != "DONE":
                raise
        total = task.get("nrSteps") or 0
        elapsed = f" in {time.monotonic() - began:.1f} s" if waited else ""
        progress.write(f"Task {task_id} EXECUTED ({_plural(total, 'step')}{elapsed}) and archived.")
        return None
    if state == "DONE":
        return None
    if state in HALTED:
        report_halted(task, progress)
    elif state in ("PENDING", "SCHEDULED"):
        when = f" for {task.get('scheduledDate')}" if state == "SCHEDULED" else ""
        progress.write(f"Task {task_id} is {state}{when}, not running: start it with "
                       f"deployit.startTaskAndWait('{task_id}').")
    else:
        progress.write(f"Task {task_id} is {state}.")
    return as_state(state, "task")
