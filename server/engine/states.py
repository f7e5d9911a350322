"""Task and step states (engine spec §7.1, §7.2) and which user action each state allows.

Task states:
    PENDING -start-> QUEUED -executor free-> EXECUTING -last step done-> EXECUTED -archive-> DONE
    PENDING|FAILED|STOPPED|ABORTED -schedule-> SCHEDULED -time reached or start-> QUEUED
    EXECUTING -step failed-> FAILING (while other branches still run) -> FAILED
    EXECUTING -stop-> STOPPING -> STOPPED ; EXECUTING|STOPPING|FAILING -abort-> ABORTING -> ABORTED
    FAILED|STOPPED|ABORTED -start-> QUEUED (resumes where it stopped) ; -cancel-> CANCELLED
    PENDING -cancel-> removed without history ; SCHEDULED -cancel-> CANCELLED
DONE and CANCELLED are final and archived.

Step states: PENDING -> EXECUTING -> DONE | FAILED | PAUSED; FAILED and PAUSED -start-> EXECUTING;
PENDING|FAILED|PAUSED -skip-> SKIP -unskip-> PENDING; SKIP -reached-> SKIPPED.
"""

from __future__ import annotations

from ..errors import Conflict

# -- task states -------------------------------------------------------------------------------
PENDING, QUEUED, SCHEDULED = "PENDING", "QUEUED", "SCHEDULED"
EXECUTING, EXECUTED = "EXECUTING", "EXECUTED"
STOPPING, STOPPED = "STOPPING", "STOPPED"
FAILING, FAILED = "FAILING", "FAILED"
ABORTING, ABORTED = "ABORTING", "ABORTED"
CANCELLED, DONE = "CANCELLED", "DONE"

TASK_STATES = (PENDING, QUEUED, SCHEDULED, EXECUTING, EXECUTED, STOPPING, STOPPED, FAILING, FAILED,
               ABORTING, ABORTED, CANCELLED, DONE)
# The engine is working on the task (a thread runs it).
RUNNING = (EXECUTING, STOPPING, FAILING, ABORTING)
FINAL = (DONE, CANCELLED)
# Not archived: the "unfinished tasks" of listUnfinishedTasks.
UNFINISHED = tuple(s for s in TASK_STATES if s not in FINAL)

# action -> the states it is allowed in
ALLOWED = {
    "start": (PENDING, FAILED, STOPPED, ABORTED, SCHEDULED),
    "schedule": (PENDING, FAILED, STOPPED, ABORTED, SCHEDULED),
    "stop": (EXECUTING,),
    "abort": (EXECUTING, FAILING, STOPPING),
    "cancel": (PENDING, SCHEDULED, FAILED, STOPPED, ABORTED),
    "archive": (EXECUTED,),
    "rollback": (EXECUTED, FAILED, STOPPED, ABORTED),
    # Changing the plan: never while the engine works on the task.
    "skip": (PENDING, SCHEDULED, FAILED, STOPPED, ABORTED),
    "unskip": (PENDING, SCHEDULED, FAILED, STOPPED, ABORTED),
    "add-pause": (PENDING, SCHEDULED, FAILED, STOPPED, ABORTED),
    "assign": UNFINISHED,
    "takeover": UNFINISHED,
}

# -- step states -------------------------------------------------------------------------------
STEP_PENDING, SKIP, STEP_EXECUTING, PAUSED = "PENDING", "SKIP", "EXECUTING", "PAUSED"
STEP_FAILED, STEP_DONE, SKIPPED = "FAILED", "DONE", "SKIPPED"
STEP_STATES = (STEP_PENDING, SKIP, STEP_EXECUTING, PAUSED, STEP_FAILED, STEP_DONE, SKIPPED)
SKIPPABLE = (STEP_PENDING, STEP_FAILED, PAUSED)
# Steps a resumed task does not run again.
COMPLETED_STEPS = (STEP_DONE, SKIPPED)


class InvalidTransition(Conflict):
    """An action the task's state does not allow (409)."""


def check_allowed(action: str, task_id: str, state: str) -> None:
    allowed = ALLOWED[action]
    if state not in allowed:
        raise InvalidTransition(f"Task {task_id} is {state}; {action} is only possible when it is "
                                f"{_or(allowed)}.")


def _or(states) -> str:
    states = list(states)
    return states[0] if len(states) == 1 else ", ".join(states[:-1]) + " or " + states[-1]
