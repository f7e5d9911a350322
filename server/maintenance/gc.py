"""Garbage collection of the artifact store: delete the files no live CI uses any more.

Deleting a CI only drops its row in `artifact_files`; the content-addressed file under
`repository/artifacts` stays until an administrator runs the garbage collector (never automatically).
It runs as a task of the engine (type GARBAGE_COLLECTION, one `garbage-collection` step executed on
the server), so `listUnfinishedTasks` shows it while it runs and its step log says what was freed.

A file is kept when
- an artifact CI in the repository has it (every `artifact_files` row; this covers the deployables of
  deployed applications, which cannot be deleted while a deployed refers to them);
- a task that is not archived (PENDING, QUEUED, SCHEDULED, EXECUTING, STOPPED, FAILED, ABORTED, and
  EXECUTED, which can still be rolled back) refers to it: the artifact CIs named anywhere in its specification (deltas' deployeds, their
  deployables) and any SHA-1 checksum it carries;
- it is younger than the grace period (`gc.grace.seconds` in deployit.conf, default 600): an upload in
  flight has written its file but not yet committed the CI that refers to it. Storing content that is
  already there refreshes the file's time for the same reason (server/repository/artifacts.py).
Temporary `.upload-*` files older than the grace period (left by interrupted uploads) are removed too.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ..engine.context import DONE, StepAborted
from ..repository.schema import artifact_files, tasks

log = logging.getLogger(__name__)

TASK_TYPE = "GARBAGE_COLLECTION"
STEP_TYPE = "garbage-collection"
DEFAULT_GRACE = 600.0
FINISHED = ("DONE", "CANCELLED")  # archived; an EXECUTED task can still be rolled back
_SHA1 = re.compile(r"^[0-9a-f]{40}$")


@dataclass
class Result:
    files: int = 0
    bytes: int = 0
    kept: int = 0
    young: int = 0

    def sentence(self) -> str:
        return (f"Garbage collection freed {self.files} file{'s' if self.files != 1 else ''} "
                f"({self.bytes} bytes); {self.kept} file{'s' if self.kept != 1 else ''} in use kept"
                + (f", {self.young} too recent to judge kept" if self.young else "") + ".")


def _strings(value, out: set) -> None:
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)


def artifact_usage(root: Path) -> tuple[int, int]:
    """(files, bytes) of the artifact store."""
    files = size = 0
    if root.exists():
        for shard in root.iterdir():
            if shard.is_dir():
                for path in shard.iterdir():
                    try:
                        size += path.stat().st_size
                        files += 1
                    except OSError:
                        pass
    return files, size


class GarbageCollector:
    def __init__(self, db, artifacts, task_store, grace_seconds: float = DEFAULT_GRACE):
        self.db, self.artifacts, self.task_store = db, artifacts, task_store
        self.grace = float(grace_seconds)

    # -- what is in use ------------------------------------------------------------------------
    def live(self) -> set[str]:
        """SHA-1s of every file something still needs (see the module docstring)."""
        with self.db.connect() as conn:
            by_ci = {row.ci_id: row.sha1 for row in conn.execute(select(artifact_files.c.ci_id, artifact_files.c.sha1))}
            specs = conn.execute(select(tasks.c.specification).where(tasks.c.state.not_in(FINISHED))).all()
        keep = set(by_ci.values())
        for (spec,) in specs:
            named: set[str] = set()
            try:
                _strings(json.loads(spec or "{}"), named)
            except ValueError:
                continue
            keep.update(by_ci[s] for s in named if s in by_ci)
            keep.update(s for s in named if _SHA1.match(s))
        return keep

    # -- collecting ----------------------------------------------------------------------------
    def collect(self, say=lambda line: None, cancel=None) -> Result:
        started = time.time()
        live = self.live()
        result = Result()
        root = self.artifacts.root
        candidates = sorted(p for p in root.iterdir()) if root.exists() else []
        for entry in candidates:
            if cancel is not None and cancel.is_set():
                raise StepAborted("Garbage collection was aborted; the files freed so far stay freed.")
            if entry.is_file() and entry.name.startswith(".upload-"):
                self._remove(entry, started, result, say, leftover=True)
                continue
            if not entry.is_dir():
                continue
            for path in sorted(entry.iterdir()):
                if path.name in live:
                    result.kept += 1
                    continue
                self._remove(path, started, result, say)
            try:
                entry.rmdir()  # only when empty
            except OSError:
                pass
        return result

    def _remove(self, path: Path, started: float, result: Result, say, leftover: bool = False) -> None:
        try:
            stat = path.stat()
        except OSError:
            return
        if started - stat.st_mtime < self.grace:
            result.young += 1
            return
        try:
            path.unlink()
        except FileNotFoundError:
            return
        result.files += 1
        result.bytes += stat.st_size
        say(f"Deleted {'interrupted upload ' if leftover else ''}{path.name} ({stat.st_size} bytes)")

    # -- as a task -----------------------------------------------------------------------------
    def create_task(self, owner: str) -> str:
        description = "Garbage collection of the artifact store"
        step = {"description": "Delete artifact files that no configuration item or unfinished task uses",
                "state": "PENDING", "startDate": None, "completionDate": None, "failureCount": 0, "log": "",
                "metadata": {"order": "50", "previewAvailable": False}, "type": STEP_TYPE, "order": 50,
                "parameters": {}, "checkpoint": None}
        block = {"id": "0", "description": description, "state": "PENDING", "type": "serial", "root": True,
                 "blocks": [{"id": "0_1", "description": description, "state": "PENDING", "type": "steps",
                             "current": 0, "steps": [step]}]}
        return self.task_store.create(task_type=TASK_TYPE, description=description, owner=owner,
                                      metadata={"taskType": TASK_TYPE}, block=block, specification={})

    def step(self, step: dict, ctx) -> str:
        """The `garbage-collection` step: collect, logging each deleted file and the totals."""
        ctx.log(f"Collecting garbage in the artifact store (files younger than {self.grace:g}s are kept)")
        result = self.collect(ctx.log, ctx.cancel)
        ctx.log(result.sentence())
        log.info("Task %s: %s", ctx.task_id, result.sentence())
        return DONE
