"""Commands a step left running when the server died: recorded while they run, ended before the task runs again.

Every command a step runs on a host is recorded in the task store (`step_processes`) from the moment it runs
until it has finished: its process group (locally the command's own; over SSH the remote shell's), the random tag
in its environment, and the host to reach it on (encrypted: it holds the log-in secrets). A server killed with
kill -9 leaves those commands running, since each runs in its own session. When the server starts again it ends
what is left of them (SIGTERM, then SIGKILL) and says so in the step's log; a task whose leftover could not be
ended (its host unreachable) does not start again: each start tries once more and is refused (409) until it works.
"""

from __future__ import annotations

import json
import logging
import threading

from . import hosts
from .store import ClaimLost, TaskStore

log = logging.getLogger(__name__)

ENDED = "Ended the step's leftover process {group} from before the server stopped.\n"
NOT_ENDED = "Could not end the step's leftover process {group} on host {host}, which may still be running: " \
            "{reason} The task starts again only once it is ended.\n"
# Reaching a host at recovery or start must not hold the server up for the hosts' default 20 minutes.
CONNECT_TIMEOUT_MILLIS = 10000


class StepProcesses:
    """The `processes` of one step's host connections: each command it runs recorded in the task store, under the
    task's claim: a command the server can no longer record is killed by the host (its claim moved on), and once the
    claim moved on its records are the new claimant's to end and remove."""

    def __init__(self, store: TaskStore, crypto, task_id: str, path: str, claim=None, lost=None):
        self.store, self.crypto, self.task_id, self.path = store, crypto, task_id, path
        self.claim, self.lost = claim, lost
        self._sealed: dict[str, str] = {}  # host id -> its encrypted properties, made once per step

    def started(self, conn, process_group: int, tag: str) -> None:
        sealed = self._sealed.get(conn.host_id)
        if sealed is None:
            sealed = self._sealed[conn.host_id] = self.crypto.encrypt(json.dumps(conn.host, default=str))
        try:
            self.store.add_process(tag, self.task_id, self.path, conn.host_id, process_group, sealed, self.claim)
        except ClaimLost:
            self._lost()
            raise

    def ended(self, tag: str) -> None:
        try:
            self.store.remove_process(tag, self.task_id, self.claim)
        except ClaimLost:
            self._lost()

    def _lost(self) -> None:
        if self.lost is not None:
            self.lost()


class Leftovers:
    """Ends the recorded processes of tasks that no server runs any more."""

    def __init__(self, store: TaskStore, crypto, connect=hosts.connect):
        self.store, self.crypto, self.connect = store, crypto, connect
        self._lock = threading.Lock()
        self._ending: dict[str, threading.Lock] = {}

    def end(self, task_id: str, note_failures: bool = False) -> list[str]:
        """End what is left of the task's recorded processes; each ended one gets a line in its step's log (and,
        with `note_failures`, each that could not be). Returns a sentence for each that may still be running.
        One at a time per task: a retry waits for the reaper's thread still ending the same commands."""
        with self._lock:
            ending = self._ending.setdefault(task_id, threading.Lock())
        with ending:
            try:
                return self._end(task_id, note_failures)
            finally:
                with self._lock:
                    self._ending.pop(task_id, None)

    def _end(self, task_id: str, note_failures: bool) -> list[str]:
        problems = []
        for row in self.store.processes(task_id):
            group = row["process_group"]
            try:
                with self.connect(_hurried(json.loads(self.crypto.decrypt(row["host"])))) as conn:
                    ended = conn.end_process_group(group, row["tag"])
            except Exception as exc:  # noqa: BLE001 - whatever went wrong, the process may still run
                reason = str(exc) if isinstance(exc, hosts.HostError) else f"{type(exc).__name__}: {exc}."
                log.warning("Task %s: leftover process %s on %s not ended: %s", task_id, group, row["host_id"], reason)
                if note_failures:
                    self.store.append_log(task_id, row["path"], NOT_ENDED.format(group=group, host=row["host_id"],
                                                                                 reason=reason))
                problems.append(f"the process {group} that step {row['path']} started on host {row['host_id']} "
                                f"before the server stopped may still be running, and it cannot be ended now "
                                f"({reason.rstrip('.')})")
                continue
            if ended:
                self.store.append_log(task_id, row["path"], ENDED.format(group=group))
                log.warning("Task %s: ended leftover process %s on %s", task_id, group, row["host_id"])
            self.store.remove_process(row["tag"])
        return problems


def _hurried(host: dict) -> dict:
    """The host (and its jumpstation) with the connection timeout capped for recovery."""
    host = dict(host)
    current = host.get("connectionTimeoutMillis")
    try:
        host["connectionTimeoutMillis"] = min(int(current), CONNECT_TIMEOUT_MILLIS)
    except (TypeError, ValueError):
        host["connectionTimeoutMillis"] = CONNECT_TIMEOUT_MILLIS
    if isinstance(host.get("jumpstation"), dict):
        host["jumpstation"] = _hurried(host["jumpstation"])
    return host
