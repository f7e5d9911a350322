"""Server administration under /server: state, maintenance mode, shutdown and garbage collection.

    GET  /server/state              -> {"current-mode": "RUNNING"|"MAINTENANCE", "maintenanceSince", "maintenanceBy",
                                        "artifactFiles", "artifactBytes"}      (login)
    POST /server/maintenance/start  -> 204; writes are refused with a 503 until .../stop    (admin)
    POST /server/maintenance/stop   -> 204                                                   (admin)
    POST /server/shutdown           -> 204, then the server stops as on SIGTERM              (admin)
    POST /server/gc                 -> {"string": taskId}: a GARBAGE_COLLECTION task, started (admin)

Maintenance start/stop and shutdown are allowed while in maintenance mode (`__maintenance__`).
"""

from __future__ import annotations

import asyncio

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import Conflict
from .common import call, created_task, no_content, ok, services, user
from .guard import audit, needs


def allowed_in_maintenance(handler):
    handler.__maintenance__ = True
    return handler


@needs("login")
async def state(request: Request):
    svc = services(request)
    files, size = await call(svc.repository.artifacts.usage)
    return ok({"current-mode": svc.mode.mode, "maintenanceSince": svc.mode.since, "maintenanceBy": svc.mode.by,
               "artifactFiles": files, "artifactBytes": size}, "server-state")


@allowed_in_maintenance
@needs("admin")
async def maintenance_start(request: Request):
    services(request).mode.start_maintenance(user(request))
    return no_content()


@allowed_in_maintenance
@needs("admin")
async def maintenance_stop(request: Request):
    services(request).mode.stop_maintenance()
    return no_content()


@allowed_in_maintenance
@needs("admin")
async def shutdown(request: Request):
    stop = services(request).request_shutdown
    if stop is None:
        raise Conflict("This server was not started by deployit-server and cannot stop itself; stop its process.")

    async def later():
        await asyncio.sleep(0.1)  # let the 204 reach the caller first
        stop()

    return Response(status_code=204, background=BackgroundTask(later))


@needs("admin")
async def gc(request: Request):
    svc = services(request)
    task_id = await call(svc.gc.create_task, user(request))
    audit(request, task_id)
    await call(svc.task_engine.start, task_id)
    return created_task(task_id)


routes = [
    Route("/server/state", state, methods=["GET"]),
    Route("/server/maintenance/start", maintenance_start, methods=["POST"]),
    Route("/server/maintenance/stop", maintenance_stop, methods=["POST"]),
    Route("/server/shutdown", shutdown, methods=["POST"]),
    Route("/server/gc", gc, methods=["POST"]),
]
