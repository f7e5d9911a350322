"""TaskBlockService `/tasks/v2` and the older TaskService `/task` (flat steps).

Actions (start, stop, abort, archive, cancel, schedule) answer 204; assign, takeover, skip, unskip and
add-pause answer the task. A state that does not allow the action is a 409 naming the task and its
state. Task, block and step JSON: server/engine/views.py; `/tasks/v2/{id}/summary` (our addition) is
the task with its steps' states but not their logs, what the shell polls while it waits for a task.
`/tasks/v2/query` and `/export` list archived tasks completed between `begindate` and `enddate`
(yyyy-MM-dd, both included), paged with `page` (from 1) and `resultsPerPage` (at most 1000); the total
is in the `X-Total-Count` header.

Who may do what is server/security/policy.py's: a task is seen by its owner, admins and readers of its
environment and application; acted on by its owner and admins; reports (query, export) need
report#view and list only the tasks the caller may see. Step parameters that are secrets show as
********.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from ..errors import BadRequest
from ..security.permissions import ADMIN, REPORT_VIEW
from .common import call, int_param, json_body, no_content, ok, services, user
from .guard import check, mask_secrets, needs, policy, require, security


def _engine(request: Request):
    return services(request).task_engine


def _views(request: Request):
    return services(request).task_views


def _id(request: Request) -> str:
    return request.path_params["id"]


# -- reading -----------------------------------------------------------------------------------
SEE = "the task's owner, admin, or read on its environment and application"
ACT = "the task's owner or admin"


async def _see(request: Request) -> None:
    await check(request, policy(request).see, _id(request))


@needs(SEE)
async def get_task(request: Request):
    await _see(request)
    return ok(mask_secrets(await call(_views(request).task, _id(request))), "task")


@needs(SEE)
async def get_summary(request: Request):
    await _see(request)
    return ok(mask_secrets(await call(_views(request).summary, _id(request))), "task")


@needs(SEE)
async def get_block(request: Request):
    await _see(request)
    return ok(mask_secrets(await call(_views(request).block, _id(request), request.path_params["block"], False)),
              "block")


@needs(SEE)
async def get_block_steps(request: Request):
    await _see(request)
    return ok(mask_secrets(await call(_views(request).block, _id(request), request.path_params["block"], True)),
              "block")


@needs(SEE)
async def get_step(request: Request):
    await _see(request)
    return ok(mask_secrets(await call(_views(request).step, _id(request), request.path_params["path"])), "step")


@needs(SEE)
async def get_step_log(request: Request):
    await _see(request)
    text = await call(_views(request).step_log, _id(request), request.path_params["path"])
    if "application/json" in request.headers.get("accept", "") and "text/plain" not in request.headers.get("accept", ""):
        return ok({"log": text})
    return PlainTextResponse(text)


@needs("login; the caller's own tasks")
async def current(request: Request):
    return ok(mask_secrets(await call(_views(request).current, user(request))), "tasks")


@needs(ADMIN)
async def current_all(request: Request):
    return ok(mask_secrets(await call(_views(request).current, None)), "tasks")


async def _archived(request: Request, with_steps: bool):
    require(request, REPORT_VIEW)
    q = request.query_params
    caller = user(request)
    visible = None
    if not security(request).is_admin(caller):
        reader = security(request).reader(caller)
        visible = lambda record: policy(request).may_see(caller, record, reader)  # noqa: E731
    tasks, total = await call(_views(request).archived, q.get("begindate"), q.get("enddate"),
                              int_param(request, "page", 1), int_param(request, "resultsPerPage", -1), with_steps,
                              visible)
    return ok(mask_secrets(tasks), "tasks", headers={"X-Total-Count": str(total)})


@needs("report#view; lists the tasks the caller may see")
async def query(request: Request):
    return await _archived(request, False)


@needs("report#view; lists the tasks the caller may see")
async def export(request: Request):
    return await _archived(request, True)


# -- actions -----------------------------------------------------------------------------------
def _action(name: str):
    @needs(ACT)
    async def route(request: Request):
        await check(request, policy(request).act, _id(request), name)
        await call(getattr(_engine(request), name), _id(request))
        return no_content()
    return route


@needs(ACT)
async def schedule(request: Request):
    await check(request, policy(request).act, _id(request), "schedule")
    await call(_engine(request).schedule, _id(request), request.query_params.get("time"))
    return no_content()


@needs("admin, or the task's owner with task#assign")
async def assign(request: Request):
    await check(request, policy(request).assign, _id(request))
    await call(_engine(request).assign, _id(request), request.path_params["owner"])
    return ok(await call(_views(request).task, _id(request)), "task")


@needs("task#takeover on the task's environment")
async def takeover(request: Request):
    await check(request, policy(request).takeover, _id(request))
    await call(_engine(request).takeover, _id(request), request.path_params["owner"], user(request))
    return ok(await call(_views(request).task, _id(request)), "task")


def _skip(skip: bool):
    @needs(ACT + ", with task#skip_step on the task's environment")
    async def route(request: Request):
        await check(request, policy(request).skip, _id(request))
        paths = await json_body(request, list)
        await call(_engine(request).skip, _id(request), paths, skip)
        return ok(await call(_views(request).task, _id(request)), "task")
    return route


@needs(ACT)
async def add_pause(request: Request):
    await check(request, policy(request).act, _id(request), "change the plan of")
    await call(_engine(request).add_pause, _id(request), request.path_params["path"])
    return ok(await call(_views(request).task, _id(request)), "task")


# -- the older /task API -----------------------------------------------------------------------
@needs(SEE)
async def legacy_task(request: Request):
    await _see(request)
    task = mask_secrets(await call(_views(request).task, _id(request)))
    task.pop("block", None)
    task["steps"] = mask_secrets(await call(_views(request).flat_steps, _id(request)))
    task["label"] = task["description"]
    return ok(task, "task")


@needs(SEE)
async def legacy_steps(request: Request):
    await _see(request)
    return ok(mask_secrets(await call(_views(request).flat_steps, _id(request))), "steps")


def _step_number(item) -> int | None:
    """A flat step number (1, 2, ...) given as a number or as digits; None for anything else (a path)."""
    if isinstance(item, int) and not isinstance(item, bool):
        return item
    if not (isinstance(item, str) and item.isascii() and item.isdigit()):
        return None
    if len(item) > 9:  # no task has that many steps; and int() refuses more than 4,300 digits
        raise BadRequest(f"Step number {item[:12]}... is larger than any task's number of steps.")
    return int(item)


@needs(SEE)
async def legacy_step(request: Request):
    number = _step_number(request.path_params["nr"])
    if number is None:
        return await get_step(_with_path(request, request.path_params["nr"]))
    await _see(request)
    return ok(mask_secrets(await call(_views(request).flat_step, _id(request), number)), "step")


def _with_path(request: Request, path: str) -> Request:
    request.path_params["path"] = path
    return request


async def legacy_skip(request: Request, skip: bool):
    await check(request, policy(request).skip, _id(request))
    body = await json_body(request)
    views = _views(request)
    flat = await call(views.flat_steps, _id(request))
    items = body if isinstance(body, list) else [body]
    paths = []
    for item in items:
        number = _step_number(item)
        if number is not None:
            if not 1 <= number <= len(flat):
                raise BadRequest(f"Task {_id(request)} has no step {number}; it has {len(flat)}.")
            paths.append(flat[number - 1]["path"])
        else:
            paths.append(item)
    await call(_engine(request).skip, _id(request), paths, skip)
    return ok(await call(views.task, _id(request)), "task")


@needs(ACT + ", with task#skip_step on the task's environment")
async def legacy_skip_route(request: Request):
    return await legacy_skip(request, True)


@needs(ACT + ", with task#skip_step on the task's environment")
async def legacy_unskip_route(request: Request):
    return await legacy_skip(request, False)


routes = [
    Route("/tasks/v2/current", current, methods=["GET"]),
    Route("/tasks/v2/current/all", current_all, methods=["GET"]),
    Route("/tasks/v2/query", query, methods=["GET"]),
    Route("/tasks/v2/export", export, methods=["GET"]),
    Route("/tasks/v2/{id}", get_task, methods=["GET"]),
    Route("/tasks/v2/{id}", _action("cancel"), methods=["DELETE"]),
    Route("/tasks/v2/{id}/start", _action("start"), methods=["POST"]),
    Route("/tasks/v2/{id}/stop", _action("stop"), methods=["POST"]),
    Route("/tasks/v2/{id}/abort", _action("abort"), methods=["POST"]),
    Route("/tasks/v2/{id}/cancel", _action("cancel"), methods=["POST"]),
    Route("/tasks/v2/{id}/archive", _action("archive"), methods=["POST"]),
    Route("/tasks/v2/{id}/schedule", schedule, methods=["POST"]),
    Route("/tasks/v2/{id}/assign/{owner}", assign, methods=["POST"]),
    Route("/tasks/v2/{id}/takeover/{owner}", takeover, methods=["POST"]),
    Route("/tasks/v2/{id}/skip", _skip(True), methods=["POST"]),
    Route("/tasks/v2/{id}/unskip", _skip(False), methods=["POST"]),
    Route("/tasks/v2/{id}/add-pause/{path}", add_pause, methods=["POST"]),
    Route("/tasks/v2/{id}/summary", get_summary, methods=["GET"]),
    Route("/tasks/v2/{id}/block/{block}", get_block, methods=["GET"]),
    Route("/tasks/v2/{id}/block/{block}/step", get_block_steps, methods=["GET"]),
    Route("/tasks/v2/{id}/step/{path}", get_step, methods=["GET"]),
    Route("/tasks/v2/{id}/step-log/{path}", get_step_log, methods=["GET"]),
    # TaskService (3.x-5.x): flat steps numbered from 1.
    Route("/task/current", current, methods=["GET"]),
    Route("/task/current/all", current_all, methods=["GET"]),
    Route("/task/query", query, methods=["GET"]),
    Route("/task/export", export, methods=["GET"]),
    Route("/task/{id}", legacy_task, methods=["GET"]),
    Route("/task/{id}", _action("cancel"), methods=["DELETE"]),
    Route("/task/{id}/start", _action("start"), methods=["POST"]),
    Route("/task/{id}/stop", _action("stop"), methods=["POST"]),
    Route("/task/{id}/abort", _action("abort"), methods=["POST"]),
    Route("/task/{id}/cancel", _action("cancel"), methods=["POST"]),
    Route("/task/{id}/archive", _action("archive"), methods=["POST"]),
    Route("/task/{id}/schedule", schedule, methods=["POST"]),
    Route("/task/{id}/assign/{owner}", assign, methods=["POST"]),
    Route("/task/{id}/takeover/{owner}", takeover, methods=["POST"]),
    Route("/task/{id}/skip", legacy_skip_route, methods=["POST"]),
    Route("/task/{id}/unskip", legacy_unskip_route, methods=["POST"]),
    Route("/task/{id}/step", legacy_steps, methods=["GET"]),
    Route("/task/{id}/step/{nr}", legacy_step, methods=["GET"]),
]
