"""MetadataService routes: type descriptors, orchestrator names and the permissions (login only)."""

from starlette.requests import Request
from starlette.routing import Route

from ..errors import NotFound
from ..planning.orchestrators import ALIASES, ORCHESTRATORS
from ..security.permissions import metadata as permission_metadata
from .common import ok, services
from .guard import needs


@needs("login")
async def list_types(request: Request):
    types = services(request).types
    return ok([types.types[name].to_json() for name in sorted(types.types)], "descriptors")


@needs("login")
async def get_type(request: Request):
    name = request.path_params["type"]
    desc = services(request).types.get(name)
    if desc is None:
        raise NotFound(f"Unknown type '{name}'.")
    return ok(desc.to_json(), "descriptor")


@needs("login")
async def orchestrators(request: Request):
    return ok(list(ORCHESTRATORS) + sorted(ALIASES))


@needs("login")
async def permissions(request: Request):
    """`[{"level": "GLOBAL"|"CI", "permissionName": ..., "root": "APPLICATION"|...}]` (root only when
    the permission is set under some roots only)."""
    return ok(permission_metadata(), "permissions")


routes = [
    Route("/metadata/type", list_types, methods=["GET"]),
    Route("/metadata/type/{type}", get_type, methods=["GET"]),
    Route("/metadata/orchestrators", orchestrators, methods=["GET"]),
    Route("/metadata/permissions", permissions, methods=["GET"]),
]
