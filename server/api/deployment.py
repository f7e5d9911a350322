"""DeploymentService routes: /deployment (prepare, generate, validate, create task, previews, dictionary).

Bodies and answers are the Deployment JSON of server/planning/wire.py. A deployment that does not
validate is refused with 400 and `{"message": ..., "validation-messages": [...]}`.

Preparing, mapping, validating and previewing need read on the environment and the version; creating
the task needs the deploy permission on the environment (server/security/policy.py). The Deployment
JSON carries secrets as `{b64}` ciphertext, so that a client can send it back as it came; previews
(plans and changes, which are not sent back) show them as ********.
"""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.routing import Route

from ..errors import BadRequest
from ..deployments.service import ValidationFailed
from ..refs import ref_ids
from ..security.permissions import READ, TASK_PREVIEW_STEP
from .common import created_task, boolean, call, json_body, ok, services, user
from .guard import audit, check, mask_secrets, needs, policy, require


def _service(request: Request):
    return services(request).deployments


def _param(request: Request, name: str, required: bool = True) -> str | None:
    value = request.query_params.get(name)
    if required and not value:
        raise BadRequest(f"Query parameter '{name}' is required.")
    return value or None


def _validated(handler):
    @functools.wraps(handler)
    async def route(request: Request):
        try:
            return await handler(request)
        except ValidationFailed as exc:
            return ok({"message": exc.message, "validation-messages": exc.messages}, "error", status=400)
    return route


@needs("read on the version and the environment")
async def prepare_initial(request: Request):
    require(request, READ, _param(request, "version"))
    require(request, READ, _param(request, "environment"))
    return ok(await call(_service(request).prepare_initial, _param(request, "version"), _param(request, "environment")),
              "deployment")


@needs("read on the version and the deployed application")
async def prepare_update(request: Request):
    require(request, READ, _param(request, "version"))
    require(request, READ, _param(request, "deployedApplication"))
    return ok(await call(_service(request).prepare_update, _param(request, "version"),
                         _param(request, "deployedApplication")), "deployment")


@needs("read on the deployed application")
async def prepare_undeploy(request: Request):
    require(request, READ, _param(request, "deployedApplication"))
    return ok(await call(_service(request).prepare_undeploy, _param(request, "deployedApplication")), "deployment")


async def _readable(request: Request) -> dict:
    data = await json_body(request, dict)
    await check(request, policy(request).deployment_read, data)
    return data


@needs("read on the environment and the version", changes=False)
async def prepare_deployeds(request: Request):
    return ok(await call(_service(request).auto_deployeds, await _readable(request)), "deployment")


@needs("read on the environment and the version", changes=False)
async def generate_all(request: Request):
    return ok(await call(_service(request).generate_all, await _readable(request)), "deployment")


@needs("read on the environment and the version", changes=False)
async def generate_selected(request: Request):
    ids = request.query_params.getlist("deployables")
    body = await json_body(request)
    if isinstance(body, dict) and "deployment" in body and not ids:  # newer form: {deployables, deployment}
        ids, body = body.get("deployables") or [], body["deployment"]
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    ids = ref_ids(ids if isinstance(ids, list) else [ids], "Each deployable")
    await check(request, policy(request).deployment_read, body)
    return ok(await call(_service(request).generate_selected, body, ids), "deployment")


@needs("read on the environment and the version", changes=False)
async def generate_single(request: Request):
    return ok(await call(_service(request).generate_single, await _readable(request),
                         _param(request, "deployable"), _param(request, "container"),
                         _param(request, "deployedtype", required=False)), "deployment")


@needs("read on the environment and the version", changes=False)
async def validate(request: Request):
    return ok(await call(_service(request).validate, await _readable(request)), "deployment")


@needs("deploy#initial, deploy#upgrade or deploy#undeploy on the environment; read on the version and the containers")
async def create_task(request: Request):
    data = await json_body(request, dict)
    app = data.get("application") if isinstance(data.get("application"), dict) else {}
    audit(request, app.get("id") if isinstance(app.get("id"), str) else None)
    await check(request, policy(request).deployment_read, data)
    await check(request, policy(request).deployment, data)
    task_id = await call(_service(request).create_task, data, user(request))
    audit(request, task_id)
    return created_task(task_id)


@needs("the task's owner or admin, with the deploy permission that undoes it on its environment")
async def rollback(request: Request):
    """A ROLLBACK task returning the repository to its state before the task (server/deployments/rollback.py)."""
    await check(request, policy(request).rollback, request.path_params["task"])
    task_id = await call(_service(request).rollback, request.path_params["task"], user(request))
    audit(request, task_id)
    return created_task(task_id)


@needs("read on the environment and the version", changes=False)
async def preview_block(request: Request):
    return ok(mask_secrets(await call(_service(request).preview_block, await _readable(request))), "task")


@needs("task#preview_step; read on the environment and the version", changes=False)
async def preview_step(request: Request):
    require(request, TASK_PREVIEW_STEP)
    try:
        step_nr = int(request.path_params["step"])
    except ValueError:
        raise BadRequest(f"Step number '{request.path_params['step']}' must be a number.") from None
    return ok(mask_secrets(await call(_service(request).preview_step, await _readable(request),
                                      request.path_params["block"], step_nr)), "step")


@needs("read on the environment and the version", changes=False)
async def preview_changes(request: Request):
    return ok(mask_secrets(await call(_service(request).preview_changes, await _readable(request))), "preview")


@needs("read on the environment")
async def exists(request: Request):
    require(request, READ, _param(request, "environment"))
    return boolean(await call(_service(request).is_deployed, _param(request, "application"),
                              _param(request, "environment")))


@needs("read on the environment")
async def dictionary(request: Request):
    require(request, READ, _param(request, "environment"))
    return ok(await call(_service(request).effective_dictionary, _param(request, "environment"),
                         _param(request, "application", required=False), _param(request, "container", required=False)),
              "map")


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
