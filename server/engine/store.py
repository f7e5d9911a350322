"""The task store: tasks persisted with their block tree, progress, step logs and results.

A deployment task is created PENDING by `POST /deployment` (a control task by `POST /control`, a
rollback task by `POST /deployment/rollback/{id}`). Stored in the `tasks` row:
- `block`: the client-facing block tree (spec §5: root `0`, phase `0_1`, plan `0_1_1`...), each step
  with its engine data (type, order, parameters, checkpoint; see server/planning/steps.py);
- `specification`: the deployment the plan was made for, for the engine to commit at checkpoints:
  {"deployment", "type", "deployedApplication", "previousDeployedApplication",
   "deltas": [{"operation", "deployed": CI JSON | null, "previous": CI JSON | null}]};
  control tasks store {"control": {...}} instead;
- `metadata`: application, version, environment, environment_id, taskType...;
- state, owner, dates (created, scheduled, started, completed, archived; ISO strings in UTC),
  failures, the archived flag, `commits` (what was committed to the repository) and `rollback_of`;
- `node` (the server running it) and `lease_until` (until when that server's claim holds), `queued_at`;
- `claim`, counting the claims (and the failures recovery records): (`node`, `claim`) is the fencing token of the
  server running the task. Every write that server makes for the task (progress, log lines, checkpoint commits, its
  commands' records) is given its `Claim` and holds only while the task row still carries it: the write first locks
  the row on that condition, in its own transaction, and raises `ClaimLost` (writing nothing) when another server
  failed the task, or claimed it again, meanwhile. Writes of recovery pass no claim.
`task_progress` holds the state, dates and failure count of every block and step by path, and
`task_logs` the step logs in chunks of lines, and `step_processes` the commands steps are running on hosts
(server/engine/leftovers.py). Every state change is written at once (durability).
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import NamedTuple

from sqlalchemy import and_, bindparam, delete, func, insert, select, update

from ..jsontext import dumps_text, loads
from ..store.database import Database, Transaction
from ..store.dates import now_iso
from ..store.tables.tasks import step_processes, task_logs, task_progress, tasks
from . import tree as trees

PENDING = "PENDING"
_JSON_COLUMNS = ("metadata", "block", "specification", "commits")
_SUMMARY = ("id", "task_type", "state", "description", "owner", "metadata", "created_at", "scheduled_at",
            "started_at", "completed_at", "failures", "archived", "archived_at", "rollback_of", "node")


def _decode(row) -> dict:
    record = dict(row._mapping)
    for key in _JSON_COLUMNS:
        if key in record and isinstance(record[key], str):
            record[key] = loads(record[key])
    return record


# Built once: every step runs it at least twice. The SET clause comes from the parameters given.
_PROGRESS_ROW = update(task_progress).where(and_(task_progress.c.task_id == bindparam("row_task"),
                                                 task_progress.c.path == bindparam("row_path")))


# The old state of a change no observer wants: not read, and no observer is told of the change.
_UNWATCHED = object()

class Claim(NamedTuple):
    """A server's claim on a task: the fencing token its writes for the task are conditional on."""
    node: str
    number: int


class ClaimLost(Exception):
    """A write for a task whose claim has moved on (another server failed or claimed it): nothing was written."""


# Built once, as _PROGRESS_ROW: every write of a running task runs it first.
_FENCE = select(tasks.c.id).where(and_(tasks.c.id == bindparam("fence_task"), tasks.c.node == bindparam("fence_node"),
                                       tasks.c.claim == bindparam("fence_claim"))).with_for_update()


def completed_or(stamp: str):
    """The completion date to store: the one the task has, else `stamp`."""
    return func.coalesce(tasks.c.completed_at, stamp)


def empty_commits() -> dict:
    return {"applied": [], "final": False}


