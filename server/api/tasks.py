"""TaskBlockService routes (read side): /tasks/v2/{id}, its blocks and steps, the current tasks.

The task engine adds start, stop, abort, cancel, archive and the rest; until then tasks are created
PENDING by POST /deployment and can be looked at here.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from ..engine.store import task_json
from ..errors import BadRequest, NotFound
from ..planning.plan import find_block
from .common import call, ok, services, user

ACTIVE = ("PENDING", "QUEUED", "SCHEDULED", "EXECUTING", "FAILING", "STOPPING", "ABORTING",
          "FAILED", "STOPPED", "ABORTED", "EXECUTED")


async def _task(request: Request) -> dict:
    task_id = request.path_params["id"]
    record = await call(services(request).tasks.get, task_id)
    if record is None:
        raise NotFound(f"Task {task_id} not found.")
    return record


async def get_task(request: Request):
    return ok(task_json(await _task(request)))


async def _block(request: Request) -> dict:
    record = await _task(request)
    block = find_block(record["block"], request.path_params["block"])
    if block is None:
        raise NotFound(f"Task {record['id']} has no block {request.path_params['block']}.")
    return block


async def get_block(request: Request):
    block = dict(await _block(request))
    if "blocks" in block:
        block["blocks"] = [{k: v for k, v in b.items() if k not in ("blocks", "steps")} for b in block["blocks"]]
    block.pop("steps", None)
    return ok(block)


async def get_block_steps(request: Request):
    return ok(await _block(request))


async def get_step(request: Request):
    record = await _task(request)
    path = request.path_params["path"]
    block_id, _, number = path.rpartition("_")
    if not block_id or not number.isdigit():
        raise BadRequest(f"Step path '{path}' must be <block id>_<step number>, like 0_1_1_2.")
    block = find_block(record["block"], block_id)
    steps = (block or {}).get("steps") or []
    if not 1 <= int(number) <= len(steps):
        raise NotFound(f"Task {record['id']} has no step {path}.")
    return ok(steps[int(number) - 1])


async def current(request: Request):
    records = await call(services(request).tasks.list, user(request), ACTIVE)
    return ok([task_json(r) for r in records])


async def current_all(request: Request):
    records = await call(services(request).tasks.list, None, ACTIVE)
    return ok([task_json(r) for r in records])


routes = [
    Route("/tasks/v2/current", current, methods=["GET"]),
    Route("/tasks/v2/current/all", current_all, methods=["GET"]),
    Route("/tasks/v2/{id}", get_task, methods=["GET"]),
    Route("/tasks/v2/{id}/block/{block}", get_block, methods=["GET"]),
    Route("/tasks/v2/{id}/block/{block}/step", get_block_steps, methods=["GET"]),
    Route("/tasks/v2/{id}/step/{path}", get_step, methods=["GET"]),
]
