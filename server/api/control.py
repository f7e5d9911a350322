"""ControlTaskService `/control`: prepare a control task of a CI, create it as a task.

    GET  /control/prepare/{controlTaskName}/{ciId}  -> Control {"controlName", "ci", "parameters", "description"}
    POST /control  (body Control)                   -> {"string": <task id>}  (a PENDING CONTROL task)
    POST /control/start/{ciId}/{controlTaskName}    -> the 3.x form: create and start at once

Preparing needs read on the CI; creating (and starting) needs controltask#execute on it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from ..refs import ref_id
from ..security.permissions import CONTROLTASK_EXECUTE, READ
from .common import created_task, call, json_body, ok, services, user
from .guard import audit, needs, require


@needs("read on the CI")
async def prepare(request: Request):
    require(request, READ, request.path_params["ci"])
    return ok(await call(services(request).controls.prepare, request.path_params["name"], request.path_params["ci"]),
              "control")


@needs("controltask#execute on the CI")
async def create(request: Request):
    body = await json_body(request, dict)
    if body.get("ci") is not None:  # without one the engine refuses the control
        ci_id = ref_id(body["ci"], "The Control's 'ci'")
        audit(request, ci_id)
        require(request, CONTROLTASK_EXECUTE, ci_id)
    task_id = await call(services(request).controls.create, body, user(request))
    audit(request, task_id)
    return created_task(task_id)


@needs("controltask#execute on the CI")
async def create_and_start(request: Request):
    """3.x: POST /control/start/{ciId}/{taskName} (the last segment is the control task's name)."""
    ci_id, _, name = request.path_params["rest"].rpartition("/")
    require(request, CONTROLTASK_EXECUTE, ci_id)
    controls = services(request).controls
    task_id = await call(controls.create, {"controlName": name, "ci": ci_id}, user(request))
    audit(request, task_id)
    await call(services(request).task_engine.start, task_id)
    return created_task(task_id)


routes = [
    Route("/control/prepare/{name}/{ci:path}", prepare, methods=["GET"]),
    Route("/control", create, methods=["POST"]),
    Route("/control/", create, methods=["POST"]),
    Route("/control/start/{rest:path}", create_and_start, methods=["POST"]),
]
