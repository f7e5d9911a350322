"""Tasks a server stopped running without finishing them: killed, or cut off from the database for longer than
its claim (engine spec §7.4).

- A starting server fails at once the EXECUTING, FAILING, STOPPING and ABORTING tasks it (its `server.node.id`)
  left; any server fails a running task whose claim (`lease_until`, renewed by the server running it) expired
  (`reap`). Such a task becomes FAILED. The steps that were running become FAILED (one more failure each,
  and on the task) with a log line saying so, and the blocks that were running FAILED; `start` resumes them
  from those steps. The commands those steps had running on hosts are ended (server/engine/leftovers.py),
  and again before a retry, so a retry never runs a step while its first copy goes on.
- QUEUED and SCHEDULED tasks need nothing: every server claims queued tasks and queues those whose time has
  come from the database (server/engine/engine.py).
- PENDING, EXECUTED, STOPPED, FAILED and ABORTED tasks stay as they are.
"""

from __future__ import annotations

import logging

from ..store.dates import now_iso
from . import tree as trees
from .leftovers import Leftovers
from .states import RUNNING, STEP_EXECUTING, STEP_FAILED, FAILED
from .store import TaskStore

log = logging.getLogger(__name__)

INTERRUPTED = "The server stopped while this step was running ({}); the step is marked FAILED. " \
              "Start the task again to run it again."


def fail_task(store: TaskStore, task_id: str, node: str | None = None) -> bool:
    """Mark a running task FAILED with its running steps, in one write that holds only while the task is still
    running (and, with `node`, run by that server); False when it is not."""
    with store.db.write():
        record = store.get(task_id)
        if record is None or record["state"] not in RUNNING:
            return False
        step_paths = {path for path, _, _ in trees.walk_steps(record["block"])}
        stamp = now_iso()
        changes, interrupted = {}, []
        for path, row in store.progress(task_id).items():
            if row["state"] != STEP_EXECUTING:
                continue
            values = {"state": STEP_FAILED, "completed_at": stamp}
            if path in step_paths:
                values["failure_count"] = (row["failure_count"] or 0) + 1
                interrupted.append(path)
            changes[path] = values
        # The claim moves on: what the server that ran it still sends for it is refused (server/engine/store.py).
        if not store.update_if(task_id, RUNNING, node, state=FAILED, completed_at=stamp, lease_until=None,
                               failures=(record.get("failures") or 0) + len(interrupted), claim=record["claim"] + 1):
            return False
        for path in interrupted:
            store.append_log(task_id, path, INTERRUPTED.format(stamp) + "\n")
        store.set_progress(task_id, changes)
    log.warning("Task %s was %s when its server stopped; it is now FAILED", task_id, record["state"])
    return True


def fail_interrupted(store: TaskStore, node: str, leftovers: Leftovers | None = None) -> list[str]:
    """At start: mark the tasks this server (`node`) was running when it stopped FAILED and end the commands their
    steps left running; returns their ids (a task recorded with no server counts as this one's). Tasks other
    servers run are left to their leases."""
    recovered = [summary["id"] for summary in store.ids_in_states(RUNNING)
                 if summary.get("node") in (None, node) and fail_task(store, summary["id"], summary.get("node"))]
    for task_id in recovered:
        if leftovers is not None:
            leftovers.end(task_id, note_failures=True)
    return recovered


def reap(store: TaskStore, now: str) -> list[str]:
    """Any server: fail the running tasks whose server's claim expired (it died or lost the database); returns
    their ids, whose leftover commands the caller ends."""
    with store.db.write():
        return [task_id for task_id in store.lock_expired(now, RUNNING) if fail_task(store, task_id)]
