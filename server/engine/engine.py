"""The task engine: user actions on tasks, the tasks this server claims from the database, and their threads.

Every state change is one conditional update (the state the action needs, server/engine/states.py): of two
requests at once, on one server or two, one wins and the other gets a 409 naming the task and its state.
The database is the queue, for every server sharing it. A ticker (about every second, and at once after a
local start) has each server renew the lease of the tasks it runs (`task.lease.seconds`, every
`task.heartbeat.seconds`) and act on stops and aborts recorded by any server, fail the running tasks whose
lease expired (recovery.py), queue the scheduled tasks whose time has come, and claim queued tasks (oldest
first, SKIP LOCKED) while fewer than `task.max.active` run here. A server that could not renew its leases for
so long that they may soon expire ends its running steps itself and claims nothing until it renews again
(fencing.py). Running a task is runner.py's job. A task whose steps left commands running when a server died
starts (or is scheduled) only once those are ended (leftovers.py).

Shutdown (SIGTERM): the engine stops accepting actions that would run something, asks the running
tasks to stop after their current steps and waits `shutdown_timeout` seconds for them (they end
STOPPED); steps still running then are cancelled and their tasks left for recovery (FAILED).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

from ..errors import BadRequest, Conflict, NotFound
from ..store.dates import format_date, now_iso
from ..text import check_name
from . import recovery
from .leftovers import Leftovers
from .logs import LogFlusher
from . import tree as trees
from .context import StepFailed
from .fencing import Fence, fence_after
from .runner import ABORT_GRACE, TaskRun
from .scheduler import Ticker, check_schedule, parse_time, utc_now
from .states import (ABORTED, ABORTING, ALLOWED, CANCELLED, DONE, EXECUTED, EXECUTING, FAILED, FAILING, PENDING,
                     QUEUED, RUNNING, SCHEDULED, SKIP, SKIPPABLE, STEP_PENDING, STOPPED, STOPPING, COMPLETED_STEPS,
                     check_allowed)
from .store import TaskStore, completed_or

log = logging.getLogger(__name__)

MAX_OWNER_LENGTH = 255  # the owner column, as user names


def default_execute(step: dict, ctx):
    """The built-in step implementations (server/engine/steps), imported when first needed."""
    try:
        from .steps import execute
    except ImportError as exc:
        raise StepFailed(f"Step type {step.get('type')} cannot run: the step implementations could not be "
                         f"loaded ({exc}).") from None
    return execute(step, ctx)


class TaskEngine:
    def __init__(self, store: TaskStore, repository, types, crypto, *, home: Path, max_active: int = 10,
                 step_threads: int = 32, execute=None, shutdown_timeout: float = 5.0, abort_grace: float = ABORT_GRACE,
                 node: str | None = None, lease_seconds: float = 30.0, heartbeat_seconds: float = 5.0,
                 poll_seconds: float = 1.0):
        from .runner import script_paths
        self.store = store
        self.repository = repository
        self.types = types
        self.crypto = crypto
        self.leftovers = Leftovers(store, crypto)
        self.home = Path(home)
        self.work_root = self.home / "work" / "steps"
        self.script_paths = script_paths(self.home)
        self.max_active = max(1, int(max_active))
        self.step_threads = max(1, int(step_threads))
        self.step_slots = threading.BoundedSemaphore(self.step_threads)
        self.step_types = execute or default_execute
        # Step types run by a server service rather than server/engine/steps (e.g. garbage-collection).
        self.server_steps: dict = {}
        self.log_flusher = LogFlusher()
        self.shutdown_timeout = shutdown_timeout
        self.abort_grace = abort_grace
        self._lock = threading.RLock()
        self._runs: dict[str, TaskRun] = {}
        self._accepting = False
        self._started = False
        # Who runs a task (`server.node.id`): the server that claimed it renews its lease every heartbeat; any
        # server fails a task whose lease expired. The ticker looks at the database every `poll_seconds` (at least
        # every heartbeat), and at once when another server tells of work for it (server/engine/wakeup.py).
        self.node = node or socket.gethostname()
        self.lease_seconds = max(0.1, float(lease_seconds))
        self.heartbeat_seconds = max(0.05, min(float(heartbeat_seconds), self.lease_seconds / 2))
        self._last_beat = 0.0
        self.ticker = Ticker(self._tick, min(max(0.05, float(poll_seconds)), self.heartbeat_seconds))
        # Shared mode only: on SQLite no other server can take a task, and a long write (which holds the one
        # writer lock) must not look like a lost database.
        self.fence_seconds = None if store.db.serialised else fence_after(self.lease_seconds, self.heartbeat_seconds,
                                                                           self.abort_grace)
        self.fence = Fence(self.fence_seconds, self._fence)

    def execute_step(self, step: dict, ctx):
        handler = self.server_steps.get(step.get("type"))
        return handler(step, ctx) if handler is not None else self.step_types(step, ctx)

    # -- life cycle ----------------------------------------------------------------------------
    def startup(self) -> None:
        """Recover what the last run left, then run queued tasks and watch scheduled ones."""
        with self._lock:
            if self._started:
                return
            self._started = True
            self._accepting = True
            recovery.fail_interrupted(self.store, self.node, self.leftovers)
            self._check_fencing()
            self.fence.start()
            self.ticker.start()
            self.ticker.wake()

    def shutdown(self, timeout: float | None = None) -> None:
        timeout = self.shutdown_timeout if timeout is None else timeout
        with self._lock:
            if not self._started:
                return
            self._accepting = False
            runs = list(self._runs.values())
            for run in runs:
                if not run.stop_requested.is_set():
                    run.stop_requested.set()
                    self.store.update_if(run.task_id, (EXECUTING,), under=run.claim, state=STOPPING)
        self.ticker.stop()
        self.fence.stop()
        deadline = time.monotonic() + timeout
        for run in runs:
            run.done.wait(max(0.0, deadline - time.monotonic()))
        left = [run for run in runs if not run.done.is_set()]
        for run in left:
            log.warning("Task %s still runs steps at shutdown; it will be FAILED when the server starts again",
                        run.task_id)
            run.detached = True
            run.abort()  # kills the commands of the running steps; nothing more is stored for the task
        for run in left:
            run.flush_logs()
            run.done.wait(2.0)
        self.log_flusher.close()
        self._started = False

    def _refuse_when_stopping(self) -> None:
        if not self._accepting:
            raise Conflict("The server is shutting down and starts no tasks now.")

    # -- helpers -------------------------------------------------------------------------------
    def _record(self, task_id: str, with_specification: bool = False) -> dict:
        record = self.store.get(task_id, with_specification)
        if record is None:
            raise NotFound(f"Task {task_id} not found.")
        return record

    def _state(self, task_id: str) -> str | None:
        record = self.store.get(task_id)
        return record["state"] if record else None

    def run_of(self, task_id: str) -> TaskRun | None:
        with self._lock:
            return self._runs.get(task_id)

    def flush_logs(self, task_id: str) -> None:
        """Write the lines logged so far by the task's running steps (before a reader reads them)."""
        run = self.run_of(task_id)
        if run is not None:
            run.flush_logs()

    def _lease(self) -> str:
        return format_date(utc_now() + timedelta(seconds=self.lease_seconds))

    def _dispatch(self) -> None:
        """Claim queued tasks (any server's) while fewer than max_active run here (called with the lock held)."""
        free = self.max_active - len(self._runs)
        if free <= 0 or not self._accepting or self.fence.lapsed:
            return
        for task_id, claim in self.store.claim_queued(self.node, free, self._lease(), now_iso()).items():
            record = self.store.get(task_id, with_specification=True)
            self.store.ensure_progress(task_id, record["block"])
            run = TaskRun(self, record, claim)
            self._runs[task_id] = run
            threading.Thread(target=self._execute, args=(run,), daemon=True, name=f"task {task_id[:8]}").start()

    def _tick(self) -> None:
        """What the database asks of this server now: stops and aborts recorded (on any server) for the tasks it
        runs, and their leases renewed; tasks whose server's lease expired failed; scheduled tasks whose time has
        come queued; queued tasks claimed."""
        began = time.monotonic()
        with self._lock:
            # A detached run (fenced, or taken from this server) is no longer this server's to renew.
            runs = {task_id: run for task_id, run in self._runs.items() if not run.detached}
        beat = began - self._last_beat >= self.heartbeat_seconds
        states = self.store.renew(self.node, list(runs), self._lease() if beat else None, RUNNING)
        if beat:  # only once it worked: a renewal that failed is tried again at the next tick
            self._last_beat = began
            if runs:
                self.fence.renewed(began)
        for task_id, state in states.items():
            run = runs[task_id]
            with self._lock:
                if self._runs.get(task_id) is not run or run.detached:
                    continue  # it has just finished here, or been fenced meanwhile
            if state == STOPPING:
                run.stop_requested.set()
            elif state == ABORTING:
                run.abort()
            elif state not in RUNNING:
                # Another server failed the task when this one's lease expired: this copy must not go on.
                log.warning("Task %s was taken from this server (its lease expired); its steps are cancelled",
                            task_id)
                run.detached = True
                run.abort()
        now = now_iso()
        for task_id in recovery.reap(self.store, now):
            # In its own thread: reaching the hosts may take a while, and the leases here must be renewed meanwhile.
            threading.Thread(target=self.leftovers.end, args=(task_id,), kwargs={"note_failures": True}, daemon=True,
                             name=f"leftovers {task_id[:8]}").start()
        for task_id in self.store.queue_due(now):
            log.info("Scheduled task %s is queued", task_id)
        if not runs:
            self.fence.renewed(began)  # nothing to renew, and the database has answered
        with self._lock:
            self._dispatch()

    def _fence(self, silent: float) -> None:
        """No renewal succeeded for `silent` seconds, so the leases may expire soon (server/engine/fencing.py): end
        the running tasks' steps here and leave the tasks to the server that finds their leases expired."""
        # Without the engine's lock, which a thread waiting for the database may hold: a dict's copy is atomic.
        for run in self._runs.copy().values():
            if run.detached:
                continue
            log.warning("Task %s: this server could not renew its lease for %.1f s (the database does not answer), "
                        "so its running steps are aborted here before the lease expires; the server that finds the "
                        "lease expired fails the task", run.task_id, silent)
            run.detached = True
            run.abort()

    def _check_fencing(self) -> None:
        if self.fence_seconds is not None and self.fence_seconds + self.heartbeat_seconds + self.abort_grace > \
                self.lease_seconds:
            log.warning("task.lease.seconds (%g) is shorter than two heartbeats, a heartbeat and task.abort.grace (%g "
                        "s in all): a server cut off from the database may still be ending its steps when another "
                        "server fails its task", self.lease_seconds,
                        self.fence_seconds + self.heartbeat_seconds + self.abort_grace)

    def _execute(self, run: TaskRun) -> None:
        try:
            outcome = run.run()
        except Exception as exc:  # noqa: BLE001 - a broken task fails; the engine goes on
            if run.detached:  # left to recovery; what it could not write (the database may be away) is not needed
                log.info("Task %s ended here after it was detached: %s", run.task_id, exc)
            else:
                log.exception("Task %s failed in the engine", run.task_id)
            outcome = FAILED
        with self._lock:
            if self._runs.get(run.task_id) is run:  # a detached run may end after this server claimed its task again
                del self._runs[run.task_id]
            if outcome == "DONE":
                final = EXECUTED
            elif run.abort_requested.is_set() or outcome == ABORTED:
                final = ABORTED
            elif outcome == FAILED:
                final = FAILED
            else:
                final = STOPPED
            if not run.detached:
                self.store.update_if(run.task_id, RUNNING, under=run.claim, state=final, completed_at=now_iso(),
                                     lease_until=None)
            run.final_state = final
            run.done.set()
            try:
                self._dispatch()
            except Exception as exc:  # noqa: BLE001 - the database may be away; the ticker claims later
                log.info("Task %s has ended; claiming queued tasks failed, the ticker tries again: %s", run.task_id, exc)

    def step_failed(self, run: TaskRun, others_running: bool) -> None:
        """A step failed while others still run in parallel: the task is FAILING until they finish."""
        if not others_running or run.detached:
            return
        self.store.update_if(run.task_id, (EXECUTING, STOPPING), under=run.claim, state=FAILING)

    # -- actions -------------------------------------------------------------------------------
    def _change(self, action: str, task_id: str, states: tuple | None = None, **values) -> None:
        """One conditional update: the task changes only while its state allows `action`; the request that
        loses to another (on this server or any other) gets a 409."""
        if not self.store.update_if(task_id, states or ALLOWED[action], **values):
            self._lost(action, task_id)

    def _lost(self, action: str, task_id: str) -> None:
        state = self._record(task_id)["state"]
        check_allowed(action, task_id, state)
        raise Conflict(f"Task {task_id} changed to {state} while it was asked to {action}; try again.")

    def _end_leftovers(self, task_id: str, action: str) -> None:
        """Before a task runs again: end the commands its steps left running when a server died (outside the
        lock: it may have to reach hosts), and refuse while one may still run."""
        record = self._record(task_id)
        check_allowed(action, task_id, record["state"])
        if self.run_of(task_id) is not None:
            return
        problems = self.leftovers.end(task_id)
        if problems:
            raise Conflict(f"Task {task_id} cannot {action} yet: {problems[0]}.")

    def start(self, task_id: str) -> None:
        self._end_leftovers(task_id, "start")
        self._refuse_when_stopping()
        self._change("start", task_id, state=QUEUED, scheduled_at=None, queued_at=now_iso())
        with self._lock:
            self._dispatch()

    def stop(self, task_id: str) -> None:
        """Recorded in the task's state; the server running it (this one or another) stops it at once."""
        self._change("stop", task_id, state=STOPPING)
        run = self.run_of(task_id)
        if run is not None:
            run.stop_requested.set()

    def abort(self, task_id: str, wait: float = 2.0) -> None:
        """Abort (recorded in the task's state for the server running it); waits up to `wait` seconds for the
        running steps to end (the task to be ABORTED)."""
        self._change("abort", task_id, state=ABORTING)
        run = self.run_of(task_id)
        if run is not None:
            run.abort()
            run.done.wait(wait)
        else:
            self.wait(task_id, wait, states=(ABORTED, FAILED))

    def cancel(self, task_id: str) -> None:
        record = self._record(task_id)
        check_allowed("cancel", task_id, record["state"])
        if record["state"] == PENDING:
            if not self.store.delete(task_id, (PENDING,)):
                self._lost("cancel", task_id)
            return
        stamp = now_iso()
        self._change("cancel", task_id, tuple(s for s in ALLOWED["cancel"] if s != PENDING), state=CANCELLED,
                     archived=1, archived_at=stamp, completed_at=completed_or(stamp))

    def archive(self, task_id: str) -> None:
        stamp = now_iso()
        self._change("archive", task_id, state=DONE, archived=1, archived_at=stamp, completed_at=completed_or(stamp))

    def schedule(self, task_id: str, time_text: str | None) -> str:
        """Schedule (or reschedule) at an ISO time; returns the stored UTC time."""
        moment = parse_time(time_text, task_id)
        self._end_leftovers(task_id, "schedule")
        self._refuse_when_stopping()
        check_schedule(moment, task_id)
        stored = format_date(moment)
        # The ticker of every server queues it when the time comes, whichever server scheduled it last.
        self._change("schedule", task_id, state=SCHEDULED, scheduled_at=stored)
        return stored

    def assign(self, task_id: str, owner: str) -> None:
        if not owner or not owner.strip():
            raise BadRequest(f"Give the user to assign task {task_id} to.")
        check_name(owner, "The user name", MAX_OWNER_LENGTH)
        self._change("assign", task_id, owner=owner.strip())

    def takeover(self, task_id: str, owner: str, user: str) -> None:
        """The calling user takes the task over from `owner`, who must be its current owner."""
        record = self._record(task_id)
        check_allowed("takeover", task_id, record["state"])
        if owner and owner != record["owner"]:
            raise Conflict(f"Task {task_id} is owned by {record['owner']}, not by {owner}.")
        if not self.store.update_if(task_id, ALLOWED["takeover"], owner=user, owned_by=record["owner"]):
            self._lost("takeover", task_id)

    def _step_paths(self, task_id: str, paths) -> list[str]:
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise BadRequest("The body must be a JSON list of step paths, like [\"0_1_1_2\"].")
        return paths

    def skip(self, task_id: str, paths: list[str], skip: bool = True) -> None:
        action = "skip" if skip else "unskip"
        paths = self._step_paths(task_id, paths)
        record = self._record(task_id)
        self.store.ensure_progress(task_id, record["block"])
        with self.store.db.write():
            if not self.store.hold(task_id, ALLOWED[action]):
                self._lost(action, task_id)
            progress = self.store.progress(task_id)
            changes = {}
            for path in paths:
                trees.find_step(record["block"], task_id, path)
                state = (progress.get(path) or {}).get("state", STEP_PENDING)
                if skip and state not in SKIPPABLE and state != SKIP:
                    raise Conflict(f"Step {path} of task {task_id} is {state}; only PENDING, FAILED or PAUSED steps "
                                   f"can be skipped.")
                if not skip and state != SKIP:
                    raise Conflict(f"Step {path} of task {task_id} is {state}, not marked to be skipped.")
                changes[path] = {"state": SKIP if skip else STEP_PENDING}
            self.store.set_progress(task_id, changes)

    def add_pause(self, task_id: str, path: str) -> str:
        """Insert a pause before the step at `path`; returns the pause's path (the same path)."""
        record = self._record(task_id)
        self.store.ensure_progress(task_id, record["block"])
        with self.store.db.write():
            if not self.store.hold(task_id, ALLOWED["add-pause"]):
                self._lost("add-pause", task_id)
            record = self._record(task_id)
            _, block, number = trees.find_step(record["block"], task_id, path)
            state = (self.store.progress(task_id).get(path) or {}).get("state", STEP_PENDING)
            if state in COMPLETED_STEPS:
                raise Conflict(f"Step {path} of task {task_id} is {state}; a pause can only go before a step that "
                               f"has still to run.")
            block["steps"].insert(number - 1, trees.pause_step())
            self.store.insert_step(task_id, record["block"], block["id"], number)
            return path

    def to_roll_back(self, task_id: str) -> dict:
        """The stored task (with its specification) that a rollback would replace; refused when it is
        archived or its state allows no rollback. The deployment service plans the rollback task
        (server/deployments/rollback.py) and hands it to `create_and_archive`."""
        record = self._record(task_id, with_specification=True)
        if record.get("archived"):
            raise Conflict(f"Task {task_id} is archived ({record['state']}); only tasks that are not archived can be "
                           f"rolled back.")
        check_allowed("rollback", task_id, record["state"])
        return record

    def create_and_archive(self, original_id: str, expected_state: str, create) -> str:
        """Run `create()` (making a new task from this one, e.g. its rollback) and archive the
        original in one step of the state machine: refused when the original changed meanwhile."""
        new_id = create()
        stamp = now_iso()
        if not self.store.update_if(original_id, (expected_state,), state=DONE if expected_state == EXECUTED
                                    else CANCELLED, archived=1, archived_at=stamp, completed_at=completed_or(stamp)):
            self.store.delete(new_id)
            raise Conflict(f"Task {original_id} changed to {self._record(original_id)['state']} meanwhile; "
                           f"try again.")
        return new_id

    # -- waiting (tests, CLI helpers) ----------------------------------------------------------
    def wait(self, task_id: str, timeout: float = 30.0, states=(EXECUTED, FAILED, STOPPED, ABORTED, DONE, CANCELLED)):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self._state(task_id)
            if state in states:
                return state
            time.sleep(0.02)
        return self._state(task_id)