class TaskStore:
    def __init__(self, db: Database):
        self.db = db
        # Told of each committed state change, on the writer's thread: observer.observe(task_id, step_path | None,
        # old, new) for each observer whose wants(task_id, step_path) is true; observe must return at once
        # (server/notifications queues the work). The old state is read only for a change an observer wants.
        self.observers: list = []

    def _watched(self, task_id: str, path: str | None) -> bool:
        return any(observer.wants(task_id, path) for observer in self.observers)

    def _state_before(self, conn: Transaction, task_id: str, path: str | None):
        if not self._watched(task_id, path):
            return _UNWATCHED
        if path is None:
            return conn.execute(select(tasks.c.state).where(tasks.c.id == task_id)).scalar()
        return conn.execute(select(task_progress.c.state).where(and_(
            task_progress.c.task_id == task_id, task_progress.c.path == path))).scalar()

    def _changed(self, task_id: str, changes: list) -> None:
        for path, old, new in changes:
            if new == old or old is _UNWATCHED:
                continue
            for observer in self.observers:
                try:
                    if observer.wants(task_id, path):
                        observer.observe(task_id, path, old, new)
                except Exception:  # an observer never breaks a state change
                    logging.getLogger(__name__).exception("Task state observer failed")

    # -- creating and reading ------------------------------------------------------------------
    def create(self, *, task_type: str, description: str, owner: str, metadata: dict, block: dict,
               specification: dict, rollback_of: str | None = None) -> str:
        task_id = str(uuid.uuid4())
        row = dict(id=task_id, task_type=task_type, state=PENDING, description=description, owner=owner,
                   metadata=json.dumps(metadata), block=dumps_text(block), specification=dumps_text(specification),
                   created_at=now_iso(), failures=0, archived=0, commits=json.dumps(empty_commits()),
                   rollback_of=rollback_of)
        progress = [dict(task_id=task_id, path=path, state=PENDING, failure_count=0) for path in trees.all_paths(block)]
        with self.db.write() as conn:
            conn.execute(insert(tasks).values(**row))
            if progress:
                conn.execute(insert(task_progress), progress)
        return task_id

    def get(self, task_id: str, with_specification: bool = False) -> dict | None:
        """The stored task (JSON columns decoded), or None."""
        columns = [c for c in tasks.c if with_specification or c.name != "specification"]
        with self.db.read() as conn:
            row = conn.execute(select(*columns).where(tasks.c.id == task_id)).first()
        return _decode(row) if row is not None else None

    def list(self, owner: str | None = None, states: tuple | None = None, archived: bool | None = False) -> list[dict]:
        """Tasks (without block tree and specification), oldest first."""
        query = select(*[tasks.c[name] for name in _SUMMARY])
        if owner is not None:
            query = query.where(tasks.c.owner == owner)
        if states:
            query = query.where(tasks.c.state.in_(states))
        if archived is not None:
            query = query.where(tasks.c.archived == (1 if archived else 0))
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(tasks.c.created_at)).all()
        return [_decode(row) for row in rows]

    def completed_between(self, begin: str | None, end: str | None) -> list[dict]:
        """Tasks (without block tree and specification) completed in [begin, end) (ISO strings in UTC, either may be
        None), archived or not, in the order they completed; ix_tasks_completed_at serves it."""
        conditions = [tasks.c.completed_at.is_not(None)]
        if begin:
            conditions.append(tasks.c.completed_at >= begin)
        if end:
            conditions.append(tasks.c.completed_at < end)
        query = select(*[tasks.c[name] for name in _SUMMARY]).where(and_(*conditions)).order_by(
            tasks.c.completed_at, tasks.c.id)
        with self.db.read() as conn:
            return [_decode(row) for row in conn.execute(query).all()]

    def archived_between(self, begin: str | None, end: str | None, page: int,
                         per_page: int) -> tuple[list[dict], int]:
        """Archived tasks completed in [begin, end) (ISO strings in UTC), oldest first, one page. Every archived task
        has a completion date (archiving and cancelling keep the task's or set the moment's, as they have since the
        first release), so ix_tasks_completed_at serves the period."""
        names = _SUMMARY + ("block",)
        moment = tasks.c.completed_at
        # archived != 0, not == 1: SQLite would take an equality to ix_tasks_archived, which holds nearly every task
        conditions = [tasks.c.archived != 0]
        if begin:
            conditions.append(moment >= begin)
        if end:
            conditions.append(moment < end)
        where = and_(*conditions)
        query = select(*[tasks.c[name] for name in names]).where(where).order_by(moment, tasks.c.id)
        if per_page > 0:
            query = query.limit(per_page).offset(max(page - 1, 0) * per_page)
        with self.db.read() as conn:
            total = conn.execute(select(func.count()).select_from(tasks).where(where)).scalar_one()
            rows = conn.execute(query).all()
        return [_decode(row) for row in rows], total

    # -- changing ------------------------------------------------------------------------------
    def update(self, task_id: str, **values) -> None:
        """Change columns of a task; dict and list values (block, metadata...) are stored as JSON. The engine
        changes states only with `update_if`."""
        encoded = {k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in values.items()}
        with self.db.write() as conn:
            old = self._state_before(conn, task_id, None) if "state" in values else None
            conn.execute(update(tasks).where(tasks.c.id == task_id).values(**encoded))
        if "state" in values:
            self._changed(task_id, [(None, old, values["state"])])

    def update_if(self, task_id: str, states: tuple, node: str | None = None, owned_by: str | None = None,
                  under: Claim | None = None, **values) -> bool:
        """Change the task in one conditional statement, only while it is in one of `states` (and, with `node`,
        run by that server; with `under`, under that claim; with `owned_by`, owned by that user); False when it
        is not: another request, or another server, changed it first."""
        encoded = {k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in values.items()}
        condition = and_(tasks.c.id == task_id, tasks.c.state.in_(states),
                         *([tasks.c.node == node] if node is not None else []),
                         *([tasks.c.node == under.node, tasks.c.claim == under.number] if under is not None else []),
                         *([tasks.c.owner == owned_by] if owned_by is not None else []))
        with self.db.write() as conn:
            # Locked (PostgreSQL), so the state the observers are told of is the one the update replaces.
            old = conn.execute(select(tasks.c.state).where(condition).with_for_update()).scalar() \
                if "state" in values and self._watched(task_id, None) else _UNWATCHED
            changed = conn.execute(update(tasks).where(condition).values(**(encoded or {"state": tasks.c.state})))
        if changed.rowcount != 1:
            return False
        if "state" in values:
            self._changed(task_id, [(None, old, values["state"])])
        return True

    def hold(self, task_id: str, states: tuple) -> bool:
        """Inside a write: lock the task while it is in one of `states` (False when it is not), so that what the
        write changes besides (its steps' progress) goes with that state."""
        return self.update_if(task_id, states)

    def claim_queued(self, node: str, limit: int, lease_until: str, started_at: str) -> dict[str, Claim]:
        """QUEUED -> EXECUTING for this server, oldest queued first, at most `limit` tasks; returns the claim on each.
        Rows another server is claiming at the same moment are skipped (PostgreSQL's SKIP LOCKED), and each update
        is conditional."""
        claimed = {}
        with self.db.write() as conn:
            rows = conn.execute(select(tasks.c.id, tasks.c.claim).where(tasks.c.state == "QUEUED").order_by(
                func.coalesce(tasks.c.queued_at, tasks.c.created_at), tasks.c.created_at).limit(limit).with_for_update(
                skip_locked=True)).all()
            for task_id, number in rows:
                result = conn.execute(update(tasks).where(and_(
                    tasks.c.id == task_id, tasks.c.state == "QUEUED", tasks.c.claim == number)).values(
                    state="EXECUTING", node=node, claim=number + 1, lease_until=lease_until, completed_at=None,
                    started_at=func.coalesce(tasks.c.started_at, started_at)))
                if result.rowcount == 1:
                    claimed[task_id] = Claim(node, number + 1)
        for task_id in claimed:
            self._changed(task_id, [(None, "QUEUED", "EXECUTING")])
        return claimed

    def _fence(self, conn: Transaction, task_id: str, claim: Claim | None) -> None:
        """Inside a write: lock the task row while it carries `claim` (PostgreSQL: FOR UPDATE, so a server failing
        or claiming the task waits for this write, or this write for that one, and sees its outcome); ClaimLost when
        it does not. No claim: a write that is not the running server's (recovery), unconditional."""
        if claim is None:
            return
        held = conn.execute(_FENCE, {"fence_task": task_id, "fence_node": claim.node,
                                     "fence_claim": claim.number}).first()
        if held is None:
            raise ClaimLost(f"Task {task_id} no longer runs under the claim of {claim.node} ({claim.number}).")

    def hold_claim(self, task_id: str, claim: Claim | None) -> None:
        """Inside a write (a checkpoint's commit): hold the task's claim until it commits, or raise ClaimLost."""
        with self.db.write() as conn:
            self._fence(conn, task_id, claim)

    def queue_due(self, now: str) -> list[str]:
        """SCHEDULED -> QUEUED for every task whose time has come (whichever server scheduled it)."""
        queued = []
        with self.db.write() as conn:
            rows = conn.execute(select(tasks.c.id, tasks.c.scheduled_at).where(and_(
                tasks.c.state == "SCHEDULED", tasks.c.scheduled_at <= now)).with_for_update(skip_locked=True)).all()
            for row in rows:
                result = conn.execute(update(tasks).where(and_(tasks.c.id == row.id, tasks.c.state == "SCHEDULED"))
                                      .values(state="QUEUED", queued_at=row.scheduled_at))
                if result.rowcount == 1:
                    queued.append(row.id)
        for task_id in queued:
            self._changed(task_id, [(None, "SCHEDULED", "QUEUED")])
        return queued

    def renew(self, node: str, task_ids: list[str], lease_until: str | None, running: tuple) -> dict[str, str]:
        """Extend this server's claim on the tasks it runs (when `lease_until` is given); returns their states, in
        which another server may have recorded a stop or an abort, or a failure when the claim had expired."""
        if not task_ids:
            return {}
        with self.db.write() as conn:
            if lease_until is not None:
                conn.execute(update(tasks).where(and_(tasks.c.id.in_(task_ids), tasks.c.node == node,
                                                      tasks.c.state.in_(running))).values(lease_until=lease_until))
            rows = conn.execute(select(tasks.c.id, tasks.c.state, tasks.c.node).where(tasks.c.id.in_(task_ids))).all()
        return {row.id: (row.state if row.node == node else "LOST") for row in rows}

    def lock_expired(self, now: str, running: tuple) -> list[str]:
        """Inside a write: lock the running tasks whose claim expired (skipping those another server is reaping)."""
        with self.db.write() as conn:
            return list(conn.execute(select(tasks.c.id).where(and_(
                tasks.c.state.in_(running), tasks.c.archived == 0,
                tasks.c.lease_until < now)).with_for_update(
                skip_locked=True)).scalars())

    def delete(self, task_id: str, states: tuple | None = None) -> bool:
        """Remove a task without history (a PENDING task cancelled before it ever ran); with `states`, only while
        it is in one of them."""
        with self.db.write() as conn:
            condition = tasks.c.id == task_id
            if states is not None:
                condition = and_(condition, tasks.c.state.in_(states))
            if conn.execute(delete(tasks).where(condition)).rowcount != 1:
                return False
            conn.execute(delete(task_logs).where(task_logs.c.task_id == task_id))
            conn.execute(delete(task_progress).where(task_progress.c.task_id == task_id))
        return True

    def record_commits(self, task_id: str, commits: dict, claim: Claim | None = None) -> None:
        """Store what was committed to the repository (the engine calls it inside the write that commits it)."""
        with self.db.write() as conn:
            self._fence(conn, task_id, claim)
            conn.execute(update(tasks).where(tasks.c.id == task_id).values(commits=json.dumps(commits)))

    def specifications(self, excluding: tuple) -> list[str]:
        """The specification (JSON text) of every task in none of the states `excluding`."""
        with self.db.read() as conn:
            return [row.specification for row in conn.execute(
                select(tasks.c.specification).where(tasks.c.state.not_in(excluding)))]

    # -- progress ------------------------------------------------------------------------------
    def progress(self, task_id: str) -> dict[str, dict]:
        """path -> {state, started_at, completed_at, failure_count} of every block and step."""
        with self.db.read() as conn:
            rows = conn.execute(select(task_progress).where(task_progress.c.task_id == task_id)).all()
        return {row.path: {"state": row.state, "started_at": row.started_at, "completed_at": row.completed_at,
                           "failure_count": row.failure_count} for row in rows}

    def ensure_progress(self, task_id: str, block: dict) -> None:
        """Add PENDING progress rows for blocks and steps that have none (tasks stored before progress was)."""
        with self.db.read() as conn:
            known = {row.path for row in conn.execute(select(task_progress.c.path).where(
                task_progress.c.task_id == task_id))}
        missing = [dict(task_id=task_id, path=path, state=PENDING, failure_count=0)
                   for path in trees.all_paths(block) if path not in known]
        if missing:
            with self.db.write() as conn:
                conn.execute(insert(task_progress), missing)

    def set_progress(self, task_id: str, changes: dict[str, dict], task: dict | None = None,
                     failed_step: str | None = None, claim: Claim | None = None) -> None:
        """Change blocks and steps ({path: {column: value}}) and optionally the task row, in one
        transaction; `failed_step` adds one to that step's and the task's failure counts."""
        changed = []
        with self.db.write() as conn:
            self._fence(conn, task_id, claim)
            for path, values in changes.items():
                if "state" in values:
                    changed.append((path, self._state_before(conn, task_id, path), values["state"]))
                conn.execute(_PROGRESS_ROW, dict(values, row_task=task_id, row_path=path))
            if failed_step is not None:
                conn.execute(_PROGRESS_ROW.values(failure_count=task_progress.c.failure_count + 1),
                             {"row_task": task_id, "row_path": failed_step})
            task_values = dict(task or {})
            if failed_step is not None:
                task_values["failures"] = tasks.c.failures + 1
            if "state" in task_values:
                changed.append((None, self._state_before(conn, task_id, None), task_values["state"]))
            if task_values:
                conn.execute(update(tasks).where(tasks.c.id == task_id).values(**task_values))
        self._changed(task_id, changed)

    def insert_step(self, task_id: str, block: dict, block_id: str, number: int) -> None:
        """Store a block tree in which a step was inserted as step `number` of block `block_id`: the
        progress and logs of the steps after it move up one number."""
        step_block = trees.find_block(block, block_id)
        count = len(step_block["steps"])  # including the new step
        with self.db.write() as conn:
            for old in range(count - 1, number - 1, -1):
                for table in (task_progress, task_logs):
                    conn.execute(update(table).where(and_(
                        table.c.task_id == task_id, table.c.path == f"{block_id}_{old}")).values(
                        path=f"{block_id}_{old + 1}"))
            conn.execute(insert(task_progress).values(task_id=task_id, path=f"{block_id}_{number}", state=PENDING,
                                                      failure_count=0))
            conn.execute(update(tasks).where(tasks.c.id == task_id).values(block=json.dumps(block)))

    # -- logs ----------------------------------------------------------------------------------
    def append_log(self, task_id: str, path: str, text: str, claim: Claim | None = None) -> None:
        if not text:
            return
        with self.db.write() as conn:
            self._fence(conn, task_id, claim)
            conn.execute(insert(task_logs).values(task_id=task_id, path=path, text=text))

    def log(self, task_id: str, path: str) -> str:
        with self.db.read() as conn:
            rows = conn.execute(select(task_logs.c.text).where(and_(
                task_logs.c.task_id == task_id, task_logs.c.path == path)).order_by(task_logs.c.seq)).all()
        return "".join(row.text for row in rows)

    def logs(self, task_id: str) -> dict[str, str]:
        """path -> log text of every step that logged something."""
        out: dict[str, str] = {}
        with self.db.read() as conn:
            rows = conn.execute(select(task_logs.c.path, task_logs.c.text).where(
                task_logs.c.task_id == task_id).order_by(task_logs.c.seq)).all()
        for row in rows:
            out[row.path] = out.get(row.path, "") + row.text
        return out

    # -- processes of running steps -------------------------------------------------------------
    def add_process(self, tag: str, task_id: str, path: str, host_id: str, process_group: int, host: str,
                    claim: Claim | None = None) -> None:
        with self.db.write() as conn:
            self._fence(conn, task_id, claim)
            conn.execute(insert(step_processes).values(tag=tag, task_id=task_id, path=path, host_id=host_id,
                                                       process_group=process_group, host=host, started_at=now_iso()))

    def remove_process(self, tag: str, task_id: str | None = None, claim: Claim | None = None) -> None:
        """Forget a command that has ended; with `claim` (and `task_id`), only while the task runs under it: once it
        moved on, the record is the new claimant's to end and remove."""
        with self.db.write() as conn:
            if claim is not None:
                self._fence(conn, task_id, claim)
            conn.execute(delete(step_processes).where(step_processes.c.tag == tag))

    def processes(self, task_id: str) -> list[dict]:
        """The recorded processes of the task's steps, oldest first."""
        with self.db.read() as conn:
            rows = conn.execute(select(step_processes).where(step_processes.c.task_id == task_id).order_by(
                step_processes.c.started_at)).all()
        return [dict(row._mapping) for row in rows]

    def ids_in_states(self, states: tuple) -> list[dict]:
        """Unarchived tasks in some states, oldest first (for recovery)."""
        return self.list(None, states, archived=False)


def task_json(record: dict) -> dict:
    """A stored task in the REST form, without progress (kept for callers of the planning issue)."""
    from .views import task_json as render
    return render(record, {}, {})
