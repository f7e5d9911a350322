"""Garbage collection of the artifact store: delete the files no CI, task or upload needs any more.

Deleting a CI only drops its row in `artifact_files`; the content-addressed file under
`repository/artifacts` stays until an administrator runs the garbage collector (never automatically), and
the next collection frees it. It runs as a task of the engine (type GARBAGE_COLLECTION, one
`garbage-collection` step executed on the server), so `listUnfinishedTasks` shows it while it runs and its
step log says what was freed.

A file is kept when
- an artifact CI in the repository has it (every `artifact_files` row; this covers the deployables of
  deployed applications, which cannot be deleted while a deployed refers to them);
- a task that is not archived (PENDING, QUEUED, SCHEDULED, EXECUTING, STOPPED, FAILED, ABORTED, and
  EXECUTED, which can still be rolled back) refers to it: the artifact CIs named anywhere in its
  specification (deltas' deployeds, their deployables) and any SHA-1 checksum it carries;
- it is an upload in flight: registered in the database by the server receiving it, from before its file
  is written until the transaction storing its CI committed or failed (server/repository/artifacts.py);
- optionally, it is younger than `gc.grace.seconds` in deployit.conf (default 0: no such rule).
Temporary `.upload-*` files of uploads no longer in flight (interrupted ones) are removed too. With
`artifacts.store = database` the same rules apply to the contents stored in the database (`_collect_rows`).

Taking a file away is safe against an upload of the same content meanwhile: the file is moved aside
(`.collect-<sha1>`), then the database is asked again whether a CI or an upload in flight has it: if so it
goes back, else it is deleted. An upload registers its SHA-1 before it looks for the file, so either that
second look sees the upload or the upload finds no file and lands its own.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from ..engine.context import DONE, StepAborted
from ..repository.artifacts import TEMP_PREFIX

log = logging.getLogger(__name__)

TASK_TYPE = "GARBAGE_COLLECTION"
STEP_TYPE = "garbage-collection"
DEFAULT_GRACE = 0.0
ASIDE = ".collect-"
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


class GarbageCollector:
    def __init__(self, artifacts, task_store, grace_seconds: float = DEFAULT_GRACE):
        self.artifacts, self.task_store = artifacts, task_store
        self.grace = float(grace_seconds)

    # -- what is in use ------------------------------------------------------------------------
    def live(self) -> set[str]:
        """SHA-1s of every file something still needs (see the module docstring)."""
        by_ci = self.artifacts.files_of_cis()
        specs = self.task_store.specifications(excluding=FINISHED)
        keep = set(by_ci.values()) | self.artifacts.in_flight()[1]
        for spec in specs:
            named: set[str] = set()
            try:
                _strings(json.loads(spec or "{}"), named)
            except ValueError:
                continue
            keep.update(by_ci[s] for s in named if s in by_ci)
            keep.update(s for s in named if _SHA1.match(s))
        return keep

    def _needed_now(self, sha1: str) -> bool:
        """The second look before a file goes: does a CI or an upload in flight have it now?"""
        return self.artifacts.has_ci(sha1) or self.artifacts.is_in_flight(sha1)

    # -- collecting ----------------------------------------------------------------------------
    def collect(self, say=lambda line: None, cancel=None) -> Result:
        if self.artifacts.in_database:
            return self._collect_rows(say, cancel)
        started = time.time()
        root = self.artifacts.root
        # Listed before reading what is in use: a file listed here was registered before it was written.
        contents, temps = [], []
        for entry in sorted(root.iterdir()) if root.exists() else []:
            if entry.is_dir():
                contents += [(path, path.name) for path in sorted(entry.iterdir())]
            elif entry.name.startswith(ASIDE):  # left by an interrupted collection
                contents.append((entry, entry.name[len(ASIDE):]))
            elif entry.name.startswith(TEMP_PREFIX):
                temps.append(entry)
        live = self.live()
        uploading = self.artifacts.in_flight()[0]
        result = Result()
        for path, sha1 in contents:
            if cancel is not None and cancel.is_set():
                raise StepAborted("Garbage collection was aborted; the files freed so far stay freed.")
            if sha1 in live:
                if path.parent == root:  # moved aside by an interrupted collection
                    self._put_back(path, sha1)
                result.kept += 1
            elif not self._young(path, started, result):
                self._take_away(path, sha1, result, say)
        self._temps(temps, uploading, started, result, say)
        return result

    def _collect_rows(self, say, cancel) -> Result:
        """The same rules for content kept in the database (`artifacts.store = database`): each content no longer
        needed is deleted with its row locked, after a second look (see `DatabaseArtifactStore.discard`)."""
        started = time.time()
        root = self.artifacts.root
        stored = self.artifacts.contents()  # listed before reading what is in use, as the files are
        temps = sorted(p for p in root.iterdir() if p.name.startswith(TEMP_PREFIX)) if root.exists() else []
        live = self.live()
        uploading = self.artifacts.in_flight()[0]
        result = Result()
        for sha1, stored_at in stored:
            if cancel is not None and cancel.is_set():
                raise StepAborted("Garbage collection was aborted; the files freed so far stay freed.")
            if sha1 in live:
                result.kept += 1
            elif self.grace > 0 and started - stored_at < self.grace:
                result.young += 1
            else:
                size = self.artifacts.discard(sha1, self._needed_now)
                if size is None:
                    result.kept += 1
                else:
                    result.files += 1
                    result.bytes += size
                    say(f"Deleted {sha1} ({size} bytes)")
        self._temps(temps, uploading, started, result, say)
        return result

    def _temps(self, temps: list[Path], uploading: set, started: float, result: Result, say) -> None:
        """Temporary files of uploads no longer in flight (interrupted) go."""
        for path in temps:
            if path.name[len(TEMP_PREFIX):] in uploading:
                result.kept += 1
            elif not self._young(path, started, result):
                self._delete(path, result, say, "interrupted upload ")

    def _young(self, path: Path, started: float, result: Result) -> bool:
        if self.grace <= 0:
            return False
        try:
            young = started - path.stat().st_mtime < self.grace
        except OSError:
            return True  # gone meanwhile: nothing to do
        result.young += young
        return young

    def _take_away(self, path: Path, sha1: str, result: Result, say) -> None:
        aside = self.artifacts.root / f"{ASIDE}{sha1}"
        try:
            if path != aside:
                os.replace(path, aside)
            if self._needed_now(sha1):
                self._put_back(aside, sha1)
                result.kept += 1
                return
        except FileNotFoundError:  # taken by another collection meanwhile
            return
        self._delete(aside, result, say)

    def _put_back(self, aside: Path, sha1: str) -> None:
        target = self.artifacts.path(sha1)
        try:
            if target.exists():  # an upload landed the same content again
                aside.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(aside, target)
        except FileNotFoundError:  # put back by another collection meanwhile
            pass

    @staticmethod
    def _delete(path: Path, result: Result, say, what: str = "") -> None:
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return
        result.files += 1
        result.bytes += size
        name = path.name[len(ASIDE):] if path.name.startswith(ASIDE) else path.name
        say(f"Deleted {what}{name} ({size} bytes)")

    # -- as a task -----------------------------------------------------------------------------
    def create_task(self, owner: str) -> str:
        description = "Garbage collection of the artifact store"
        step = {"description": "Delete artifact files that no configuration item, unfinished task or upload uses",
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
        ctx.log("Collecting garbage in the artifact store" +
                (f" (files younger than {self.grace:g}s are kept)" if self.grace > 0 else ""))
        result = self.collect(ctx.log, ctx.cancel)
        ctx.log(result.sentence())
        log.info("Task %s: %s", ctx.task_id, result.sentence())
        return DONE
