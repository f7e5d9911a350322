"""What a starting server does with the tasks its last run left behind (engine spec §7.4).

- EXECUTING, FAILING, STOPPING and ABORTING tasks were cut short: they become FAILED. The steps
  that were running become FAILED (one more failure each, and on the task) with a log line saying
  so, and the blocks that were running FAILED; `start` resumes them from those steps. The commands
  those steps had running on hosts are ended first (server/engine/leftovers.py), so a retry never
  runs a step while its first copy goes on.
- QUEUED tasks queue again, in the order they were created, and run.
- SCHEDULED tasks are scheduled again; one whose time passed while the server was down starts at once.
- PENDING, EXECUTED, STOPPED, FAILED and ABORTED tasks stay as they are.
"""

from __future__ import annotations

import logging

from ..store.dates import now_iso
from . import tree as trees
from .leftovers import Leftovers
from .states import QUEUED, RUNNING, SCHEDULED, STEP_EXECUTING, STEP_FAILED, FAILED
from .store import TaskStore

log = logging.getLogger(__name__)

INTERRUPTED = "The server stopped while this step was running ({}); the step is marked FAILED. " \
              "Start the task again to run it again."


def fail_interrupted(store: TaskStore, node: str, leftovers: Leftovers | None = None) -> list[str]:
    """Mark the tasks this server (`node`) was running when it stopped FAILED and end the commands their steps
    left running; returns their ids. Tasks another server of a shared repository runs are left alone."""
    recovered = []
    for summary in store.ids_in_states(RUNNING):
        task_id = summary["id"]
        if summary.get("node") not in (None, node):
            continue
        record = store.get(task_id)
        step_paths = {path for path, _, _ in trees.walk_steps(record["block"])}
        stamp = now_iso()
        changes, interrupted = {}, 0
        for path, row in store.progress(task_id).items():
            if row["state"] != STEP_EXECUTING:
                continue
            values = {"state": STEP_FAILED, "completed_at": stamp}
            if path in step_paths:
                values["failure_count"] = (row["failure_count"] or 0) + 1
                interrupted += 1
                store.append_log(task_id, path, INTERRUPTED.format(stamp) + "\n")
            changes[path] = values
        store.set_progress(task_id, changes, task={"state": FAILED, "completed_at": stamp,
                                                   "failures": (record.get("failures") or 0) + interrupted})
        log.warning("Task %s was %s when the server stopped; it is now FAILED", task_id, summary["state"])
        if leftovers is not None:
            leftovers.end(task_id, note_failures=True)
        recovered.append(task_id)
    return recovered


def queued(store: TaskStore) -> list[str]:
    return [r["id"] for r in store.ids_in_states((QUEUED,))]


def scheduled(store: TaskStore) -> list[tuple[str, str | None]]:
    return [(r["id"], r["scheduled_at"]) for r in store.ids_in_states((SCHEDULED,))]
