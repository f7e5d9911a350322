"""In-process task engine for tests: a fresh home, hand-made plans, and fake step implementations.

Fake step types (the real ones live in server/engine/steps):
  noop                          DONE
  wait      seconds             sleeps, honouring the cancel event (StepAborted)
  stuck     seconds             sleeps ignoring the cancel event
  log       lines, pause        logs each line, sleeping `pause` seconds after each
  fail      message             StepFailed(message)
  flaky     key, failures       fails the first `failures` times it runs (counted per key)
  command   command-line        (the cmd plugin's step) "fail..." fails, "sleep N" sleeps, else logs it
Every run is recorded in `Fake.calls` as (type, description); `Fake.active`/`peak` count concurrent steps.
"""

from __future__ import annotations

import threading
import time

from server.config import init_home, load_config
from server.engine.context import DONE, StepAborted, StepFailed
from server.engine.engine import TaskEngine
from server.services import build_services


class Fake:
    def __init__(self):
        self.calls: list[tuple[str, str]] = []
        self.counts: dict[str, int] = {}
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, step: dict, ctx) -> str:
        kind, params = step["type"], step.get("parameters") or {}
        with self._lock:
            self.calls.append((kind, step.get("description")))
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            return self._run(kind, params, ctx)
        finally:
            with self._lock:
                self.active -= 1

    def _sleep(self, seconds: float, ctx) -> None:
        if ctx.cancel.wait(seconds):
            raise StepAborted("Aborted while waiting.")

    def _run(self, kind, params, ctx) -> str:
        if kind == "noop":
            return DONE
        if kind == "wait":
            self._sleep(float(params.get("seconds", 0)), ctx)
            return DONE
        if kind == "stuck":
            time.sleep(float(params.get("seconds", 0)))
            return DONE
        if kind == "log":
            for line in params.get("lines", []):
                ctx.log(line)
                self._sleep(float(params.get("pause", 0)), ctx)
            return DONE
        if kind == "fail":
            raise StepFailed(params.get("message", "It failed."))
        if kind == "flaky":
            key = params["key"]
            with self._lock:
                self.counts[key] = self.counts.get(key, 0) + 1
                count = self.counts[key]
            if count <= int(params.get("failures", 1)):
                raise StepFailed(f"Failure {count} of {key}.")
            ctx.log(f"{key} worked on run {count}.")
            return DONE
        if kind == "command":
            line = params.get("command-line", "")
            ctx.log(f"$ {line}")
            if line.startswith("fail"):
                raise StepFailed(f"Command '{line}' exited with code 1.")
            if line.startswith("sleep "):
                self._sleep(float(line.split()[1]), ctx)
            return DONE
        raise StepFailed(f"Unknown fake step type {kind}.")


def step(kind: str, description: str | None = None, checkpoint=None, **parameters) -> dict:
    return {"description": description or kind, "state": "PENDING", "startDate": None, "completionDate": None,
            "failureCount": 0, "log": "", "metadata": {"order": "50"}, "type": kind, "order": 50,
            "parameters": parameters, "checkpoint": checkpoint}


def steps(description: str, *items) -> dict:
    return {"description": description, "type": "steps", "state": "PENDING", "current": 0, "steps": list(items)}


def serial(description: str, *blocks) -> dict:
    return {"description": description, "type": "serial", "state": "PENDING", "root": False, "blocks": list(blocks)}


def parallel(description: str, *blocks) -> dict:
    return {"description": description, "type": "parallel", "state": "PENDING", "root": False, "blocks": list(blocks)}


def task_tree(*blocks) -> dict:
    """Root `0` (serial) holding the blocks as `0_1`, `0_2`...; ids assigned all the way down."""
    root = serial("Test task", *blocks)
    root["root"] = True

    def assign(block, block_id):
        block["id"] = block_id
        for n, child in enumerate(block.get("blocks") or (), start=1):
            assign(child, f"{block_id}_{n}")
    assign(root, "0")
    return root


class Harness:
    """A fresh home with services and a task engine running fake steps."""

    def __init__(self, tmp_path, **engine_options):
        home = tmp_path / "home"
        init_home(home)
        self.services = build_services(load_config(home))
        self.fake = Fake()
        self.options = engine_options
        self.engine = self.new_engine()
        self.engine.startup()

    def new_engine(self) -> TaskEngine:
        s = self.services
        options = dict(max_active=10, step_threads=8, abort_grace=1.0, shutdown_timeout=2.0)
        options.update(self.options)
        return TaskEngine(s.tasks, s.repository, s.types, s.secrets, home=s.config.home, execute=self.fake,
                          **options)

    @property
    def views(self):
        from server.engine.reading import TaskViews
        return TaskViews(self.services.tasks, self.engine)

    def create(self, *blocks, owner: str = "admin") -> str:
        return self.services.tasks.create(task_type="INITIAL", description="A test task", owner=owner,
                                          metadata={"taskType": "INITIAL"}, block=task_tree(*blocks),
                                          specification={})

    def task(self, task_id: str) -> dict:
        return self.views.task(task_id)

    def state(self, task_id: str) -> str:
        return self.services.tasks.get(task_id)["state"]

    def step_state(self, task_id: str, path: str) -> str:
        return self.views.step(task_id, path)["state"]

    def run(self, task_id: str, timeout: float = 10.0) -> str:
        self.engine.start(task_id)
        return self.engine.wait(task_id, timeout)

    def wait_for(self, predicate, timeout: float = 10.0, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"Timed out waiting for {what}")

    def close(self) -> None:
        self.engine.shutdown(2.0)
        self.services.db.dispose()
