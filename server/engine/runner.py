"""Running one task: its block tree walked, steps executed, states and logs stored as they change.

- Serial blocks run their children in order and stop at the first that does not finish DONE.
- Parallel blocks run their children at once (at most `task.step.threads` worker threads per block);
  every step inside a parallel block takes a slot of the engine's step pool, so no more than
  `task.step.threads` such steps run at once over all tasks. One failing branch does not stop the
  others: the block fails once they have finished (the task shows FAILING meanwhile).
- Step blocks run their steps in order. DONE and SKIPPED steps are not run again when a task is
  resumed; a FAILED step runs again; a PAUSED step completes (the user has done what it asked);
  a step marked SKIP becomes SKIPPED when reached.
- Stop takes effect before the next step starts; abort sets the cancel event of the running steps
  (commands on hosts are killed) and their threads get ABORT_GRACE seconds to return, after which
  the step is marked FAILED and its thread left behind.
- A step with a checkpoint commits its delta before it is marked DONE; after the last step the
  whole specification is stored (server/engine/checkpoints.py).
- Every write (progress, log lines, commits, the commands' records) is made under the run's claim
  (server/engine/store.py). The first refused one (another server failed or claimed the task meanwhile)
  detaches the run and aborts its steps, with one INFO line; what it writes after that is refused too.
Outcomes of blocks: DONE, FAILED, STOPPED, ABORTED.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from pathlib import Path

from ..store.dates import now_iso
from . import tree as trees
from .checkpoints import Committer
from .context import DONE, PAUSE, StepAborted, StepFailed
from .leftovers import StepProcesses
from .logs import Secrets, StepLog
from .store import Claim, ClaimLost
from .stepcontext import ContextFactory
from .states import (ABORTED, COMPLETED_STEPS, FAILED, PAUSED, SKIP, SKIPPED, STEP_DONE, STEP_EXECUTING,
                     STEP_FAILED, STOPPED)

log = logging.getLogger(__name__)

ABORT_GRACE = 5.0
POLL = 0.2


class TaskRun:
    def __init__(self, engine, record: dict, claim: Claim | None = None):
        self.engine = engine
        self.record = record
        self.task_id = record["id"]
        self.claim = claim  # this server's claim on the task, which every write for it is conditional on
        self._claim_lost = False
        self.block = record["block"]
        self.progress = engine.store.progress(self.task_id)
        self.stop_requested = threading.Event()
        self.abort_requested = threading.Event()
        self.detached = False  # the server is going down: stored states are left for recovery
        self.done = threading.Event()
        self.final_state: str | None = None
        self._lock = threading.Lock()
        self.running: dict[str, threading.Event] = {}  # path -> cancel event of each running step
        self.branches: set[str] = set()  # ids of the branches of parallel blocks that have yet to finish
        self.logs: dict[str, StepLog] = {}
        self.secrets = Secrets()
        self.contexts = ContextFactory(task=record, repository=engine.repository, types=engine.types,
                                       crypto=engine.crypto, secrets=self.secrets, script_paths=engine.script_paths,
                                       work_root=engine.work_root / self.task_id,
                                       processes=lambda path: StepProcesses(engine.store, engine.crypto,
                                                                            self.task_id, path, claim,
                                                                            self.claim_lost))
        self.committer = Committer(engine.repository, engine.types, engine.store, self.task_id,
                                   record.get("specification"), record.get("commits"), record["owner"], claim)

    # -- state ---------------------------------------------------------------------------------
    def state_of(self, path: str) -> str:
        return (self.progress.get(path) or {}).get("state", "PENDING")

    def _set(self, path: str, failed: bool = False, task: dict | None = None, **values) -> None:
        if self.detached:
            return
        with self._lock:
            row = self.progress.setdefault(path, {"state": "PENDING", "started_at": None, "completed_at": None,
                                                  "failure_count": 0})
            row.update(values)
            if failed:
                row["failure_count"] = (row.get("failure_count") or 0) + 1
        try:
            self.engine.store.set_progress(self.task_id, {path: values}, task=task,
                                           failed_step=path if failed else None, claim=self.claim)
        except ClaimLost:
            self.claim_lost()

    def claim_lost(self) -> None:
        """A write was refused: the task's claim moved on (another server failed it when this server's lease
        expired, and may run it again). This copy stops here, quietly: nothing it writes any more is stored."""
        with self._lock:
            first, self._claim_lost = not self._claim_lost, True
        if first:
            log.info("Task %s is no longer this server's (another server failed or claimed it); its late writes "
                     "here are dropped and its steps aborted", self.task_id)
        self.detached = True
        self.abort()

    def _step_log(self, path: str) -> StepLog:
        return StepLog(self.engine.store, self.task_id, path, self.secrets, self.engine.log_flusher, self.claim,
                       self.claim_lost)

    def abort(self) -> None:
        self.abort_requested.set()
        with self._lock:
            events = list(self.running.values())
        for event in events:
            event.set()

    def flush_logs(self) -> None:
        for step_log in list(self.logs.values()):
            step_log.flush()

    # -- walking the tree ----------------------------------------------------------------------
    def run(self) -> str:
        """Run the task; returns the outcome of the root block."""
        try:
            outcome = self._block(self.block, in_parallel=False)
            if outcome == DONE and not self.detached:
                try:
                    self.committer.final()
                except StepFailed as exc:
                    self._final_store_failed(str(exc))
                    outcome = FAILED
                except ClaimLost:
                    self.claim_lost()
                    outcome = STOPPED
            return outcome
        finally:
            try:
                self.contexts.work_root.rmdir()  # empty unless a step was left behind by an abort
            except OSError:
                pass

    def _final_store_failed(self, message: str) -> None:
        steps = list(trees.walk_steps(self.block))
        if not steps:
            return
        path = steps[-1][0]
        step_log = self._step_log(path)
        step_log.line(message)
        step_log.flush()
        self._set(path, failed=True, state=STEP_FAILED)

    def _complete(self, block: dict) -> bool:
        return all(self.state_of(path) in COMPLETED_STEPS for path, _, _ in trees.walk_steps(block))

    def _block(self, block: dict, in_parallel: bool) -> str:
        if self._complete(block):
            if self.state_of(block["id"]) != STEP_DONE:
                stamp = now_iso()
                self._set(block["id"], state=STEP_DONE, started_at=stamp, completed_at=stamp)
            return DONE
        self._set(block["id"], state=STEP_EXECUTING, started_at=now_iso(), completed_at=None)
        if trees.is_step_block(block):
            outcome = self._steps(block, in_parallel)
        elif block.get("type") == "parallel":
            outcome = self._parallel(block)
        else:
            outcome = DONE
            for child in block.get("blocks") or ():
                outcome = self._block(child, in_parallel)
                if outcome != DONE:
                    break
        self._set(block["id"], state=outcome, completed_at=now_iso())
        return outcome

    def _parallel(self, block: dict) -> str:
        children = list(enumerate(block.get("blocks") or ()))
        outcomes: list[str | None] = [None] * len(children)
        queue = deque(children)
        queue_lock = threading.Lock()

        def worker():
            while True:
                with queue_lock:
                    if not queue:
                        return
                    index, child = queue.popleft()
                try:
                    outcomes[index] = self._block(child, in_parallel=True)
                except Exception:  # noqa: BLE001 - a broken branch fails the block, not the server
                    log.exception("Branch %s of task %s failed", child.get("id"), self.task_id)
                    outcomes[index] = FAILED
                finally:
                    with self._lock:
                        self.branches.discard(child["id"])

        with self._lock:
            self.branches.update(child["id"] for _, child in children)
        workers = [threading.Thread(target=worker, daemon=True, name=f"task {self.task_id[:8]} {block['id']}")
                   for _ in range(max(1, min(len(children), self.engine.step_threads)))]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        if self.abort_requested.is_set():
            return ABORTED
        for outcome in (FAILED, ABORTED, STOPPED):
            if outcome in outcomes:
                return outcome
        return DONE

    def _steps(self, block: dict, in_parallel: bool) -> str:
        for number, step in enumerate(block.get("steps") or (), start=1):
            path = f"{block['id']}_{number}"
            state = self.state_of(path)
            if state in COMPLETED_STEPS:
                continue
            if state == SKIP:
                stamp = now_iso()
                self._set(path, state=SKIPPED, started_at=stamp, completed_at=stamp)
                continue
            if self.abort_requested.is_set():
                return ABORTED
            if self.stop_requested.is_set() or self.detached:
                return STOPPED
            outcome = self._step(path, step, in_parallel, resume_paused=state == PAUSED)
            if outcome != DONE:
                return outcome
        return DONE

    # -- one step ------------------------------------------------------------------------------
    def _slot(self) -> str | None:
        """Wait for a slot of the step pool; the outcome instead when the task stops meanwhile."""
        while not self.engine.step_slots.acquire(timeout=POLL):
            if self.abort_requested.is_set():
                return ABORTED
            if self.stop_requested.is_set() or self.detached:
                return STOPPED
        return None

    def _step(self, path: str, step: dict, in_parallel: bool, resume_paused: bool) -> str:
        if in_parallel:
            refused = self._slot()
            if refused is not None:
                return refused
        cancel = threading.Event()
        step_log = self._step_log(path)
        with self._lock:
            self.running[path] = cancel
            self.logs[path] = step_log
        try:
            self._set(path, state=STEP_EXECUTING, started_at=now_iso(), completed_at=None)
            try:
                if resume_paused:
                    step_log.line("Continued: the task was started again after this pause.")
                    result = DONE
                else:
                    result = self._execute(path, step, step_log, cancel)
                if result == PAUSE:
                    step_log.flush()
                    self._set(path, state=PAUSED)
                    return STOPPED
                if step.get("checkpoint"):
                    self.committer.checkpoint(step["checkpoint"])
            except StepAborted as exc:
                step_log.line(str(exc) or "Aborted.")
                step_log.flush()
                self._set(path, failed=True, state=STEP_FAILED, completed_at=now_iso())
                return ABORTED
            except StepFailed as exc:
                step_log.line(str(exc) or "The step failed.")
                return self._failed(path, step_log)
            except ClaimLost:  # a checkpoint's commit, refused: the task is another server's now
                self.claim_lost()
                return STOPPED
            except Exception as exc:  # noqa: BLE001 - a broken step fails, the server stays up
                log.exception("Step %s of task %s raised", path, self.task_id)
                step_log.line(f"The step failed unexpectedly: {type(exc).__name__}: {exc}")
                return self._failed(path, step_log)
            step_log.flush()
            self._set(path, state=STEP_DONE, completed_at=now_iso())
            return DONE
        finally:
            with self._lock:
                self.running.pop(path, None)
            step_log.flush()
            if in_parallel:
                self.engine.step_slots.release()

    def _failed(self, path: str, step_log: StepLog) -> str:
        step_log.flush()
        if self.abort_requested.is_set():
            self._set(path, failed=True, state=STEP_FAILED, completed_at=now_iso())
            return ABORTED
        self._set(path, failed=True, state=STEP_FAILED, completed_at=now_iso())
        with self._lock:
            # Others run: a step besides this one, or a parallel branch that does not hold this step
            # (it may be between two steps).
            others = bool(self.running.keys() - {path}) or \
                any(not path.startswith(branch + "_") for branch in self.branches)
        self.engine.step_failed(self, others_running=others)
        return FAILED

    def _execute(self, path: str, step: dict, step_log: StepLog, cancel: threading.Event) -> str:
        """Run the step's implementation in its own thread, so an abort can leave a stuck step behind."""
        if step.get("type") == trees.PAUSE_TYPE:
            step_log.line("The task pauses here; start it again to continue.")
            return PAUSE
        ctx = self.contexts.make(path, step_log.line, cancel)
        prepared = self.contexts.parameters(step)
        result: dict = {}
        finished = threading.Event()

        def target():
            try:
                result["value"] = self.engine.execute_step(prepared, ctx)
            except Exception as exc:  # noqa: BLE001 - handed to the step's runner
                result["error"] = exc
            except BaseException as exc:  # noqa: BLE001 - sys.exit() in a script must not kill the task thread
                result["error"] = StepFailed(f"The step ended with {type(exc).__name__}: {exc}")
            finally:
                finished.set()

        threading.Thread(target=target, daemon=True, name=f"step {self.task_id[:8]} {path}").start()
        aborted_at = None
        while not finished.wait(POLL):
            if self.abort_requested.is_set() or self.detached:
                cancel.set()
                aborted_at = aborted_at or time.monotonic()
                if time.monotonic() - aborted_at > self.engine.abort_grace:
                    raise StepAborted(f"Aborted: the step did not stop within {self.engine.abort_grace:g}s and "
                                      f"was left behind.")
        self.contexts.cleanup(ctx)
        if "error" in result:
            error = result["error"]
            if isinstance(error, StepAborted):
                raise error
            if cancel.is_set():
                raise StepAborted(f"Aborted: {error}")
            raise error
        value = result.get("value")
        if value not in (DONE, PAUSE):
            raise StepFailed(f"The step implementation returned {value!r} instead of DONE or PAUSE.")
        return value


def script_paths(home: Path) -> list[Path]:
    from importlib import resources
    builtin = Path(str(resources.files("server.plugins.builtin"))) / "scripts"
    return [home / "plugins", home / "ext", builtin]
