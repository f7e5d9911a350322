"""Release overview routes: an application's deployment pipeline, and the reports.

    GET  /release/pipeline/{applicationId}   -> {"application", "pipeline", "environments": [{"environment",
             "version", "versionId", "deployedBy", "deployedAt", "checklist", "nextEnvironment",
             "promotionAllowed", "promotionBlockedBy", "visible"}]}          (read on the application)
    GET  /internal/reports/tasks?begin=&end=[&filterType=application|environment|user&filter=id...]
    POST /internal/reports/tasks?begin=&end=&filterType=   body: [{"id": ..., "type": ...}] or ["id", ...]
             -> deployments completed in the period                          (report#view)
    GET  /internal/reports/environments[?environment=]  -> what is deployed where now   (report#view)

The report paths are XL Deploy's internal report API; the pipeline path is ours. Reports answer CSV
(with a header line) to `Accept: text/csv`, and list only what the caller may see.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..refs import ref_ids
from ..release.reports import DEPLOYMENT_COLUMNS, ENVIRONMENT_COLUMNS, to_csv
from ..security.permissions import READ, REPORT_VIEW
from .common import call, json_body, ok, services, user
from .guard import needs, policy, require, security


def _answer(request: Request, rows: list, columns, name: str):
    if "text/csv" in request.headers.get("accept", ""):
        return Response(to_csv(rows, columns), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return ok(rows)


@needs("read on the application")
async def pipeline(request: Request):
    app_id = request.path_params["id"]
    require(request, READ, app_id)
    reader = security(request).reader(user(request))
    return ok(await call(services(request).pipelines.view, app_id, reader))


def _task_filter(request: Request):
    caller = user(request)
    if security(request).is_admin(caller):
        return lambda record: True
    reader = security(request).reader(caller)
    return lambda record: policy(request).may_see(caller, record, reader)


async def _deployments(request: Request, ids: list):
    require(request, REPORT_VIEW)
    q = request.query_params
    rows = await call(services(request).reports.deployments, q.get("begin"), q.get("end"), q.get("filterType"),
                      ids, _task_filter(request))
    return _answer(request, rows, DEPLOYMENT_COLUMNS, "deployments")


@needs("report#view; lists the deployments the caller may see")
async def deployments(request: Request):
    return await _deployments(request, request.query_params.getlist("filter"))


@needs("report#view; lists the deployments the caller may see", changes=False)
async def deployments_filtered(request: Request):
    return await _deployments(request, ref_ids(await json_body(request, list)))


@needs("report#view; lists the environments the caller may read")
async def environments(request: Request):
    require(request, REPORT_VIEW)
    rows = await call(services(request).reports.environments, request.query_params.get("environment"),
                      security(request).reader(user(request)))
    return _answer(request, rows, ENVIRONMENT_COLUMNS, "environments")


routes = [
    Route("/release/pipeline/{id:path}", pipeline, methods=["GET"]),
    Route("/internal/reports/tasks", deployments, methods=["GET"]),
    Route("/internal/reports/tasks", deployments_filtered, methods=["POST"]),
    Route("/internal/reports/environments", environments, methods=["GET"]),
]
