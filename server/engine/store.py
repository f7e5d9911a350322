"""The task store: tasks persisted with their block tree, metadata and specification.

A deployment task is created PENDING by `POST /deployment` and waits there for the engine. Stored:
- `block`: the client-facing block tree (spec §5: root `0`, phase `0_1`, plan `0_1_1`...), each step
  with its engine data (type, order, parameters, checkpoint; see server/planning/steps.py);
- `specification`: the deployment the plan was made for, for the engine to commit at checkpoints:
  {"deployment", "type", "deployedApplication", "previousDeployedApplication",
   "deltas": [{"operation", "deployed": CI JSON | null, "previous": CI JSON | null}]};
- `metadata`: application, version, environment, environment_id, taskType...
The engine extends this (state changes, dates, step states and logs, archiving) with `update()`.
"""

from __future__ import annotations

import json
import threading
import uuid

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from ..planning.plan import count_steps
from ..repository.schema import tasks
from ..repository.values import now_iso

PENDING = "PENDING"


class TaskStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._write_lock = threading.Lock()

    def create(self, *, task_type: str, description: str, owner: str, metadata: dict, block: dict,
               specification: dict) -> str:
        task_id = str(uuid.uuid4())
        row = dict(id=task_id, task_type=task_type, state=PENDING, description=description, owner=owner,
                   metadata=json.dumps(metadata), block=json.dumps(block), specification=json.dumps(specification),
                   created_at=now_iso(), failures=0)
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(insert(tasks).values(**row))
        return task_id

    def get(self, task_id: str, with_specification: bool = False) -> dict | None:
        """The stored task (JSON columns decoded), or None."""
        columns = [c for c in tasks.c if with_specification or c.name != "specification"]
        with self.engine.connect() as conn:
            row = conn.execute(select(*columns).where(tasks.c.id == task_id)).first()
        if row is None:
            return None
        record = dict(row._mapping)
        for key in ("metadata", "block", "specification"):
            if key in record:
                record[key] = json.loads(record[key])
        return record

    def list(self, owner: str | None = None, states: tuple | None = None) -> list[dict]:
        """Tasks (without block tree and specification), oldest first."""
        query = select(tasks.c.id, tasks.c.task_type, tasks.c.state, tasks.c.description, tasks.c.owner,
                       tasks.c.metadata, tasks.c.created_at, tasks.c.scheduled_at, tasks.c.started_at,
                       tasks.c.completed_at, tasks.c.failures)
        if owner is not None:
            query = query.where(tasks.c.owner == owner)
        if states:
            query = query.where(tasks.c.state.in_(states))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(tasks.c.created_at)).all()
        out = []
        for row in rows:
            record = dict(row._mapping)
            record["metadata"] = json.loads(record["metadata"])
            out.append(record)
        return out

    def update(self, task_id: str, **values) -> None:
        """Change columns of a task; dict values (block, metadata, specification) are stored as JSON."""
        encoded = {k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in values.items()}
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(update(tasks).where(tasks.c.id == task_id).values(**encoded))


def task_json(record: dict) -> dict:
    """A stored task in the REST form (TaskWithBlock)."""
    block = record.get("block")
    total = count_steps(block) if block else None
    out = {"id": record["id"], "description": record["description"], "state": record["state"],
           "owner": record["owner"], "failures": record.get("failures") or 0,
           "startDate": record.get("started_at"), "completionDate": record.get("completed_at"),
           "scheduledDate": record.get("scheduled_at"), "createdDate": record.get("created_at"),
           "metadata": record["metadata"], "currentSteps": [], "activeBlocks": []}
    if block is not None:
        out.update(nrSteps=total, totalSteps=total, currentStep=0, block=block)
    return out
