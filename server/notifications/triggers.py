"""Triggers: the task store's state observer, and the thread that fires the matching actions.

`Notifier.observe` is registered on the task store (server/engine/store.py) and only queues the
transition, so a task never waits for a mail. One worker thread takes transitions in order, finds the
task's environment and the `triggers` it lists, and for each trigger.TaskTrigger (task transitions) or
trigger.StepTrigger (step transitions) whose fromState and toState match (ANY matches every state)
runs its actions. A trigger.EmailNotification renders its subject, addresses and body as templates
(FreeMarker's `${...}` syntax, server/engine/steps/render.py) and sends the mail. Whatever goes wrong
(a template, the mail server) is written to the task's log, on the step of a step transition, else on
the last step that started; the task itself is never failed or held up.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from ..engine import tree as trees
from ..errors import BadRequest, NotFound
from ..store.dates import now_iso
from . import mail
from .context import variables

log = logging.getLogger(__name__)

ANY = "ANY"
TASK_TRIGGER, STEP_TRIGGER, EMAIL = "trigger.TaskTrigger", "trigger.StepTrigger", "trigger.EmailNotification"
DEFAULT_SMTP = "Configuration/defaultSmtpServer"
# How long a running task's environment having triggers or not is taken as read: triggers added to the environment
# of a running task fire from its transitions that come at most this long after (a task's first one reads afresh).
TRIGGERS_SECONDS = 1.0


class Notifier:
    def __init__(self, repository, types, store, home: Path | None = None):
        self.repository = repository
        self.types = types
        self.store = store
        self.search = [home / "ext", home / "plugins"] if home is not None else []
        self._queue: queue.Queue = queue.Queue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self._environments: dict[str, str | None] = {}  # task id -> environment id (metadata never changes)
        self._triggered: dict[str, tuple[float, bool]] = {}  # task id -> (when read, its environment lists triggers)

    # -- the observer (the writer's thread) ----------------------------------------------------
    def wants(self, task_id: str, path: str | None) -> bool:
        """Whether the task's environment lists triggers: read at the task's first transition, then at most once
        every TRIGGERS_SECONDS. The steps of a task whose environment has none cost the engine nothing (no old
        state read, nothing queued)."""
        now = time.monotonic()
        seen = self._triggered.get(task_id)
        if seen is None or now - seen[0] >= TRIGGERS_SECONDS:
            env = self._read(self._environment_of(task_id))
            seen = (now, bool(env is not None and env.properties.get("triggers")))
            if len(self._triggered) > 10000:
                self._triggered.clear()
            self._triggered[task_id] = seen
        return seen[1]

    def observe(self, task_id: str, path: str | None, old: str | None, new: str) -> None:
        self._queue.put((task_id, path, old, new))
        if self._worker is None:
            with self._lock:
                if self._worker is None:
                    self._worker = threading.Thread(target=self._work, daemon=True, name="notifications")
                    self._worker.start()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every queued transition has been handled (tests, shutdown)."""
        if self._worker is None:  # nothing was ever queued
            return True
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                self._handle(*item)
            except Exception:  # notifications never stop the server
                log.exception("Notification for task %s failed", item[0])

    # -- matching ------------------------------------------------------------------------------
    def _read(self, ci_id: str | None):
        if not ci_id:
            return None
        try:
            return self.repository.read(ci_id)
        except (NotFound, BadRequest):
            return None

    def _environment_of(self, task_id: str) -> str | None:
        if task_id not in self._environments:
            record = self.store.get(task_id)
            meta = (record or {}).get("metadata") or {}
            if len(self._environments) > 10000:
                self._environments.clear()
            self._environments[task_id] = meta.get("environment_id")
        return self._environments[task_id]

    def _handle(self, task_id: str, path: str | None, old: str | None, new: str) -> None:
        env = self._read(self._environment_of(task_id))
        if env is None or not env.properties.get("triggers"):
            return
        kind = TASK_TRIGGER if path is None else STEP_TRIGGER
        fired = []
        for trigger_id in env.properties["triggers"]:
            trigger = self._read(trigger_id)
            if trigger is None or not self.types.is_a(trigger.type, kind):
                continue
            if trigger.properties.get("fromState", ANY) in (ANY, old) and trigger.properties.get("toState") in (ANY, new):
                fired.append(trigger)
        if not fired:
            return
        record = self.store.get(task_id, with_specification=True)
        if record is None:
            return
        if path is None:
            record["state"] = new  # the task may have moved on meanwhile: templates see this transition
        steps = [p for p, _, _ in trees.walk_steps(record["block"] or {})]
        if path is not None and path not in steps:
            return  # a block changed state: step triggers watch steps only
        progress = self.store.progress(task_id)
        step = self._step(record, task_id, path, progress) if path else None
        spec = record.get("specification") or {}
        for trigger in fired:
            for action_id in trigger.properties.get("actions") or []:
                self._run(action_id, record, progress, steps, spec.get("deployedApplication"), step, env, path)

    @staticmethod
    def _step(record: dict, task_id: str, path: str, progress: dict) -> SimpleNamespace:
        _, block, number = trees.find_step(record["block"], task_id, path)
        row = progress.get(path) or {}
        return SimpleNamespace(path=path, description=block["steps"][number - 1].get("description"),
                               state=row.get("state"), startDate=row.get("started_at"),
                               completionDate=row.get("completed_at"), failureCount=row.get("failure_count") or 0,
                               log=None)

    # -- actions -------------------------------------------------------------------------------
    def _run(self, action_id, record, progress, steps, deployed_application, step, env, path) -> None:
        action = self._read(action_id)
        if action is None or not self.types.is_a(action.type, EMAIL):
            return
        try:
            if step is not None:
                step.log = self.store.log(record["id"], step.path)
            scope = variables(self.repository, self.types, record, progress, steps, deployed_application,
                              action.id, step)
            self._email(action, env, scope)
        except Exception as exc:  # reported on the task, never raised into it
            where = path or self._last_started(steps, progress)
            line = f"{now_iso()} Notification {action.id} was not sent: {type(exc).__name__}: {exc}\n"
            log.warning("Task %s: %s", record["id"], line.strip())
            if where:
                self.store.append_log(record["id"], where, line)

    @staticmethod
    def _last_started(steps: list[str], progress: dict) -> str | None:
        started = [p for p in steps if (progress.get(p) or {}).get("started_at")]
        if started:
            return max(started, key=lambda p: progress[p]["started_at"])
        return steps[0] if steps else None

    def _email(self, action, env, scope: dict) -> None:
        from ..engine.steps.render import (
            ENV,  # Jinja2 in FreeMarker's syntax, as the template step uses
        )
        props = self.repository.decrypted(action)
        server_id = props.get("mailServer") or env.properties.get("smtpServer") or DEFAULT_SMTP
        server_rec = self._read(server_id)
        if server_rec is None:
            raise ValueError(f"the mail server {server_id} does not exist")
        server = self.repository.decrypted(server_rec)

        def render(text) -> str:
            return ENV.from_string(str(text or "")).render(scope)

        body = props.get("body") or ""
        if props.get("bodyTemplatePath"):
            body = self._template(props["bodyTemplatePath"])
        to = [render(a) for a in props.get("toAddresses") or []]
        if not to:
            raise ValueError("it has no toAddresses")
        message = mail.message(render(props.get("fromAddress") or server.get("fromAddress")), to,
                               [render(a) for a in props.get("ccAddresses") or []], render(props.get("subject")),
                               render(body), props.get("sendContentAsHtml") is True)
        mail.send(server, message)
        log.info("Sent notification %s to %s", action.id, ", ".join(to))

    def _template(self, path_text: str) -> str:
        path = Path(path_text)
        candidates = [path] if path.is_absolute() else [base / path for base in self.search]
        for candidate in candidates:
            if candidate.is_file():
                return candidate.read_text(encoding="utf-8")
        raise ValueError(f"the body template {path_text} was not found")

