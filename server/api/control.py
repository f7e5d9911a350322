"""ControlTaskService `/control`: prepare a control task of a CI, create it as a task.

    GET  /control/prepare/{controlTaskName}/{ciId}  -> Control {"controlName", "ci", "parameters", "description"}
    POST /control  (body Control)                   -> {"string": <task id>}  (a PENDING CONTROL task)
    POST /control/start/{ciId}/{controlTaskName}    -> the 3.x form: create and start at once
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from .common import call, json_body, ok, services, string, user


async def prepare(request: Request):
    return ok(await call(services(request).controls.prepare, request.path_params["name"], request.path_params["ci"]))


async def create(request: Request):
    return string(await call(services(request).controls.create, await json_body(request, dict), user(request)))


async def create_and_start(request: Request):
    """3.x: POST /control/start/{ciId}/{taskName} (the last segment is the control task's name)."""
    ci_id, _, name = request.path_params["rest"].rpartition("/")
    controls = services(request).controls
    task_id = await call(controls.create, {"controlName": name, "ci": ci_id}, user(request))
    await call(services(request).task_engine.start, task_id)
    return string(task_id)


routes = [
    Route("/control/prepare/{name}/{ci:path}", prepare, methods=["GET"]),
    Route("/control", create, methods=["POST"]),
    Route("/control/", create, methods=["POST"]),
    Route("/control/start/{rest:path}", create_and_start, methods=["POST"]),
]
