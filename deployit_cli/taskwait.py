"""Waiting for a task as deployit.startTaskAndWait and waitForTask do: poll, show progress, archive, report.

Waiting polls the task's summary (`/tasks/v2/{id}/summary`: states, no logs), so it stays cheap however
long the logs grow; a failed step's log is read once, for the report. Progress goes to stdout: each step
that finishes (DONE, SKIPPED, FAILED, PAUSED) gets one line `  2/5 DONE      <description>`. In a
terminal (without -q) a live display below those lines shows a bar, the steps done of the total, the
percentage, the elapsed time, failures, and the block and step running (deployit_cli.taskdisplay); it
is removed when the task stops. Elsewhere (pipes, cron, CI logs) and with -q there are only the lines.
States are coloured in terminals unless NO_COLOR is set (deployit_cli.colours). A task that ends
EXECUTED is archived (it reads DONE afterwards, as the original CLI left it); a task that ends FAILED,
STOPPED or ABORTED is left as it is, with a report: where it stands, the tail of the failed step's log,
and what can be done next.
"""

from __future__ import annotations

import sys
import time

from . import colours
from .client import DeployitException, quote_id
from .taskrecords import TaskState, as_state, step_blocks

# The engine is working on the task: keep waiting.
ACTIVE = ("QUEUED", "EXECUTING", "STOPPING", "FAILING", "ABORTING", "CANCELLING")
HALTED = ("FAILED", "STOPPED", "ABORTED")
FINISHED_STEP = ("DONE", "SKIPPED", "FAILED", "PAUSED")
COUNTED_DONE = ("DONE", "SKIPPED")
LOG_TAIL = 20
POLL_FIRST, POLL_MAX = 0.05, 1.0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _isatty(out) -> bool:
    isatty = getattr(out, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:
        return False


class Progress:
    """Turns successive task snapshots into progress lines and, when `live`, the live display."""

    def __init__(self, out=None, live: bool | None = None, colour: bool | None = None, began: float | None = None):
        self.out = out or sys.stdout
        self.live = _isatty(self.out) if live is None else live
        self.colour = colours.enabled(self.out) if colour is None else colour
        self.began = time.monotonic() if began is None else began
        self.seen: dict[str, str] = {}
        self._display = None

    def remember(self, task: dict) -> None:
        """Steps finished before we started watching are not reported again."""
        for step in TaskState(task).step_list():
            if step.get("state") in FINISHED_STEP:
                self.seen[step["path"]] = step["state"]

    def write(self, *parts) -> None:
        """A line of text pieces; a piece given as (text, state) is coloured as the state."""
        pieces = [p if isinstance(p, tuple) else (p, None) for p in parts]
        if self._display is not None:
            self._display.line(pieces)
            return
        self.out.write("".join(colours.paint(text, state, self.colour) for text, state in pieces) + "\n")
        self.out.flush()

    def close(self) -> None:
        """Remove the live display (before the outcome is printed, or when waiting stops)."""
        if self._display is not None:
            self._display.stop()
            self._display = None

    def update(self, task: dict) -> None:
        steps = TaskState(task).step_list()
        total = len(steps)
        running = []
        for step in steps:
            state, path = step.get("state"), step["path"]
            if state in FINISHED_STEP and self.seen.get(path) != state:
                self.seen[path] = state
                self.write(f"  {step['nr']}/{total} ", (state, state), f"{' ' * (9 - len(state))} "
                           f"{step.get('description') or ''}".rstrip())
            elif state == "EXECUTING":
                self.seen.pop(path, None)
                running.append(step)
        if not self.live:
            return
        if task.get("state") not in ACTIVE:
            self.close()
            return
        if self._display is None:
            from .taskdisplay import LiveDisplay
            self._display = LiveDisplay(self.out, self.began)
        done = sum(1 for s in steps if s.get("state") in COUNTED_DONE)
        failed = sum(1 for s in steps if s.get("state") == "FAILED")
        current = running[0] if running else None
        blocks = {b.get("id"): b.get("description") or "" for b in step_blocks(task.get("block"))}
        block = blocks.get(current["path"].rsplit("_", 1)[0], "") if current else ""
        step_text = f"{current['nr']}. {current.get('description') or ''}" if current else str(task.get("state"))
        self._display.show(done, total, failed, block, step_text, max(0, len(running) - 1))


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
        progress.write(f"Task {task_id} is paused (", (state, state), f") at step {first['nr']} of {total}: "
                       f"{first.get('description') or ''}")
    elif standing:
        first = standing[0]
        progress.write(f"Task {task_id} ", (state, state), f" at step {first['nr']} of {total}: "
                       f"{first.get('description') or ''}")
    else:
        progress.write(f"Task {task_id} ", (state, state), f" after step {current} of {total}.")
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
    """Poll the task's summary until the task is no longer active; returns the last one."""
    delay = POLL_FIRST
    while True:
        task = client.get(summary_path(task_id))
        progress.update(task)
        if task.get("state") not in ACTIVE:
            progress.close()
            return task
        time.sleep(delay)
        delay = min(delay * 1.5, POLL_MAX)


def summary_path(task_id: str) -> str:
    return f"/tasks/v2/{quote_id(task_id)}/summary"


def wait(client, task_id: str, start: bool, out=None, quiet: bool = False):
    """Start (when asked) and wait for a task, then archive or report it. Returns None when the task
    ended EXECUTED (and is now archived) or was already DONE, else its state (FAILED, STOPPED...).
    `quiet` (the shell's -q) leaves out the live display: only the lines are printed."""
    task_id = str(task_id)
    out = out or sys.stdout
    began = time.monotonic()
    progress = Progress(out, live=False if quiet else None, began=began)
    before = client.get(summary_path(task_id))
    progress.remember(before)
    if start:
        client.post(f"/tasks/v2/{quote_id(task_id)}/start")
        total = before.get("nrSteps") or len(TaskState(before).step_list())
        progress.write(f"Task {task_id}: {before.get('description') or ''} ({_plural(total, 'step')})")
    elif before.get("state") not in ACTIVE:
        return _outcome(client, before, progress, began, waited=False)
    try:
        task = poll(client, task_id, progress)
    except KeyboardInterrupt:
        progress.close()
        progress.write(f"Stopped waiting: task {task_id} goes on (deployit.stopTask('{task_id}') stops it after "
                       f"the current step, deployit.abortTask('{task_id}') at once).")
        raise
    finally:
        progress.close()
    return _outcome(client, task, progress, began, waited=True)


def _with_logs(client, task: dict) -> dict:
    """The summary with the logs of the steps the task stands at (for the report), read one by one."""
    paths = {s["path"] for s in _failed_steps(task)}

    def fill(block):
        if not isinstance(block, dict):
            return block
        out = dict(block)
        if "blocks" in block:
            out["blocks"] = [fill(b) for b in block["blocks"] or ()]
        if "steps" in block:
            out["steps"] = []
            for index, step in enumerate(block["steps"] or (), start=1):
                step = dict(step)
                path = step.get("path") or f"{block.get('id')}_{index}"
                if path in paths and "log" not in step:
                    step["log"] = client.get(f"/tasks/v2/{quote_id(task['id'])}/step/{quote_id(path)}").get("log")
                out["steps"].append(step)
        return out
    return dict(task, block=fill(task.get("block")))


def _outcome(client, task: dict, progress: Progress, began: float, waited: bool):
    task_id, state = task.get("id"), task.get("state")
    if state == "EXECUTED":
        try:
            client.post(f"/tasks/v2/{quote_id(task_id)}/archive")
        except DeployitException:
            # archived meanwhile by someone else: what counts is that it is DONE now
            if client.get(summary_path(task_id)).get("state") != "DONE":
                raise
        total = task.get("nrSteps") or 0
        elapsed = f" in {time.monotonic() - began:.1f} s" if waited else ""
        progress.write(f"Task {task_id} ", (state, state), f" ({_plural(total, 'step')}{elapsed}) and archived.")
        return None
    if state == "DONE":
        return None
    if state in HALTED:
        report_halted(_with_logs(client, task), progress)
    elif state in ("PENDING", "SCHEDULED"):
        when = f" for {task.get('scheduledDate')}" if state == "SCHEDULED" else ""
        progress.write(f"Task {task_id} is ", (state, state), f"{when}, not running: start it with "
                       f"deployit.startTaskAndWait('{task_id}').")
    else:
        progress.write(f"Task {task_id} is ", (state, state), ".")
    return as_state(state, "task")
