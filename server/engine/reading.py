"""Reading tasks for the REST API: a task, its blocks and steps with logs, current and archived tasks.

Logs of running steps are flushed first, so a reader sees every line logged so far.
Archived tasks (DONE, CANCELLED) are found by the date they completed: `begin` and `end` are dates
(`yyyy-MM-dd`, whole days in UTC, both included) or ISO date-times; paging counts pages from 1.
"""

from __future__ import annotations

from ..errors import BadRequest, NotFound
from ..store.dates import day_bound
from . import tree as trees
from . import views
from .states import UNFINISHED

MAX_PAGE_SIZE = 1000


class TaskViews:
    def __init__(self, store, engine):
        self.store = store
        self.engine = engine

    def _load(self, task_id: str) -> tuple[dict, dict, dict]:
        self.engine.flush_logs(task_id)
        record = self.store.get(task_id)
        if record is None:
            raise NotFound(f"Task {task_id} not found.")
        return record, self.store.progress(task_id), self.store.logs(task_id)

    def task(self, task_id: str) -> dict:
        record, progress, logs = self._load(task_id)
        return views.task_json(record, progress, logs)

    def block(self, task_id: str, block_id: str, with_steps: bool) -> dict:
        record, progress, logs = self._load(task_id)
        block = trees.find_block(record["block"], block_id)
        if block is None:
            raise NotFound(f"Task {task_id} has no block {block_id}.")
        return views.block_json(block, progress, logs, depth=-1 if with_steps else 0)

    def step(self, task_id: str, path: str) -> dict:
        record, progress, logs = self._load(task_id)
        step, _, _ = trees.find_step(record["block"], task_id, path)
        return views._step(step, path, progress, logs)

    def step_log(self, task_id: str, path: str) -> str:
        self.engine.flush_logs(task_id)
        record = self.store.get(task_id)
        if record is None:
            raise NotFound(f"Task {task_id} not found.")
        trees.find_step(record["block"], task_id, path)
        return self.store.log(task_id, path)

    def flat_steps(self, task_id: str) -> list[dict]:
        record, progress, logs = self._load(task_id)
        return views.flat_steps(record, progress, logs)

    def flat_step(self, task_id: str, number: int) -> dict:
        steps = self.flat_steps(task_id)
        if not 1 <= number <= len(steps):
            raise NotFound(f"Task {task_id} has no step {number}; it has {len(steps)}.")
        return steps[number - 1]

    def summary(self, task_id: str) -> dict:
        """The task and its steps' states without logs: cheap to poll while it runs."""
        record = self.store.get(task_id)
        if record is None:
            raise NotFound(f"Task {task_id} not found.")
        return views.summary_json(record, self.store.progress(task_id))

    def current(self, owner: str | None) -> list[dict]:
        """Unfinished tasks (of one owner, or all), without their blocks."""
        out = []
        for summary in self.store.list(owner, UNFINISHED, archived=False):
            record = self.store.get(summary["id"])
            if record is not None:
                out.append(views.task_json(record, self.store.progress(record["id"]), {}, with_block=False))
        return out

    def archived(self, begin: str | None, end: str | None, page: int, per_page: int,
                 with_steps: bool, visible=None) -> tuple[list[dict], int]:
        """One page of archived tasks and the total; `visible(record)` (the caller's permissions) leaves
        out the tasks it refuses before the page is cut, so pages and total count only visible ones."""
        if per_page is None or per_page <= 0:
            per_page = MAX_PAGE_SIZE
        elif per_page > MAX_PAGE_SIZE:
            raise BadRequest(f"Query parameter 'resultsPerPage' must be at most {MAX_PAGE_SIZE}.")
        begin, end = day_bound(begin, "begindate", False), day_bound(end, "enddate", True)
        if visible is None:
            records, total = self.store.archived_between(begin, end, page, per_page)
        else:
            everything, _ = self.store.archived_between(begin, end, 1, 0)
            records = [r for r in everything if visible(r)]
            total = len(records)
            start = max(page - 1, 0) * per_page
            records = records[start:start + per_page]
        out = []
        for record in records:
            progress = self.store.progress(record["id"])
            logs = self.store.logs(record["id"]) if with_steps else {}
            out.append(views.task_json(record, progress, logs, with_block=with_steps))
        return out, total
