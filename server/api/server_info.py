"""ServerService routes: /server/info."""

import platform

from starlette.requests import Request
from starlette.routing import Route

from .. import __version__
from .common import ok, services
from .guard import needs


@needs("login")
async def info(request: Request):
    svc = services(request)
    plugins = sorted({d.source.split("/")[-1] for d in svc.types.types.values()})
    return ok({
        "version": __version__,
        "edition": "deployit (Python)",
        "pythonVersion": platform.python_version(),
        "classpathEntries": [],
        "pluginsInfo": [{"name": p.rsplit(".", 1)[0], "version": __version__} for p in plugins],
        "contextRoot": svc.config.rest_prefix,
    }, "server-info")


routes = [Route("/server/info", info, methods=["GET"])]
