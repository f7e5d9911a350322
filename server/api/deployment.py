"""DeploymentService routes: /deployment (prepare, generate, validate, create task, previews, dictionary).

Bodies and answers are the Deployment JSON of server/planning/wire.py. A deployment that does not
validate is refused with 400 and `{"message": ..., "validation-messages": [...]}`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..errors import BadRequest
from ..planning.adapter import ValidationFailed
from .common import boolean, call, json_body, ok, services, string, user


def _service(request: Request):
    return services(request).deployments


def _param(request: Request, name: str, required: bool = True) -> str | None:
    value = request.query_params.get(name)
    if required and not value:
        raise BadRequest(f"Query parameter '{name}' is required.")
    return value or None


def _validated(handler):
    async def route(request: Request):
        try:
            return await handler(request)
        except ValidationFailed as exc:
            return JSONResponse({"message": exc.message, "validation-messages": exc.messages}, status_code=400)
    return route


async def prepare_initial(request: Request):
    return ok(await call(_service(request).prepare_initial, _param(request, "version"), _param(request, "environment")))


async def prepare_update(request: Request):
    return ok(await call(_service(request).prepare_update, _param(request, "version"),
                         _param(request, "deployedApplication")))


async def prepare_undeploy(request: Request):
    return ok(await call(_service(request).prepare_undeploy, _param(request, "deployedApplication")))


async def prepare_deployeds(request: Request):
    return ok(await call(_service(request).auto_deployeds, await json_body(request, dict)))


async def generate_all(request: Request):
    return ok(await call(_service(request).generate_all, await json_body(request, dict)))


async def generate_selected(request: Request):
    ids = request.query_params.getlist("deployables")
    body = await json_body(request)
    if isinstance(body, dict) and "deployment" in body and not ids:  # newer form: {deployables, deployment}
        ids, body = body.get("deployables") or [], body["deployment"]
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return ok(await call(_service(request).generate_selected, body, ids))


async def generate_single(request: Request):
    return ok(await call(_service(request).generate_single, await json_body(request, dict),
                         _param(request, "deployable"), _param(request, "container"),
                         _param(request, "deployedtype", required=False)))


async def validate(request: Request):
    return ok(await call(_service(request).validate, await json_body(request, dict)))


async def create_task(request: Request):
    return string(await call(_service(request).create_task, await json_body(request, dict), user(request)))


async def rollback(request: Request):
    """A ROLLBACK task returning the repository to its state before the task (server/engine/rollback.py)."""
    return string(await call(services(request).task_engine.rollback, request.path_params["task"], user(request)))


async def preview_block(request: Request):
    return ok(await call(_service(request).preview_block, await json_body(request, dict)))


async def preview_step(request: Request):
    try:
        step_nr = int(request.path_params["step"])
    except ValueError:
        raise BadRequest(f"Step number '{request.path_params['step']}' must be a number.") from None
    return ok(await call(_service(request).preview_step, await json_body(request, dict),
                         request.path_params["block"], step_nr))


async def preview_changes(request: Request):
    return ok(await call(_service(request).preview_changes, await json_body(request, dict)))


async def exists(request: Request):
    return boolean(await call(_service(request).is_deployed, _param(request, "application"),
                              _param(request, "environment")))


async def dictionary(request: Request):
    return ok(await call(_service(request).effective_dictionary, _param(request, "environment"),
                         _param(request, "application", required=False), _param(request, "container", required=False)))


routes = [
    Route("/deployment/prepare/initial", prepare_initial, methods=["GET"]),
    Route("/deployment/prepare/update", prepare_update, methods=["GET"]),
    Route("/deployment/prepare/undeploy", prepare_undeploy, methods=["GET"]),
    Route("/deployment/prepare/deployeds", _validated(prepare_deployeds), methods=["POST"]),
    Route("/deployment/generate/all", generate_all, methods=["POST"]),
    Route("/deployment/generate/selected", generate_selected, methods=["POST"]),
    Route("/deployment/generate/selected/deployables", generate_selected, methods=["POST"]),
    Route("/deployment/generate/single", generate_single, methods=["POST"]),
    Route("/deployment/validate", validate, methods=["POST"]),
    Route("/deployment", _validated(create_task), methods=["POST"]),
    Route("/deployment/", _validated(create_task), methods=["POST"]),
    Route("/deployment/rollback/{task}", rollback, methods=["POST"]),
    Route("/deployment/previewblock", _validated(preview_block), methods=["POST"]),
    Route("/deployment/previewblock/{block}/{step}", _validated(preview_step), methods=["POST"]),
    Route("/deployment/preview-changes", _validated(preview_changes), methods=["POST"]),
    Route("/deployment/exists", exists, methods=["GET"]),
    Route("/deployment/dictionary", dictionary, methods=["GET"]),
]
